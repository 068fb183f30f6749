"""Pybricks' sensor readings inside tasks: awaitables, as in Pybricks.

In Pybricks, a sensor's reading made inside ``run_task`` is an awaitable, so async
programs write ``await sensor.reflection()``; outside it is the value.  robokit's own
device API returns the value in both cases, so the ``pybricks`` namespace wraps its
sensors' readings with :func:`reading`.  Portable (MicroPython too)."""

from ..tools import Awaitable, in_task

#: True while a reading is being taken: the readings it makes of the same sensor
#: (``color()`` reads ``hsv()``) are values, not awaitables.
_taking = [False]


def _ready():
    return True


def _take(read):
    _taking[0] = True
    try:
        return read()
    finally:
        _taking[0] = False


def reading(read, name):
    """``read()`` outside a task; inside one, an awaitable whose result is ``read()``
    when awaited (an un-awaited one is reported at the task's next switch, naming
    ``name`` and the line)."""
    if in_task() and not _taking[0]:
        return Awaitable(_ready, None, lambda: _take(read), name)
    return read()


def done(name):
    """What a command that Pybricks lets a task await returns, the command given: None
    outside a task; inside one, an awaitable that is already done (awaiting it is
    optional, as in Pybricks, where the command is given either way)."""
    if in_task() and not _taking[0]:
        a = Awaitable(_ready, None, None, name)
        a._started = True  # not awaiting it is no mistake: the command was given
        return a
    return None
