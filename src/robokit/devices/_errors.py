"""The root of robokit's error tree, portable so that device code can raise it.

``robokit.errors`` re-exports these and adds the host-only branches.

    RobokitError
    ├── DeviceError          a device is missing, or is not what the program asks for
    ├── NoBrickError         device API used with no brick attached
    └── UsageError           the API was used wrongly (bad value, call not awaited)
"""


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
