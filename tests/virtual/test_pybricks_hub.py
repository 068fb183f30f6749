"""The simulated Pybricks hub on the virtual BLE radio, driven by pybricksdev's real
find_device and PybricksHubBLE (through robokit.link.pybricks_link and directly).

Each test gets a fresh Radio and hub; every wait is bounded."""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

pytest.importorskip("pybricksdev")

from hub_helpers import ENDLESS, RAISES, blob_of, run  # noqa: E402

from robokit.errors import RobokitError  # noqa: E402
from robokit.link import LinkError  # noqa: E402
from robokit.link.pybricks_link import (  # noqa: E402
    PybricksLink,
    PybricksLinkError,
    UploadRefusedError,
)
from robokit.virtual import pybricks_hub as ph  # noqa: E402
from robokit.virtual.pybricks_hub import PybricksHub, micropython_command  # noqa: E402
from robokit.virtual.radio import Radio  # noqa: E402

needs_micropython = pytest.mark.skipif(micropython_command() is None,
                                       reason="MicroPython's unix port is not installed")
T = TypeVar("T")



@pytest.fixture
def radio(robokit_radio: Radio) -> Radio:
    robokit_radio.connect_wait = 0.3  # a hub that is not there is given up on sooner
    return robokit_radio


@pytest.fixture
def hub(radio: Radio) -> Iterator[PybricksHub]:
    h = PybricksHub("Robo Hub")
    radio.add(h)
    yield h
    h.close()



HELLO = """\
from robokit import Motor, Port, robot, wait
m = Motor(Port.A)
m.run(500)
wait(20)
print("hello from", type(robot.hub).__name__)
for i in range(3):
    print("line", i)
"""


# -- protocol pieces ----------------------------------------------------------------


def test_capabilities_are_what_pybricksdev_reads():
    from pybricksdev.ble.pybricks import HubCapabilityFlag, unpack_hub_capabilities

    size, flags, max_prog, slots = unpack_hub_capabilities(
        ph.pack_capabilities(155, ph.FLAG_HAS_REPL | ph.FLAG_MULTI_FILE_MPY6, 1234))
    assert (size, max_prog, slots) == (155, 1234, 0)
    assert flags & HubCapabilityFlag.USER_PROG_MULTI_FILE_MPY6


def test_events_and_line_ends():
    assert ph.status_event(1 << 6) == bytes([0]) + struct.pack("<I", 64)
    events = ph.stdout_events(b"abcdefg", 3)
    assert events == [b"\x01abc", b"\x01def", b"\x01g"]
    ends = ph._LineEnds()
    assert ends.feed(b"a\nb\r") + ends.feed(b"\nc\r\n") + ends.flush() == b"a\r\nb\r\nc\r\n"


