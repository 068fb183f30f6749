"""robokit: write a robot program once, run it on a simulated or a real brick.

Everything a robot program needs is importable from here::

    from robokit import Motor, Port, DriveBase, wait, robot

These names come from :mod:`robokit.devices` (portable, Pybricks-style).  For
scripts and tools, the public surface is here too:

- ``robokit.connect("sim" | PORT | "ble:NAME" | "pybricks:NAME")`` opens a brick
  (:mod:`robokit.targets`);
- ``robokit.simulate(program, world=..., ...)`` runs a program on the simulated
  brick (:mod:`robokit.sim`);
- ``robokit.compile_program(program, target=...)`` makes a bundle
  (:mod:`robokit.compiler`);
- every error class of the one tree drawn in :mod:`robokit.errors`.

Each name loads on first use, so that a robot program, ``import robokit.cli``
(every command-line call) and the tools pay only for what they touch.
"""

import importlib
from typing import TYPE_CHECKING

# The compiled core (robokit._compiled): each built extension of a hot module is used
# only while fresh, before any of them can be imported.
importlib.import_module(__name__ + "._compiled").install()

if TYPE_CHECKING:  # for type checkers: where the lazy names below come from
    from .compiler import compile_program as compile_program
    from .devices import *  # noqa: F403
    from .errors import *  # noqa: F403
    from .sim import simulate as simulate
    from .targets import connect as connect

#: name -> the module that defines it (besides the device API's names)
_TOOLS = {"connect": ".targets", "simulate": ".sim", "compile_program": ".compiler"}
_ERRORS = (
    "BundleError", "CheckError", "ConfigError", "FirmwareError", "FrameError", "InstallError",
    "LinkError", "ProgramError", "PybricksFirmwareError", "PybricksLinkError", "RemoteError",
    "ReplError", "TargetError", "UploadError", "UploadRefusedError", "WorldError",
)


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
    value: object
    if name in _TOOLS:
        value = getattr(importlib.import_module(_TOOLS[name], __name__), name)
    elif name in _ERRORS:
        value = getattr(importlib.import_module(".errors", __name__), name)
    else:
        # import_module, not "from . import devices": that would ask this very hook for
        # the attribute "devices" first, and recurse.
        devices = importlib.import_module(__name__ + ".devices")
        if name == "__all__":
            # connect/simulate/compile_program stay out: "from robokit import *" in a
            # robot program must not load the targets, the simulator and the compiler.
            value = ["__version__", *devices.__all__, *_ERRORS]
        elif name in devices.__all__:
            value = getattr(devices, name)
        else:
            raise AttributeError(f"module 'robokit' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    devices = importlib.import_module(__name__ + ".devices")
    return sorted(set(globals()) | set(devices.__all__) | {"__version__", *_TOOLS, *_ERRORS})
