"""robokit on the brick: the package a program's ``from robokit import ...`` finds.

Compiled into every bundle whose program imports robokit (as module ``robokit``,
next to ``robokit.devices.*``).  It re-exports the device API, as the host's
``robokit/__init__.py`` does, so a program runs unchanged on the simulated
brick and on a real one.  Portable: MicroPython subset only (no typing,
dataclasses, enum or f-string '=' here).

The brick's HAL is not imported here: the loader of each brick family attaches
it (``robokit.devices._hal.attach``) before the program starts.
"""

# Everything public of the device API (its __all__), as on the host.
from robokit.devices import *  # noqa: F403
