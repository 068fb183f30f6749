"""Parts of a Pybricks hub beyond robokit's: ``hub.ble`` (broadcast and observe),
``hub.charger``, and ``hub.system``'s ``storage`` and ``info``.  Portable (MicroPython
too).

``ble.broadcast(data)`` checks what Pybricks checks: the hub was made with a
``broadcast_channel``; ``data`` is None (stop), or an int, float, str, bytes, bool or a
tuple/list of them; and it fits in :data:`PAYLOAD_BYTES` bytes, each value counted as
Pybricks' documentation counts it (True/False 1 byte, int 2-5 by size, float 5, str and
bytes their length plus 1) and one more byte that marks a single value (not a tuple), as
Pybricks' firmware counts it.  The data goes to the HAL in Pybricks' broadcast encoding
(a type-and-size byte before each value; ints in 1, 2 or 4 bytes, floats in 4, both
little-endian), and ``observe(channel)`` decodes what the HAL heard the same way: a
tuple when a tuple or list was sent, the one value otherwise, floats as 32-bit floats.
With one robot nothing is heard: ``observe`` is None and ``signal_strength`` -128 dBm.
"""

import struct

from .. import _hal, tools
from .._errors import UsageError

#: The most data one broadcast carries, bytes.
PAYLOAD_BYTES = 26
#: Bytes of persistent user storage ``hub.system.storage`` reads and writes.
STORAGE_BYTES = 512
#: What ``signal_strength`` says when nothing was heard, dBm.
NO_SIGNAL_DBM = -128

# Pybricks' broadcast type codes (the top 3 bits of each value's first byte).
_SINGLE = 0
_TRUE = 1
_FALSE = 2
_INT = 3
_FLOAT = 4
_STR = 5
_BYTES = 6
_INT_FORMATS = {1: "<b", 2: "<h", 4: "<i"}


def _channel(value, what):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 255:
        raise ValueError(what + " must be a channel number 0-255, not " + repr(value))
    return value


def _encode_one(value):
    """``value`` as Pybricks broadcasts it: a type-and-size byte, then the bytes."""
    if isinstance(value, bool):
        return bytes(((_TRUE if value else _FALSE) << 5,))
    if isinstance(value, int):
        if -128 <= value <= 127:
            size = 1
        elif -32768 <= value <= 32767:
            size = 2
        elif -2147483648 <= value <= 2147483647:
            size = 4
        else:
            raise ValueError("broadcast ints must fit in 32 bits, not " + repr(value))
        return bytes((_INT << 5 | size,)) + struct.pack(_INT_FORMATS[size], value)
    if isinstance(value, float):
        return bytes((_FLOAT << 5 | 4,)) + struct.pack("<f", value)
    if isinstance(value, str):
        data = value.encode()
        kind = _STR
    elif isinstance(value, (bytes, bytearray)):
        data = bytes(value)
        kind = _BYTES
    else:
        raise TypeError("broadcast takes int, float, str, bytes, bool, or a tuple of them, "
                        + "not " + type(value).__name__)
    if len(data) > PAYLOAD_BYTES:  # the size field has 5 bits; this is too long anyway
        raise ValueError("broadcast: the data takes " + str(len(data) + 1) + " bytes; at "
                         + "most " + str(PAYLOAD_BYTES) + " fit in one broadcast")
    return bytes((kind << 5 | len(data),)) + data


def encode(data):
    """``data`` (a value, or a tuple or list of values) in Pybricks' broadcast encoding;
    ``ValueError`` when it takes more than :data:`PAYLOAD_BYTES` bytes."""
    single = not isinstance(data, (tuple, list))
    parts = [_encode_one(v) for v in ((data,) if single else data)]
    size = sum(len(p) for p in parts)
    if size > PAYLOAD_BYTES:
        raise ValueError("broadcast: the data takes " + str(size) + " bytes; at most "
                         + str(PAYLOAD_BYTES) + " fit in one broadcast")
    if single and size + 1 > PAYLOAD_BYTES:
        raise ValueError("broadcast: one value of " + str(size) + " bytes and the byte "
                         + "that marks it as one value take " + str(size + 1) + "; at most "
                         + str(PAYLOAD_BYTES) + " fit in one broadcast")
    return (bytes((_SINGLE << 5,)) if single else b"") + b"".join(parts)


def _decode_one(payload, i):
    head = payload[i]
    kind, size = head >> 5, head & 0x1F
    body = payload[i + 1:i + 1 + size]
    if kind == _TRUE:
        value = True
    elif kind == _FALSE:
        value = False
    elif kind == _INT and size in _INT_FORMATS:
        value = struct.unpack(_INT_FORMATS[size], body)[0]
    elif kind == _FLOAT and size == 4:
        value = struct.unpack("<f", body)[0]
    elif kind == _STR:
        value = body.decode()
    elif kind == _BYTES:
        value = bytes(body)
    else:
        raise RuntimeError("received bad data")
    return value, i + 1 + size


def decode(payload):
    """What :func:`encode` made, back: the one value, or a tuple of the values."""
    payload = bytes(payload)
    if not payload:
        return ()
    if payload[0] >> 5 == _SINGLE:
        return _decode_one(payload, 1)[0]
    out = []
    i = 0
    while i < len(payload):
        value, i = _decode_one(payload, i)
        out.append(value)
    return tuple(out)


class BLE:
    """``hub.ble``: broadcast data on one channel, observe others."""

    def __init__(self, broadcast_channel, observe_channels):
        self._broadcast = None if broadcast_channel is None else \
            _channel(broadcast_channel, "broadcast_channel")
        self._observe = tuple(_channel(c, "observe_channels")
                              for c in (observe_channels or ()))
        self._sent = None

    def broadcast(self, data):
        """Send ``data`` on the broadcast channel over and over (None: stop)."""
        if self._broadcast is None:
            raise RuntimeError("broadcast: this hub has no broadcast channel; make it "
                               + "with broadcast_channel=N, e.g. PrimeHub(broadcast_channel=1)")
        payload = None if data is None else encode(data)
        hal = _hal.get()
        hal.ble_broadcast(self._broadcast, payload)
        if payload != self._sent:  # one event per change, not per call of a loop
            self._sent = payload
            hal.event("broadcast", {"channel": self._broadcast,
                                    "data": _plain(tuple(data) if isinstance(data, list)
                                                   else data)})
        # Pybricks' broadcast may be awaited in a task; it has started either way.
        return _Started() if tools.in_task() else None

    def _observed(self, channel):
        if _channel(channel, "channel") not in self._observe:
            raise ValueError("channel " + str(channel) + " is not observed: make the hub "
                             + "with observe_channels=[" + str(channel) + ", ...]")

    def observe(self, channel):
        """The last data heard on ``channel`` within the last second, as it was sent
        (a tuple, or the one value); None when nothing was heard."""
        self._observed(channel)
        heard = _hal.get().ble_observe(channel)
        return None if heard is None else decode(heard[0])

    def signal_strength(self, channel):
        """Average strength of the signal heard on ``channel``, dBm (-128: none within
        the last second)."""
        self._observed(channel)
        heard = _hal.get().ble_observe(channel)
        return NO_SIGNAL_DBM if heard is None else heard[1]

    def version(self):
        """The Bluetooth chip's firmware version: a str."""
        return "simulated"


class _Started:
    """What ``broadcast`` gives in a task: awaiting it returns at once."""

    def __await__(self):
        return None
        yield

    __iter__ = __await__


def _plain(data):
    if isinstance(data, (bytes, bytearray)):
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
