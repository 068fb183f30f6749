"""UF2 firmware files for RP2040 / RP2350 boards: validate, find the boot drive, copy.

A board in bootloader mode (BOOTSEL held at plug-in) shows up as a small USB drive
holding ``INFO_UF2.TXT``; copying a ``.uf2`` file onto it flashes the board, which then
reboots (the drive goes away) into the new firmware. This module:

- :func:`read_uf2` checks a UF2 file block by block (format:
  https://github.com/microsoft/uf2) before anything is written, and says what is wrong
  and where;
- :func:`find_boot_drives` / :func:`read_boot_drive` find such drives and read which
  chip they belong to;
- :func:`flash_uf2` validates, checks the file is for the drive's chip, copies it;
- :func:`wait_for_serial` waits for the rebooted board's MicroPython serial port.

:func:`write_uf2` builds a UF2 file from a binary image (tests, and small tools).
"""

from __future__ import annotations

import os
import string
import struct
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, NoReturn, TypeVar

from ..link.ports import SerialPort
from . import FirmwareError

BLOCK_SIZE = 512
MAX_PAYLOAD = 476
MAGIC_START0 = 0x0A324655
MAGIC_START1 = 0x9E5D5157
MAGIC_END = 0x0AB16F30

FLAG_NOT_MAIN_FLASH = 0x00000001
FLAG_FILE_CONTAINER = 0x00001000
FLAG_FAMILY_ID = 0x00002000
FLAG_MD5 = 0x00004000
FLAG_EXTENSION_TAGS = 0x00008000

FAMILY_RP2040 = 0xE48BFF56
FAMILY_ABSOLUTE = 0xE48BFF57
FAMILY_DATA = 0xE48BFF58
FAMILY_RP2350_ARM_S = 0xE48BFF59
FAMILY_RP2350_RISCV = 0xE48BFF5A
FAMILY_RP2350_ARM_NS = 0xE48BFF5B
FAMILY_ESP32S2 = 0xBFDD4EEE
FAMILY_ESP32S3 = 0xC47E5767

#: The extension tag picotool puts after the payload of the RP2350-E10 workaround block
#: (``UF2_EXTENSION_RP2_IGNORE_BLOCK`` in the Pico SDK's ``boot/uf2.h``).
RP2_IGNORE_BLOCK_TAG = 0x9957E304
RP2_IGNORE_BLOCK_ADDR = 0x10FFFF00

_HEADER = struct.Struct("<8I")
_MIB = 1024 * 1024


class Chip(NamedTuple):
    """A chip a UF2 file can be for."""

    name: str  # "RP2040"
    families: frozenset[int]  # the family IDs its boot ROM accepts
    flash: tuple[int, int] | None  # [start, end) of the flash window; None: not checked
    page: int  # target addresses must be aligned to this (1: not checked)


CHIPS: dict[str, Chip] = {
    "rp2040": Chip("RP2040", frozenset({FAMILY_RP2040}), (0x10000000, 0x10000000 + 16 * _MIB),
                   256),
    "rp2350": Chip("RP2350", frozenset({FAMILY_RP2350_ARM_S, FAMILY_RP2350_RISCV,
                                        FAMILY_RP2350_ARM_NS, FAMILY_ABSOLUTE, FAMILY_DATA}),
                   (0x10000000, 0x10000000 + 32 * _MIB), 256),
    "esp32s2": Chip("ESP32-S2", frozenset({FAMILY_ESP32S2}), None, 1),
    "esp32s3": Chip("ESP32-S3", frozenset({FAMILY_ESP32S3}), None, 1),
}

#: family ID -> (name, chip key in :data:`CHIPS`)
FAMILIES: dict[int, tuple[str, str]] = {
    FAMILY_RP2040: ("RP2040", "rp2040"),
    FAMILY_RP2350_ARM_S: ("RP2350 ARM-S", "rp2350"),
    FAMILY_RP2350_RISCV: ("RP2350 RISC-V", "rp2350"),
    FAMILY_RP2350_ARM_NS: ("RP2350 ARM-NS", "rp2350"),
    FAMILY_ABSOLUTE: ("RP2350 absolute", "rp2350"),
    FAMILY_DATA: ("RP2350 data", "rp2350"),
    FAMILY_ESP32S2: ("ESP32-S2", "esp32s2"),
    FAMILY_ESP32S3: ("ESP32-S3", "esp32s3"),
}

