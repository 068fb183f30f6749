"""Read and validate Pybricks ``firmware.zip`` files (metadata 1.x, 2.x and 3.x).

A Pybricks firmware release for one hub is a zip holding:

- ``firmware-base.bin``       the firmware image (required)
- ``firmware.metadata.json``  what the image is and how to finish it (required)
- ``ReadMe_OSS.txt``          the open-source licence text (optional here;
                              pybricksdev 2.3 refuses a zip without it)
- ``main.py``                 metadata 1.x only, optional: a program compiled and
                              appended to the image

:func:`read_firmware_zip` reads one, checks everything that can be checked without a
hub, and returns a :class:`PybricksFirmware` carrying the finished image exactly as
``pybricksdev.firmware.create_firmware_blob`` builds it (no custom hub name): for 1.x
the base padded to ``user-mpy-offset`` + the program's length word + the program,
aligned to 4 bytes; then, unless ``checksum-type`` is ``"none"``, the 32-bit checksum
the bootloader verifies, computed over the image padded to ``max-firmware-size`` (1.x)
or ``checksum-size`` (2.x, 3.x) as pybricksdev does (``"sum"``: two's complement of the
sum of the little-endian words, padding counted as ``0xFFFFFFFF``; ``"crc32"``: the
STM32 CRC unit's CRC-32, over the image words only).

The metadata carries no checksum of its own to compare with: the checksum is one
robokit computes for the bootloader. What *is* carried and checked is the zip's CRC-32
of each member, so a damaged download is refused.

Metadata 3.x (firmware v4.1 and later, which pybricksdev 2.3 cannot read) is read with
the 2.1 field set plus an optional ``variants`` list, kept as given; see
``docs/firmware.md`` for what is and is not known about it.

No flashing here: that goes through pybricksdev.
"""

from __future__ import annotations

import json
import os
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import PybricksFirmwareError

__all__ = [
    "HUBS",
    "READABLE_METADATA_MAJORS",
    "PybricksFirmware",
    "PybricksFirmwareError",
    "HubKind",
    "crc32_stm32",
    "hub_by_name",
    "read_firmware_zip",
    "sum_complement",
]


RELEASES_URL = "https://github.com/pybricks/pybricks-micropython/releases"

#: metadata-version majors robokit reads (any minor/patch within them)
READABLE_METADATA_MAJORS = (1, 2, 3)

# Member names inside the zip.
BASE_BIN = "firmware-base.bin"
METADATA_JSON = "firmware.metadata.json"
LICENSE_TXT = "ReadMe_OSS.txt"
MAIN_PY = "main.py"

# No Pybricks hub has more flash than this: a member declaring more is not firmware.
_MAX_MEMBER = 64 * 1024 * 1024


@dataclass(frozen=True)
class HubKind:
    """A hub Pybricks firmware exists for."""

    device_id: int  # the LWP3 hub kind / "device-id" in the metadata
    name: str  # "City Hub"
    slug: str  # as in release file names: pybricks-<slug>-v3.5.0.zip


#: Every hub Pybricks publishes firmware for, by device-id (as pybricksdev's HubKind).
HUBS: dict[int, HubKind] = {h.device_id: h for h in (
    HubKind(0x40, "Move Hub", "movehub"),
    HubKind(0x41, "City Hub", "cityhub"),
    HubKind(0x80, "Technic Hub", "technichub"),
    HubKind(0x81, "Prime Hub", "primehub"),  # also the Robot Inventor hub
    HubKind(0x83, "Essential Hub", "essentialhub"),
    HubKind(0xE0, "RCX", "rcx"),
    HubKind(0xE1, "NXT", "nxt"),
    HubKind(0xE2, "EV3", "ev3"),
)}

_ALIASES = {
    "move": 0x40, "movehub": 0x40, "boost": 0x40, "boostmovehub": 0x40,
    "city": 0x41, "cityhub": 0x41,
    "technic": 0x80, "technichub": 0x80,
    "prime": 0x81, "primehub": 0x81, "spikeprime": 0x81, "spikeprimehub": 0x81,
    "inventor": 0x81, "inventorhub": 0x81, "robotinventor": 0x81, "robotinventorhub": 0x81,
    "essential": 0x83, "essentialhub": 0x83, "spikeessential": 0x83,
    "spikeessentialhub": 0x83,
    "rcx": 0xE0, "nxt": 0xE1, "ev3": 0xE2,
}


