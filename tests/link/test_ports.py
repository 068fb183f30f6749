"""`robokit devices`: serial ports named by their USB ids (pyserial's own port records)."""

import subprocess
import sys

from serial.tools.list_ports_common import ListPortInfo

from robokit.link.ports import describe, identify


def port(device, vid=None, pid=None, description="n/a"):
    p = ListPortInfo(device)
    p.vid, p.pid, p.description = vid, pid, description
    return p


def test_known_boards_are_named_and_listed_first():
    ports = describe([
        port("/dev/ttyUSB0", 0x1234, 0x0001, "Some gadget"),
        port("/dev/ttyS0"),  # a PC's own serial port: no USB ids, no brick
        port("/dev/ttyACM1", 0x0694, 0x0010, "LEGO Technic Large Hub"),
        port("/dev/ttyACM0", 0x2E8A, 0x0005, "Board in FS mode"),
    ])
    assert [p.device for p in ports] == ["/dev/ttyACM0", "/dev/ttyACM1", "/dev/ttyUSB0"]
    assert ports[0].known == "MicroPython board (Raspberry Pi RP2040)"
    assert ports[0].usb_id == "2E8A:0005"
    assert ports[1].known == "LEGO hub"  # any LEGO product id
    assert ports[2].known is None and ports[2].description == "Some gadget"


def test_identify_by_vendor_and_product():
    assert identify(0x303A, 0x1001) == "Espressif ESP32 board"
    assert identify(0x10C4, 0xEA60).startswith("USB-serial bridge CP210x")
    assert identify(0x10C4, 0x0001) is None
    assert identify(None, None) is None


def test_devices_command_runs_and_says_what_it_found():
    proc = subprocess.run([sys.executable, "-m", "robokit.cli", "devices", "--scan-time", "0.5"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    # This machine may or may not have USB serial ports, or a Bluetooth adapter; either way
    # one line each, or a line saying why not.
    assert lines[0] == "USB serial"
    assert lines[1].startswith(("  no USB serial ports found", "  /dev/"))
    ble = lines.index("Bluetooth LE")
    assert ble + 1 < len(lines)
    assert all(line.startswith("  ") for line in lines[ble + 1:])
