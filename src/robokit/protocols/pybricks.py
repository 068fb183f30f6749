"""The Pybricks hub protocol (BLE GATT and USB), and LEGO's own hub identifiers.

What pybricksdev and the Pybricks firmware exchange: the service and characteristic
UUIDs, command and event codes, status and capability flags, error codes, and the
packing of the few messages robokit builds or answers itself. Used by the Pybricks link,
the firmware flasher and the virtual Pybricks hubs (BLE and USB) and LEGO bootloaders.
"""

import struct


def _pybricks_uuid(short: int) -> str:
    return f"c5f5{short:04x}-8280-46da-89f4-6d8051e4aeef"


def _std_uuid(short: int) -> str:
    return f"{short:08x}-0000-1000-8000-00805f9b34fb"


PYBRICKS_SERVICE = _pybricks_uuid(1)
COMMAND_EVENT = _pybricks_uuid(2)  # commands written, events notified
CAPABILITIES = _pybricks_uuid(3)  # <HII or <HIIB: max write, flags, max program (slots)
DI_SERVICE = _std_uuid(0x180A)  # Device Information
FW_REV = _std_uuid(0x2A26)
SW_REV = _std_uuid(0x2A28)  # the Pybricks protocol version
PNP_ID = _std_uuid(0x2A50)

# Commands and events (pybricksdev.ble.pybricks.Command / Event).
CMD_STOP, CMD_START, CMD_START_REPL, CMD_META, CMD_WRITE_RAM, CMD_REBOOT, CMD_STDIN = range(7)
EVT_STATUS, EVT_STDOUT = 0, 1
# Status and capability flags.
STATUS_USER_PROGRAM_RUNNING = 1 << 6
FLAG_HAS_REPL = 1 << 0
FLAG_MULTI_FILE_MPY6 = 1 << 1
# Errors the firmware answers a command with (pbio_pybricks_error_t): over BLE as the
# ATT error of the write, over USB as the response's status.
ERR_WRITE_NOT_PERMITTED = 0x03
ERR_INVALID_ATTRIBUTE_VALUE_LENGTH = 0x0D
ERR_VALUE_NOT_ALLOWED = 0x13
ERR_INVALID_COMMAND = 0x80
ERR_BUSY = 0x81

# LEGO's identifiers: the company id in advertisements, hub kinds, USB ids.
LEGO_CID = 0x0397
HUB_KIND_PRIME = 0x81
#: hub kinds whose firmware is flashed over LEGO's Bluetooth bootloader (Move, City, Technic)
BLE_BOOTLOADER_HUBS = (0x40, 0x41, 0x80)
#: hub kinds flashed over USB DFU (SPIKE Prime, SPIKE Essential)
DFU_HUBS = (0x81, 0x83)
BOOTLOADER_SERVICE = "00001625-1212-efde-1623-785feabcd123"
BOOTLOADER_CHAR = "00001626-1212-efde-1623-785feabcd123"
LEGO_USB_VID = 0x0694
SPIKE_PRIME_USB_PID = 0x0009
#: NXT, EV3, SPIKE Prime, SPIKE Essential, MINDSTORMS Robot Inventor (pybricksdev.usb).
PYBRICKS_USB_PIDS = (0x0002, 0x0005, 0x0009, 0x000D, 0x0010)

# Pybricks over USB: one vendor interface, two bulk endpoints of 64-byte packets. Host to
# hub: a message type byte (subscribe, command); hub to host: response or event. Control
# requests read a GATT characteristic (by its 16-bit UUID) or a Pybricks one.
EP_OUT, EP_IN = 0x01, 0x81
MAX_PACKET_SIZE = 64
OUT_SUBSCRIBE, OUT_COMMAND = 1, 2
IN_RESPONSE, IN_EVENT = 1, 2
REQ_GATT, REQ_PYBRICKS = 1, 2
DEVICE_NAME_SHORT = 0x2A00


def pack_capabilities(max_write_size: int, flags: int, max_program_size: int) -> bytes:
    """The capabilities characteristic's value (``<HII``, Pybricks protocol 1.2/1.3)."""
    return struct.pack("<HII", max_write_size, flags, max_program_size)


def status_event(flags: int) -> bytes:
    """A status report event."""
    return struct.pack("<BI", EVT_STATUS, flags)


def stdout_events(data: bytes, max_payload: int) -> list[bytes]:
    """``data`` as stdout events of at most ``max_payload`` bytes of text each."""
    step = max(1, max_payload)
    return [bytes([EVT_STDOUT]) + data[i : i + step] for i in range(0, len(data), step)]


def meta_command(size: int) -> bytes:
    """Write the program's size (0 first, to invalidate the old program; the size last)."""
    return struct.pack("<BI", CMD_META, size)


def write_ram_command(offset: int, chunk: bytes) -> bytes:
    """Write ``chunk`` of the program at ``offset`` of the hub's program buffer."""
    return struct.pack("<BI", CMD_WRITE_RAM, offset) + chunk
