"""ESP32 flashing: real esptool code against the simulated ROM bootloader (robokit.virtual.esp_rom).

Images are built here byte by byte (header, extended header, segments, checksum, SHA-256,
partition table) and cross-checked with esptool's own image reader.
"""

from __future__ import annotations

import hashlib
import struct

import pytest

from robokit.firmware import FirmwareError
from robokit.firmware.esp import ESP_CHIPS, EspImage, flash_esp, read_esp_image
from robokit.virtual.esp_rom import EspRom, EspRomServer

pytest.importorskip("esptool")

from esp_images import BOOT_OFFSET, ESP32, ESP32S3, app_payload, make_image, make_merged  # noqa: E402,I001


@pytest.fixture
def write_file(tmp_path):
    def write(name: str, data: bytes) -> str:
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)

    return write


# -- reading images ------------------------------------------------------------------


@pytest.mark.parametrize("chip_id", [ESP32, ESP32S3])
def test_merged_image_goes_at_the_chips_bootloader_offset(chip_id, write_file):
    data = make_merged(chip_id, app_payload())
    image = read_esp_image(write_file("fw.bin", data))
    assert image.kind == "merged"
    assert image.chip == ESP_CHIPS[chip_id][0]
    assert image.offset == BOOT_OFFSET[chip_id]
    assert image.app_offset == 0x10000
    assert (image.app_name, image.app_version) == ("micropython", "v1.24.1")
    assert image.flash_size == 4 * 1024 * 1024
    assert image.data == data
    assert "micropython v1.24.1" in image.description


def test_bare_app_and_bootloader_images(write_file):
    app = read_esp_image(make_image(ESP32S3, b"x" * 500, app="robot"))
    assert (app.kind, app.offset, app.chip) == ("app", 0x10000, "ESP32-S3")
    assert read_esp_image(make_image(ESP32S3, b"x" * 500, app="r"), app_offset=0x20000).offset == (
        0x20000
    )
    boot = read_esp_image(make_image(ESP32, b"boot" * 100))
    assert (boot.kind, boot.offset, boot.chip) == ("bootloader", 0x1000, "ESP32")


def test_images_agree_with_esptools_reader():
    from esptool.bin_image import LoadFirmwareImage

    for chip_id in (ESP32, ESP32S3):
        data = make_image(chip_id, app_payload(4000), app="micropython")
        ours = read_esp_image(data)
        theirs = LoadFirmwareImage(ours.chip.lower().replace("-", ""), data)
        theirs.verify()  # raises on a bad checksum or digest
        assert theirs.chip_id == ours.chip_id
        assert len(theirs.segments) == ours.segments


def test_chip_table_matches_esptool():
    from esptool.targets import CHIP_DEFS

    by_name = {cls.CHIP_NAME: cls for cls in CHIP_DEFS.values()}
    for chip_id, (name, boot_offset) in ESP_CHIPS.items():
        assert by_name[name].IMAGE_CHIP_ID == chip_id
        assert by_name[name].BOOTLOADER_FLASH_OFFSET == boot_offset


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"UF2\n" + bytes(508), "UF2 file"),
        (b"PK\x03\x04" + bytes(60), "zip archive"),
        (b"\x7fELF" + bytes(60), "ELF file"),
        (b"hello world", "starts with byte 0x68"),
    ],
)
def test_not_an_image_is_refused(data, message, write_file):
    path = write_file("fw.bin", data)
    with pytest.raises(FirmwareError, match=message) as e:
        read_esp_image(path)
    assert path in str(e.value)


def test_broken_images_are_refused():
    good = make_merged(ESP32, app_payload())
    app_at = 0x10000 - 0x1000
    cases = {
        "truncated: segment": good[: app_at + 2000],  # cut inside the app
        "truncated: the app partition starts": good[: app_at - 16],
        "no partition table": make_image(ESP32, b"b" * 100).ljust(0x9000, b"\xff"),
        "checksum": good[:40] + bytes([good[40] ^ 1]) + good[41:],
        "chip id 77": make_image(77, b"x" * 64),
        "declares 0 segments": good[:1] + b"\x00" + good[2:],
    }
    for message, data in cases.items():
        with pytest.raises(FirmwareError, match=message):
            read_esp_image(data)
    bad_hash = bytearray(make_image(ESP32S3, b"x" * 64, with_hash=True))
    bad_hash[-1] ^= 0xFF
    with pytest.raises(FirmwareError, match="SHA-256"):
        read_esp_image(bytes(bad_hash))


def test_wrong_chip_and_too_big_refused_when_reading():
    with pytest.raises(FirmwareError, match="for the ESP32 but the chip expected is an ESP32-S3"):
        read_esp_image(make_merged(ESP32, app_payload()), expect_chip="esp32s3")
    assert read_esp_image(make_merged(ESP32S3, app_payload()), expect_chip="ESP32-S3")
    # header says 1 MB flash; the bare app at 0x10000 runs past it
    big = make_image(ESP32, bytes(1024 * 1024), app="big", flash_nibble=0)
    with pytest.raises(FirmwareError, match="do not fit in the 1 MB flash"):
        read_esp_image(big)