#: The family a chip's own firmware builds use (what a boot drive "implies").
DEFAULT_FAMILY: dict[str, int] = {
    "rp2040": FAMILY_RP2040,
    "rp2350": FAMILY_RP2350_ARM_S,
    "esp32s2": FAMILY_ESP32S2,
    "esp32s3": FAMILY_ESP32S3,
}


def family_name(family: int) -> str:
    """``"RP2040 (family 0xe48bff56)"``, or ``"an unknown chip (family 0x...)"``."""
    known = FAMILIES.get(family)
    return f"{known[0] if known else 'an unknown chip'} (family 0x{family:08x})"


# ---------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Segment:
    """A run of consecutive blocks of one family: one image inside the UF2 file.

    A UF2 file usually holds one; "universal" files hold one per chip, and RP2350
    files built by picotool start with a one-block workaround segment (ignored)."""

    family: int
    first_block: int  # index of its first block in the file
    blocks: int  # blocks in the file (flash + not-main-flash)
    flash_blocks: int  # blocks that write flash
    payload_bytes: int  # bytes written to flash
    start: int  # lowest target address written (0 if none)
    end: int  # one past the highest address written (0 if none)

    @property
    def chip(self) -> str | None:
        """Key in :data:`CHIPS` of the chip this segment is for, if known."""
        known = FAMILIES.get(self.family)
        return known[1] if known else None


@dataclass(frozen=True)
class Uf2Image:
    """A UF2 file that passed :func:`read_uf2`: its bytes and what they hold."""

    data: bytes = field(repr=False)
    segments: tuple[Segment, ...]
    ignored_blocks: int = 0  # RP2350-E10 workaround blocks (never flashed)
    source: str = "<bytes>"

    @property
    def family(self) -> int:
        """The family of the (first) image; see :attr:`segments` for universal files."""
        return self.segments[0].family

    @property
    def families(self) -> tuple[int, ...]:
        return tuple(s.family for s in self.segments)

    @property
    def chips(self) -> tuple[str, ...]:
        """Keys in :data:`CHIPS` this file has an image for, in file order."""
        out: list[str] = []
        for s in self.segments:
            if s.chip is not None and s.chip not in out:
                out.append(s.chip)
        return tuple(out)

    @property
    def blocks(self) -> int:
        """All 512-byte blocks in the file."""
        return len(self.data) // BLOCK_SIZE

    @property
    def payload_bytes(self) -> int:
        """Bytes written to flash, all images together."""
        return sum(s.payload_bytes for s in self.segments)

    @property
    def start(self) -> int:
        return min((s.start for s in self.segments if s.flash_blocks), default=0)

    @property
    def end(self) -> int:
        return max((s.end for s in self.segments if s.flash_blocks), default=0)

    @property
    def description(self) -> str:
        """One line, e.g. ``RP2040 (family 0xe48bff56): 1,234 blocks, 315,904 bytes at
        0x10000000..0x1004d200``."""
        parts = []
        for s in self.segments:
            where = f" at 0x{s.start:08x}..0x{s.end:08x}" if s.flash_blocks else ""
            parts.append(f"{family_name(s.family)}: {s.blocks:,} blocks, "
                         f"{s.payload_bytes:,} bytes{where}")
        return "; ".join(parts)

    def for_chip(self, chip: str) -> bool:
        """Whether this file has an image the boot ROM of ``chip`` will flash."""
        return chip in self.chips


def _fail(source: str, block: int | None, offset: int | None, what: str, todo: str
          ) -> NoReturn:
    where = source
    if block is not None and offset is not None:
        where += f", block {block} (byte offset {offset})"
    raise FirmwareError(f"{where}: {what}: {todo}")


_RE_DOWNLOAD = "download the file again (or rebuild it)"