def test_write_modules_layout(tmp_path: Path):
    blob = blob_of(tmp_path, "import robokit\n")
    names = ph.write_modules(blob, tmp_path / "out")
    assert names == ["__main__", "robokit", "robokit._errors", "robokit._exports",
                     "robokit._robot_config", "robokit._suggest"]
    files = sorted(p.relative_to(tmp_path / "out").as_posix()
                   for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert files == ["_robokit_main.mpy", "robokit/__init__.mpy", "robokit/_errors.mpy",
                     "robokit/_exports.mpy", "robokit/_robot_config.mpy",
                     "robokit/_suggest.mpy"]


# -- through robokit's link (pybricksdev underneath) ----------------------------------


def test_info(hub: PybricksHub):
    async def go() -> Any:
        async with PybricksLink() as link:
            await link.connect("Robo Hub", timeout=2)
            return link.info()

    info = run(go())
    assert info.name == "Robo Hub" and info.firmware_version == "3.3.0"
    assert info.protocol_version == "1.3.0" and info.mpy_abi == "6"
    assert info.max_program_size == 256 * 1024 and info.max_write_size == 155
    assert info.multi_file_mpy6 is True


@needs_micropython
def test_program_runs_and_output_arrives(hub: PybricksHub, tmp_path: Path):
    blob = blob_of(tmp_path, HELLO)
    seen: list[str] = []
    progress: list[tuple[int, int]] = []

    async def go() -> Any:
        async with PybricksLink(on_line=seen.append, drain=0.05) as link:
            await link.connect(None, timeout=2)
            await link.upload(blob, progress=lambda d, t: progress.append((d, t)))
            await link.start()
            streamed = [line async for line in link.lines()]
            result = await link.wait(timeout=10)
            return streamed, result

    streamed, result = run(go())
    expected = ["hello from PrimeHub", "line 0", "line 1", "line 2"]
    assert streamed == expected and seen == expected
    assert result.status == "finished" and result.traceback is None
    assert result.output == expected
    assert hub.program == blob and hub.runs == 1 and hub.last_returncode == 0
    assert progress[-1] == (len(blob), len(blob))


@needs_micropython
def test_traceback_comes_back(hub: PybricksHub, tmp_path: Path):
    blob = blob_of(tmp_path, RAISES)

    async def go() -> Any:
        async with PybricksLink(drain=0.05) as link:
            await link.connect("Robo Hub", timeout=2)
            await link.upload(blob)
            await link.start()
            return await link.wait(timeout=10)

    result = run(go())
    assert result.status == "raised" and result.output == ["about to fail"]
    assert result.traceback is not None
    lines = result.traceback.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert '  File "main.py", line 5, in <module>' in lines
    assert '  File "main.py", line 4, in f' in lines
    assert lines[-1].startswith("ZeroDivisionError")


@needs_micropython
def test_stop_ends_an_endless_loop(hub: PybricksHub, tmp_path: Path):
    blob = blob_of(tmp_path, ENDLESS)

    async def go() -> Any:
        async with PybricksLink(drain=0.05) as link:
            await link.connect("Robo Hub", timeout=2)
            await link.upload(blob)
            await link.start()
            with pytest.raises(TimeoutError):
                await link.wait(timeout=0.4)  # it runs on; wait gives up, the program doesn't
            await link.stop()
            return await link.wait(timeout=5)

    result = run(go())
    assert result.status == "stopped"
    assert result.output[:2] == ["tick 0", "tick 1"]
    assert "KeyboardInterrupt" in (result.traceback or "")
    assert '  File "main.py", line 6, in <module>' in (result.traceback or "")
    assert '  File "pybricks/tools.py"' in (result.traceback or "")  # not a host path
    assert not hub.running and ph.CMD_STOP in hub.commands


def test_too_large_program_refused_before_any_write(radio: Radio, tmp_path: Path):
    small = PybricksHub("Tiny Hub", max_program_size=1000)
    radio.add(small)
    blob = b"\0" * 1001

    async def go() -> None:
        async with PybricksLink() as link:
            await link.connect("Tiny Hub", timeout=2)
            await link.upload(blob)

    with pytest.raises(UploadRefusedError) as info:
        run(go())
    msg = str(info.value)
    assert "1,001 bytes" in msg and "at most 1,000" in msg and "Tiny Hub" in msg
    assert isinstance(info.value, LinkError) and isinstance(info.value, RobokitError)
    assert small.program_writes == 0 and small.commands == []
    small.close()


def test_hub_without_multi_file_support_refused(radio: Radio):
    old = PybricksHub("Old Hub", multi_file_mpy6=False)
    radio.add(old)

    async def go() -> None:
        async with PybricksLink() as link:
            await link.connect("Old Hub", timeout=2)
            await link.upload(b"\0" * 10)

    with pytest.raises(UploadRefusedError, match="multi-file mpy v6"):
        run(go())
    assert old.program_writes == 0
    old.close()


def test_out_of_range_is_one_clear_error(radio: Radio, hub: PybricksHub):
    radio.set_in_range(hub, False)

    async def go() -> None:
        await PybricksLink().connect("Robo Hub", timeout=0.5)

    with pytest.raises(PybricksLinkError) as info:
        run(go())
    msg = str(info.value)
    assert "'Robo Hub' was not found within 0.5 s" in msg and "robokit devices" in msg


def test_unsupported_protocol_version(radio: Radio):
    future = PybricksHub("Future Hub", protocol_version="2.0.0")
    radio.add(future)

    async def go() -> None:
        await PybricksLink().connect("Future Hub", timeout=2)

    with pytest.raises(PybricksLinkError, match="Future Hub.*protocol version"):
        run(go())
    assert radio.links(future) == []  # not left connected
    future.close()


@needs_micropython
def test_connection_lost_while_running(radio: Radio, hub: PybricksHub, tmp_path: Path):
    blob = blob_of(tmp_path, ENDLESS)

    async def go() -> None:
        link = PybricksLink(drain=0.05)
        await link.connect("Robo Hub", timeout=2)
        await link.upload(blob)
        await link.start()
        await asyncio.sleep(0.2)
        radio.set_in_range(hub, False)
        try:
            await link.wait(timeout=5)
        finally:
            await link.disconnect()

    with pytest.raises(PybricksLinkError, match="connection to hub 'Robo Hub' was lost"):
        run(go())
    assert hub.running  # a hub keeps running its program when the host goes away
    hub.close()
    assert hub.wait_idle(5)


# -- pybricksdev's own download and run ---------------------------------------------


@contextlib.asynccontextmanager
async def _pybricksdev_client(blob: bytes) -> AsyncIterator[Any]:
    """pybricksdev's own client, connected to the hub, ``blob`` downloaded."""
    from pybricksdev.ble import find_device
    from pybricksdev.connections.pybricks import PybricksHubBLE

    device = await find_device("Robo Hub", timeout=2)
    client = PybricksHubBLE(device)
    await client.connect()
    try:
        await client.download_user_program(blob)
        yield client
    finally:
        await client.disconnect()


@needs_micropython
def test_pybricksdev_download_and_run(hub: PybricksHub, tmp_path: Path):
    blob = blob_of(tmp_path, HELLO)

    async def go() -> list[bytes]:
        async with _pybricksdev_client(blob) as client:
            await client.run(None, wait=True, print_output=False)
            return list(client.output)

    output = run(go())
    assert output == [b"hello from PrimeHub", b"line 0", b"line 1", b"line 2"]


@needs_micropython
def test_a_program_reads_what_pybricksdev_writes_with_read_input_byte(
        hub: PybricksHub, tmp_path: Path):
    blob = blob_of(tmp_path, (
        "from pybricks.tools import read_input_byte, wait\n"
        "print('ready', read_input_byte())\n"
        "got = []\n"
        "while len(got) < 3:\n"
        "    b = read_input_byte()\n"
        "    if b is None:\n"
        "        wait(10)\n"
        "    else:\n"
        "        got.append(b)\n"
        "print(got, read_input_byte(last=True, chr=True))\n"))

    async def go() -> list[str]:
        async with _pybricksdev_client(blob) as client:
            await client.run(None, wait=False, print_output=False)
            lines = [await asyncio.wait_for(client.read_line(), 5)]
            await client.write(b"ab\x01cz")
            lines.append(await asyncio.wait_for(client.read_line(), 5))
            return lines

    assert run(go()) == ["ready None", "[97, 98, 1] z"]
