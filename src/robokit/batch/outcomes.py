"""What a row says when a run did not end as a program does: refused before it ran, or
ended without reporting."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

#: The file in a run's scratch folder where its threads' stacks are written shortly before
#: its wall time runs out (robokit.batch.worker), read by :func:`stacks_where`.
STACKS_FILE = "stacks.txt"


def killed(wall_s: float, where: tuple[str | None, int | None, str] | None = None
           ) -> dict[str, Any]:
    """The row's result for a run over its wall-time limit; ``where``: what
    :func:`stacks_where` found of its threads then."""
    file, line, threads = where if where is not None else (None, None, "")
    message = f"the run took more than {wall_s:g} s of wall time and was stopped"
    if threads:
        message += f"; its threads were then at {threads}"
    return _killed_row(message, file, line)


def _killed_row(message: str, file: str | None = None, line: int | None = None
                ) -> dict[str, Any]:
    return {"status": "killed", "error": {
        "type": "Killed", "file": file, "line": line, "message": message}}


def stacks_where(path: Path, project_dir: str | None
                 ) -> tuple[str | None, int | None, str] | None:
    """What a run's stacks file (faulthandler's dump of its threads) says: the innermost
    line of the program (a file under ``project_dir``) in any thread, and each thread's
    innermost frame outside Python's own library (``threading.py``'s waits) as
    ``name.py:12 (function)``, joined; None without a dump."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    inside = project_dir.rstrip(os.sep) + os.sep if project_dir else None
    stdlib = os.path.dirname(os.__file__) + os.sep
    file = line = None
    threads: list[list[tuple[str, int, str]]] = []
    for row in text.splitlines():
        if "(most recent call first)" in row:
            threads.append([])
            continue
        m = _FRAME.match(row)
        if m is None or not threads:
            continue
        name, number = m.group(1), int(m.group(2))
        threads[-1].append((name, number, m.group(3)))
        if file is None and inside is not None and name.startswith(inside):
            file, line = name, number
    tops = []
    for frames in filter(None, threads):
        name, number, function = next(
            (f for f in frames if not f[0].startswith(stdlib)), frames[0])
        tops.append(f"{os.path.basename(name)}:{number} ({function})")
    if not tops:
        return None
    return file, line, ", ".join(tops)


_FRAME = re.compile(r'\s*File "(.*)", line (\d+) in (\S+)')


def not_started(wall_s: float) -> dict[str, Any]:
    """The row's result for a run the batch's template process did not start in time."""
    return _killed_row(f"the batch's template process did not start the run within "
                       f"{wall_s:g} s")


def died(code: int) -> dict[str, Any]:
    """The row's result for a run whose process ended without reporting."""
    if code < 0:
        import signal

        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        why = {"SIGXCPU": "it used up its CPU time limit",
               "SIGKILL": "it was killed (out of memory?)"}.get(name, f"it got {name}")
        message = f"the run's process ended: {why}"
    else:
        message = f"the run's process ended with exit code {code} before it reported"
    return {"status": "crashed",
            "error": {"type": "Crashed", "message": message, "file": None, "line": None}}


def error_of(exc: BaseException, limit: int | None = None) -> dict[str, Any]:
    """A row's ``error`` for ``exc`` (its message cut to ``limit`` characters)."""
    message = str(exc)
    return {"type": type(exc).__name__,
            "message": message if limit is None else message[:limit],
            "file": getattr(exc, "file", None), "line": getattr(exc, "line", None)}
