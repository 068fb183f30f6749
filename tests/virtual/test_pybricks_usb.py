"""A LEGO hub with Pybricks firmware on USB: pybricksdev's real PybricksHubUSB (and robokit's
link, target and CLI over it) against the simulated hub on a fake pyusb backend.

The fake device sits below pyusb (robokit.virtual.pybricks_usb.FakeUsbBackend): usb.core.find,
usb.core.Device, its endpoints and control transfers are pyusb's own code. Every wait is
bounded."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

pytest.importorskip("pybricksdev")
pytest.importorskip("usb")

import usb.core  # noqa: E402
import usb.util  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from hub_helpers import ENDLESS, PYB, RAISES, blob_of, run  # noqa: E402

from robokit.cli import main  # noqa: E402
from robokit.link import LinkError  # noqa: E402
from robokit.link.pybricks_link import (  # noqa: E402
    PybricksLink,
    PybricksLinkError,
    UploadRefusedError,
    usb_hubs,
)
from robokit.virtual import pybricks_usb as pu  # noqa: E402
from robokit.virtual.pybricks_hub import CMD_WRITE_RAM, micropython_command  # noqa: E402
from robokit.virtual.pybricks_usb import PybricksUsbHub, installed_usb  # noqa: E402

needs_micropython = pytest.mark.skipif(micropython_command() is None,
                                       reason="MicroPython's unix port is not installed")
T = TypeVar("T")



@pytest.fixture
def usb_hub() -> Iterator[PybricksUsbHub]:
    dev = PybricksUsbHub(name="Robo Hub", max_program_size=64 * 1024)
    with installed_usb(dev):
        yield dev
    dev.close()



HELLO = """\
from robokit import Motor, Port, wait
m = Motor(Port.A)
m.run(500)
wait(20)
print("hello over usb")
print("x" * 150)
for i in range(3):
    print("line", i)
