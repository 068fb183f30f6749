"""robokit: write a robot program once, run it on a simulated or a real brick.

Everything a robot program needs is importable from here::

    from robokit import Motor, Port, DriveBase, wait, robot

These names come from :mod:`robokit.devices` (portable, Pybricks-style).
``robokit.connect(...)`` (from :mod:`robokit.targets`) opens a brick from a script.  They
load on first use, so that ``import robokit.cli`` (every command-line call) and
the build tools do not pay for the device API; the simulator, plotting and the
build tools load only when used too.
"""

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for type checkers: the names below come from robokit.devices
    from .devices import *  # noqa: F403
    from .targets import connect as connect


def __getattr__(name: str) -> object:
    if name == "__version__":
        # importlib.metadata costs ~20 ms of start-up: looked up on first use.
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
    if name == "connect":
        # robokit.connect("sim" | "/dev/ttyACM0" | "ble:NAME" | "pybricks:NAME")
        value_ = importlib.import_module(__name__ + ".targets").connect
        globals()[name] = value_
        return value_
    # import_module, not "from . import devices": that would ask this very hook for
    # the attribute "devices" first, and recurse.
    devices = importlib.import_module(__name__ + ".devices")
    if name == "__all__":
        value: object = ["__version__", *devices.__all__]
    elif name in devices.__all__:
        value = getattr(devices, name)
    else:
        raise AttributeError(f"module 'robokit' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    devices = importlib.import_module(__name__ + ".devices")
    return sorted(set(globals()) | set(devices.__all__) | {"__version__", "connect"})
