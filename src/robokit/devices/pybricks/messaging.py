"""``pybricks.messaging``: the EV3's Bluetooth mailboxes (Pybricks 2.x), with one robot.

robokit runs one robot per run, so no other brick is ever connected: a mailbox's
``send`` works (each is a ``mailbox_send`` event with the mailbox's name and value)
and reaches nobody; ``read()`` of a mailbox nobody writes to is ``None``, as Pybricks
documents for an empty mailbox; ``wait()`` and ``wait_new()`` wait for a value that
never comes, as on a brick with no peer, so the run ends at its time limit.
``BluetoothMailboxServer.wait_for_connection()`` likewise waits for a client that never
comes; ``BluetoothMailboxClient.connect()`` raises ``OSError`` (no server to find).
Portable (MicroPython too).
"""

import struct

from .. import _hal
from .._errors import UsageError
from ..tools import wait as _wait
from ._missing import fill
from ._table import NOT_YET

__all__ = ["BluetoothMailboxClient", "BluetoothMailboxServer", "Connection", "LogicMailbox",
           "Mailbox", "NumericMailbox", "TextMailbox"]

#: How often a waiting mailbox or server looks again, ms of simulated time.
POLL_MS = 10


class _Connection:
    """What server and client share: the mailboxes' last values, by name."""

    def __init__(self):
        self._boxes = {}
        self._count = 0

    def read_from_mailbox(self, name):
        return self._boxes.get(name)

    def send_to_mailbox(self, name, data):
        _hal.get().event("mailbox_send", {"name": name, "data": list(bytes(data)),
                                          "peers": self._count})

    def wait_for_mailbox_update(self, name):
        before = self._boxes.get(name)
        while self._boxes.get(name) is before:
            _wait(POLL_MS)

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        self.close()

    def close(self):
        """Close all connections."""
        self._count = 0


class BluetoothMailboxServer(_Connection):
    """A Bluetooth server that other EV3s connect to (none can, with one robot)."""

    def wait_for_connection(self, count=1):
        """Wait for ``count`` clients: with one robot in the run none comes, and this
        waits until the run's time limit."""
        _hal.get().event("mailbox_wait_for_connection", {"count": count})
        while self._count < count:
            _wait(POLL_MS)

    def server_close(self):
        """Close all connections."""
        self.close()


class BluetoothMailboxClient(_Connection):
    """A Bluetooth client that connects to another EV3's server."""

    def connect(self, brick):
        """Connect to the server on ``brick``: with one robot in the run there is none,
        so this raises ``OSError``, as on a brick that finds no server."""
        _hal.get().event("mailbox_connect", {"brick": str(brick)})
        raise OSError("cannot connect to " + repr(brick) + ": robokit simulates one robot "
                      + "per run, so no other EV3 is there to connect to")


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
        self._connection.send_to_mailbox(self._name, data)

    def wait(self):
        """Wait until another brick updates the mailbox (with one robot: never)."""
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
