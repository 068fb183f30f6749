"""UF2 files: validation block by block, boot drives, copying, waiting for the port.

UF2 files are built here with ``write_uf2`` and then damaged on purpose; a boot drive is
a tmp folder holding INFO_UF2.TXT (the filesystem is the boundary)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from robokit.errors import RobokitError
from robokit.firmware import FirmwareError, uf2
from robokit.firmware.uf2 import (
    FAMILY_ABSOLUTE,
    FAMILY_RP2040,
    FAMILY_RP2350_ARM_S,
    FAMILY_RP2350_RISCV,
    BootDrive,
    find_boot_drives,
    flash_uf2,
    read_boot_drive,
    read_uf2,
    wait_for_serial,
    write_uf2,
)
from robokit.link.ports import SerialPort

RP2040_INFO = "UF2 Bootloader v3.0\nModel: Raspberry Pi RP2\nBoard-ID: RPI-RP2\n"
RP2350_INFO = "UF2 Bootloader v1.0\nModel: Raspberry Pi RP2350\nBoard-ID: RP2350\n"
IMAGE = bytes(range(256)) * 5 + b"tail"  # 1284 bytes -> 6 blocks of 256


def good(family: int = FAMILY_RP2040) -> bytes:
    return write_uf2(IMAGE, family)


def put(data: bytes, block: int, offset: int, value: int) -> bytes:
    """``data`` with the u32 at ``offset`` in ``block`` set to ``value``."""
    out = bytearray(data)
    struct.pack_into("<I", out, block * 512 + offset, value)
    return bytes(out)


def blocks(data: bytes) -> list[bytes]:
    return [data[i:i + 512] for i in range(0, len(data), 512)]


def ignore_block() -> bytes:
    """picotool's RP2350-E10 workaround block (family absolute, tagged to be ignored)."""
    block = bytearray(512)
    struct.pack_into("<8I", block, 0, uf2.MAGIC_START0, uf2.MAGIC_START1, 0xA000,
                     0x10FFFF00, 256, 0, 2, FAMILY_ABSOLUTE)
    block[32:288] = b"\xef" * 256
    struct.pack_into("<I", block, 288, uf2.RP2_IGNORE_BLOCK_TAG)
    struct.pack_into("<I", block, 508, uf2.MAGIC_END)
    return bytes(block)


def make_drive(tmp_path: Path, info: str = RP2040_INFO, name: str = "RPI-RP2") -> Path:
    drive = tmp_path / name
    drive.mkdir()
    (drive / "INFO_UF2.TXT").write_text(info)
    (drive / "INDEX.HTM").write_text("<html></html>")
    return drive


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# ------------------------------------------------------------------------- reading


def test_good_file_is_described(tmp_path):
    path = tmp_path / "fw.uf2"
    path.write_bytes(good())
    image = read_uf2(path, expect_family="rp2040")
    assert image.family == FAMILY_RP2040
    assert image.blocks == 6 and image.payload_bytes == 6 * 256
    assert (image.start, image.end) == (0x10000000, 0x10000600)
    assert image.chips == ("rp2040",)
    assert image.description == ("RP2040 (family 0xe48bff56): 6 blocks, 1,536 bytes at "
                                 "0x10000000..0x10000600")
    assert read_uf2(good(), expect_family=FAMILY_RP2040).data == path.read_bytes()


def test_rp2350_file_with_the_e10_ignore_block():
    data = ignore_block() + good(FAMILY_RP2350_ARM_S)
    image = read_uf2(data, expect_family="rp2350")
    assert image.ignored_blocks == 1
    assert image.family == FAMILY_RP2350_ARM_S and image.blocks == 7
    assert image.start == 0x10000000  # the ignore block's 0x10ffff00 does not count


def test_universal_file_numbers_each_image_from_zero():
    data = good(FAMILY_RP2040) + write_uf2(IMAGE, FAMILY_RP2350_RISCV, base=0x10100000)
    image = read_uf2(data)
    assert image.families == (FAMILY_RP2040, FAMILY_RP2350_RISCV)
    assert image.for_chip("rp2040") and image.for_chip("rp2350")
    read_uf2(data, expect_family="rp2350")