# -- flashing the simulated chip -----------------------------------------------------


@pytest.fixture
def chip():
    servers: list[EspRomServer] = []

    def start(name: str = "ESP32", **kw) -> EspRomServer:
        server = EspRomServer(EspRom(name, **kw))
        servers.append(server)
        return server

    yield start
    for s in servers:
        s.close()


@pytest.mark.parametrize("chip_name, chip_id", [("ESP32", ESP32), ("ESP32-S3", ESP32S3)])
def test_flash_merged_image(chip_name, chip_id, chip, write_file, capsys):
    server = chip(chip_name)
    data = make_merged(chip_id, app_payload())
    path = write_file("fw.bin", data)
    calls: list[tuple[int, int]] = []
    result = flash_esp(path, server.url, progress=lambda d, t: calls.append((d, t)))
    rom = server.rom
    base = BOOT_OFFSET[chip_id]
    assert result.chip == chip_name
    assert result.offset == base
    assert result.verified and result.md5 == hashlib.md5(data).hexdigest()
    assert result.flash_size == 4 * 1024 * 1024
    assert rom.flash[base : base + len(data)] == data
    assert rom.flash[:base] == b"\xff" * base and rom.flash[base + len(data) :].count(0xFF) == (
        len(rom.flash) - base - len(data)
    )
    assert rom.stats["FLASH_DEFL_DATA"] > 1 and rom.stats["FLASH_DATA"] == 0  # compressed
    assert rom.stats["SPI_FLASH_MD5"] == 2  # esptool's check and ours
    assert rom.baudrate == 460800
    # progress: monotonic, in bytes of the file, ends at the total
    assert calls and calls[-1] == (len(data), len(data))
    assert all(t == len(data) for _, t in calls)
    assert [d for d, _ in calls] == sorted(set(d for d, _ in calls))
    assert len(calls) > 3
    assert any("Hash of data verified" in line for line in result.log)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_flash_uncompressed_without_progress(chip, capsys):
    server = chip("ESP32-S3")
    data = make_image(ESP32S3, app_payload(5000), app="robot")
    result = flash_esp(data, server.url, compress=False, baud=115200)
    assert server.rom.flash[0x10000 : 0x10000 + len(data)] == data
    assert server.rom.stats["FLASH_DATA"] > 1 and server.rom.stats["FLASH_DEFL_DATA"] == 0
    assert result.offset == 0x10000 and server.rom.baudrate == 115200
    assert capsys.readouterr() == ("", "")


def test_soft_reset_leaves_the_loader(chip):
    server = chip("ESP32")
    flash_esp(make_merged(ESP32, app_payload(2000)), server.url, after="soft-reset")
    assert server.rom.left_loader


def test_wrong_chip_refused_before_writing(chip, capsys):
    server = chip("ESP32-S3")
    with pytest.raises(FirmwareError) as e:
        flash_esp(make_merged(ESP32, app_payload()), server.url)
    msg = str(e.value)
    assert "for the ESP32 but the chip on socket://" in msg and "is an ESP32-S3" in msg
    assert "download the ESP32-S3 build" in msg
    rom = server.rom
    assert rom.flash == b"\xff" * len(rom.flash)
    assert not any(rom.stats[c] for c in ("FLASH_BEGIN", "FLASH_DEFL_BEGIN", "SPI_ATTACH"))
    assert capsys.readouterr() == ("", "")


def test_image_larger_than_the_boards_flash_refused_before_writing(chip):
    server = chip("ESP32", flash_size=1024 * 1024)
    data = make_merged(ESP32, app_payload(1024 * 1024))  # header says 4 MB, board has 1 MB
    with pytest.raises(FirmwareError, match="do not fit in the 1024 KB flash of the ESP32"):
        flash_esp(data, server.url)
    assert server.rom.stats["FLASH_DEFL_BEGIN"] == server.rom.stats["FLASH_BEGIN"] == 0
    assert server.rom.flash == b"\xff" * len(server.rom.flash)


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: make_merged(ESP32, app_payload())[:0x9000], "truncated"),
        (lambda: b"not firmware", "not an ESP32 firmware image"),
        (lambda: make_image(ESP32, bytes(1024 * 1024), app="big", flash_nibble=0), "do not fit"),
    ],
    ids=["truncated", "not-an-image", "too-big"],
)
def test_bad_files_refused_before_connecting(build, message, chip, write_file):
    server = chip("ESP32")
    with pytest.raises(FirmwareError, match=message):
        flash_esp(write_file("fw.bin", build()), server.url)
    assert server.connections == 0 and server.rom.stats["packets"] == 0


def test_write_failure_is_one_clear_error(chip, capsys):
    server = chip("ESP32", fail_write_at_block=3)
    data = make_merged(ESP32, app_payload())
    calls: list[int] = []
    with pytest.raises(FirmwareError) as e:
        flash_esp(data, server.url, progress=lambda done, total: calls.append(done))
    msg = str(e.value)
    assert msg.startswith("writing <firmware bytes> to the ESP32 on socket://")
    assert "after seq 3" in msg and "0108" in msg and "hold BOOT" in msg  # ROM code 0x08
    assert "Traceback" not in msg and "\n" not in msg
    assert server.rom.stats["blocks_written"] == 3
    assert calls == sorted(calls) and calls[-1] < len(data)  # stopped short of the end
    assert capsys.readouterr() == ("", "")