def _is_rp2_ignore_block(flags: int, addr: int, size: int, block_no: int, num: int,
                         family: int, raw: bytes) -> bool:
    if not (family == FAMILY_ABSOLUTE and addr == RP2_IGNORE_BLOCK_ADDR and block_no == 0
            and num == 2 and flags & FLAG_EXTENSION_TAGS and size <= MAX_PAYLOAD - 4):
        return False
    (tag,) = struct.unpack_from("<I", raw, 32 + size)
    return bool(tag == RP2_IGNORE_BLOCK_TAG)


def _later_block_numbers(data: bytes, from_block: int, family: int) -> set[int]:
    """Block numbers of ``family`` from block index ``from_block`` on (for messages)."""
    out = set()
    for j in range(from_block, len(data) // BLOCK_SIZE):
        fields = _HEADER.unpack_from(data, j * BLOCK_SIZE)
        if fields[7] == family:
            out.add(fields[5])
    return out


def _chip_key(expect: str | int | None) -> str | None:
    if expect is None:
        return None
    if isinstance(expect, int):
        known = FAMILIES.get(expect)
        if known is None:
            raise ValueError(f"unknown UF2 family 0x{expect:08x}")
        return known[1]
    key = expect.lower().replace("-", "")
    if key not in CHIPS:
        raise ValueError(f"unknown chip {expect!r}; known: {', '.join(CHIPS)}")
    return key


def read_uf2(source: str | os.PathLike[str] | bytes, expect_family: str | int | None = None,
             *, name: str | None = None) -> Uf2Image:
    """Read and check a UF2 file (a path, or its bytes) block by block. ``name``: what
    messages call bytes given (their file; default ``<bytes>``).

    ``expect_family`` is the chip the file must be for: a key of :data:`CHIPS`
    (``"rp2040"``, ``"rp2350"``) or a family ID (which stands for its chip). Raises
    :class:`~robokit.firmware.FirmwareError` naming the block, its byte offset and
    what to do, for: a size that is not whole 512-byte blocks (truncated file), a bad
    magic number, a payload over 476 bytes, blocks missing, repeated or out of order,
    a ``numBlocks`` that changes, no or an unknown family ID, a file for another chip,
    a target address outside the chip's flash or not page-aligned, two blocks writing
    the same bytes, and a file container (a UF2 of files, not firmware).

    Blocks flagged "not main flash" are numbered like the others but not flashed, so
    their address is not checked. RP2350 files from picotool start with a block of the
    "absolute" family at 0x10ffff00 tagged to be ignored (the RP2350-E10 workaround):
    it is recognised and counted in :attr:`Uf2Image.ignored_blocks`.
    """
    if isinstance(source, bytes | bytearray):
        data, name = bytes(source), name or "<bytes>"
    else:
        name = os.fspath(source)
        try:
            data = Path(name).read_bytes()
        except OSError as exc:
            raise FirmwareError(f"cannot read the UF2 file {name}: {exc.strerror or exc}"
                                ) from exc
    expect = _chip_key(expect_family)

    if not data:
        _fail(name, None, None, "the file is empty", _RE_DOWNLOAD)
    if data[:4] != struct.pack("<I", MAGIC_START0) and len(data) >= 4:
        _fail(name, 0, 0, "this is not a UF2 file (it does not start with \"UF2\\n\")",
              "use the .uf2 build of the firmware, not the .bin, .hex or .elf")
    if len(data) % BLOCK_SIZE:
        whole = len(data) // BLOCK_SIZE
        _fail(name, whole, whole * BLOCK_SIZE,
              f"the file is truncated: {len(data):,} bytes is not a whole number of "
              f"512-byte blocks (the last block has {len(data) % BLOCK_SIZE} bytes)",
              _RE_DOWNLOAD)

    segments: list[Segment] = []
    ignored = 0
    seg: dict[str, int] | None = None  # the segment being read
    seg_ranges: list[tuple[int, int, int]] = []  # (start, end, block) for overlap check

    def close_segment(at_block: int) -> None:
        nonlocal seg
        if seg is None:
            return
        if seg["next"] != seg["num"]:
            missing = seg["num"] - seg["next"]
            offset = at_block * BLOCK_SIZE
            _fail(name, at_block, offset,
                  f"{missing} block(s) missing from the {family_name(seg['family'])} image:"
                  f" it declares {seg['num']} blocks, only {seg['next']} are here "
                  "(the file is incomplete)", _RE_DOWNLOAD)
        ranges = sorted(seg_ranges)
        for (a0, a1, b0), (c0, c1, b1) in zip(ranges, ranges[1:], strict=False):
            if c0 < a1:
                _fail(name, b1, b1 * BLOCK_SIZE,
                      f"it writes 0x{c0:08x}..0x{c1:08x}, which block {b0} already writes "
                      f"(0x{a0:08x}..0x{a1:08x}): overlapping writes", _RE_DOWNLOAD)
        addrs = ranges
        segments.append(Segment(
            family=seg["family"], first_block=seg["first"], blocks=seg["next"],
            flash_blocks=len(addrs), payload_bytes=sum(e - s for s, e, _ in addrs),
            start=addrs[0][0] if addrs else 0, end=max((e for _, e, _ in addrs), default=0)))
        seg = None
        seg_ranges.clear()

    for i in range(len(data) // BLOCK_SIZE):
        off = i * BLOCK_SIZE
        raw = data[off:off + BLOCK_SIZE]
        m0, m1, flags, addr, size, block_no, num, fam = _HEADER.unpack_from(raw)
        (m_end,) = struct.unpack_from("<I", raw, BLOCK_SIZE - 4)
        for value, want, at, label in ((m0, MAGIC_START0, 0, "magicStart0"),
                                       (m1, MAGIC_START1, 4, "magicStart1"),
                                       (m_end, MAGIC_END, 508, "magicEnd")):
            if value != want:
                _fail(name, i, off + at,
                      f"bad {label} 0x{value:08x} (expected 0x{want:08x}): the block is "
                      "corrupt or the file is not a UF2 file", _RE_DOWNLOAD)
        if size > MAX_PAYLOAD:
            _fail(name, i, off + 16, f"payload size {size} is over the UF2 maximum of "
                  f"{MAX_PAYLOAD} bytes", _RE_DOWNLOAD)
        if flags & FLAG_FILE_CONTAINER:
            _fail(name, i, off + 8, "this UF2 is a file container (files for a drive), "
                  "not a firmware image", "use the firmware .uf2 for your board")
        if not flags & FLAG_FAMILY_ID:
            if flags & FLAG_NOT_MAIN_FLASH and seg is not None:
                fam = seg["family"]  # a comment block inside an image: numbered with it
            else:
                _fail(name, i, off + 8, "the block has no family ID, so robokit cannot tell "
                      "which chip it is for", "use a UF2 built for your board's chip "
                      "(RP2040 or RP2350 builds carry a family ID)")
        if fam not in FAMILIES:
            _fail(name, i, off + 28, f"family ID 0x{fam:08x} is not a chip robokit knows "
                  f"({', '.join(c.name for c in CHIPS.values())})",
                  "use the UF2 build for your board's chip")
        if i == 0 or seg is None or fam != seg["family"]:
            if _is_rp2_ignore_block(flags, addr, size, block_no, num, fam, raw):
                close_segment(i)
                ignored += 1
                continue
            close_segment(i)
            if block_no != 0:
                _fail(name, i, off + 20, f"the {family_name(fam)} image starts at block "
                      f"number {block_no}, not 0: its first blocks are missing or out of "
                      "order", _RE_DOWNLOAD)
            if num == 0:
                _fail(name, i, off + 24, "numBlocks is 0", _RE_DOWNLOAD)
            seg = {"family": fam, "first": i, "next": 0, "num": num}
        assert seg is not None
        if num != seg["num"]:
            _fail(name, i, off + 24, f"numBlocks is {num} here but {seg['num']} in the "
                  "image's earlier blocks (inconsistent)", _RE_DOWNLOAD)
        if block_no != seg["next"]:
            if block_no < seg["next"]:
                what = (f"block number {block_no} is repeated" if block_no == seg["next"] - 1
                        else f"block number {block_no} comes after {seg['next'] - 1}")
                what += " (duplicate or out-of-order block)"
            elif block_no >= num:
                what = f"block number {block_no} is past the declared {num} blocks"
            else:
                gap = (f"block {seg['next']} is" if block_no == seg["next"] + 1
                       else f"blocks {seg['next']}..{block_no - 1} are")
                later = _later_block_numbers(data, i + 1, fam)
                how = ("out of order (it comes later in the file)" if seg["next"] in later
                       else "missing")
                what = f"block number {block_no} follows {seg['next'] - 1}: {gap} {how}"
            _fail(name, i, off + 20, what, _RE_DOWNLOAD)
        seg["next"] += 1
        if flags & FLAG_NOT_MAIN_FLASH:
            continue  # the spec: not written to flash; a comment, debug info
        chip = CHIPS[FAMILIES[fam][1]]
        if chip.flash is not None:
            lo, hi = chip.flash
            if not (lo <= addr and addr + size <= hi):
                _fail(name, i, off + 12, f"target address 0x{addr:08x} (+{size} bytes) is "
                      f"outside the {chip.name} flash (0x{lo:08x}..0x{hi:08x})",
                      f"this file is not a flash image for {chip.name}; use the firmware "
                      f"built for {chip.name}")
        if addr % chip.page:
            _fail(name, i, off + 12, f"target address 0x{addr:08x} is not aligned to "
                  f"{chip.page} bytes, which the {chip.name} boot ROM needs", _RE_DOWNLOAD)
        if size:
            seg_ranges.append((addr, addr + size, i))
    close_segment(len(data) // BLOCK_SIZE)

    if not segments:
        _fail(name, None, None, "the file holds no firmware image (only ignored blocks)",
              _RE_DOWNLOAD)
    image = Uf2Image(data=data, segments=tuple(segments), ignored_blocks=ignored, source=name)
    if expect is not None and not image.for_chip(expect):
        board = CHIPS[expect].name
        have = " and ".join(family_name(f) for f in image.families)
        raise FirmwareError(f"{name}: this UF2 is for {have} but the board is an {board}: "
                            f"download the {board} build of the firmware")
    return image


def write_uf2(data: bytes, family: int = FAMILY_RP2040, base: int = 0x10000000,
              payload: int = 256) -> bytes:
    """``data`` (a flash image to be written at ``base``) as UF2 blocks of ``payload``
    bytes with ``family``; the last block is padded with zeros to ``payload`` bytes."""
    if not 0 < payload <= MAX_PAYLOAD:
        raise ValueError(f"payload must be 1..{MAX_PAYLOAD} bytes")
    chunks = [data[i:i + payload] for i in range(0, len(data), payload)] or [b""]
    out = bytearray()
    for n, chunk in enumerate(chunks):
        block = bytearray(BLOCK_SIZE)
        _HEADER.pack_into(block, 0, MAGIC_START0, MAGIC_START1, FLAG_FAMILY_ID,
                          base + n * payload, payload, n, len(chunks), family)
        block[32:32 + len(chunk)] = chunk
        struct.pack_into("<I", block, BLOCK_SIZE - 4, MAGIC_END)
        out += block
    return bytes(out)


# ------------------------------------------------------------------------ boot drives

INFO_FILE = "INFO_UF2.TXT"

#: Board-ID prefix in INFO_UF2.TXT -> chip key.
BOARD_IDS: tuple[tuple[str, str], ...] = (
    ("RPI-RP2", "rp2040"),
    ("RP2350", "rp2350"),
    ("ESP32S2", "esp32s2"),
    ("ESP32-S2", "esp32s2"),
    ("ESP32S3", "esp32s3"),
    ("ESP32-S3", "esp32s3"),
)


@dataclass(frozen=True)
class BootDrive:
    """A mounted UF2 boot drive: a board in bootloader mode."""

    path: Path
    model: str  # "Raspberry Pi RP2", "" if INFO_UF2.TXT has no Model: line
    board_id: str  # "RPI-RP2", "RP2350-..."
    chip: str | None  # key in CHIPS, None for a board robokit does not know

    @property
    def family(self) -> int | None:
        """The UF2 family a firmware build for this board has (RP2350: ARM-S)."""
        return DEFAULT_FAMILY.get(self.chip) if self.chip else None

    @property
    def chip_name(self) -> str:
        return CHIPS[self.chip].name if self.chip else f"unknown board {self.board_id!r}"


def chip_for_board_id(board_id: str) -> str | None:
    """The chip key for an INFO_UF2.TXT ``Board-ID`` (``RPI-RP2`` -> ``rp2040``)."""
    up = board_id.strip().upper()
    for prefix, chip in BOARD_IDS:
        if up.startswith(prefix):
            return chip
    return None


def _info_file(folder: Path) -> Path | None:
    candidate = folder / INFO_FILE
    if candidate.is_file():
        return candidate
    try:  # FAT is case-insensitive, but a mount may show lower case
        for entry in folder.iterdir():
            if entry.name.upper() == INFO_FILE and entry.is_file():
                return entry
    except OSError:
        pass
    return None


def read_boot_drive(path: str | os.PathLike[str]) -> BootDrive | None:
    """The boot drive mounted at ``path``, or None if it holds no INFO_UF2.TXT."""
    folder = Path(path)
    info = _info_file(folder)
    if info is None:
        return None
    try:
        text = info.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields.setdefault(key.strip().lower(), value.strip())
    board_id = fields.get("board-id", "")
    return BootDrive(folder, fields.get("model", ""), board_id, chip_for_board_id(board_id))


def default_roots() -> list[Path]:
    """Where this OS mounts USB drives: each existing folder that could be one."""
    found: list[Path] = []
    if sys.platform == "win32":
        found = [Path(f"{d}:\\") for d in string.ascii_uppercase[2:]
                 if os.path.exists(f"{d}:\\")]
    elif sys.platform == "darwin":
        found = _children(Path("/Volumes"))
    else:
        user = os.environ.get("USER") or os.environ.get("LOGNAME") or ""
        parents = [Path("/media") / user, Path("/run/media") / user] if user else []
        parents += [Path("/media"), Path("/mnt")]
        for parent in parents:
            found += _children(parent)
    return found


def _children(parent: Path) -> list[Path]:
    try:
        return sorted(p for p in parent.iterdir() if p.is_dir())
    except OSError:
        return []


def find_boot_drives(roots: Iterable[str | os.PathLike[str]] | None = None) -> list[BootDrive]:
    """The UF2 boot drives among ``roots`` (candidate mount points; default:
    :func:`default_roots`): each folder holding INFO_UF2.TXT, in the given order."""
    out: list[BootDrive] = []
    seen: set[Path] = set()
    for root in default_roots() if roots is None else roots:
        path = Path(root)
        if path in seen:
            continue
        seen.add(path)
        drive = read_boot_drive(path)
        if drive is not None:
            out.append(drive)
    return out


T = TypeVar("T")


def _poll(look: Callable[[], T | None], timeout: float, poll: float,
          sleep: Callable[[float], None], clock: Callable[[], float]) -> T | None:
    """``look()`` every ``poll`` seconds until it finds something (returned) or
    ``timeout`` seconds have passed (None); it is asked once more at the deadline."""
    deadline = clock() + timeout
    while True:
        found = look()
        if found is not None or clock() >= deadline:
            return found
        sleep(poll)


def wait_for_boot_drive(timeout: float = 20.0, poll: float = 0.25, *,
                        roots: Iterable[str | os.PathLike[str]] | None = None,
                        sleep: Callable[[float], None] = time.sleep,
                        clock: Callable[[], float] = time.monotonic) -> BootDrive:
    """Wait for exactly one boot drive to appear among ``roots`` (see
    :func:`find_boot_drives`), after a board was told to restart into its bootloader.
    Raises :class:`~robokit.firmware.FirmwareError` after ``timeout`` seconds, or when
    several appear (which one is the board is then unknown)."""
    def one_drive() -> BootDrive | None:
        drives = find_boot_drives(roots)
        if len(drives) > 1:
            raise FirmwareError("several boards in bootloader mode ("
                                + ", ".join(str(d.path) for d in drives)
                                + "): choose one with --drive")
        return drives[0] if drives else None

    drive = _poll(one_drive, timeout, poll, sleep, clock)
    if drive is not None:
        return drive
    raise FirmwareError(
        f"the board restarted, but no boot drive (RPI-RP2 or RP2350) appeared within "
        f"{timeout:g} s. If your system does not mount it by itself, mount it and give it "
        "with --drive; or hold BOOTSEL while plugging the board in")


# ---------------------------------------------------------------------------- flashing

Progress = Callable[[int, int], None]


def flash_uf2(image_or_path: Uf2Image | str | os.PathLike[str] | bytes,
              drive: BootDrive | str | os.PathLike[str], progress: Progress | None = None,
              *, filename: str = "firmware.uf2", chunk_size: int = 64 * 1024) -> Path:
    """Copy a UF2 file onto a boot drive; return the path written.

    The file is checked first with :func:`read_uf2` against the drive's chip (from its
    ``Board-ID``): a file that does not validate, or is for another chip, raises
    :class:`~robokit.firmware.FirmwareError` and nothing is written. The copy goes in
    ``chunk_size`` pieces, calling ``progress(done, total)`` after each, then fsync.

    A real board reboots as soon as it has the last block, so its drive can vanish
    before the file is closed: an ``OSError`` once every byte was handed to the OS is
    success; one before that raises ``FirmwareError`` (the copy was cut).
    """
    if not isinstance(drive, BootDrive):
        found = read_boot_drive(drive)
        if found is None:
            raise FirmwareError(f"{os.fspath(drive)} is not a UF2 boot drive (no {INFO_FILE}):"
                                " hold BOOTSEL while plugging the board in, then use the "
                                "drive it mounts (RPI-RP2 or RP2350)")
        drive = found
    if drive.chip is None:
        raise FirmwareError(f"{drive.path}: the boot drive's board ({drive.board_id!r}, "
                            f"model {drive.model!r}) is not one robokit knows: flash it with "
                            "the board maker's tool")
    if isinstance(image_or_path, Uf2Image):  # checked again, for the drive's chip
        image = read_uf2(image_or_path.data, expect_family=drive.chip,
                         name=image_or_path.source)
    else:
        image = read_uf2(image_or_path, expect_family=drive.chip)

    data = image.data
    total = len(data)
    target = drive.path / filename
    done = 0
    try:
        with open(target, "wb", buffering=0) as f:
            view = memoryview(data)
            while done < total:
                end = min(done + chunk_size, total)
                while done < end:
                    written = f.write(view[done:end])
                    if not written:
                        raise OSError("the drive accepted no bytes")
                    done += written
                if progress is not None:
                    progress(done, total)
            os.fsync(f.fileno())
    except OSError as exc:
        if done < total:
            raise FirmwareError(
                f"copying {image.source} to {drive.path} was cut after {done:,} of "
                f"{total:,} bytes ({exc.strerror or exc}): the board was unplugged or left "
                "bootloader mode. Hold BOOTSEL, plug it in again and flash again") from exc
        # every byte was written: the board took the last block and rebooted
    return target


def is_micropython_port(port: SerialPort) -> bool:
    """Whether a :class:`~robokit.link.ports.SerialPort` is a MicroPython RP2 board
    (USB 2E8A:0005)."""
    return port.vid == 0x2E8A and port.pid == 0x0005


def wait_for_serial(predicate: Callable[[SerialPort], bool] = is_micropython_port,
                    timeout: float = 20.0, poll: float = 0.25, *,
                    before: Sequence[str] | None = None,
                    sleep: Callable[[float], None] = time.sleep,
                    clock: Callable[[], float] = time.monotonic) -> SerialPort:
    """Wait for a new serial port that ``predicate`` accepts; return its
    :class:`~robokit.link.ports.SerialPort`.

    "New" means its device name is not in ``before``: take
    ``[p.device for p in serial_ports()]`` before flashing and pass it here (default:
    the ports present when this is called). Polls every ``poll`` seconds; after
    ``timeout`` seconds raises :class:`~robokit.firmware.FirmwareError`.
    """
    from ..link import ports

    known = set(before) if before is not None else {p.device for p in ports.serial_ports()}
    def new_port() -> SerialPort | None:
        for port in ports.serial_ports():
            if port.device not in known and predicate(port):
                return port
        return None

    found = _poll(new_port, timeout, poll, sleep, clock)
    if found is not None:
        return found
    raise FirmwareError(
        f"no new MicroPython serial port (USB 2E8A:0005) appeared within {timeout:g} s "
        "after flashing. The board may still be starting, or the firmware is not "
        "MicroPython: unplug and replug the board, then run `robokit devices --no-ble`")
