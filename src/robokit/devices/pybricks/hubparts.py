"""Parts of a Pybricks hub beyond robokit's: ``hub.ble`` (broadcast and observe),
``hub.charger``, and ``hub.system``'s ``storage`` and ``info``.  Portable (MicroPython
too).

``ble.broadcast(data)`` checks what Pybricks checks: the hub was made with a
``broadcast_channel``; ``data`` is None (stop), or an int, float, str, bytes, bool or a
tuple/list of them; and it fits in :data:`PAYLOAD_BYTES` bytes, each value counted as
Pybricks' documentation counts it (True/False 1 byte, int 2-5 by size, float 5, str and
bytes their length plus 1).  With one robot nothing is heard: ``observe(channel)`` is
None for every channel the hub observes and ``signal_strength`` is -128 dBm.
"""

from .. import _hal
from .._errors import UsageError

#: The most data one broadcast carries, bytes.
PAYLOAD_BYTES = 26
#: Bytes of persistent user storage ``hub.system.storage`` reads and writes.
STORAGE_BYTES = 512
#: What ``signal_strength`` says when nothing was heard, dBm.
NO_SIGNAL_DBM = -128


def _channel(value, what):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 255:
        raise ValueError(what + " must be a channel number 0-255, not " + repr(value))
    return value


def _size(value):
    """Bytes ``value`` takes in a broadcast (Pybricks' documented sizes)."""
    if isinstance(value, bool):
        return 1
    if isinstance(value, int):
        if -128 <= value <= 127:
            return 2
        if -32768 <= value <= 32767:
            return 3
        if -2147483648 <= value <= 2147483647:
            return 5
        raise ValueError("broadcast ints must fit in 32 bits, not " + repr(value))
    if isinstance(value, float):
        return 5
    if isinstance(value, (str, bytes)):
        return len(value.encode() if isinstance(value, str) else value) + 1
    raise TypeError("broadcast takes int, float, str, bytes, bool, or a tuple of them, "
                    + "not " + type(value).__name__)


class BLE:
    """``hub.ble``: broadcast data on one channel, observe others."""

    def __init__(self, broadcast_channel, observe_channels):
        self._broadcast = None if broadcast_channel is None else \
            _channel(broadcast_channel, "broadcast_channel")
        self._observe = tuple(_channel(c, "observe_channels")
                              for c in (observe_channels or ()))

    def broadcast(self, data):
        """Send ``data`` on the broadcast channel over and over (None: stop)."""
        if self._broadcast is None:
            raise RuntimeError("broadcast: this hub has no broadcast channel; make it "
                               + "with broadcast_channel=N, e.g. PrimeHub(broadcast_channel=1)")
        if data is not None:
            values = data if isinstance(data, (tuple, list)) else (data,)
            size = sum(_size(v) for v in values)
            if size > PAYLOAD_BYTES:
                raise ValueError("broadcast: the data takes " + str(size) + " bytes; at most "
                                 + str(PAYLOAD_BYTES) + " fit in one broadcast")
            if isinstance(data, list):
                data = tuple(data)
        _hal.get().event("broadcast", {"channel": self._broadcast,
                                       "data": _plain(data)})

    def _observed(self, channel):
        if _channel(channel, "channel") not in self._observe:
            raise ValueError("channel " + str(channel) + " is not observed: make the hub "
                             + "with observe_channels=[" + str(channel) + ", ...]")

    def observe(self, channel):
        """The last data heard on ``channel``: None (one robot, nothing to hear)."""
        self._observed(channel)
        return None

    def signal_strength(self, channel):
        """Strength of the last signal heard on ``channel``, dBm (-128: none)."""
        self._observed(channel)
        return NO_SIGNAL_DBM

    def version(self):
        """The Bluetooth chip's firmware version: a str."""
        return "simulated"


def _plain(data):
    if isinstance(data, bytes):
        return list(data)
    if isinstance(data, tuple):
        return [_plain(v) for v in data]
    return data


class Charger:
    """``hub.charger``: the simulated hub is never on a charger."""

    def connected(self):
        """False: no USB charger is connected."""
        return False

    def status(self):
        """0: not charging."""
        return 0

    def current(self):
        """0 mA charging current."""
        return 0


class Storage:
    """The hub's persistent user storage, fresh (zeros) at the start of each run."""

    def __init__(self):
        self._data = bytearray(STORAGE_BYTES)

    def access(self, offset, read=None, write=None):
        """``storage(offset, read=n)`` -> bytes, or ``storage(offset, write=b)``."""
        if (read is None) == (write is None):
            raise UsageError("storage takes read=N or write=BYTES (one of them)")
        if isinstance(offset, bool) or not isinstance(offset, int):
            raise TypeError("storage offset must be an int, not " + repr(offset))
        n = read if write is None else len(write)
        if isinstance(n, bool) or not isinstance(n, int) or offset < 0 or n < 0 or \
                offset + n > STORAGE_BYTES:
            raise ValueError("storage: bytes " + str(offset) + " to " + str(offset) + "+"
                             + str(n) + " are outside the " + str(STORAGE_BYTES)
                             + " bytes of user storage")
        if write is None:
            return bytes(self._data[offset:offset + n])
        self._data[offset:offset + n] = bytes(write)
        return None