def hub_by_name(hub: int | str) -> HubKind:
    """The hub for a device-id (``0x41``) or a name (``"City Hub"``, ``"cityhub"``,
    ``"city"``, ``"spike prime"``, ...). Raises :class:`PybricksFirmwareError` if unknown."""
    if isinstance(hub, bool) or not isinstance(hub, int | str):
        raise PybricksFirmwareError(f"hub {hub!r} is neither a device id nor a hub name")
    if isinstance(hub, int):
        if hub in HUBS:
            return HUBS[hub]
        raise PybricksFirmwareError(
            f"device id {hub:#04x} is not a hub Pybricks firmware exists for "
            f"(known: {_known_hubs()})")
    key = "".join(c for c in hub.lower() if c.isalnum())
    if key in _ALIASES:
        return HUBS[_ALIASES[key]]
    raise PybricksFirmwareError(f"unknown hub {hub!r}: use one of {_known_hubs()}")


def _known_hubs() -> str:
    return ", ".join(f"{h.name} ({h.device_id:#04x})" for h in HUBS.values())


# --- checksums, as the bootloaders check them (same results as pybricksdev.tools.checksum)

def _padded(data: bytes) -> bytes:
    return data + bytes(-len(data) % 4)


def sum_complement(data: bytes, size: int) -> int:
    """The word that makes the sum of all little-endian 32-bit words of ``data`` padded
    with ``0xFFFFFFFF`` to ``size`` bytes (that word included) zero modulo 2**32.

    A trailing partial word counts as zero-padded. ``data`` must leave 4 bytes free."""
    data = _padded(data)
    if len(data) + 4 > size:
        raise ValueError(f"{len(data)} bytes + 4 do not fit in {size}")
    total = sum(struct.unpack_from(f"<{len(data) // 4}I", data))
    total += 0xFFFFFFFF * len(range(len(data), size - 4, 4))
    return -total & 0xFFFFFFFF


_BITREV = bytes(int(f"{b:08b}"[::-1], 2) for b in range(256))


def crc32_stm32(data: bytes) -> int:
    """CRC-32 as the STM32 CRC unit computes it over little-endian 32-bit words
    (polynomial 0x04C11DB7, init 0xFFFFFFFF, no reflection, no final xor).

    Computed with :func:`zlib.crc32` on the words' bytes in big-endian order, bit-reversed
    (the reflected CRC of bit-reversed input is the bit-reversed plain CRC)."""
    if len(data) % 4:
        raise ValueError(f"{len(data)} bytes is not a whole number of 32-bit words")
    swapped = bytearray(data)
    for i in range(4):
        swapped[i::4] = data[3 - i::4]
    reflected = zlib.crc32(bytes(swapped).translate(_BITREV)) ^ 0xFFFFFFFF
    return int(f"{reflected:032b}"[::-1], 2)


# --- the firmware

