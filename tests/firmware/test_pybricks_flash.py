"""robokit.firmware.pybricks_flash: Pybricks firmware onto LEGO hubs, through pybricksdev.

Bluetooth: pybricksdev's real ``BootloaderConnection`` and bleak's real ``BleakClient`` /
``BleakScanner`` over the virtual radio (robokit.virtual.radio) to a simulated LEGO bootloader
(robokit.virtual.lego_bootloader). USB: pybricksdev's vendored pydfu and pyusb's real
``usb.core`` over a fake pyusb backend (robokit.virtual.lego_dfu) presenting an STM32 DfuSe
device. The firmware zips are built here; what lands in the simulated flash is compared
with robokit's ``build_image`` and with pybricksdev's own ``create_firmware_blob``.
"""

from __future__ import annotations

import asyncio
import json
import random
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pybricksdev")
pytest.importorskip("usb")

from pybricksdev.firmware import create_firmware_blob  # noqa: E402
from pybricksdev.tools.checksum import xor_bytes  # noqa: E402

from robokit.errors import RobokitError  # noqa: E402
from robokit.firmware import FirmwareError  # noqa: E402
from robokit.firmware.pybricks_flash import (  # noqa: E402
    FlashResult,
    bootloader_checksum,
    firmware_image,
    flash_ble,
    flash_usb,
)
from robokit.firmware.pybricks_zip import PybricksFirmwareError, read_firmware_zip  # noqa: E402
from robokit.virtual.lego_bootloader import (  # noqa: E402
    CMD_ERASE,
    CMD_INFO,
    CMD_PROGRAM,
    CMD_START_APP,
    LegoBootloader,
)
from robokit.virtual.lego_dfu import FLASH_BASE, LegoDfuHub, installed_dfu  # noqa: E402
from robokit.virtual.pybricks_usb import LEGO_USB_VID  # noqa: E402
from robokit.virtual.radio import Radio  # noqa: E402

FW_ADDRESS = 0x08008000
OLD = bytes(range(64))  # what the simulated flash holds before: "old firmware"


# -- firmware zips -------------------------------------------------------------------------


def _base(size: int, seed: int) -> bytes:
    rnd = random.Random(seed)
    return bytes(rnd.randrange(256) for _ in range(size))