def test_chip_that_does_not_answer(chip, capsys):
    server = chip("ESP32", no_sync=True)
    with pytest.raises(FirmwareError) as e:
        flash_esp(make_merged(ESP32, app_payload(2000)), server.url, connect_attempts=1)
    msg = str(e.value)
    assert msg.startswith(f"no ESP32 bootloader answered on {server.url}")
    assert "hold BOOT (IO0), press and release RESET (EN)" in msg
    assert server.rom.stats["packets"] >= 5 and server.rom.flash == b"\xff" * len(server.rom.flash)
    assert capsys.readouterr() == ("", "")


def test_port_that_cannot_be_opened(capsys):
    with pytest.raises(FirmwareError, match="cannot open /nonexistent/ttyUSB9"):
        flash_esp(make_merged(ESP32, app_payload(2000)), "/nonexistent/ttyUSB9")
    assert capsys.readouterr() == ("", "")


def test_md5_mismatch_is_a_verification_error(chip, capsys):
    base = BOOT_OFFSET[ESP32]
    server = chip("ESP32", stuck_bytes={base + 0x12345: 0x00})
    data = make_merged(ESP32, app_payload())
    assert data[0x12345] != 0
    with pytest.raises(FirmwareError) as e:
        flash_esp(data, server.url)
    msg = str(e.value)
    assert msg.startswith("verification failed: the flash of the ESP32 on socket://")
    assert "MD5" in msg and "\n" not in msg
    assert capsys.readouterr() == ("", "")


def test_esptool_logger_is_restored(chip, capsys):
    from esptool.logger import log

    flash_esp(make_merged(ESP32, app_payload(2000)), chip("ESP32").url)
    with pytest.raises(FirmwareError):
        flash_esp(make_merged(ESP32, app_payload(2000)), chip("ESP32-S3").url)
    assert capsys.readouterr() == ("", "")
    log.print("esptool speaks again")  # esptool's own logger is back in place
    assert "esptool speaks again" in capsys.readouterr().out


def test_flash_accepts_a_checked_image(chip):
    server = chip("ESP32-S3")
    image = read_esp_image(make_merged(ESP32S3, app_payload(3000)), expect_chip="esp32-s3")
    assert isinstance(image, EspImage)
    result = flash_esp(image, server.url)
    assert result.image is image
    assert server.rom.flash[: image.size] == image.data


def test_simulated_rom_checks_like_the_rom():
    from robokit.virtual.esp_rom import SYNC_DATA, _Slip, slip_encode

    rom = EspRom("ESP32")

    def send(op: int, data: bytes, chk: int = 0) -> tuple[int, int, bytes]:
        answers = rom.handle(struct.pack("<BBHI", 0, op, len(data), chk) + data)
        assert len(answers) == (8 if op == 0x08 else 1)
        _, aop, size, val = struct.unpack_from("<BBHI", answers[0])
        assert aop == op and size == len(answers[0]) - 8
        status = answers[0][-4:]
        return status[0], status[1], answers[0][8:-4]

    assert rom.handle(struct.pack("<BBHI", 0, 0x0A, 4, 0) + bytes(4)) == []  # before SYNC
    assert send(0x08, SYNC_DATA)[:2] == (0, 0)
    assert send(0x0A, struct.pack("<I", 0x40001000))[:2] == (0, 0)
    assert send(0x14, b"")[:2] == (1, 0x05)  # the ESP32 ROM has no GET_SECURITY_INFO
    block = b"\x12\x34" * 512
    head = struct.pack("<IIII", len(block), 0, 0, 0)
    assert send(0x03, head + block, chk=0xEF)[:2] == (1, 0x06)  # no FLASH_BEGIN yet
    assert send(0x02, struct.pack("<IIII", 0x2000, 2, 0x400, 0x10000))[:2] == (0, 0)
    good_chk = 0xEF
    for b in block:
        good_chk ^= b
    assert send(0x03, head + block, chk=good_chk ^ 1)[:2] == (1, 0x07)  # bad checksum
    wrong_seq = struct.pack("<IIII", len(block), 1, 0, 0)
    assert send(0x03, wrong_seq + block, chk=good_chk)[:2] == (1, 0x05)  # seq 1 before 0
    assert send(0x03, head + block, chk=good_chk)[:2] == (0, 0)
    assert rom.flash[0x10000 : 0x10000 + len(block)] == block
    digest = send(0x13, struct.pack("<IIII", 0x10000, len(block), 0, 0))[2]
    assert digest == hashlib.md5(block).hexdigest().encode()
    # SLIP: 0xC0 and 0xDB inside a packet survive the round trip
    packet = b"\x00\xc0\xdb\x01"
    assert _Slip().feed(b"noise" + slip_encode(packet) + slip_encode(b"x")) == [packet, b"x"]
