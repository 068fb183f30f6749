"""``pybricks.experimental``: ``getchar()``, Pybricks' older way to read a key from the
computer's terminal (``pybricks.tools.read_input_byte`` replaces it).  Portable
(MicroPython too)."""

from .. import _hal


def getchar():
    """The next byte waiting on standard input, as an int, or None at once when none
    waits (in the simulator: the run's input, ``robokit run --input``)."""
    return _hal.get().stdin_byte()


__all__ = ["getchar"]
