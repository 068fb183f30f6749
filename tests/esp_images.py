"""ESP32-family firmware images built byte by byte for the tests (header, extended header,
segments, checksum, SHA-256, partition table), as ESP-IDF lays them out."""

from __future__ import annotations

import hashlib
import struct

ESP32, ESP32S3 = 0, 9
BOOT_OFFSET = {ESP32: 0x1000, ESP32S3: 0x0}


def make_image(
    chip_id: int,
    payload: bytes,
    *,
    app: str | None = None,
    version: str = "v1.24.1",
    flash_nibble: int = 2,  # 4 MB
    with_hash: bool = True,
) -> bytes:
    """An ESP32-family image: two segments, checksum, optional SHA-256 digest."""
    first = payload
    if app is not None:  # esp_app_desc_t at the start of the first segment
        desc = struct.pack("<IIII", 0xABCD5432, 0, 0, 0)
        desc += version.encode().ljust(32, b"\0") + app.encode().ljust(32, b"\0")
        first = desc + bytes(256 - len(desc)) + payload
    segments = [(0x3F400020, first), (0x40080000, bytes(range(256)) * 4)]
    out = struct.pack("<BBBBI", 0xE9, len(segments), 2, flash_nibble << 4 | 0xF, 0x40080400)
    out += struct.pack("<BBBBHBHH4xB", 0xEE, 0, 0, 0, chip_id, 0, 0, 0xFFFF, int(with_hash))
    checksum = 0xEF
    for addr, data in segments:
        out += struct.pack("<II", addr, len(data)) + data
        for b in data:
            checksum ^= b
    out += bytes(15 - len(out) % 16) + bytes([checksum])
    if with_hash:
        out += hashlib.sha256(out).digest()
    return out


def make_merged(chip_id: int, app_payload: bytes, *, flash_nibble: int = 2) -> bytes:
    """bootloader + partition table at 0x8000 + factory app at 0x10000, from the boot offset."""
    base = BOOT_OFFSET[chip_id]
    boot = make_image(chip_id, b"bootloader" * 100, flash_nibble=flash_nibble)
    table = b""
    for ptype, subtype, offset, size, label in [
        (1, 2, 0x9000, 0x6000, b"nvs"),
        (1, 1, 0xF000, 0x1000, b"phy_init"),
        (0, 0, 0x10000, 0x1F0000, b"factory"),
    ]:
        table += b"\xaa\x50" + struct.pack("<BBII", ptype, subtype, offset, size)
        table += label.ljust(16, b"\0") + bytes(4)
    table += b"\xeb\xeb" + b"\xff" * 14 + hashlib.md5(table).digest()
    out = boot.ljust(0x8000 - base, b"\xff") + table
    out = out.ljust(0x10000 - base, b"\xff")
    return out + make_image(chip_id, app_payload, app="micropython", flash_nibble=flash_nibble)


def app_payload(n: int = 40_000) -> bytes:
    # compressible but not trivial, so the deflate path carries several blocks
    return b"".join(struct.pack("<I", i * 2654435761 & 0xFFFF) for i in range(n // 4))
