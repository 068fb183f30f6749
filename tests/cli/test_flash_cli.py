"""`robokit flash`: UF2 files onto a board's boot drive (a folder with INFO_UF2.TXT stands
in for the mounted drive: the filesystem is the boundary), Pybricks zips checked."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from robokit.cli import main
from robokit.firmware.uf2 import FAMILY_RP2040, write_uf2
from robokit.link import ports
from robokit.link.ports import SerialPort

RP2350_ARM_S = 0xE48BFF59


def _drive(tmp_path: Path, board_id: str = "RPI-RP2") -> Path:
    d = tmp_path / "RPI-RP2"
    d.mkdir()
    (d / "INFO_UF2.TXT").write_text(f"UF2 Bootloader v3.0\nModel: Raspberry Pi RP2\n"
                                    f"Board-ID: {board_id}\n")
    return d


def _uf2(tmp_path: Path, family: int = FAMILY_RP2040, size: int = 3000) -> Path:
    f = tmp_path / "micropython.uf2"
    f.write_bytes(write_uf2(bytes(range(256)) * (size // 256 + 1), family, 0x10000000))
    return f


def test_check_says_what_a_uf2_is_for(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["flash", str(_uf2(tmp_path)), "--check"])
    assert r.exit_code == 0, r.output
    assert "RP2040 (family 0xe48bff56)" in r.output


def test_a_broken_uf2_is_one_line_and_nothing_is_written(tmp_path: Path) -> None:
    drive = _drive(tmp_path)
    f = _uf2(tmp_path)
    f.write_bytes(f.read_bytes()[:-100])  # truncated mid-block
    r = CliRunner().invoke(main, ["flash", str(f), "--drive", str(drive), "--wait", "0"])
    assert r.exit_code == 2
    assert r.output.startswith("robokit: flash: ") and len(r.output.strip().splitlines()) == 1
    assert sorted(p.name for p in drive.iterdir()) == ["INFO_UF2.TXT"]


def test_flash_copies_onto_the_drive_and_waits_for_the_board(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    drive = _drive(tmp_path)
    f = _uf2(tmp_path)
    calls = {"n": 0}

    def serial_ports() -> list[SerialPort]:
        calls["n"] += 1
        if calls["n"] < 3:  # the board is still rebooting
            return []
        return [SerialPort(device="/dev/ttyACM7", vid=0x2E8A, pid=0x0005,
                           description="Board in FS mode", known="MicroPython board (RP2040)")]

    monkeypatch.setattr(ports, "serial_ports", serial_ports)
    r = CliRunner().invoke(main, ["flash", str(f), "--drive", str(drive), "--wait", "5"])
    assert r.exit_code == 0, r.output
    assert (drive / "firmware.uf2").read_bytes() == f.read_bytes()
    assert "MicroPython is up on /dev/ttyACM7" in r.output


def test_a_uf2_for_another_chip_is_refused(tmp_path: Path) -> None:
    drive = _drive(tmp_path)
    r = CliRunner().invoke(main, ["flash", str(_uf2(tmp_path, RP2350_ARM_S)), "--drive",
                                  str(drive), "--wait", "0"])
    assert r.exit_code == 2
    assert "RP2040" in r.output and "RP2350" in r.output
    assert sorted(p.name for p in drive.iterdir()) == ["INFO_UF2.TXT"]


def test_no_board_in_bootloader_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from robokit.firmware import uf2

    monkeypatch.setattr(uf2, "find_boot_drives", lambda roots=None: [])
    r = CliRunner().invoke(main, ["flash", str(_uf2(tmp_path))])
    assert r.exit_code == 2
    assert "no board in bootloader mode found: hold BOOTSEL" in r.output


def _pybricks_zip(tmp_path: Path) -> Path:
    from hub_helpers import pybricks_zip

    return pybricks_zip(tmp_path / "pybricks-cityhub-v3.5.0.zip", 0x41)


def test_a_pybricks_zip_is_checked_and_flashed_over_ble(tmp_path: Path) -> None:
    """--check reads the zip; without it the City Hub's zip goes over Bluetooth (its hub
    type decides) to the hub in bootloader mode, through pybricksdev on the virtual radio."""
    pytest.importorskip("pybricksdev")
    from robokit.virtual.lego_bootloader import LegoBootloader
    from robokit.virtual.radio import Radio, installed

    z = _pybricks_zip(tmp_path)
    ok = CliRunner().invoke(main, ["flash", str(z), "--check"])
    assert ok.exit_code == 0, ok.output
    assert "Pybricks v3.5.0 for the City Hub" in ok.output
    hub = LegoBootloader(0x41)
    radio = Radio()
    radio.add(hub)
    with installed(radio):
        r = CliRunner().invoke(main, ["flash", str(z), "--wait", "5"])
    assert r.exit_code == 0, r.output
    assert "onto the City Hub" in r.output and "verified:" in r.output
    from robokit.firmware.pybricks_zip import read_firmware_zip

    image = read_firmware_zip(z).build_image()
    assert hub.image(len(image)) == image and hub.started


def test_a_pybricks_zip_for_another_hub_is_one_line(tmp_path: Path) -> None:
    pytest.importorskip("pybricksdev")
    from robokit.virtual.lego_bootloader import LegoBootloader
    from robokit.virtual.radio import Radio, installed

    z = _pybricks_zip(tmp_path)  # City Hub
    hub = LegoBootloader(0x80)  # a Technic Hub is in bootloader mode
    radio = Radio()
    radio.add(hub)
    with installed(radio):
        r = CliRunner().invoke(main, ["flash", str(z), "--ble", "--wait", "5"])
    assert r.exit_code == 2
    lines = r.output.strip().splitlines()  # what the file is, then the one-line refusal
    assert len(lines) == 2 and lines[1].startswith("robokit: flash: ")
    assert "Technic Hub" in r.output and not hub.erased


def test_options_that_do_not_fit_the_file_are_refused(tmp_path: Path) -> None:
    z = _pybricks_zip(tmp_path)
    r = CliRunner().invoke(main, ["flash", str(z), "--port", "/dev/ttyACM0"])
    assert r.exit_code == 2 and "--port does not apply to a .zip file" in r.output
    u = _uf2(tmp_path)
    r = CliRunner().invoke(main, ["flash", str(u), "--usb"])
    assert r.exit_code == 2 and "--usb does not apply to a .uf2 file" in r.output


def test_other_files_are_refused(tmp_path: Path) -> None:
    f = tmp_path / "firmware.hex"
    f.write_bytes(b"\0" * 10)
    r = CliRunner().invoke(main, ["flash", str(f)])
    assert r.exit_code == 2 and "none of them" in r.output


def test_an_esp32_image_is_checked_and_flashed_through_esptool(tmp_path: Path) -> None:
    """A merged MicroPython image for an ESP32 goes at 0x1000 through esptool's real code,
    to the simulated ROM bootloader on a loopback socket."""
    pytest.importorskip("esptool")
    from esp_images import ESP32, app_payload, make_merged

    from robokit.virtual.esp_rom import EspRom, EspRomServer

    data = make_merged(ESP32, app_payload(8000))
    f = tmp_path / "ESP32_GENERIC-v1.24.1.bin"
    f.write_bytes(data)
    ok = CliRunner().invoke(main, ["flash", str(f), "--check"])
    assert ok.exit_code == 0, ok.output
    assert "ESP32" in ok.output
    with EspRomServer(EspRom("ESP32")) as server:
        r = CliRunner().invoke(main, ["flash", str(f), "--port", server.url])
        flashed = bytes(server.rom.flash[0x1000:0x1000 + len(data)])
    assert r.exit_code == 0, r.output
    assert "onto the ESP32" in r.output and "at 0x1000" in r.output and "verified" in r.output
    assert flashed == data


def test_an_esp32_image_for_another_chip_is_refused_and_nothing_written(tmp_path: Path) -> None:
    pytest.importorskip("esptool")
    from esp_images import ESP32S3, app_payload, make_merged

    from robokit.virtual.esp_rom import EspRom, EspRomServer

    f = tmp_path / "ESP32_GENERIC_S3.bin"
    f.write_bytes(make_merged(ESP32S3, app_payload(4000)))
    with EspRomServer(EspRom("ESP32")) as server:
        r = CliRunner().invoke(main, ["flash", str(f), "--port", server.url])
        untouched = server.rom.flash.count(0xFF) == len(server.rom.flash)
    assert r.exit_code == 2
    assert r.output.strip().splitlines()[-1].startswith("robokit: flash: ")
    assert "ESP32-S3" in r.output and untouched


def test_an_esp32_image_needs_a_port(tmp_path: Path) -> None:
    pytest.importorskip("esptool")
    from esp_images import ESP32, app_payload, make_merged

    f = tmp_path / "fw.bin"
    f.write_bytes(make_merged(ESP32, app_payload(4000)))
    r = CliRunner().invoke(main, ["flash", str(f)])
    assert r.exit_code == 2 and "give --port PORT" in r.output


def test_a_missing_optional_package_names_the_extra(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Without esptool installed (an ImportError on import), flashing an ESP32 says which
    extra brings it, in one line."""
    import sys

    from esp_images import ESP32, app_payload, make_merged

    monkeypatch.setitem(sys.modules, "esptool", None)  # `import esptool` raises ImportError
    f = tmp_path / "fw.bin"
    f.write_bytes(make_merged(ESP32, app_payload(4000)))
    r = CliRunner().invoke(main, ["flash", str(f), "--port", "socket://127.0.0.1:9"])
    assert r.exit_code == 2
    assert r.output.strip().splitlines()[-1] == (
        'robokit: flash: flashing ESP32 boards needs the Python package esptool, which is not '
        'installed: pip install "robokit[esp32]"')


