"""The protocols written once in robokit.protocols agree with the other side's own code:
pybricksdev's definitions of the Pybricks and Nordic UART profiles, and the private
attributes of pybricksdev that robokit's Pybricks link reads."""

from __future__ import annotations

import struct

import pytest

pytest.importorskip("pybricksdev")

from pybricksdev.ble import nus as pd_nus  # noqa: E402
from pybricksdev.ble import pybricks as pd  # noqa: E402
from pybricksdev.connections.pybricks import PybricksHubBLE  # noqa: E402

from robokit.link import pybricks_link  # noqa: E402
from robokit.protocols import nus, pybricks  # noqa: E402


def test_nordic_uart_uuids_are_pybricksdevs():
    assert (nus.NUS_SERVICE, nus.NUS_RX, nus.NUS_TX) == (
        pd_nus.NUS_SERVICE_UUID, pd_nus.NUS_RX_UUID, pd_nus.NUS_TX_UUID)


def test_pybricks_uuids_commands_events_and_flags_are_pybricksdevs():
    assert pybricks.PYBRICKS_SERVICE == pd.PYBRICKS_SERVICE_UUID
    assert pybricks.COMMAND_EVENT == pd.PYBRICKS_COMMAND_EVENT_UUID
    assert pybricks.CAPABILITIES == pd.PYBRICKS_HUB_CAPABILITIES_UUID
    assert (pybricks.DI_SERVICE, pybricks.FW_REV, pybricks.SW_REV, pybricks.PNP_ID) == (
        pd.DI_SERVICE_UUID, pd.FW_REV_UUID, pd.SW_REV_UUID, pd.PNP_ID_UUID)
    assert (pybricks.CMD_STOP, pybricks.CMD_START, pybricks.CMD_START_REPL, pybricks.CMD_META,
            pybricks.CMD_WRITE_RAM, pybricks.CMD_REBOOT, pybricks.CMD_STDIN) == (
        pd.Command.STOP_USER_PROGRAM, pd.Command.START_USER_PROGRAM, pd.Command.START_REPL,
        pd.Command.WRITE_USER_PROGRAM_META, pd.Command.COMMAND_WRITE_USER_RAM,
        pd.Command.PBIO_PYBRICKS_COMMAND_REBOOT_TO_UPDATE_MODE, pd.Command.WRITE_STDIN)
    assert (pybricks.EVT_STATUS, pybricks.EVT_STDOUT) == (
        pd.Event.STATUS_REPORT, pd.Event.WRITE_STDOUT)
    assert pybricks.STATUS_USER_PROGRAM_RUNNING == pd.StatusFlag.USER_PROGRAM_RUNNING
    assert pybricks.FLAG_HAS_REPL == pd.HubCapabilityFlag.HAS_REPL
    assert pybricks.FLAG_MULTI_FILE_MPY6 == pd.HubCapabilityFlag.USER_PROG_MULTI_FILE_MPY6
    assert (pybricks.ERR_VALUE_NOT_ALLOWED, pybricks.ERR_INVALID_COMMAND, pybricks.ERR_BUSY) == (
        pd.CommandError.VALUE_NOT_ALLOWED, pd.CommandError.INVALID_COMMAND,
        pd.CommandError.BUSY)


def test_usb_message_types_and_requests_are_pybricksdevs():
    from pybricksdev.usb import pybricks as pd_usb

    assert (pybricks.OUT_SUBSCRIBE, pybricks.OUT_COMMAND) == (
        pd_usb.PybricksUsbOutEpMessageType.SUBSCRIBE, pd_usb.PybricksUsbOutEpMessageType.COMMAND)
    assert (pybricks.IN_RESPONSE, pybricks.IN_EVENT) == (
        pd_usb.PybricksUsbInEpMessageType.RESPONSE, pd_usb.PybricksUsbInEpMessageType.EVENT)
    assert (pybricks.REQ_GATT, pybricks.REQ_PYBRICKS) == (
        pd_usb.PybricksUsbInterfaceClassRequest.GATT_CHARACTERISTIC,
        pd_usb.PybricksUsbInterfaceClassRequest.PYBRICKS_CHARACTERISTIC)


def test_messages_pack_as_pybricksdev_unpacks_them():
    assert pd.unpack_hub_capabilities(pybricks.pack_capabilities(244, 3, 32000)) == (
        244, pd.HubCapabilityFlag(3), 32000, 0)
    assert pybricks.status_event(1 << 6) == bytes([pd.Event.STATUS_REPORT]) + struct.pack(
        "<I", pd.StatusFlag.USER_PROGRAM_RUNNING)
    assert pybricks.meta_command(512)[0] == pd.Command.WRITE_USER_PROGRAM_META
    assert struct.unpack_from("<I", pybricks.meta_command(512), 1) == (512,)
    assert pybricks.write_ram_command(40, b"ab") == bytes(
        [pd.Command.COMMAND_WRITE_USER_RAM]) + struct.pack("<I", 40) + b"ab"
    events = pybricks.stdout_events(b"hello world", 4)
    assert [e[0] for e in events] == [pd.Event.WRITE_STDOUT] * 3
    assert b"".join(e[1:] for e in events) == b"hello world"


def test_nus_pieces_fit_the_mtu():
    assert nus.pieces(b"x" * 45, 23) == [b"x" * 20, b"x" * 20, b"x" * 5]
    assert nus.payload_size(3) == 1  # never zero, so no write loop can stall


def test_pybricksdevs_private_attributes_robokit_reads_are_still_there():
    """When a pybricksdev release renames them, this names which one, before any user
    meets a hub whose limits cannot be read."""
    from bleak.backends.device import BLEDevice

    from robokit.virtual.radio import Radio, installed

    with installed(Radio()):  # a BleakClient is made in __init__: on the virtual radio
        hub = PybricksHubBLE(BLEDevice("00:11:22:33:44:55", "hub", None))
    missing = [name for name in (*pybricks_link.PRIVATE_ATTRIBUTES,
                                 pybricks_link.PRIVATE_BLE_CLIENT) if not hasattr(hub, name)]
    assert missing == [], f"pybricksdev no longer has {missing}: update link/pybricks_link.py"
    limits = pybricks_link._limits(hub)
    assert limits == {"max_program_size": 0, "max_write_size": hub._max_write_size,
                      "multi_file_mpy6": False}
