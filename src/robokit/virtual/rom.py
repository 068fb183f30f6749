"""The simulated board's ROM file system: robokit's device API built into its firmware.

A MicroPython firmware can carry Python modules in a read-only file system at ``/rom``
(ROMFS, on ``sys.path`` after ``.frozen``).  The simulated board's has the device API
(``robokit`` and ``robokit.devices.*``, as a bundle carries it) so that at its REPL
``from robokit import robot`` works with no program uploaded.  Imported there, the
package attaches the board's robot (``robokit_simhal.hal``: the standard rover in the
board's world) unless a HAL is attached already; a program run by the loader brings its
own copy from its slot (the loader forgets these modules first), with its own robot.

:func:`rom_files` is the file system's content (paths relative to ``/rom``);
:func:`rom_stat` and :func:`rom_listdir` answer as ``os.stat`` and ``os.ilistdir`` do.
The MicroPython VM reaches it through its host file system (``/rom`` is answered here,
not mounted, so ``os.listdir("/")`` shows only the board's own files); the CPython
executor imports from it directly.
"""

from __future__ import annotations

import errno
import functools

__all__ = ["ROM", "rom_files", "rom_listdir", "rom_stat"]

#: Where the ROM file system is mounted on the board.
ROM = "/rom"

#: Added to the ROM's robokit/__init__.py (portable MicroPython): at the REPL, the device
#: API talks to the board's simulated robot.
_ATTACH = """
# The simulated board's ROM (robokit.virtual.rom): used at the REPL, the device API
# talks to the board's simulated robot.
from robokit.devices import _hal as _rom_hal

if _rom_hal._current is None:
    try:
        import robokit_simhal as _rom_simhal
    except ImportError:
        _rom_simhal = None
    if _rom_simhal is not None:
        _rom_hal.attach(_rom_simhal.hal(%r))
    del _rom_simhal
del _rom_hal
"""


@functools.lru_cache(maxsize=1)
def rom_files() -> dict[str, bytes]:
    """The ROM's files: ``"robokit/__init__.py"``, ``"robokit/devices/motors.py"``, ..."""
    from ..compiler.compile import robokit_units
    from ..config import standard_rover

    out: dict[str, bytes] = {}
    for unit in robokit_units("sim"):
        rel = "robokit/" + unit.path.split("/", 1)[1]
        out[rel] = unit.source
    init = out["robokit/__init__.py"]
    out["robokit/__init__.py"] = init + (_ATTACH % (standard_rover(),)).encode("utf-8")
    return out


def _dirs() -> set[str]:
    found = {""}
    for path in rom_files():
        parts = path.split("/")
        for i in range(1, len(parts)):
            found.add("/".join(parts[:i]))
    return found


def rom_stat(path: str) -> tuple[int, ...]:
    """``os.stat`` of ``path`` (relative to the ROM's root); OSError ENOENT if absent."""
    rel = path.strip("/")
    data = rom_files().get(rel)
    if data is not None:
        return (0o100444, 0, 0, 0, 0, 0, len(data), 0, 0, 0)
    if rel in _dirs():
        return (0o040555, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    raise OSError(errno.ENOENT, "no such file in the ROM", path)


def rom_listdir(path: str) -> list[tuple[str, int, int]]:
    """``os.ilistdir`` of the ROM folder ``path``: (name, type, inode) entries."""
    rel = path.strip("/")
    if rel not in _dirs():
        raise OSError(errno.ENOENT, "no such folder in the ROM", path)
    prefix = rel + "/" if rel else ""
    names: dict[str, int] = {}
    for f in rom_files():
        if f.startswith(prefix):
            head, sep, _ = f[len(prefix):].partition("/")
            names[head] = 0x4000 if sep else 0x8000
    return [(n, t, 0) for n, t in sorted(names.items())]
