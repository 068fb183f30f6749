"""robokit: write a robot program once, run it on a simulated or a real brick.

Everything a robot program needs is importable from here::

    from robokit import Motor, Port, DriveBase, wait, robot

These names come from :mod:`robokit.devices` (portable, Pybricks-style).  Importing
``robokit`` stays light: the simulator, plotting and the build tools load only
when used.
"""

from . import devices as _devices
from .devices import *  # noqa: F403 - the device API is robokit's public surface

__all__ = ["__version__", *_devices.__all__]  # noqa: F405 - __version__ is lazy, below


def __getattr__(name):
    # The version is looked up on first use: importlib.metadata costs ~20 ms
    # of start-up, which every CLI call would pay.
    if name == "__version__":
        try:
            from importlib.metadata import PackageNotFoundError, version
        except ImportError:  # pragma: no cover
            return "0.0.0"
        try:
            v = version("robokit")
        except PackageNotFoundError:
            v = "0.0.0"
        globals()["__version__"] = v
        return v
    raise AttributeError(f"module 'robokit' has no attribute {name!r}")
