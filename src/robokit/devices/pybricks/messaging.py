"""``pybricks.messaging``: the EV3's Bluetooth mailboxes (Pybricks 2.x), between the
robots of a run, and Pybricks 4.0's ``BLERadio`` (``hub.ble`` made on its own).
Portable (MicroPython too).

A server calls ``wait_for_connection(count)`` and waits until ``count`` clients are
connected; a client's ``connect(brick)`` finds the server by the brick's name (the
robot's name) and keeps trying until that server listens, within range, for up to
:data:`CONNECT_TIMEOUT_MS` (then ``OSError``).  A mailbox's ``send`` goes to every brick
connected (or the one named) and arrives a little later (the HAL's delay); ``read()``
is the last value arrived, ``None`` before any, as Pybricks documents; ``wait()``
returns when another value arrives, ``wait_new()`` when one differs from the current.
Every send is also a ``mailbox_send`` event with the mailbox's name and bytes.

With one robot in the run no other brick is there: ``send`` reaches nobody, ``read()``
stays ``None``, ``wait()`` and ``wait_for_connection()`` wait until the run's time
limit, and ``connect()`` raises ``OSError`` at once.
"""

import struct

from .. import _hal
from .._errors import UsageError
from ..tools import wait as _wait
from ._missing import fill
from ._table import NOT_YET
from .hubparts import BLE

__all__ = ["BLERadio", "BluetoothMailboxClient", "BluetoothMailboxServer", "Connection",
           "LogicMailbox", "Mailbox", "NumericMailbox", "TextMailbox"]

#: How often a waiting mailbox, server or client looks again, ms of simulated time.
POLL_MS = 10
#: How long ``connect()`` keeps trying to reach the server: Bluetooth classic's
#: default page timeout (0x2000 slots of 0.625 ms), ms.
CONNECT_TIMEOUT_MS = 5120


def _count(got):
    return 0 if got is None else got[1]


class _Connection:
    """What server and client share: the brick's mailboxes, through the HAL."""

    def read_from_mailbox(self, name):
        got = _hal.get().mailbox_read(name)
        return None if got is None else got[0]

    def send_to_mailbox(self, name, data, brick=None):
        hal = _hal.get()
        data = bytes(data)
        peers = hal.mailbox_send(name, data, None if brick is None else str(brick))
        hal.event("mailbox_send", {"name": name, "data": list(data), "peers": peers})

    def wait_for_mailbox_update(self, name):
        hal = _hal.get()
        before = _count(hal.mailbox_read(name))
        while _count(hal.mailbox_read(name)) == before:
            _wait(POLL_MS)

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        self.close()

    def close(self):
        """Close all connections."""
        _hal.get().mailbox_close()


class BluetoothMailboxServer(_Connection):
    """A Bluetooth server that other EV3s connect to."""

    def __init__(self):
        self._accepted = 0

    def wait_for_connection(self, count=1):
        """Wait until ``count`` more clients have connected (with one robot in the run
        none comes, and this waits until the run's time limit)."""
        hal = _hal.get()
        hal.event("mailbox_wait_for_connection", {"count": count})
        hal.mailbox_listen()
        target = self._accepted + count
        while len(hal.mailbox_peers()) < target:
            _wait(POLL_MS)
        self._accepted = target

    def server_close(self):
        """Close all connections."""
        self.close()


class BluetoothMailboxClient(_Connection):
    """A Bluetooth client that connects to another EV3's server."""

    def connect(self, brick):
        """Connect to the server on the brick named ``brick``, trying for up to
        :data:`CONNECT_TIMEOUT_MS`; ``OSError`` when there is no such brick (with one
        robot: at once) or its server does not listen within range by then."""
        hal = _hal.get()
        hal.event("mailbox_connect", {"brick": str(brick)})
        end = hal.time_us() + CONNECT_TIMEOUT_MS * 1000
        while not hal.mailbox_connect(str(brick)):
            if hal.time_us() >= end:
                raise OSError("cannot connect to " + repr(brick) + ": its mailbox server "
                              + "did not wait for a connection within range in "
                              + str(CONNECT_TIMEOUT_MS / 1000) + " s")
            _wait(POLL_MS)


