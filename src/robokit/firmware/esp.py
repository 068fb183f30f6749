"""ESP32-family firmware: check a ``.bin`` image, flash it through esptool's Python API.

- :func:`read_esp_image` checks a firmware file before anything is written: an app or
  bootloader image (magic ``0xE9``, segments, checksum, SHA-256 when appended, the chip id
  of the extended header) or a merged "factory" image (bootloader + partition table + app,
  what MicroPython's ESP32 downloads are), and says which chip it is for and where in the
  flash it goes (a merged image starts at the chip's bootloader offset: ``0x1000`` on the
  ESP32 and ESP32-S2, ``0x0`` on the S3 and the C/H series, ``0x2000`` on the P4 and C5).
- :func:`flash_esp` connects to the chip's ROM bootloader with esptool (``detect_chip``),
  refuses an image for another chip or one that does not fit its flash *before* writing,
  writes it (``write_flash``, compressed), checks the MD5 of the written region against the
  file and resets the chip. esptool's own output is captured, never printed; progress goes
  to ``progress(done, total)``; every failure is one :class:`FirmwareError`.

esptool runs with the chip's ROM loader (no flasher stub): that is what robokit's
simulated chip (``robokit.virtual.esp_rom``) speaks, so it is the path the tests drive.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from . import FirmwareError

__all__ = [
    "ESP_CHIPS",
    "EspFlashResult",
    "EspImage",
    "chip_name",
    "flash_esp",
    "read_esp_image",
]

ImageSource = str | os.PathLike[str] | bytes

#: Chip id in the image's extended header -> (chip name as esptool spells it, flash offset
#: of the second-stage bootloader, which is where a merged image starts).
ESP_CHIPS: dict[int, tuple[str, int]] = {
    0: ("ESP32", 0x1000),
    2: ("ESP32-S2", 0x1000),
    5: ("ESP32-C3", 0x0),
    9: ("ESP32-S3", 0x0),
    12: ("ESP32-C2", 0x0),
    13: ("ESP32-C6", 0x0),
    16: ("ESP32-H2", 0x0),
    18: ("ESP32-P4", 0x2000),
    20: ("ESP32-C61", 0x0),
    23: ("ESP32-C5", 0x2000),
}

IMAGE_MAGIC = 0xE9
APP_DESC_MAGIC = 0xABCD5432  # esp_app_desc_t, first word of an ESP-IDF app's first segment
PARTITION_MAGIC = b"\xaa\x50"
PARTITION_TABLE_OFFSET = 0x8000  # flash address of the partition table (ESP-IDF default)
DEFAULT_APP_OFFSET = 0x10000  # where a bare app image goes (the factory partition)
MAX_SEGMENTS = 16
FLASH_SIZES = {i: (1 << i) * 1024 * 1024 for i in range(8)}  # header nibble -> bytes
_MIB = 1024 * 1024

_DOWNLOAD_MODE_HINT = (
    "put the board in download mode: hold BOOT (IO0), press and release RESET (EN), "
    "release BOOT, then flash again"
)


def chip_name(name: str) -> str:
    """Normalise a chip name: ``esp32s3``, ``ESP32-S3``, ``esp32_s3`` -> ``ESP32-S3``."""
    key = name.upper().replace("-", "").replace("_", "").replace(" ", "")
    for official, _ in ESP_CHIPS.values():
        if official.replace("-", "") == key:
            return official
    known = ", ".join(n for n, _ in ESP_CHIPS.values())
    raise FirmwareError(f"unknown ESP chip {name!r}: robokit knows {known}")


@dataclass(frozen=True)
class EspImage:
    """A checked ESP32-family firmware file and where it goes in the flash."""

    name: str  #: the file, for messages
    data: bytes  #: what is written, byte for byte
    chip: str  #: "ESP32", "ESP32-S3", ...
    chip_id: int
    kind: str  #: "merged" (bootloader + partition table + app), "bootloader" or "app"
    offset: int  #: flash address of the first byte
    flash_size: int  #: flash size the image header declares (bytes)
    segments: int  #: segments of the first image in the file
    app_offset: int | None = None  #: merged: flash address of the app
    app_name: str | None = None  #: from the app's esp_app_desc_t, if it has one
    app_version: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def description(self) -> str:
        what = {"merged": "merged firmware image", "bootloader": "bootloader image",
                "app": "app image"}[self.kind]  # fmt: skip
        app = ""
        if self.app_name or self.app_version:
            app = f" ({' '.join(x for x in (self.app_name, self.app_version) if x)})"
        return (
            f"{self.chip} {what}{app}: {self.size:,} bytes at 0x{self.offset:x}"
            f"..0x{self.offset + self.size:x}, for {self.flash_size // _MIB} MB flash"
        )


@dataclass
class EspFlashResult:
    """What :func:`flash_esp` did."""

    port: str
    chip: str  #: the chip esptool detected
    offset: int
    size: int  #: bytes written (the file, padded to 4 bytes)
    md5: str  #: MD5 of the written region, hex
    verified: bool  #: the chip's MD5 of the region was read back and matched the file
    flash_size: int | None  #: detected flash size (bytes), None if the chip did not say
    image: EspImage
    log: list[str] = field(default_factory=list)  #: esptool's messages, for --verbose


# -- reading an image -----------------------------------------------------------------


def _refuse(name: str, message: str) -> NoReturn:
    raise FirmwareError(f"{name}: {message}")


def _load(source: ImageSource) -> tuple[str, bytes]:
    if isinstance(source, bytes | bytearray):
        return "<firmware bytes>", bytes(source)
    path = Path(source)
    try:
        return str(path), path.read_bytes()
    except FileNotFoundError:
        _refuse(str(path), "no such file: check the path of the firmware .bin")
    except IsADirectoryError:
        _refuse(str(path), "is a directory, not a firmware .bin file")
    except OSError as e:
        _refuse(str(path), f"cannot be read ({e.strerror or e})")


def _not_an_image(name: str, data: bytes) -> NoReturn:
    if not data:
        _refuse(name, "the file is empty: download the firmware again")
    head = data[:8]
    if head.startswith(b"UF2\n"):
        hint = "it is a UF2 file (RP2040/RP2350 boards, or an ESP32-S2/S3 UF2 bootloader)"
    elif head.startswith(b"PK\x03\x04"):
        hint = "it is a zip archive (a Pybricks firmware.zip, or a download still packed)"
    elif head.startswith(b"\x7fELF"):
        hint = "it is an ELF file: flash the .bin built from it"
    elif head[:1] == b":" and all(c in b"0123456789abcdefABCDEF:\r\n" for c in data[:64]):
        hint = "it is an Intel HEX file: use the .bin build"
    else:
        hint = f"it starts with byte 0x{data[0]:02x}, an ESP32 image starts with 0xe9"
    _refuse(
        name,
        f"not an ESP32 firmware image: {hint}. Use the .bin for your board "
        "(e.g. https://micropython.org/download/ESP32_GENERIC/)",
    )


@dataclass
class _Parsed:
    chip_id: int
    segments: int
    flash_size: int
    end: int  # file offset just past the image (checksum and hash included)
    app_name: str | None
    app_version: str | None
    is_app: bool


def _cstr(raw: bytes) -> str | None:
    text = raw.split(b"\0", 1)[0].decode("utf-8", "replace").strip()
    return text or None


def _parse_image(name: str, data: bytes, start: int, what: str) -> _Parsed:
    """Check one app/bootloader image at file offset ``start``."""
    where = f"{what} at file offset 0x{start:x}"
    if len(data) - start < 24:
        _refuse(name, f"truncated: the {where} has only {len(data) - start} bytes of header")
    magic, nseg, _mode, size_freq, _entry = struct.unpack_from("<BBBBI", data, start)
    if magic != IMAGE_MAGIC:
        _refuse(name, f"the {where} does not start with 0xe9 (found 0x{magic:02x})")
    chip_id = struct.unpack_from("<H", data, start + 12)[0]
    hash_appended = data[start + 23]
    if chip_id not in ESP_CHIPS:
        _refuse(
            name,
            f"the {where} is for chip id {chip_id}, which robokit does not know (an ESP8266 "
            "image, or a chip newer than robokit): use the .bin for your board",
        )
    if not 1 <= nseg <= MAX_SEGMENTS:
        _refuse(name, f"the {where} declares {nseg} segments (1..{MAX_SEGMENTS} expected)")
    flash_nibble = size_freq >> 4
    if flash_nibble not in FLASH_SIZES:
        _refuse(name, f"the {where} declares an unknown flash size (code {flash_nibble})")
    pos = start + 24
    checksum = 0xEF
    app_name = app_version = None
    is_app = False
    for i in range(nseg):
        if pos + 8 > len(data):
            _refuse(name, f"truncated: segment {i} of the {where} is missing")
        _load_addr, length = struct.unpack_from("<II", data, pos)
        pos += 8
        if pos + length > len(data):
            _refuse(
                name,
                f"truncated: segment {i} of the {where} claims {length:,} bytes, "
                f"{len(data) - pos:,} remain. Download the firmware again",
            )
        segment = data[pos : pos + length]
        if i == 0 and length >= 80 and struct.unpack_from("<I", segment)[0] == APP_DESC_MAGIC:
            is_app = True
            app_version = _cstr(segment[16:48])
            app_name = _cstr(segment[48:80])
        for b in segment:
            checksum ^= b
        pos += length
    check_at = pos + 15 - pos % 16
    if check_at >= len(data):
        _refuse(name, f"truncated: the {where} ends before its checksum byte")
    if data[check_at] != checksum:
        _refuse(
            name,
            f"the {where} is corrupted: checksum 0x{data[check_at]:02x}, the segments give "
            f"0x{checksum:02x}. Download the firmware again",
        )
    end = check_at + 1
    if hash_appended == 1:
        if end + 32 > len(data):
            _refuse(name, f"truncated: the {where} ends inside its SHA-256 digest")
        if hashlib.sha256(data[start:end]).digest() != data[end : end + 32]:
            _refuse(name, f"the {where} is corrupted: its SHA-256 digest does not match")
        end += 32
    return _Parsed(chip_id, nseg, FLASH_SIZES[flash_nibble], end, app_name, app_version, is_app)


def _app_partition(name: str, table: bytes, base: int) -> int:
    """Flash offset of the app to boot (factory, else the first app) from a partition table."""
    first_app = None
    for i in range(0, len(table) - 31, 32):
        entry = table[i : i + 32]
        if entry[:2] != PARTITION_MAGIC:
            break  # 0xEBEB (MD5 entry) or 0xFFFF ends the table
        ptype, subtype, offset = entry[2], entry[3], struct.unpack_from("<I", entry, 4)[0]
        if ptype == 0x00:
            if subtype == 0x00:
                return int(offset)
            if first_app is None:
                first_app = int(offset)
    if first_app is None:
        _refuse(
            name,
            f"the partition table (file offset 0x{PARTITION_TABLE_OFFSET - base:x}) has "
            "no app partition",
        )
    return first_app


def read_esp_image(
    source: ImageSource,
    *,
    expect_chip: str | None = None,
    app_offset: int = DEFAULT_APP_OFFSET,
) -> EspImage:
    """Check an ESP32-family firmware file and say what it is and where it goes.

    ``source`` is a path or the file's bytes. ``expect_chip`` (``"ESP32"``, ``"esp32s3"``,
    ...) refuses an image for another chip. A bare app image (it carries ESP-IDF's app
    description) goes to ``app_offset``; a bootloader or merged image to the chip's
    bootloader offset. Raises :class:`FirmwareError` naming the file and the problem.
    """
    name, data = _load(source)
    if not data or data[0] != IMAGE_MAGIC:
        _not_an_image(name, data)
    first = _parse_image(name, data, 0, "image")
    chip, boot_offset = ESP_CHIPS[first.chip_id]
    kind = "bootloader"
    offset = boot_offset
    app: _Parsed | None = None
    merged_app_offset = None
    table_at = PARTITION_TABLE_OFFSET - boot_offset
    if first.is_app:
        kind, offset, app = "app", app_offset, first
    elif len(data) > table_at:
        if data[table_at : table_at + 2] != PARTITION_MAGIC:
            _refuse(
                name,
                f"starts with a {chip} bootloader but has no partition table at flash "
                f"0x{PARTITION_TABLE_OFFSET:x} (file offset 0x{table_at:x}): not a merged "
                "firmware image robokit knows. Use the single-file .bin of a release",
            )
        merged_app_offset = _app_partition(name, data[table_at : table_at + 0xC00], boot_offset)
        app_at = merged_app_offset - boot_offset
        if app_at >= len(data):
            _refuse(
                name,
                f"truncated: the app partition starts at flash 0x{merged_app_offset:x} "
                f"(file offset 0x{app_at:x}) but the file has {len(data):,} bytes. "
                "Download the firmware again",
            )
        app = _parse_image(name, data, app_at, "app image")
        if app.chip_id != first.chip_id:
            _refuse(
                name,
                f"the bootloader is for the {chip} but the app is for the "
                f"{ESP_CHIPS[app.chip_id][0]}: a broken merge",
            )
        kind = "merged"
    image = EspImage(
        name=name,
        data=data,
        chip=chip,
        chip_id=first.chip_id,
        kind=kind,
        offset=offset,
        flash_size=first.flash_size,
        segments=first.segments,
        app_offset=merged_app_offset,
        app_name=app.app_name if app else None,
        app_version=app.app_version if app else None,
    )
    if expect_chip is not None:
        _check_chip(image, chip_name(expect_chip), "expected")
    if offset + len(data) > first.flash_size:
        _refuse(
            name,
            f"{len(data):,} bytes at 0x{offset:x} do not fit in the "
            f"{first.flash_size // _MIB} MB flash the image is built for",
        )
    return image


def _check_chip(image: EspImage, chip: str, how: str) -> None:
    if image.chip != chip:
        _refuse(
            image.name,
            f"this firmware is for the {image.chip} but the chip {how} is an {chip}: "
            f"download the {chip} build (e.g. https://micropython.org/download/?mcu="
            f"{chip.lower().replace('-', '')})",
        )


# -- esptool's output ----------------------------------------------------------------

_sink_lock = threading.Lock()
_sink: _Sink | None = None


class _Sink:
    """Where esptool's messages and progress go while robokit drives it."""

    def __init__(self, progress: Callable[[int, int], None] | None, size: int):
        self.lines: list[str] = []
        self.progress = progress
        self.size = size
        self.done = 0

    def text(self, *args: Any) -> None:
        line = " ".join(str(a) for a in args).strip()
        if line:
            self.lines.append(line)

    def bar(self, cur: int, total: int) -> None:
        if self.progress is None or total <= 0:
            return
        done = min(self.size, self.size * cur // total)
        if done > self.done:
            self.done = done
            self.progress(done, self.size)


def _logger_class() -> type:
    from esptool.logger import TemplateLogger

    class RobokitEsptoolLogger(TemplateLogger):
        # esptool 5.0 installs a logger by swapping the class of its singleton, so the
        # state lives in the module (``_sink``), not in the instance.
        def print(self, *args: Any, **kwargs: Any) -> None:
            if _sink is not None:
                _sink.text(*args)

        def note(self, message: str) -> None:
            self.print("Note:", message)

        def warning(self, message: str, *a: Any, **k: Any) -> None:
            self.print("Warning:", message)

        def error(self, message: str, *a: Any, **k: Any) -> None:
            self.print("Error:", message)

        def stage(self, finish: bool = False) -> None:
            pass

        def progress_bar(
            self, cur_iter: int, total_iters: int, prefix: str = "", suffix: str = "",
            bar_length: int = 30,
        ) -> None:  # fmt: skip
            if _sink is not None:
                _sink.bar(cur_iter, total_iters)

        def set_verbosity(self, verbosity: Any) -> None:
            pass

    return RobokitEsptoolLogger


@contextlib.contextmanager
def _captured(sink: _Sink) -> Iterator[None]:
    """Route esptool's logger into ``sink`` and put the previous logger back afterwards."""
    global _sink
    from esptool import logger as esptool_logger
    from esptool.logger import log

    with _sink_lock:
        # later esptool 5.x (on esp-pylib): ``log`` is a proxy in front of ``EspLog.instance``;
        # esptool 5.0: ``log`` is the singleton and set_logger swaps its class.
        instance_holder: Any = getattr(esptool_logger, "EspLog", None)
        previous = instance_holder.instance if instance_holder else log.__class__
        _sink = sink
        log.set_logger(_logger_class()())
        try:
            yield
        finally:
            if instance_holder is not None:
                instance_holder.instance = previous
            else:
                log.__class__ = previous
            _sink = None


# -- flashing ------------------------------------------------------------------------


def _esptool_message(e: BaseException) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return text.split(" For troubleshooting steps visit:")[0].rstrip(".")


def flash_esp(
    image: EspImage | ImageSource,
    port: str,
    *,
    baud: int = 460800,
    progress: Callable[[int, int], None] | None = None,
    verify: bool = True,
    compress: bool = True,
    before: str = "default-reset",
    after: str = "hard-reset",
    connect_attempts: int = 7,
) -> EspFlashResult:
    """Flash an ESP32-family board through its ROM serial bootloader with esptool.

    ``image`` is a path, the file's bytes, or an :class:`EspImage` from
    :func:`read_esp_image`; it is checked before the port is opened. ``port`` is a serial
    device or a pyserial URL (``socket://host:port``, ``rfc2217://...``). Connects at 115200
    baud (resetting the chip into download mode through DTR/RTS when ``before`` is
    ``"default-reset"``), detects the chip, refuses an image for another chip or one larger
    than the flash, switches to ``baud``, writes (zlib-compressed when ``compress``), checks
    the MD5 of the written region against the file when ``verify`` (esptool checks it too),
    then resets the chip (``after``: ``"hard-reset"``, ``"soft-reset"``, ``"no-reset"``).
    ``progress(done, total)`` gets bytes of the file written. Nothing is printed.
    """
    if not isinstance(image, EspImage):
        image = read_esp_image(image)

    from .._extras import require

    require("esptool", "esp32", "flashing ESP32 boards", FirmwareError)
    import serial
    from esptool.cmds import attach_flash, detect_chip, detect_flash_size, reset_chip, write_flash
    from esptool.util import FatalError, flash_size_bytes

    errors = (FatalError, serial.SerialException, OSError, struct.error)
    data = image.data + b"\xff" * (-len(image.data) % 4)  # esptool pads the same way
    sink = _Sink(progress, image.size)
    esp: Any = None
    with _captured(sink):
        try:
            try:
                esp = detect_chip(port, 115200, before, connect_attempts=connect_attempts)
            except errors as e:
                msg = _esptool_message(e)
                if "could not open" in msg.lower() or "errno" in msg.lower():
                    raise FirmwareError(
                        f"cannot open {port} ({msg}): check the port (robokit devices) and "
                        "that no other program (a serial monitor, the IDE) holds it"
                    ) from e
                raise FirmwareError(
                    f"no ESP32 bootloader answered on {port} ({msg}): {_DOWNLOAD_MODE_HINT}"
                ) from e
            chip = str(esp.CHIP_NAME)
            _check_chip(image, chip, f"on {port}")
            try:
                if baud != 115200:
                    esp.change_baud(baud)
                attach_flash(esp)
                flash_size = flash_size_bytes(detect_flash_size(esp))
            except errors as e:
                raise FirmwareError(
                    f"the {chip} on {port} answered, then failed while preparing its flash "
                    f"({_esptool_message(e)}): {_DOWNLOAD_MODE_HINT}; try a lower --baud"
                ) from e
            if flash_size and image.offset + len(data) > flash_size:
                _refuse(
                    image.name,
                    f"{len(data):,} bytes at 0x{image.offset:x} do not fit in the "
                    f"{flash_size // 1024} KB flash of the {chip} on {port}: use a build "
                    "for a board with more flash",
                )
            expected_md5 = hashlib.md5(data).hexdigest()
            try:
                write_flash(
                    esp,
                    [(image.offset, data)],
                    flash_size="keep",
                    compress=compress,
                    no_compress=not compress,
                )
            except errors as e:
                msg = _esptool_message(e)
                if "MD5" in msg or "empty" in msg:
                    raise FirmwareError(
                        f"verification failed: the flash of the {chip} on {port} does not "
                        f"hold what was written at 0x{image.offset:x} ({msg}). The flash may "
                        f"be failing; {_DOWNLOAD_MODE_HINT}, and if it fails again the "
                        "board's flash chip is faulty"
                    ) from e
                raise FirmwareError(
                    f"writing {image.name} to the {chip} on {port} failed ({msg}). The "
                    f"firmware on the board is now incomplete: {_DOWNLOAD_MODE_HINT}; a "
                    "lower --baud (115200) or another USB cable helps on a poor link"
                ) from e
            md5 = expected_md5
            if verify:
                try:
                    md5 = esp.flash_md5sum(image.offset, len(data))
                except errors as e:
                    raise FirmwareError(
                        f"the firmware was written to the {chip} on {port}, but reading its "
                        f"MD5 back failed ({_esptool_message(e)}): flash again"
                    ) from e
                if md5 != expected_md5:
                    raise FirmwareError(
                        f"verification failed: the flash of the {chip} on {port} at "
                        f"0x{image.offset:x} has MD5 {md5}, the file {expected_md5}: "
                        f"{_DOWNLOAD_MODE_HINT}"
                    )
            try:
                reset_chip(esp, after)
            except errors as e:
                raise FirmwareError(
                    f"the firmware was written and verified, but resetting the {chip} on "
                    f"{port} failed ({_esptool_message(e)}): press its RESET button"
                ) from e
            if progress is not None and sink.done < image.size:
                progress(image.size, image.size)
            return EspFlashResult(
                port=port,
                chip=chip,
                offset=image.offset,
                size=len(data),
                md5=md5,
                verified=verify,
                flash_size=flash_size,
                image=image,
                log=sink.lines,
            )
        finally:
            if esp is not None:
                with contextlib.suppress(Exception):
                    esp._port.close()