def _zip(path: Path, meta: dict[str, Any], base: bytes, main_py: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("firmware-base.bin", base)
        z.writestr("firmware.metadata.json", json.dumps(meta))
        z.writestr("ReadMe_OSS.txt", "licence\n")
        if main_py is not None:
            z.writestr("main.py", main_py)
    return path


def v2_zip(tmp_path: Path, device_id: int, *, size: int = 6000, checksum: str = "sum",
           name: str | None = None) -> Path:
    meta = {"metadata-version": "2.1.0", "firmware-version": "v3.5.0", "device-id": device_id,
            "checksum-type": checksum, "checksum-size": 64 * 1024, "hub-name-offset": 512,
            "hub-name-size": 16}
    return _zip(tmp_path / (name or f"fw-{device_id:02x}.zip"), meta,
                _base(size, device_id))


def v1_zip_with_main(tmp_path: Path) -> Path:
    meta = {"metadata-version": "1.1.0", "firmware-version": "v3.0.0b2", "device-id": 0x40,
            "checksum-type": "sum", "mpy-abi-version": 5, "mpy-cross-options": ["-mno-unicode"],
            "user-mpy-offset": 5000, "max-firmware-size": 8192, "hub-name-offset": 64,
            "max-hub-name-size": 16}
    return _zip(tmp_path / "movehub-v1.zip", meta, _base(4000, 7),
                main_py="x = 1\nprint('hello from main', x + 1)\n")


def pybricksdev_blob(path: Path) -> bytes:
    with warnings.catch_warnings():  # pybricksdev 2.3 calls the deprecated semver.compare
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        firmware, _meta, _license = asyncio.run(create_firmware_blob(str(path)))
    return bytes(firmware)


def damaged(path: Path) -> Path:
    """``path`` with one byte of firmware-base.bin flipped (zip CRC no longer matches)."""
    with zipfile.ZipFile(path) as z:
        base = z.read("firmware-base.bin")
    out = path.with_name("damaged-" + path.name)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr("firmware-base.bin", base)
        with zipfile.ZipFile(path) as src:
            z.writestr("firmware.metadata.json", src.read("firmware.metadata.json"))
    data = bytearray(out.read_bytes())
    at = data.index(base[200:240]) + 10
    data[at] ^= 0xFF
    out.write_bytes(bytes(data))
    return out


class Progress:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def __call__(self, done: int, total: int) -> None:
        self.calls.append((done, total))

    def check(self, total: int) -> None:
        assert self.calls, "progress was never reported"
        assert {t for _, t in self.calls} == {total}
        dones = [d for d, _ in self.calls]
        assert dones == sorted(dones)
        assert dones[0] == 0 and dones[-1] == total


def run(coro: Any, timeout: float = 30.0) -> Any:
    async def bounded() -> Any:
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(bounded())


# -- Bluetooth: the LEGO bootloader ----------------------------------------------------------


@pytest.mark.parametrize("device_id", [0x40, 0x41, 0x80], ids=["move", "city", "technic"])
def test_ble_flash_writes_the_image(radio: Radio, tmp_path: Path, capsys, device_id):
    path = v2_zip(tmp_path, device_id)
    hub = LegoBootloader(device_id, old_firmware=OLD)
    radio.add(hub)
    progress = Progress()
    result = run(flash_ble(path, timeout=5, progress=progress))

    fw = read_firmware_zip(path)
    image = fw.build_image()
    assert image == pybricksdev_blob(path)
    assert hub.image(len(image)) == image
    assert hub.flash[len(image):] == b"\xff" * (len(hub.flash) - len(image))  # erased
    assert isinstance(result, FlashResult)
    assert (result.hub_type, result.device_id, result.method, result.size) == \
        (fw.hub_type, device_id, "ble", len(image))
    assert result.checksum == fw.checksum
    assert result.bootloader_checksum == xor_bytes(image) == hub.checksum
    assert hub.received == len(image)
    assert hub.commands[0] == CMD_INFO
    assert hub.commands.index(CMD_ERASE) < hub.commands.index(CMD_PROGRAM)
    assert hub.commands[-1] == CMD_START_APP and hub.started
    progress.check(len(image))
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_ble_v1_zip_with_main_py_equals_pybricksdev(radio: Radio, tmp_path: Path, capsys):
    """Metadata 1.x: the zip's main.py is compiled into the image, as pybricksdev does."""
    path = v1_zip_with_main(tmp_path)
    hub = LegoBootloader(0x40)
    radio.add(hub)
    result = run(flash_ble(path, timeout=5))
    expected = pybricksdev_blob(path)
    fw = read_firmware_zip(path)
    assert firmware_image(fw) == expected != fw.image  # the program is in
    assert hub.image(len(expected)) == expected
    assert result.size == len(expected)
    assert capsys.readouterr().out == ""


def test_ble_name_or_address_picks_the_hub(radio: Radio, tmp_path: Path):
    first = LegoBootloader(0x80, address="90:84:2B:10:00:01")
    second = LegoBootloader(0x80, address="90:84:2B:10:00:02")
    radio.add(first)
    radio.add(second)
    path = v2_zip(tmp_path, 0x80)
    result = run(flash_ble(path, name="90:84:2b:10:00:02", timeout=5))
    assert result.device == "90:84:2B:10:00:02"
    assert second.started and first.connections == 0 and not first.erased


@pytest.mark.parametrize("advertises_kind", [True, False])
def test_ble_wrong_hub_refused_nothing_written(radio: Radio, tmp_path: Path, advertises_kind):
    hub = LegoBootloader(0x80, old_firmware=OLD)
    if not advertises_kind:  # the type then comes from the bootloader's get-info reply
        hub.manufacturer_data = {}
    radio.add(hub)
    path = v2_zip(tmp_path, 0x41)
    before = bytes(hub.flash)
    with pytest.raises(FirmwareError) as info:
        run(flash_ble(path, timeout=5))
    message = str(info.value)
    assert "for the City Hub" in message and "is a Technic Hub" in message
    assert "nothing was written" in message and "pybricks-technichub" in message
    assert bytes(hub.flash) == before and not hub.erased and hub.received == 0
    assert hub.commands == ([] if advertises_kind else [CMD_INFO])
    assert radio.links() == []  # not left connected


def test_ble_damaged_zip_refused_before_any_connection(radio: Radio, tmp_path: Path):
    hub = LegoBootloader(0x80)
    radio.add(hub)
    bad = damaged(v2_zip(tmp_path, 0x80))
    with pytest.raises(PybricksFirmwareError, match="damaged"):
        run(flash_ble(bad, timeout=5))
    assert hub.connections == 0 and hub.commands == []


def test_ble_refuses_a_usb_hub_firmware(radio: Radio, tmp_path: Path):
    hub = LegoBootloader(0x80)
    radio.add(hub)
    with pytest.raises(FirmwareError, match=r"Prime Hub, which is flashed over USB.*--usb"):
        run(flash_ble(v2_zip(tmp_path, 0x81, checksum="crc32"), timeout=5))
    assert hub.connections == 0


def test_ble_disconnect_mid_flash_then_flash_again(radio: Radio, tmp_path: Path, capsys):
    hub = LegoBootloader(0x41, disconnect_after_chunks=40)
    radio.add(hub)
    path = v2_zip(tmp_path, 0x41)
    image = read_firmware_zip(path).image
    progress = Progress()
    with pytest.raises(FirmwareError) as info:
        run(flash_ble(path, timeout=5, progress=progress))
    message = str(info.value)
    assert "Bluetooth connection to the City Hub" in message and "was lost after" in message
    assert f"of {len(image)} bytes" in message and "flash again" in message
    assert "hold its button" in message
    done = progress.calls[-1][0]
    assert 0 < done < len(image) and f"after {done} of" in message
    assert not hub.started and radio.links() == []

    result = run(flash_ble(path, timeout=5))  # the hub is still in bootloader mode
    assert hub.image(len(image)) == image and hub.started
    assert result.size == len(image)
    assert capsys.readouterr().out == ""


def test_ble_checksum_mismatch_is_an_error(radio: Radio, tmp_path: Path):
    hub = LegoBootloader(0x80, corrupt_offset=1234)
    radio.add(hub)
    path = v2_zip(tmp_path, 0x80)
    image = read_firmware_zip(path).image
    with pytest.raises(FirmwareError) as info:
        run(flash_ble(path, timeout=5))
    message = str(info.value)
    assert f"with checksum {bootloader_checksum(image):#04x} were sent" in message
    assert "damaged" in message and "flash again" in message
    assert not hub.started  # the broken firmware is not started
    assert hub.image(len(image)) != image


def test_ble_no_hub_in_bootloader_mode(radio: Radio, tmp_path: Path):
    from robokit.virtual.pybricks_hub import PybricksHub

    running = PybricksHub(name="Robo Hub", address="90:84:2B:00:00:07")
    radio.add(running)
    try:
        with pytest.raises(FirmwareError) as info:
            run(flash_ble(v2_zip(tmp_path, 0x80), timeout=0.5))
    finally:
        running.close()
    message = str(info.value)
    assert "no LEGO hub in bootloader mode found" in message
    assert "Robo Hub (90:84:2B:00:00:07, running Pybricks)" in message
    assert "hold its button" in message
    assert isinstance(info.value, RobokitError)


# -- USB: DFU --------------------------------------------------------------------------------


@pytest.mark.parametrize("pid,device_id", [(0x0008, 0x81), (0x0011, 0x81), (0x000C, 0x83)],
                         ids=["spike-prime", "robot-inventor", "spike-essential"])
def test_usb_flash_writes_and_reads_back(tmp_path: Path, capsys, pid, device_id):
    path = v2_zip(tmp_path, device_id, size=9000, checksum="crc32")  # > 4 DFU blocks
    dfu = LegoDfuHub(pid, old_firmware=OLD)
    boot = dfu.read(FLASH_BASE, 0x8000)
    progress = Progress()
    with installed_dfu(dfu):
        result = flash_usb(path, progress=progress)
    fw = read_firmware_zip(path)
    image = fw.build_image()
    assert image == pybricksdev_blob(path)
    assert dfu.read(FW_ADDRESS, len(image)) == image
    assert dfu.read(FW_ADDRESS + len(image), 4096) == b"\xff" * 4096  # erased, unwritten
    assert dfu.read(FLASH_BASE, 0x8000) == boot  # LEGO's bootloader untouched
    assert dfu.mass_erased and dfu.booted
    assert any(name == "UPLOAD" and value >= 2 for name, value, _ in dfu.requests)
    assert (result.hub_type, result.method, result.size, result.checksum) == \
        (fw.hub_type, "usb", len(image), fw.checksum)
    assert "read back" in result.verified
    progress.check(len(image))
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_usb_wrong_hub_refused_nothing_written(tmp_path: Path):
    dfu = LegoDfuHub(0x0008, old_firmware=OLD)
    before = bytes(dfu.flash)
    with installed_dfu(dfu), pytest.raises(FirmwareError) as info:
        flash_usb(v2_zip(tmp_path, 0x83, checksum="crc32"))
    message = str(info.value)
    assert "for the Essential Hub" in message and "is a Prime Hub" in message
    assert "nothing was written" in message
    assert bytes(dfu.flash) == before
    assert not any(name == "DNLOAD" for name, _v, _n in dfu.requests)


def test_usb_damaged_zip_refused_before_any_transfer(tmp_path: Path):
    dfu = LegoDfuHub(0x0008)
    with installed_dfu(dfu), pytest.raises(PybricksFirmwareError, match="damaged"):
        flash_usb(damaged(v2_zip(tmp_path, 0x81, checksum="crc32")))
    assert dfu.requests == []


def test_usb_unplugged_mid_flash_then_flash_again(tmp_path: Path, capsys):
    dfu = LegoDfuHub(0x0008, unplug_after_blocks=2)
    path = v2_zip(tmp_path, 0x81, size=9000, checksum="crc32")
    image = read_firmware_zip(path).image
    with installed_dfu(dfu):
        with pytest.raises(FirmwareError) as info:
            flash_usb(path)
        message = str(info.value)
        assert "USB connection to the Prime Hub" in message
        assert f"of {len(image)} bytes" in message and "flash again" in message
        assert "hold the Bluetooth button" in message.replace("press and hold", "hold")
        assert not dfu.booted

        dfu.replug()
        result = flash_usb(path)
    assert dfu.read(FW_ADDRESS, len(image)) == image and dfu.booted
    assert result.size == len(image)
    assert capsys.readouterr().out == ""


def test_usb_read_back_mismatch_is_an_error(tmp_path: Path):
    dfu = LegoDfuHub(0x0008, corrupt_address=FW_ADDRESS + 5000)
    with installed_dfu(dfu), pytest.raises(FirmwareError) as info:
        flash_usb(v2_zip(tmp_path, 0x81, checksum="crc32"))
    message = str(info.value)
    assert "holds different bytes than were written" in message
    assert f"{FW_ADDRESS + 5000:#010x}" in message
    assert not dfu.booted  # left in DFU mode, not started on a broken firmware


def test_usb_no_hub_in_dfu_mode(tmp_path: Path):
    with installed_dfu(), pytest.raises(FirmwareError) as info:
        flash_usb(v2_zip(tmp_path, 0x81, checksum="crc32"))
    message = str(info.value)
    assert "no LEGO hub in USB DFU (update) mode found" in message
    assert "Bluetooth button" in message


def test_usb_permission_denied_names_the_udev_rule(tmp_path: Path):
    dfu = LegoDfuHub(0x0008, access_denied=True)
    with installed_dfu(dfu), pytest.raises(FirmwareError, match="udev"):
        flash_usb(v2_zip(tmp_path, 0x81, checksum="crc32"))


def test_usb_refuses_a_ble_hub_firmware(tmp_path: Path):
    dfu = LegoDfuHub(0x0008)
    with installed_dfu(dfu), pytest.raises(FirmwareError, match=r"over Bluetooth.*--ble"):
        flash_usb(v2_zip(tmp_path, 0x41))
    assert dfu.requests == []


def test_ev3_nxt_rcx_are_not_flashed_here(tmp_path: Path):
    meta = {"metadata-version": "2.1.0", "firmware-version": "v3.5.0", "device-id": 0xE2,
            "checksum-type": "none", "checksum-size": 0, "hub-name-offset": 0,
            "hub-name-size": 0}
    path = _zip(tmp_path / "ev3.zip", meta, _base(4000, 3))
    dfu = LegoDfuHub(0x0008)
    with installed_dfu(dfu), pytest.raises(FirmwareError, match=r"for the EV3.*pybricksdev"):
        flash_usb(path)
    assert dfu.requests == []


def test_dfu_device_as_pyusb_sees_it():
    """The simulated device is what pydfu looks for: LEGO's vendor id, a DFU interface with
    the DfuSe memory layout string and a functional descriptor."""
    import usb.util
    from pybricksdev._vendored import dfu_upload

    dfu = LegoDfuHub(0x000C)
    with installed_dfu(dfu):
        (dev,) = dfu_upload.get_dfu_devices(idVendor=LEGO_USB_VID)
        assert (dev.idVendor, dev.idProduct) == (LEGO_USB_VID, 0x000C)
        assert usb.util.get_string(dev, dev.iProduct) == "LEGO Technic Small Hub in DFU Mode"
        layout = dfu_upload.get_memory_layout(dev)
        assert layout[0]["addr"] == FLASH_BASE
        assert sum(seg["size"] for seg in layout) == 1024 * 1024
        descr = dfu_upload.find_dfu_cfg_descr(dev[0][(0, 0)].extra_descriptors)
        assert descr is not None and descr.wTransferSize == 2048
        usb.util.dispose_resources(dev)
