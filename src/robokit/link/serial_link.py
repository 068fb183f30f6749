"""``SerialLink``: a byte link over pyserial.

``serial.serial_for_url`` opens device paths (``/dev/ttyACM0``, ``COM3``, a pseudo-terminal
``/dev/pts/N``) and URLs (``socket://127.0.0.1:PORT``, ``loop://``) alike. pyserial's
exceptions become ``LinkError`` naming the port and what to try.
"""

from __future__ import annotations

from typing import Any

from . import LinkError


class SerialLink:
    """``write(bytes)``, ``read(n, timeout) -> bytes``, ``close()`` over a serial port or URL."""

    def __init__(self, port: str, baudrate: int = 115200, *, exclusive: bool = True):
        import serial

        self.port = port
        self._serial_exception: type[Exception] = serial.SerialException
        try:
            s: Any = serial.serial_for_url(port, do_not_open=True, baudrate=baudrate,
                                           timeout=0, write_timeout=10)
            if not port.startswith(("socket://", "loop://", "rfc2217://")):
                s.exclusive = exclusive
            s.open()
        except (serial.SerialException, OSError, ValueError) as e:
            raise LinkError(
                f"cannot open {port}: {e}. Check the port name (`robokit devices` lists the "
                "ports), that the board is plugged in, and that no other program (mpremote, "
                "a serial monitor, Thonny) has it open.") from e
        self._serial = s
        self._timeout: float | None = 0.0

    def _lost(self, e: BaseException) -> LinkError:
        return LinkError(f"lost the connection to {self.port}: {e}. Was the board unplugged "
                         "or reset? Plug it in again and retry.")

    def write(self, data: bytes) -> None:
        try:
            self._serial.write(data)
        except (self._serial_exception, OSError) as e:
            raise self._lost(e) from e

    def read(self, n: int, timeout: float) -> bytes:
        """Up to ``n`` bytes: whatever is waiting, else wait up to ``timeout`` s for some."""
        s = self._serial
        try:
            waiting = s.in_waiting
            if waiting:
                return bytes(s.read(min(n, waiting)))
            if timeout <= 0:
                return b""
            if self._timeout != timeout:
                s.timeout = timeout
                self._timeout = timeout
            first = bytes(s.read(1))
            if not first or n == 1:
                return first
            more = s.in_waiting
            return first + (bytes(s.read(min(n - 1, more))) if more else b"")
        except (self._serial_exception, OSError) as e:
            raise self._lost(e) from e

    def close(self) -> None:
        try:
            self._serial.close()
        except (self._serial_exception, OSError):
            pass

    def __enter__(self) -> SerialLink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
