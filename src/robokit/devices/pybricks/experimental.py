"""``pybricks.experimental``: ``getchar()``, Pybricks' older way to read a key from the
computer's terminal (``pybricks.tools.read_input_byte`` replaces it).  The simulator has
no keyboard, so it is always None.  Portable (MicroPython too)."""


def getchar():
    """The next character typed in the terminal, as an int, or None: always None in the
    simulator."""
    return None


__all__ = ["getchar"]
