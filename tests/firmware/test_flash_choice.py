"""robokit.firmware.flash, called as a library: the flasher picked from the file, options
that do not fit refused before anything is read or written, the bootloader entered
through the caller's function, the board's new serial port found by comparing the ports
before and after. (tests/cli/test_flash_cli.py drives the same code through `robokit flash`.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from robokit.firmware import FirmwareError
from robokit.firmware.flash import (
    BOOTLOADER,
    COPIED,
    flash,
    flash_kind,
    lego_over_usb,
    plan_flash,
)
from robokit.firmware.uf2 import FAMILY_RP2040, write_uf2
from robokit.link import ports
from robokit.link.ports import SerialPort


def _uf2(tmp_path: Path) -> Path:
    f = tmp_path / "micropython.uf2"
    f.write_bytes(write_uf2(bytes(range(256)) * 12, FAMILY_RP2040, 0x10000000))
    return f


def _drive(path: Path) -> Path:
    path.mkdir()
    (path / "INFO_UF2.TXT").write_text("UF2 Bootloader v3.0\nModel: Raspberry Pi RP2\n"
                                       "Board-ID: RPI-RP2\n")
    return path


def _zip(tmp_path: Path, device_id: int) -> Path:
    from hub_helpers import pybricks_zip

    return pybricks_zip(tmp_path / f"pybricks-{device_id:x}.zip", device_id)


def test_the_kind_comes_from_the_file_name(tmp_path: Path) -> None:
    for name, kind in (("a.zip", "pybricks"), ("b.UF2", "uf2"), ("c.bin", "esp")):
        (tmp_path / name).write_bytes(b"x")
        assert flash_kind(tmp_path / name) == kind
    (tmp_path / "d.hex").write_bytes(b"x")
    with pytest.raises(FirmwareError, match="this is none of them"):
        flash_kind(tmp_path / "d.hex")
    with pytest.raises(FirmwareError, match="no such file; check the path"):
        flash_kind(tmp_path / "missing.uf2")


def test_options_that_do_not_fit_are_refused_before_the_file_is_read(tmp_path: Path) -> None:
    broken = tmp_path / "broken.uf2"
    broken.write_bytes(b"not a uf2 at all")
    with pytest.raises(FirmwareError) as e:
        plan_flash(broken, usb=True, ble="")
    assert str(e.value) == ("--ble and --usb does not apply to a .uf2 file (it takes --port "
                            "or --drive)")
    with pytest.raises(FirmwareError):  # with fitting options, the file itself is judged
        plan_flash(broken, drive=tmp_path)


def test_a_plan_holds_the_validated_image(tmp_path: Path) -> None:
    plan = plan_flash(_uf2(tmp_path), drive=tmp_path / "RPI-RP2")
    assert plan.kind == "uf2" and plan.drive == tmp_path / "RPI-RP2"
    assert "RP2040" in plan.image.description


def test_a_lego_hub_goes_over_usb_or_bluetooth_by_its_type_unless_asked(tmp_path: Path) -> None:
    city, prime = _zip(tmp_path, 0x41), _zip(tmp_path, 0x81)
    assert lego_over_usb(plan_flash(city)) is False  # City Hub: a Bluetooth bootloader
    assert lego_over_usb(plan_flash(prime)) is True  # SPIKE Prime: USB DFU
    assert lego_over_usb(plan_flash(city, usb=True)) is True
    assert lego_over_usb(plan_flash(prime, ble="")) is False


def test_a_uf2_with_a_port_enters_the_bootloader_copies_and_finds_the_new_port(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    drive = tmp_path / "RPI-RP2"
    up = SerialPort(device="/dev/ttyACM1", vid=0x2E8A, pid=0x0005, description="Board in FS "
                    "mode", known="MicroPython board (RP2040)")
    old = SerialPort(device="/dev/ttyACM0", vid=0x2E8A, pid=0x0005, description="old",
                     known=None)
    present = [old]  # the board being flashed was on ttyACM0; it comes back as ttyACM1
    monkeypatch.setattr(ports, "serial_ports", lambda: list(present))
    steps: list[tuple[str, Any]] = []
    restarted: list[str] = []

    def enter_bootloader(port: str) -> None:
        restarted.append(port)
        _drive(drive)  # the board's boot drive appears

    def on_step(step: str, value: Any) -> None:
        steps.append((step, value))
        if step == COPIED:
            present.append(up)

    f = _uf2(tmp_path)
    done = flash(plan_flash(f, port="/dev/ttyACM0", drive=drive), wait=2,
                 on_step=on_step, enter_bootloader=enter_bootloader)
    assert restarted == ["/dev/ttyACM0"]
    assert steps == [(BOOTLOADER, "/dev/ttyACM0"), (COPIED, drive / "firmware.uf2")]
    assert (drive / "firmware.uf2").read_bytes() == f.read_bytes()
    assert done.kind == "uf2" and done.result == drive / "firmware.uf2"
    assert done.serial_port == up  # ttyACM0 was there before: not taken for the new one


def test_a_uf2_with_a_port_needs_a_way_to_enter_the_bootloader(tmp_path: Path) -> None:
    drive = _drive(tmp_path / "RPI-RP2")
    with pytest.raises(FirmwareError, match="enter_bootloader"):
        flash(plan_flash(_uf2(tmp_path), port="/dev/ttyACM0", drive=drive), wait=0)
    assert sorted(p.name for p in drive.iterdir()) == ["INFO_UF2.TXT"]


def test_without_wait_the_serial_port_is_not_looked_for(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    looked: list[int] = []
    monkeypatch.setattr(ports, "serial_ports", lambda: looked.append(1) or [])
    drive = _drive(tmp_path / "RPI-RP2")
    done = flash(plan_flash(_uf2(tmp_path), drive=drive), wait=0)
    assert done.serial_port is None and looked == [1]  # only the "before" snapshot


def test_an_esp32_image_needs_a_port(tmp_path: Path) -> None:
    from esp_images import ESP32, app_payload, make_merged

    f = tmp_path / "fw.bin"
    f.write_bytes(make_merged(ESP32, app_payload(4000)))
    plan = plan_flash(f)
    assert plan.kind == "esp"
    with pytest.raises(FirmwareError, match="give --port PORT"):
        flash(plan)