def test_not_main_flash_blocks_are_numbered_but_not_checked_or_counted():
    data = put(good(), 5, 8, uf2.FLAG_FAMILY_ID | uf2.FLAG_NOT_MAIN_FLASH)
    data = put(data, 5, 12, 0x00000004)  # an address no flash has: not checked
    image = read_uf2(data)
    assert image.blocks == 6 and image.payload_bytes == 5 * 256


def test_wrong_family_says_what_to_download():
    with pytest.raises(FirmwareError) as err:
        read_uf2(good(FAMILY_RP2350_ARM_S), expect_family="rp2040")
    assert str(err.value) == ("<bytes>: this UF2 is for RP2350 ARM-S (family 0xe48bff59) "
                              "but the board is an RP2040: download the RP2040 build of the "
                              "firmware")
    assert isinstance(err.value, RobokitError)


def _swap(data: bytes, a: int, b: int) -> bytes:
    bl = blocks(data)
    bl[a], bl[b] = bl[b], bl[a]
    return b"".join(bl)


def _drop(data: bytes, n: int) -> bytes:
    bl = blocks(data)
    del bl[n]
    return b"".join(bl)


def _dup(data: bytes, n: int) -> bytes:
    bl = blocks(data)
    bl.insert(n + 1, bl[n])
    return b"".join(bl)


