"""Nordic UART Service (NUS): a byte stream over Bluetooth LE, as MicroPython boards offer it.

The host writes to RX, the board notifies TX; one ATT packet carries at most
MTU - ``ATT_HEADER`` bytes. Used by the BLE link, the virtual NUS board, the virtual
Pybricks hub (pybricksdev subscribes to NUS too) and the brick-side bridge
(``firmware_templates/micropython/nus_bridge.py`` writes the same UUIDs itself: it runs on
the board and cannot import this).
"""

NUS_SERVICE = "6e400001-b5a3-f393-e0a9-e50e24dcca9e"
NUS_RX = "6e400002-b5a3-f393-e0a9-e50e24dcca9e"  # host -> board (write)
NUS_TX = "6e400003-b5a3-f393-e0a9-e50e24dcca9e"  # board -> host (notify)
#: bytes of an ATT write or notification that are not payload (opcode + handle)
ATT_HEADER = 3


def payload_size(mtu: int) -> int:
    """How many bytes of data one write or notification carries at this ATT MTU."""
    return max(1, mtu - ATT_HEADER)


def pieces(data: bytes, mtu: int) -> list[bytes]:
    """``data`` cut into pieces that each fit one ATT packet at this MTU."""
    step = payload_size(mtu)
    return [data[i : i + step] for i in range(0, len(data), step)]
