"""The root of robokit's error tree, portable so that device code can raise it.

``robokit.errors`` re-exports these and adds the host-only branches.

    RobokitError
    ├── DeviceError          a device is missing, or is not what the program asks for
    ├── NoBrickError         device API used with no brick attached
    └── UsageError           the API was used wrongly (bad value, call not awaited)

    OSError
    └── NoDeviceError        Pybricks' "[Errno 19] ENODEV": the pybricks namespace's
                             DeviceError for a missing device (not a RobokitError)
"""

#: ``errno.ENODEV`` ("No such device"), the errno Pybricks raises its OSError with when a
#: port holds no device of the kind asked for (the same number on MicroPython and Linux).
ENODEV = 19


class RobokitError(Exception):
    """Base class of every error robokit raises on purpose."""


class DeviceError(RobokitError):
    """A device is missing from its port, or the port holds something else."""


class NoBrickError(RobokitError):
    """The device API was used while no brick (real or simulated) is attached."""


try:

    class UsageError(RobokitError, ValueError):
        """The device API was called wrongly: a value out of range, a forgotten await."""

except TypeError:  # MicroPython: two built-in exception bases cannot be combined

    class UsageError(RobokitError):  # type: ignore[no-redef]
        """The device API was called wrongly: a value out of range, a forgotten await."""


class NoDeviceError(OSError):
    """A device is missing from its port, or the port holds something else, as Pybricks
    says it: an ``OSError`` with ``errno`` ENODEV, so that a Pybricks program's
    ``except OSError:`` catches it as on a hub.  Raised by the ``pybricks`` namespace
    (robokit's own device API raises :class:`DeviceError`); its text adds robokit's
    message (which port, what the robot has there).  Made by :func:`missing_device`
    (``NoDeviceError(ENODEV, message)``: MicroPython's OSError has no ``__init__`` a
    subclass could call).

    Not a :class:`RobokitError`: MicroPython cannot make a class of two built-in
    exception bases ("multiple bases have instance lay-out conflict"), and the two modes
    must agree.  The CLI reports it as it reports a DeviceError (by its type's name)."""

    def __str__(self):
        return "[Errno 19] ENODEV: " + str(self.args[1])


def missing_device(message, enodev=False):
    """The error for a device missing from its port (``message`` says which port and what
    the robot has there): a :class:`DeviceError`, or with ``enodev`` (the ``pybricks``
    namespace's classes) Pybricks' OSError, a :class:`NoDeviceError`."""
    if enodev:
        return NoDeviceError(ENODEV, message)
    return DeviceError(message)
