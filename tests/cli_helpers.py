"""Running robokit's CLI in-process in tests (importable: tests/ is on pythonpath)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def split_runner() -> Any:
    """A click CliRunner keeping stdout and stderr apart (click < 8.2 needs asking)."""
    from click.testing import CliRunner

    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()


def invoke(*args: str | Path) -> Any:
    """``robokit ARGS...`` in-process; the click Result (stdout and stderr apart)."""
    from robokit.cli import main

    return split_runner().invoke(main, [str(a) for a in args])
