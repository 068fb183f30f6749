"""`robokit flash`: UF2 files onto a board's boot drive (a folder with INFO_UF2.TXT stands
in for the mounted drive: the filesystem is the boundary), Pybricks zips checked."""

from __future__ import annotations

import json
import zipfile
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
    path = tmp_path / "pybricks-cityhub-v3.5.0.zip"
    meta = {"metadata-version": "2.1.0", "firmware-version": "v3.5.0", "device-id": 0x41,
            "checksum-type": "sum", "checksum-size": 8192, "hub-name-offset": 512,
            "hub-name-size": 16}
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("firmware-base.bin", bytes(2000))
        z.writestr("firmware.metadata.json", json.dumps(meta))
    return path


def test_a_pybricks_zip_is_checked_but_not_flashed_yet(tmp_path: Path) -> None:
    z = _pybricks_zip(tmp_path)
    ok = CliRunner().invoke(main, ["flash", str(z), "--check"])
    assert ok.exit_code == 0, ok.output
    assert "Pybricks v3.5.0 for the City Hub" in ok.output
    no = CliRunner().invoke(main, ["flash", str(z)])
    assert no.exit_code == 2
    assert "flashing LEGO hubs is not built yet" in no.output


def test_other_files_are_refused(tmp_path: Path) -> None:
    f = tmp_path / "firmware.bin"
    f.write_bytes(b"\0" * 10)
    r = CliRunner().invoke(main, ["flash", str(f)])
    assert r.exit_code == 2 and "neither" in r.output