@dataclass(frozen=True)
class PybricksFirmware:
    """One validated Pybricks firmware.zip."""

    path: Path
    metadata_version: str  # "1.0.0" ... "3.0.0"
    firmware_version: str  # as the build wrote it, e.g. "v3.5.0"
    hub: HubKind  # .name, .device_id, .slug
    checksum_type: str  # "sum", "crc32" or "none"
    checksum_size: int  # bytes the checksum covers (max-firmware-size for 1.x); 0 for "none"
    max_firmware_size: int | None  # the largest image the hub takes; None if not stated
    hub_name_offset: int | None  # where the hub name sits in the image; None: not settable
    hub_name_size: int | None
    base: bytes = field(repr=False)  # firmware-base.bin as stored
    image: bytes = field(repr=False)  # what pybricksdev would flash (checksum appended)
    checksum: int | None  # the checksum appended to image; None for "none"
    mpy_abi_version: int | None = None  # 1.x only
    mpy_cross_options: tuple[str, ...] = ()  # 1.x only
    user_mpy_offset: int | None = None  # 1.x only
    main_py: str | None = None  # 1.x: the program in the zip (NOT compiled into image)
    license_text: str | None = field(default=None, repr=False)
    variants: tuple[Any, ...] | None = None  # 3.x: the "variants" list as given
    metadata: dict[str, Any] = field(default_factory=dict, repr=False)  # the JSON, raw

    @property
    def device_id(self) -> int:
        return self.hub.device_id

    @property
    def hub_type(self) -> str:
        return self.hub.name

    def build_image(self, main_mpy: bytes = b"") -> bytes:
        """The image with ``main_mpy`` (a compiled program, 1.x firmware only) appended at
        ``user-mpy-offset``, checksum included. ``build_image()`` is :attr:`image`."""
        if main_mpy and self.user_mpy_offset is None:
            raise PybricksFirmwareError(
                f"{self.path}: metadata {self.metadata_version} firmware has no room for a "
                "program in the image (only metadata 1.x does)")
        body = _body(self.base, self.user_mpy_offset, main_mpy)
        checksum = _checksum(self.path, self.checksum_type, body, self.checksum_size,
                             self.max_firmware_size)
        return body if checksum is None else body + struct.pack("<I", checksum)


def _body(base: bytes, user_mpy_offset: int | None, main_mpy: bytes) -> bytes:
    if user_mpy_offset is None:
        return base
    body = base + bytes(user_mpy_offset - len(base)) + struct.pack("<I", len(main_mpy))
    return _padded(body + main_mpy)


def _checksum(path: Path, kind: str, body: bytes, size: int,
              max_size: int | None) -> int | None:
    if kind == "none":
        return None
    if max_size is not None and len(_padded(body)) + 4 > max_size:
        raise PybricksFirmwareError(
            f"{path}: the firmware image is {len(_padded(body)) + 4} bytes with its checksum, "
            f"larger than max-firmware-size {max_size}: this is not a working firmware "
            f"for this hub; download it again from {RELEASES_URL}")
    if kind == "sum":
        return sum_complement(body, size)
    if len(body) % 4:
        raise PybricksFirmwareError(
            f"{path}: {BASE_BIN} is {len(body)} bytes, not a whole number of 32-bit words, "
            "so its crc32 checksum cannot be computed: the file is damaged; download it "
            f"again from {RELEASES_URL}")
    return crc32_stm32(body)


# --- reading

