"""What a row says when a run did not end as a program does: refused before it ran, or
ended without reporting."""

from __future__ import annotations

from typing import Any


def killed(wall_s: float) -> dict[str, Any]:
    return {"status": "killed", "error": {
        "type": "Killed", "file": None, "line": None,
        "message": f"the run took more than {wall_s:g} s of wall time and was stopped"}}


def not_started(wall_s: float) -> dict[str, Any]:
    """The row's result for a run the batch's template process did not start in time."""
    return {"status": "killed", "error": {
        "type": "Killed", "file": None, "line": None,
        "message": f"the batch's template process did not start the run within {wall_s:g} s"}}


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