"""


# -- the device as pyusb sees it ------------------------------------------------------------


def test_pyusb_sees_a_spike_prime_running_pybricks(usb_hub: PybricksUsbHub) -> None:
    dev = usb.core.find(idVendor=0x0694)
    assert dev is not None and dev.idProduct == pu.SPIKE_PRIME_USB_PID
    assert dev.product.endswith("Pybricks") and dev.manufacturer == "LEGO System A/S"
    intf = dev[0][(0, 0)]
    assert intf.bInterfaceClass == 0xFF
    eps = {e.bEndpointAddress: e for e in intf}
    assert sorted(eps) == [pu.EP_OUT, pu.EP_IN]
    assert all(e.wMaxPacketSize == 64 and usb.util.endpoint_type(e.bmAttributes)
               == usb.util.ENDPOINT_TYPE_BULK for e in eps.values())


def test_pybricksdev_reads_the_hub(usb_hub: PybricksUsbHub) -> None:
    from pybricksdev.connections.pybricks import PybricksHubUSB

    async def go() -> Any:
        hub = PybricksHubUSB(usb.core.find(idVendor=0x0694))
        await hub.connect()
        try:
            return (hub._hub_name, str(hub.fw_version), hub._max_user_program_size,
                    hub._max_write_size, hub.status_observable.value)
        finally:
            await hub.disconnect()

    assert run(go()) == ("Robo Hub", "3.3.0", 64 * 1024, 63, 0)
    assert usb_hub.resets == 1
    # subscribed for NUS and for the Pybricks events, then unsubscribed
    assert usb_hub.messages == [bytes([1, 1]), bytes([1, 1]), bytes([1, 0])]


# -- through robokit's link -----------------------------------------------------------------


def test_info(usb_hub: PybricksUsbHub) -> None:
    async def go() -> Any:
        async with PybricksLink() as link:
            await link.connect_usb()
            return link.info(), link.transport

    info, transport = run(go())
    assert transport == "usb"
    assert info.name == "Robo Hub" and info.firmware_version == "3.3.0"
    assert info.protocol_version == "1.3.0" and info.mpy_abi == "6"
    assert info.max_program_size == 64 * 1024 and info.max_write_size == 63
    assert info.multi_file_mpy6 is True


@needs_micropython
def test_program_runs_and_output_arrives(usb_hub: PybricksUsbHub, tmp_path: Path) -> None:
    blob = blob_of(tmp_path, HELLO)
    progress: list[tuple[int, int]] = []

    async def go() -> Any:
        async with PybricksLink(drain=0.05) as link:
            await link.connect_usb()
            await link.upload(blob, progress=lambda d, t: progress.append((d, t)))
            await link.start()
            streamed = [line async for line in link.lines()]
            return streamed, await link.wait(timeout=10)

    streamed, result = run(go())
    expected = ["hello over usb", "x" * 150, "line 0", "line 1", "line 2"]  # 150: > 1 packet
    assert streamed == expected and result.output == expected
    assert result.status == "finished" and result.traceback is None
    assert usb_hub.hub.program == blob and usb_hub.hub.last_returncode == 0
    assert progress[-1] == (len(blob), len(blob))
    writes = [m for m in usb_hub.messages if m[:2] == bytes([2, CMD_WRITE_RAM])]
    assert writes and max(len(m) for m in writes) == 64  # a full packet, no more


@needs_micropython
def test_traceback_comes_back(usb_hub: PybricksUsbHub, tmp_path: Path) -> None:
    blob = blob_of(tmp_path, RAISES)

    async def go() -> Any:
        async with PybricksLink(drain=0.05) as link:
            await link.connect_usb()
            await link.upload(blob)
            await link.start()
            return await link.wait(timeout=10)

    result = run(go())
    assert result.status == "raised" and result.output == ["about to fail"]
    lines = (result.traceback or "").splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert '  File "main.py", line 5, in <module>' in lines
    assert lines[-1].startswith("ZeroDivisionError")


@needs_micropython
def test_stop_ends_an_endless_loop(usb_hub: PybricksUsbHub, tmp_path: Path) -> None:
    blob = blob_of(tmp_path, ENDLESS)

    async def go() -> Any:
        async with PybricksLink(drain=0.05) as link:
            await link.connect_usb()
            await link.upload(blob)
            await link.start()
            with pytest.raises(TimeoutError):
                await link.wait(timeout=0.4)
            await link.stop()
            return await link.wait(timeout=5)

    result = run(go())
    assert result.status == "stopped"
    assert result.output[:2] == ["tick 0", "tick 1"]
    assert usb_hub.hub.wait_idle(5)


def test_too_large_is_refused_before_any_program_write(usb_hub: PybricksUsbHub) -> None:
    async def go() -> None:
        async with PybricksLink() as link:
            await link.connect_usb()
            await link.upload(b"\0" * (64 * 1024 + 1))

    with pytest.raises(UploadRefusedError, match="65,537 bytes.*at most 65,536"):
        run(go())
    assert usb_hub.hub.program_writes == 0
    assert not [m for m in usb_hub.messages if m[0] == 2]  # no command at all


def test_a_refused_command_is_an_error_not_a_hang(usb_hub: PybricksUsbHub) -> None:
    async def go() -> None:
        async with PybricksLink() as link:
            await link.connect_usb()
            await link.start()  # nothing downloaded: the hub says "value not allowed"

    with pytest.raises(PybricksLinkError, match="refused starting the program"):
        run(go())


def test_usb_hubs_lists_what_is_plugged_in() -> None:
    good = PybricksUsbHub(name="A")
    lego = PybricksUsbHub(product="LEGO Technic Large Hub", address=8)
    with installed_usb(good, lego):
        hubs = usb_hubs()
    assert [(h.product, h.pybricks, h.problem, h.address) for h in hubs] == [
        ("SPIKE Prime Hub Pybricks", True, None, 7), ("LEGO Technic Large Hub", False, None, 8)]
    good.close()
    lego.close()


@needs_micropython
def test_robokit_connect_pybricks_usb(usb_hub: PybricksUsbHub, tmp_path: Path) -> None:
    import robokit

    (tmp_path / "hello.py").write_text(HELLO)
    with robokit.connect("pybricks:usb") as brick:
        info = brick.info()
        result = brick.run(tmp_path / "hello.py")
    assert info.family == "pybricks" and info.name == "Robo Hub"
    assert info.max_program_size == 64 * 1024
    assert result.status == "finished", result
    assert result.output.startswith("hello over usb\n")


@needs_micropython
def test_one_hub_on_both_radio_and_cable(tmp_path: Path) -> None:
    from robokit.virtual.pybricks_hub import PybricksHub
    from robokit.virtual.radio import Radio, installed

    core = PybricksHub("Both Hub")
    radio = Radio(connect_wait=0.1)
    radio.add(core)
    cable = PybricksUsbHub(core)
    blob = blob_of(tmp_path, RAISES)

    async def go() -> Any:
        async with PybricksLink(drain=0.05) as usb_link:
            await usb_link.connect_usb()
            await usb_link.upload(blob)
        async with PybricksLink(drain=0.05) as ble_link:
            await ble_link.connect("Both Hub", timeout=2)
            await ble_link.start()  # the program sent over USB, started over BLE
            return await ble_link.wait(timeout=10)

    try:
        with installed(radio), installed_usb(cable):
            result = run(go())
    finally:
        cable.close()
        core.close()
    assert result.status == "raised" and result.output == ["about to fail"]


# -- errors ---------------------------------------------------------------------------------


def test_no_hub_found() -> None:
    with installed_usb(), pytest.raises(PybricksLinkError) as info:
        run(PybricksLink().connect_usb())
    msg = str(info.value)
    assert isinstance(info.value, LinkError) and "\n" not in msg
    assert "plugged in" in msg and "Pybricks firmware" in msg and "udev" in msg
    assert "robokit devices" in msg


def test_a_hub_without_pybricks_firmware_is_named() -> None:
    dev = PybricksUsbHub(product="LEGO Technic Large Hub")
    with installed_usb(dev), pytest.raises(PybricksLinkError, match="does not run Pybricks"):
        run(PybricksLink().connect_usb())
    dev.close()


def test_permission_denied_gives_the_udev_hint() -> None:
    dev = PybricksUsbHub(access_denied=True)
    with installed_usb(dev), pytest.raises(PybricksLinkError) as info:
        run(PybricksLink().connect_usb())
    assert "no permission" in str(info.value) and "udev" in str(info.value)
    dev.close()


def test_no_libusb(monkeypatch: pytest.MonkeyPatch) -> None:
    import usb.backend.libusb0
    import usb.backend.libusb1
    import usb.backend.openusb

    for mod in (usb.backend.libusb1, usb.backend.openusb, usb.backend.libusb0):
        monkeypatch.setattr(mod, "get_backend", lambda *a, **k: None)
    with pytest.raises(PybricksLinkError, match="no libusb.*install libusb"):
        run(PybricksLink().connect_usb())


@needs_micropython
def test_unplugging_while_a_program_runs(usb_hub: PybricksUsbHub, tmp_path: Path) -> None:
    blob = blob_of(tmp_path, ENDLESS)

    async def go() -> None:
        async with PybricksLink(drain=0.05) as link:
            await link.connect_usb()
            await link.upload(blob)
            await link.start()
            await asyncio.sleep(0.2)
            usb_hub.unplug()
            await link.wait(timeout=5)

    with pytest.raises(PybricksLinkError, match="lost while the program ran.*plugged in"):
        run(go())


# -- the CLI --------------------------------------------------------------------------------




@needs_micropython
def test_run_on_a_pybricks_hub_over_usb(usb_hub: PybricksUsbHub, tmp_path: Path,
                                        split_runner: CliRunner) -> None:
    (tmp_path / "pyb.py").write_text(PYB)
    r = split_runner.invoke(main, ["run", str(tmp_path / "pyb.py"), "--pybricks", "usb"])
    assert r.exit_code == 1, (r.stdout, r.stderr)
    assert r.stdout.startswith("hub says hi\n")
    assert "Traceback" not in r.stdout
    assert 'pyb.py", line 10, in <module>' in r.stderr
    assert 'raise RuntimeError("hub says no")' in r.stderr
    assert "RuntimeError: hub says no" in r.stderr
    assert "Pybricks 3.3.0" in r.stderr


def test_cli_no_usb_hub(tmp_path: Path) -> None:
    (tmp_path / "pyb.py").write_text(PYB)
    with installed_usb():
        r = CliRunner().invoke(main, ["run", str(tmp_path / "pyb.py"), "--pybricks", "usb"])
    assert r.exit_code == 2, r.output
    assert "no hub with Pybricks firmware was found on USB" in r.output
    assert "Traceback" not in r.output
