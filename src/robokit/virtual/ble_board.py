"""``NusBoard``: a simulated MicroPython board reachable over Bluetooth LE (Nordic UART).

It puts a ``SimBoard`` on a virtual radio (``robokit.virtual.radio``) the way
``firmware_templates/micropython/nus_bridge.py`` puts a real board on the air: it
advertises its name and the NUS service; bytes the host writes to RX (6e400002) go into
the board's REPL; the board's output is notified on TX (6e400003) in pieces of at most
``mtu - 3`` bytes. The board keeps running across connections (output with nobody
connected is dropped, as ``os.dupterm`` over a closed connection does).

    radio = Radio()
    board = NusBoard(SimBoard(), name="robokit-board")
    radio.add(board)
    with installed(radio), NusLink("robokit-board") as link:
        RawRepl(link).exec("print(1)")
"""

from __future__ import annotations

import threading

from ..protocols.nus import ATT_HEADER, NUS_RX, NUS_SERVICE, NUS_TX
from .board import MemoryConn, SimBoard
from .radio import Peripheral, PeripheralLink, normalize_uuid


class NusBoard(Peripheral):
    """A ``SimBoard`` served over the Nordic UART service of a virtual radio."""

    def __init__(self, board: SimBoard | None = None, *, name: str = "robokit-board",
                 address: str = "F0:0D:00:00:00:01", rssi: int = -55, mtu: int = 158):
        self.board = board if board is not None else SimBoard()
        self.name = name
        self.address = address
        self.rssi = rssi
        self.mtu = mtu
        self.advertised = [NUS_SERVICE]
        self.manufacturer_data = {}
        self.link: PeripheralLink | None = None
        self.connections = 0  # how many times a host connected
        self._lock = threading.Lock()
        self._conn = MemoryConn()
        self.board.serve_link(self._conn)

    def services(self) -> dict[str, dict[str, tuple[str, ...]]]:
        return {NUS_SERVICE: {NUS_RX: ("write", "write-without-response"),
                              NUS_TX: ("notify",)}}

    def on_connect(self, link: PeripheralLink) -> None:
        with self._lock:
            self.link = link
            self.connections += 1
        self._conn.sink = self._send

    def on_disconnect(self) -> None:
        with self._lock:
            self.link = None
        self._conn.sink = None

    def write(self, char_uuid: str, data: bytes, response: bool) -> None:
        if normalize_uuid(char_uuid) == NUS_RX:
            self._conn.feed(bytes(data))

    def _send(self, data: bytes) -> None:
        """The board's output (its thread): notify TX in MTU-sized pieces."""
        link = self.link
        if link is None:
            return
        size = link.mtu - ATT_HEADER
        for i in range(0, len(data), size):
            if not link.notify(NUS_TX, data[i:i + size]):
                return

    def disconnect(self) -> None:
        """Drop the connection from the board's side (like a reset of the radio)."""
        link = self.link
        if link is not None:
            link.disconnect()

    def close(self) -> None:
        """Power off: stop the board."""
        self.disconnect()
        self.board.close()


__all__ = ["NusBoard"]