def read_firmware_zip(path: str | os.PathLike[str],
                      expect_hub: int | str | None = None) -> PybricksFirmware:
    """Read and validate a Pybricks ``firmware.zip``.

    ``expect_hub``: the hub the firmware is going to (a device id such as ``0x41`` or a
    name such as ``"City Hub"``); a firmware for another hub is refused.

    Raises :class:`PybricksFirmwareError` with one message per problem: not a zip, not a
    Pybricks firmware zip, damaged member (zip CRC), malformed or unknown-version
    metadata, missing or mistyped fields, sizes that contradict each other, an image
    larger than the hub takes, a firmware for another hub.
    """
    p = Path(path)
    expected = hub_by_name(expect_hub) if expect_hub is not None else None
    if not p.is_file():
        raise PybricksFirmwareError(f"{p}: no such file")
    try:
        with zipfile.ZipFile(p) as archive:
            names = set(archive.namelist())
            missing = [n for n in (BASE_BIN, METADATA_JSON) if n not in names]
            if missing:
                raise PybricksFirmwareError(
                    f"{p}: not a Pybricks firmware zip: it lacks {' and '.join(missing)}; "
                    f"download the firmware for your hub from {RELEASES_URL}")
            raw_meta = _member(archive, p, METADATA_JSON)
            base = _member(archive, p, BASE_BIN)
            license_raw = _member(archive, p, LICENSE_TXT) if LICENSE_TXT in names else None
            main_raw = _member(archive, p, MAIN_PY) if MAIN_PY in names else None
    except zipfile.BadZipFile as e:
        raise PybricksFirmwareError(
            f"{p}: not a zip file ({e}); a Pybricks firmware is a .zip such as "
            f"pybricks-cityhub-v3.5.0.zip from {RELEASES_URL}") from e
    try:
        meta = json.loads(raw_meta.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise PybricksFirmwareError(
            f"{p}: {METADATA_JSON} is not valid JSON ({e}); the file is damaged; "
            f"download it again from {RELEASES_URL}") from e
    if not isinstance(meta, dict):
        raise PybricksFirmwareError(
            f"{p}: {METADATA_JSON} is not a JSON object but {type(meta).__name__}")
    fw = _from_metadata(p, meta, base, license_raw, main_raw)
    if expected is not None and fw.hub != expected:
        raise PybricksFirmwareError(
            f"{p}: this firmware is for the {fw.hub.name} but the hub found is a "
            f"{expected.name}: download the {expected.name} firmware "
            f"(pybricks-{expected.slug}-v*.zip) from {RELEASES_URL}")
    return fw


def _member(archive: zipfile.ZipFile, p: Path, name: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > _MAX_MEMBER:
        raise PybricksFirmwareError(
            f"{p}: {name} declares {info.file_size} bytes, more than any hub holds: "
            "this is not a Pybricks firmware")
    try:
        return archive.read(name)
    except zipfile.BadZipFile as e:
        raise PybricksFirmwareError(
            f"{p}: {name} is damaged: its CRC-32 does not match the zip's ({e}); download "
            f"the firmware again from {RELEASES_URL}") from e
    except (OSError, NotImplementedError, RuntimeError, zlib.error) as e:
        raise PybricksFirmwareError(f"{p}: {name} cannot be extracted: {e}") from e


# Required fields per metadata major (beyond metadata-version), with their JSON types.
_V1_FIELDS: dict[str, type] = {
    "firmware-version": str, "device-id": int, "checksum-type": str,
    "mpy-abi-version": int, "mpy-cross-options": list, "user-mpy-offset": int,
    "max-firmware-size": int,
}
_V11_FIELDS: dict[str, type] = {"hub-name-offset": int, "max-hub-name-size": int}
_V2_FIELDS: dict[str, type] = {
    "firmware-version": str, "device-id": int, "checksum-type": str,
    "checksum-size": int, "hub-name-offset": int, "hub-name-size": int,
}


def _parse_version(p: Path, meta: dict[str, Any]) -> tuple[str, tuple[int, int, int]]:
    readable = ", ".join(f"{m}.x" for m in READABLE_METADATA_MAJORS)
    if "metadata-version" not in meta:
        raise PybricksFirmwareError(
            f"{p}: {METADATA_JSON} lacks metadata-version: not Pybricks firmware metadata "
            f"(robokit reads metadata {readable})")
    text = meta["metadata-version"]
    parts = text.split(".") if isinstance(text, str) else []
    if len(parts) != 3 or not all(x.isdigit() for x in parts):
        raise PybricksFirmwareError(
            f"{p}: metadata-version {text!r} is not a version like \"2.1.0\" "
            f"(robokit reads metadata {readable})")
    major, minor, patch = (int(x) for x in parts)
    if major not in READABLE_METADATA_MAJORS:
        raise PybricksFirmwareError(
            f"{p}: firmware metadata version {text} is not one robokit reads (it reads "
            f"{readable}); update robokit, or use a firmware release it knows")
    return text, (major, minor, patch)


def _check_fields(p: Path, version: str, meta: dict[str, Any],
                  fields: dict[str, type]) -> None:
    missing = [k for k in fields if k not in meta]
    if missing:
        raise PybricksFirmwareError(
            f"{p}: {METADATA_JSON} (metadata {version}) lacks required field"
            f"{'s' if len(missing) > 1 else ''} {', '.join(missing)}: the file is damaged "
            f"or not a Pybricks firmware; download it again from {RELEASES_URL}")
    for k, kind in fields.items():
        value = meta[k]
        ok = isinstance(value, kind) and not isinstance(value, bool)
        if ok and kind is int and value < 0:
            ok = False
        if ok and kind is list:
            ok = all(isinstance(x, str) for x in value)
        if not ok:
            want = {int: "a non-negative integer", str: "a string",
                    list: "a list of strings"}[kind]
            raise PybricksFirmwareError(
                f"{p}: {METADATA_JSON} field {k} is {value!r}, not {want}")


def _from_metadata(p: Path, meta: dict[str, Any], base: bytes, license_raw: bytes | None,
                   main_raw: bytes | None) -> PybricksFirmware:
    version, (major, minor, _patch) = _parse_version(p, meta)
    if major == 1:
        fields = dict(_V1_FIELDS, **_V11_FIELDS) if minor >= 1 else _V1_FIELDS
    else:
        fields = _V2_FIELDS
    _check_fields(p, version, meta, fields)

    device_id = meta["device-id"]
    if device_id not in HUBS:
        raise PybricksFirmwareError(
            f"{p}: device-id {device_id:#04x} is not a hub robokit knows Pybricks firmware "
            f"for (known: {_known_hubs()})")
    hub = HUBS[device_id]

    checksum_type = meta["checksum-type"]
    allowed = ("sum", "crc32", "none") if (major, minor) >= (2, 1) else ("sum", "crc32")
    if checksum_type not in allowed:
        raise PybricksFirmwareError(
            f"{p}: checksum-type {checksum_type!r} is not one metadata {version} allows "
            f"({', '.join(allowed)})")

    variants: tuple[Any, ...] | None = None
    if major >= 3 and "variants" in meta:
        if not isinstance(meta["variants"], list):
            raise PybricksFirmwareError(
                f"{p}: {METADATA_JSON} field variants is {meta['variants']!r}, not a list")
        variants = tuple(meta["variants"])

    user_mpy_offset: int | None = None
    mpy_abi: int | None = None
    options: tuple[str, ...] = ()
    name_offset: int | None
    name_size: int | None
    if major == 1:
        offset: int = meta["user-mpy-offset"]
        user_mpy_offset = offset
        mpy_abi = meta["mpy-abi-version"]
        options = tuple(meta["mpy-cross-options"])
        checksum_size = max_size = meta["max-firmware-size"]
        name_offset = meta.get("hub-name-offset") if minor >= 1 else None
        name_size = meta.get("max-hub-name-size") if minor >= 1 else None
        if len(base) > offset:
            raise PybricksFirmwareError(
                f"{p}: {BASE_BIN} is {len(base)} bytes but user-mpy-offset is "
                f"{offset}: the firmware would overlap the program area; the "
                f"metadata does not belong to this firmware; download it again from "
                f"{RELEASES_URL}")
    else:
        checksum_size = meta["checksum-size"]
        max_size = checksum_size if checksum_type != "none" else None
        name_offset = meta["hub-name-offset"] or None  # 0: the name cannot be set
        name_size = meta["hub-name-size"] if name_offset is not None else None

    body = _body(base, user_mpy_offset, b"")
    if name_offset is not None and name_size is not None and \
            name_offset + name_size > len(body):
        raise PybricksFirmwareError(
            f"{p}: the hub name field (offset {name_offset}, {name_size} bytes) lies past "
            f"the end of the {len(body)}-byte firmware image: the metadata does not belong "
            f"to this firmware; download it again from {RELEASES_URL}")
    checksum = _checksum(p, checksum_type, body, checksum_size, max_size)
    image = body if checksum is None else body + struct.pack("<I", checksum)

    return PybricksFirmware(
        path=p, metadata_version=version, firmware_version=meta["firmware-version"],
        hub=hub, checksum_type=checksum_type,
        checksum_size=checksum_size if checksum_type != "none" else 0,
        max_firmware_size=max_size, hub_name_offset=name_offset, hub_name_size=name_size,
        base=base, image=image, checksum=checksum, mpy_abi_version=mpy_abi,
        mpy_cross_options=options, user_mpy_offset=user_mpy_offset,
        main_py=main_raw.decode("utf-8", "replace") if main_raw is not None else None,
        license_text=license_raw.decode("utf-8", "replace") if license_raw is not None
        else None,
        variants=variants, metadata=dict(meta))
