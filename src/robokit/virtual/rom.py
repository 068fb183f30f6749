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
    if _rom_simhal is not None and not getattr(_rom_simhal, "making", False):
        _rom_hal.attach(_rom_simhal.hal(%r))
    del _rom_simhal
del _rom_hal
"""


#: The simulator's portable modules, for a robot that runs in the VM beside the program
#: (robokit.sim.vmbrick; ``robokit run --exact``), by their paths in robokit/sim (the
#: floor and bodies: a robot among objects to push). Of the world package, the walls'
#: geometry only (its ``__init__`` imports what the VM lacks:
#: the ROM's is empty, :data:`SIM_PACKAGES`).
SIM_MODULES = ("air", "arc", "brick", "brickstate", "crowd", "kernel", "mat", "motor", "record",
               "mtrand", "recorder", "sensors", "vmbrick",
               "push", "world/geometry", "world/sonar", "floor", "bodies", "stopbutton",
               "contact")
#: The packages of :data:`SIM_MODULES`, each with an empty ``__init__`` in the ROM (the
#: host's do what the VM has no use for).
SIM_PACKAGES = ("robokit/sim", "robokit/sim/world")
_FUTURE = b"from __future__ import annotations"


def portable_source(source: bytes) -> bytes:
    """A portable module's source as MicroPython runs it: with no ``from __future__``
    line (MicroPython has no ``__future__`` and never evaluates annotations), every other
    line where it was (a traceback's line numbers stay true)."""
    lines = source.split(b"\n")
    return b"\n".join(b"" if line.startswith(_FUTURE) else line for line in lines)


def sim_files(mpy_abi: str | None = None) -> dict[str, bytes]:
    """The ROM's ``robokit/sim`` package: the portable modules (:data:`SIM_MODULES`) and
    empty ``__init__`` files (:data:`SIM_PACKAGES`); compiled for ``mpy_abi`` when given
    and mpy-cross is at hand (a VM imports a .mpy in a fraction of the time it takes to
    compile the source), else as source.

    An ``mpy_abi`` that names the VM's native architecture after a space (``"6.3 x64"``,
    :func:`native_arch`) has the simulator's modules compiled to machine code for it
    (mpy-cross's native emitter): they are the simulated hardware, not the program, and
    run about a fifth faster so, with the same floating-point numbers (the native code
    calls the VM's own arithmetic).  The device API stays bytecode, as a board has it."""
    from pathlib import Path

    here = Path(__file__).resolve().parent.parent / "sim"
    out = {f"{package}/__init__.py": b"" for package in SIM_PACKAGES}
    for name in SIM_MODULES:
        out[f"robokit/sim/{name}.py"] = portable_source((here / f"{name}.py").read_bytes())
    if mpy_abi is not None:
        return _compiled(out, mpy_abi) or out
    return out


def _compiled(sources: dict[str, bytes], abi: str) -> dict[str, bytes] | None:
    """``sources`` compiled by mpy-cross for ``abi`` (``.py`` names become ``.mpy``),
    each kept in robokit's compile cache; None when mpy-cross cannot do it here."""
    import os
    import subprocess
    import tempfile

    from ..compiler.cache import Cache, make_key
    from ..compiler.compile import FLAGS, find_compiler
    from ..errors import RobokitError

    abi, _, arch = abi.partition(" ")
    try:
        comp = find_compiler(abi)
    except RobokitError:
        return None
    cache = Cache()
    out: dict[str, bytes] = {}
    # Native code where the VM runs it, else (or should mpy-cross refuse) bytecode.
    tries = [("-march=" + arch, "-X", "emit=native"), ()] if arch else [()]
    with tempfile.TemporaryDirectory(prefix="robokit-rom-") as tmp:
        src, dst = os.path.join(tmp, "m.py"), os.path.join(tmp, "m.mpy")
        for rel, source in sources.items():
            mpy = None
            for flags in tries:
                key = make_key("rom", comp.version, *FLAGS, *flags, rel, source)
                mpy = cache.get("mpy", key)
                if mpy:
                    break
                with open(src, "wb") as f:
                    f.write(source)
                try:
                    done = subprocess.run([comp.path, *FLAGS, *flags, "-s", rel, "-o", dst,
                                           src], capture_output=True, timeout=120)
                    if done.returncode != 0:
                        continue
                    with open(dst, "rb") as f:
                        mpy = f.read()
                except (OSError, subprocess.SubprocessError):
                    return None
                cache.put("mpy", key, mpy)
                break
            if not mpy:
                return None
            out[rel[:-3] + ".mpy"] = mpy
    return out


#: The native architectures of ``sys.implementation._mpy`` (its bits 10 to 13), by
#: number, as mpy-cross's ``-march`` names them (0: the VM runs no native code).
_ARCHS = (None, "x86", "x64", "armv6", "armv6m", "armv7m", "armv7em", "armv7emsp",
          "armv7emdp", "xtensa", "xtensawin", "rv32imc", "rv64imc")


def native_arch(sys_mpy: int) -> str | None:
    """The native architecture a VM whose ``sys.implementation._mpy`` is ``sys_mpy`` runs
    (mpy-cross's name for it), or None."""
    n = (sys_mpy >> 10) & 0xF
    return _ARCHS[n] if n < len(_ARCHS) else None


@functools.lru_cache(maxsize=4)
def rom_files(mpy_abi: str | None = None) -> dict[str, bytes]:
    """The ROM's files: ``"robokit/__init__.py"``, ``"robokit/devices/motors.py"``, ...,
    ``"robokit/sim/brick.py"`` (or ``.mpy``, compiled for ``mpy_abi``), ..."""
    from ..compiler.compile import robokit_units
    from ..config import standard_rover

    out: dict[str, bytes] = {}
    for unit in robokit_units("sim"):
        rel = "robokit/" + unit.path.split("/", 1)[1]
        out[rel] = unit.source
    init = out["robokit/__init__.py"]
    out["robokit/__init__.py"] = init + (_ATTACH % (standard_rover(),)).encode("utf-8")
    out.update(sim_files(mpy_abi))
    return out


def rom_dirs(mpy_abi: str | None = None) -> set[str]:
    """The ROM's folders (relative to its root; "" is the root)."""
    return _dirs(mpy_abi)


def _dirs(mpy_abi: str | None = None) -> set[str]:
    found = {""}
    for path in rom_files(mpy_abi):
        parts = path.split("/")
        for i in range(1, len(parts)):
            found.add("/".join(parts[:i]))
    return found


def rom_stat(path: str, mpy_abi: str | None = None) -> tuple[int, ...]:
    """``os.stat`` of ``path`` (relative to the ROM's root) in the ROM for ``mpy_abi``;
    OSError ENOENT if absent."""
    rel = path.strip("/")
    data = rom_files(mpy_abi).get(rel)
    if data is not None:
        return (0o100444, 0, 0, 0, 0, 0, len(data), 0, 0, 0)
    if rel in _dirs(mpy_abi):
        return (0o040555, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    raise OSError(errno.ENOENT, "no such file in the ROM", path)


def rom_listdir(path: str, mpy_abi: str | None = None) -> list[tuple[str, int, int]]:
    """``os.ilistdir`` of the ROM folder ``path`` (in the ROM for ``mpy_abi``): (name,
    type, inode) entries."""
    rel = path.strip("/")
    if rel not in _dirs(mpy_abi):
        raise OSError(errno.ENOENT, "no such folder in the ROM", path)
    prefix = rel + "/" if rel else ""
    names: dict[str, int] = {}
    for f in rom_files(mpy_abi):
        if f.startswith(prefix):
            head, sep, _ = f[len(prefix):].partition("/")
            names[head] = 0x4000 if sep else 0x8000
    return [(n, t, 0) for n, t in sorted(names.items())]