G = good()
MALFORMED = {
    # name: (data, expected fragments of the message)
    "empty": (b"", ["the file is empty"]),
    "not uf2": (b"\x7fELF" + bytes(508), ["not a UF2 file", ".uf2 build"]),
    "truncated mid-block": (G[:512 * 3 + 100], ["block 3 (byte offset 1536)", "truncated",
                                                 "100 bytes"]),
    "bad magicStart0": (put(G, 2, 0, 0x12345678), ["block 2 (byte offset 1024)",
                                                    "bad magicStart0 0x12345678"]),
    "bad magicStart1": (put(G, 0, 4, 0), ["block 0 (byte offset 4)", "bad magicStart1"]),
    "bad magicEnd": (put(G, 4, 508, 0), ["block 4 (byte offset 2556)", "bad magicEnd"]),
    "payload too long": (put(G, 1, 16, 477), ["block 1 (byte offset 528)",
                                               "payload size 477", "476"]),
    "out of order": (_swap(G, 2, 3), ["block 2 (byte offset 1044)", "block number 3 follows 1",
                                      "block 2 is out of order"]),
    "missing block": (_drop(G, 2), ["block 2", "block 2 is missing"]),
    "missing last block": (_drop(G, 5), ["1 block(s) missing", "declares 6 blocks, only 5"]),
    "duplicate block": (_dup(G, 2), ["block 3 (byte offset 1556)",
                                     "block number 2 is repeated"]),
    "first block not 0": (_drop(G, 0), ["block 0 (byte offset 20)", "starts at block number 1"]),
    "inconsistent numBlocks": (put(G, 3, 24, 7), ["block 3 (byte offset 1560)",
                                                  "numBlocks is 7 here but 6"]),
    "several missing": (_drop(_drop(G, 2), 2), ["blocks 2..3 are missing"]),
    "past numBlocks": (put(put(G, 5, 20, 9), 5, 24, 6), ["block number 9 is past"]),
    "address out of range": (put(G, 1, 12, 0x11000000), ["block 1 (byte offset 524)",
                                                         "outside the RP2040 flash"]),
    "address in RAM": (put(G, 0, 12, 0x20000000), ["outside the RP2040 flash"]),
    "address misaligned": (put(G, 1, 12, 0x10000180), ["0x10000180 is not aligned to 256"]),
    "overlapping writes": (put(G, 3, 12, 0x10000100), ["block 3", "block 1 already writes",
                                                       "overlapping"]),
    "no family id": (put(G, 0, 8, 0), ["block 0 (byte offset 8)", "no family ID"]),
    "unknown family": (put(G, 0, 28, 0x12345678),
                       ["family ID 0x12345678 is not a chip robokit knows"]),
    "file container": (put(G, 0, 8, uf2.FLAG_FAMILY_ID | uf2.FLAG_FILE_CONTAINER),
                       ["file container"]),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_files_are_refused_with_a_clear_message(case):
    data, fragments = MALFORMED[case]
    with pytest.raises(FirmwareError) as err:
        read_uf2(data, expect_family="rp2040")
    message = str(err.value)
    for fragment in fragments:
        assert fragment in message, message
    assert ": " in message and not message.endswith(":")


@pytest.mark.parametrize("seed", range(40))
def test_any_single_corrupted_header_word_is_refused_or_harmless(seed):
    """Damage one header word of one block: the file is refused, or what is read back
    is still a consistent image (a changed flag or unused word can be harmless)."""
    import random

    rng = random.Random(seed)
    block, word = rng.randrange(6), rng.choice([0, 1, 2, 3, 4, 5, 6, 7, 127])
    data = put(G, block, word * 4, rng.getrandbits(32))
    try:
        image = read_uf2(data, expect_family="rp2040")
    except FirmwareError as exc:
        assert "block" in str(exc) or "file" in str(exc)
    else:
        assert image.blocks == 6 and image.payload_bytes <= 6 * 256


def test_unreadable_path():
    with pytest.raises(FirmwareError, match="cannot read the UF2 file"):
        read_uf2("/nonexistent/fw.uf2")


def test_write_uf2_round_trip():
    data = write_uf2(b"x" * 1000, FAMILY_RP2350_ARM_S, base=0x10004000)
    assert len(data) == 4 * 512
    image = read_uf2(data, expect_family=FAMILY_RP2350_ARM_S)
    assert (image.start, image.end) == (0x10004000, 0x10004400)
    payload = b"".join(b[32:32 + 256] for b in blocks(data))
    assert payload[:1000] == b"x" * 1000 and payload[1000:] == bytes(24)


# --------------------------------------------------------------------- boot drives


def test_find_boot_drives_reads_info_uf2(tmp_path):
    rp2040 = make_drive(tmp_path, RP2040_INFO, "RPI-RP2")
    rp2350 = make_drive(tmp_path, RP2350_INFO, "RP2350")
    other = tmp_path / "USBSTICK"
    other.mkdir()
    drives = find_boot_drives([rp2040, other, tmp_path / "gone", rp2350])
    assert drives == [BootDrive(rp2040, "Raspberry Pi RP2", "RPI-RP2", "rp2040"),
                      BootDrive(rp2350, "Raspberry Pi RP2350", "RP2350", "rp2350")]
    assert drives[0].family == FAMILY_RP2040
    assert drives[1].family == FAMILY_RP2350_ARM_S


def test_info_file_name_case_and_unknown_board(tmp_path):
    drive = tmp_path / "X"
    drive.mkdir()
    (drive / "info_uf2.txt").write_text("Model: Some Board\r\nBoard-ID: SAMD21-XYZ\r\n")
    found = read_boot_drive(drive)
    assert found is not None
    assert (found.model, found.board_id, found.chip, found.family) == (
        "Some Board", "SAMD21-XYZ", None, None)


def test_default_roots_scans_the_usual_places(monkeypatch, tmp_path):
    monkeypatch.setattr(uf2, "default_roots", lambda: [make_drive(tmp_path)])
    assert [d.board_id for d in find_boot_drives()] == ["RPI-RP2"]
    assert all(isinstance(p, Path) for p in uf2._children(tmp_path))


# ------------------------------------------------------------------------ flashing


def test_flash_copies_byte_identical_with_progress(tmp_path):
    drive = make_drive(tmp_path)
    src = tmp_path / "fw.uf2"
    data = write_uf2(bytes(range(256)) * 300)  # 300 blocks, 153,600 bytes
    src.write_bytes(data)
    calls: list[tuple[int, int]] = []
    written = flash_uf2(src, find_boot_drives([drive])[0],
                        lambda done, total: calls.append((done, total)), chunk_size=50_000)
    assert written == drive / "firmware.uf2"
    assert written.read_bytes() == data
    assert calls == [(50_000, len(data)), (100_000, len(data)), (150_000, len(data)),
                     (len(data), len(data))]


def test_flash_accepts_an_image_and_a_drive_path(tmp_path):
    drive = make_drive(tmp_path, RP2350_INFO, "RP2350")
    data = ignore_block() + good(FAMILY_RP2350_ARM_S)
    flash_uf2(read_uf2(data), drive, filename="micropython.uf2")
    assert (drive / "micropython.uf2").read_bytes() == data


@pytest.mark.parametrize("data, fragment", [
    (good(FAMILY_RP2350_ARM_S), "download the RP2040 build"),
    (good()[:-10], "truncated"),
    (_drop(good(), 3), "missing"),
])
def test_refusing_writes_nothing(tmp_path, data, fragment):
    drive = make_drive(tmp_path)
    before = snapshot(drive)
    src = tmp_path / "fw.uf2"
    src.write_bytes(data)
    with pytest.raises(FirmwareError, match=fragment):
        flash_uf2(src, drive)
    assert snapshot(drive) == before


def test_not_a_boot_drive_or_unknown_board(tmp_path):
    plain = tmp_path / "stick"
    plain.mkdir()
    with pytest.raises(FirmwareError, match="not a UF2 boot drive .* hold BOOTSEL"):
        flash_uf2(good(), plain)
    assert list(plain.iterdir()) == []
    odd = make_drive(tmp_path, "Board-ID: SAMD21\n", "odd")
    with pytest.raises(FirmwareError, match="not one robokit knows"):
        flash_uf2(good(), odd)


class VanishingFile:
    """A file on a drive that goes away after ``limit`` bytes (the board rebooted, or
    was unplugged)."""

    def __init__(self, limit: int):
        self.limit, self.got = limit, 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def write(self, chunk) -> int:
        if self.got >= self.limit:
            raise OSError(5, "Input/output error")
        n = min(len(chunk), self.limit - self.got)
        self.got += n
        return n

    def fileno(self) -> int:
        return -1


def test_drive_vanishing_after_the_last_byte_is_success(tmp_path, monkeypatch):
    drive = make_drive(tmp_path)
    data = good()
    fake = VanishingFile(len(data))
    monkeypatch.setattr(uf2, "open", lambda *a, **k: fake, raising=False)

    def fsync(fd):
        raise OSError(19, "No such device")

    monkeypatch.setattr(uf2.os, "fsync", fsync)
    assert flash_uf2(data, drive) == drive / "firmware.uf2"
    assert fake.got == len(data)


def test_drive_vanishing_mid_copy_is_an_error(tmp_path, monkeypatch):
    drive = make_drive(tmp_path)
    data = good()
    monkeypatch.setattr(uf2, "open", lambda *a, **k: VanishingFile(1000), raising=False)
    with pytest.raises(FirmwareError, match=r"was cut after 1,000 of 3,072 bytes"):
        flash_uf2(data, drive, chunk_size=512)


# ------------------------------------------------------------------ waiting for port


def port(device: str, vid: int = 0x2E8A, pid: int = 0x0005) -> SerialPort:
    return SerialPort(device, vid, pid, "Board in FS mode", "MicroPython board")


def test_wait_for_serial_sees_the_new_port_after_a_few_polls(monkeypatch):
    import robokit.link.ports as ports

    old = port("/dev/ttyACM0")
    answers = [[old], [old], [old, port("/dev/ttyUSB0", 0x1A86, 0x7523)],
               [old, port("/dev/ttyACM1")]]
    calls = []

    def serial_ports():
        calls.append(1)
        return answers[min(len(calls) - 1, len(answers) - 1)]

    monkeypatch.setattr(ports, "serial_ports", serial_ports)
    sleeps: list[float] = []
    found = wait_for_serial(timeout=5, poll=0.5, sleep=sleeps.append)
    assert found.device == "/dev/ttyACM1"
    assert sleeps == [0.5, 0.5]  # the first call took the 'before' snapshot


def test_wait_for_serial_times_out_with_a_clear_message(monkeypatch):
    import robokit.link.ports as ports

    monkeypatch.setattr(ports, "serial_ports", lambda: [port("/dev/ttyACM0")])
    now = [0.0]

    def sleep(s):
        now[0] += s

    with pytest.raises(FirmwareError) as err:
        wait_for_serial(timeout=2, poll=0.5, before=["/dev/ttyACM0"], sleep=sleep,
                        clock=lambda: now[0])
    assert now[0] == 2.0
    assert "no new MicroPython serial port (USB 2E8A:0005) appeared within 2 s" in str(
        err.value)
    assert "robokit devices" in str(err.value)
