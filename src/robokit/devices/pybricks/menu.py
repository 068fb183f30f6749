"""``pybricks.tools``' ``hub_menu``, ``read_input_byte`` and ``DataLog`` in the simulator.
Portable (MicroPython too).

- ``read_input_byte()`` reads the program's standard input a byte at a time without
  waiting: in the simulator the run's input (``robokit run --input FILE``), all of it
  there from the start; None once it is all read, or without input.
- ``hub_menu(*symbols)`` shows the first symbol on the display; the hub's LEFT and RIGHT
  buttons (scripted: ``--press right@1s``) step through them and CENTER chooses one.  As
  on the hub, the stop button is off while the menu is shown (the centre button
  chooses), and back as it was once it returns.
- ``DataLog(*headers)``: each row goes into the run's events as a ``datalog`` event
  (``{"name": ..., "row": [...]}``; the headers come first as ``{"headers": [...]}``),
  so it is in ``simulate()``'s ``result.events``, ``robokit run --json``'s events and
  the run's recording; no file is written on the hub.
"""

from .. import _hal
from .._errors import UsageError
from ..hubs import Buttons, Display, System
from ..parameters import Button
from ..tools import wait

_chr = chr  # (read_input_byte's argument is named chr, as in Pybricks)

#: How often hub_menu looks at the buttons, ms.
MENU_POLL_MS = 10


def read_input_byte(last=False, chr=False):  # noqa: A002 (Pybricks' name)
    """The oldest byte waiting on standard input (``last``: the newest, the rest
    dropped), as an int, or with ``chr`` a one-character str (None for a byte that is
    not a printable character); None at once when no byte waits."""
    byte = _hal.get().stdin_byte(last)
    if byte is None or not chr:
        return byte
    return _chr(byte) if 32 <= byte < 127 else None


def _show(display, symbol):
    if display is None:
        return
    if isinstance(symbol, int) and not isinstance(symbol, bool):
        display.number(symbol)
    else:
        display.char(str(symbol)[:1])


def hub_menu(*symbols):
    """Show ``symbols`` one at a time; LEFT/RIGHT step, CENTER chooses: the symbol."""
    if not symbols:
        raise UsageError("hub_menu takes at least one symbol (an int or a str)")
    for s in symbols:
        if isinstance(s, bool) or not isinstance(s, (int, str)):
            raise UsageError("hub_menu symbols are ints or strs, not " + repr(s))
    has_display = _hal.get().robot_config().get("hub", {}).get("type") not in (
        "EssentialHub", "TechnicHub", "CityHub", "MoveHub")
    display = Display() if has_display else None
    buttons = Buttons()
    system = System()
    stop = system.stop_button()
    system.set_stop_button(None)  # the centre button chooses
    try:
        i = 0
        _show(display, symbols[i])
        held = buttons.pressed()
        while True:
            wait(MENU_POLL_MS)
            now = buttons.pressed()
            new = [b for b in now if b not in held]
            held = now
            if Button.CENTER in new:
                return symbols[i]
            if Button.RIGHT in new:
                i = (i + 1) % len(symbols)
                _show(display, symbols[i])
            elif Button.LEFT in new:
                i = (i - 1) % len(symbols)
                _show(display, symbols[i])
    finally:
        system.set_stop_button(stop)


class DataLog:
    """A data log whose rows are recorded as ``datalog`` events (see the module)."""

    def __init__(self, *headers, name="log", timestamp=True, extension="csv",
                 append=False):
        if not isinstance(name, str) or not isinstance(extension, str):
            raise UsageError("DataLog name and extension are strs")
        self._name = name + "." + extension
        for h in headers:
            if not isinstance(h, str):
                raise UsageError("DataLog headers are strs, not " + repr(h))
        if headers:
            _hal.get().event("datalog", {"name": self._name, "headers": list(headers)})

    def log(self, *values):
        """Add one row of ``values`` to the log."""
        _hal.get().event("datalog", {"name": self._name,
                                     "row": [v if isinstance(v, (int, float, str, bool))
                                             or v is None else str(v) for v in values]})

    def __repr__(self):
        return "DataLog(" + repr(self._name) + ")"
