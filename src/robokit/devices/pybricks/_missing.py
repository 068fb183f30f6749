"""Pybricks names the simulator does not provide yet: one clear error when used.
Portable (MicroPython too)."""

from .._errors import DeviceError


def not_simulated(module, name, why=None):
    """A stand-in for Pybricks' ``module.name``: making one (or calling it) raises
    :class:`DeviceError` naming it and saying it is not simulated (``why``: because
    nothing in a simulated world gives it meaning) or not yet."""

    class NotSimulated:
        def __init__(self, *args, **kwargs):
            if why is not None:
                raise DeviceError(name + " (" + module + ") is not simulated: " + why
                                  + "; see docs/pybricks-programs.md for what runs")
            raise DeviceError(name + " (" + module + "): a Pybricks name that robokit's "
                              + "simulator does not provide yet; see "
                              + "docs/pybricks-programs.md for what runs")

    NotSimulated.__name__ = name
    return NotSimulated


def fill(namespace, module, names):
    """Put one :func:`not_simulated` stand-in per name into ``namespace``."""
    for name in names:
        namespace[name] = not_simulated(module, name)