class BLERadio(BLE):
    """Pybricks 4.0's ``BLERadio``: what ``hub.ble`` is, made on its own (broadcast on
    one channel, observe others; see robokit.devices.pybricks.hubparts)."""

    def __init__(self, broadcast_channel=None, observe_channels=()):
        BLE.__init__(self, broadcast_channel, observe_channels)


#: Pybricks' name for what a mailbox is on (a server or a client).
Connection = _Connection


def _identity(x):
    return x


class Mailbox:
    """A named mailbox on ``connection``; ``encode``/``decode`` turn values into bytes
    and back (default: bytes as they are)."""

    def __init__(self, name, connection, encode=None, decode=None):
        if not isinstance(name, str):
            raise UsageError("a mailbox's name is a str, not " + repr(name))
        if not isinstance(connection, _Connection):
            raise UsageError("a mailbox needs a connection (a BluetoothMailboxServer or "
                             + "BluetoothMailboxClient), not " + repr(connection))
        self._name = name
        self._connection = connection
        self._encode = encode or _identity
        self._decode = decode or _identity

    def read(self):
        """The mailbox's current value, or ``None`` when nothing was delivered to it."""
        data = self._connection.read_from_mailbox(self._name)
        return None if data is None else self._decode(data)

    def send(self, value, brick=None):
        """Send ``value`` to this mailbox on the connected bricks (``brick``: one of
        them by name; ``None``: all)."""
        data = self._encode(value)
        if not isinstance(data, (bytes, bytearray)):
            raise UsageError("a mailbox sends bytes; give an encode function for "
                             + repr(value))
        self._connection.send_to_mailbox(self._name, data, brick)

    def wait(self):
        """Wait until another brick delivers a value to the mailbox (the same value
        again counts; with one robot: never)."""
        self._connection.wait_for_mailbox_update(self._name)

    def wait_new(self):
        """Wait for a value other than the current one, and return it."""
        old = self.read()
        while True:
            self.wait()
            new = self.read()
            if new != old:
                return new


def _encode_logic(value):
    if not isinstance(value, bool):
        raise UsageError("a LogicMailbox sends True or False, not " + repr(value))
    return b"\x01" if value else b"\x00"


def _decode_logic(data):
    return any(data)


def _encode_numeric(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UsageError("a NumericMailbox sends a number, not " + repr(value))
    return struct.pack("<f", value)


def _decode_numeric(data):
    return struct.unpack("<f", bytes(data))[0]


def _encode_text(value):
    if not isinstance(value, str):
        raise UsageError("a TextMailbox sends a str, not " + repr(value))
    return value.encode("utf-8") + b"\x00"


def _decode_text(data):
    return bytes(data).split(b"\x00")[0].decode("utf-8")


class LogicMailbox(Mailbox):
    """A mailbox of ``True``/``False`` (EV3-G's logic mailbox: one byte)."""

    def __init__(self, name, connection):
        Mailbox.__init__(self, name, connection, _encode_logic, _decode_logic)


class NumericMailbox(Mailbox):
    """A mailbox of numbers (EV3-G's numeric mailbox: a 32-bit float)."""

    def __init__(self, name, connection):
        Mailbox.__init__(self, name, connection, _encode_numeric, _decode_numeric)


class TextMailbox(Mailbox):
    """A mailbox of text (EV3-G's text mailbox: UTF-8 ending in a zero byte)."""

    def __init__(self, name, connection):
        Mailbox.__init__(self, name, connection, _encode_text, _decode_text)


fill(globals(), "pybricks.messaging", NOT_YET["pybricks.messaging"])