def test_a_uf2_with_port_restarts_a_running_board_into_its_bootloader(tmp_path: Path) -> None:
    """--port: robokit tells the MicroPython board on the port (the simulated board on a
    pty) to run machine.bootloader(), waits for the boot drive to appear, copies the UF2."""
    pytest.importorskip("termios")
    from robokit.virtual.board import SimBoard

    drive = tmp_path / "RPI-RP2"
    f = _uf2(tmp_path)
    board = SimBoard(vm="cpython", boot_drive=drive)
    try:
        port = board.serve_pty()
        r = CliRunner().invoke(main, ["flash", str(f), "--port", port, "--drive", str(drive),
                                      "--wait", "0"])
    finally:
        board.close()
    assert r.exit_code == 0, r.output
    assert "restarted into its bootloader" in r.output
    assert board.stats["bootloader"] == 1
    assert (drive / "firmware.uf2").read_bytes() == f.read_bytes()


def test_a_uf2_with_port_of_a_board_that_is_not_an_rp2040_is_refused(tmp_path: Path) -> None:
    pytest.importorskip("termios")
    from robokit.virtual.board import SimBoard

    drive = tmp_path / "RPI-RP2"
    board = SimBoard(vm="cpython", platform="esp32", boot_drive=drive)
    try:
        port = board.serve_pty()
        r = CliRunner().invoke(main, ["flash", str(_uf2(tmp_path)), "--port", port,
                                      "--drive", str(drive), "--wait", "0"])
    finally:
        board.close()
    assert r.exit_code == 2
    assert r.output.strip().splitlines()[-1].startswith("robokit: flash: ")
    assert "not an RP2040/RP2350" in r.output and "bootloader" not in board.stats
    assert not drive.exists()


def test_a_boot_drive_that_never_appears_is_one_line(tmp_path: Path) -> None:
    pytest.importorskip("termios")
    from robokit.virtual.board import SimBoard

    board = SimBoard(vm="cpython")  # restarts, but no drive shows up where we look
    try:
        port = board.serve_pty()
        r = CliRunner().invoke(main, ["flash", str(_uf2(tmp_path)), "--port", port,
                                      "--drive", str(tmp_path / "nowhere"), "--wait", "0.5"])
    finally:
        board.close()
    assert r.exit_code == 2
    last = r.output.strip().splitlines()[-1]
    assert last.startswith("robokit: flash: the board restarted, but no boot drive")
    assert "--drive" in last
