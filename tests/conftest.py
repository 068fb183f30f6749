"""Shared test helpers."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

import pytest

_RESET_SIGINT = ("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
                 "os.execvp(sys.argv[1], sys.argv[1:])")


def _with_ctrl_c(argv: Sequence[str]) -> list[str]:
    # A shell starting a job in the background (`cmd &`, no job control) makes it ignore
    # SIGINT, and children inherit that: Python then never raises KeyboardInterrupt. A
    # child a test presses Ctrl-C on is started through a tiny Python that gives SIGINT
    # its default back and then execs the command (no preexec_fn: the test process has
    # threads).
    argv = [str(a) for a in argv]
    if sys.platform == "win32":
        return argv
    return [sys.executable, "-c", _RESET_SIGINT, *argv]


@pytest.fixture
def ctrl_c_able() -> Callable[[Sequence[str]], list[str]]:
    """Wraps the argv of a child process a test will send SIGINT to."""
    return _with_ctrl_c
