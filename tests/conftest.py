"""Shared test helpers."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

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


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One compile cache for the whole session: quick, and never the user's own."""
    return tmp_path_factory.mktemp("robokit-cache")


@pytest.fixture(autouse=True)
def _cache_env(monkeypatch: pytest.MonkeyPatch, shared_cache: Any) -> None:
    monkeypatch.setenv("ROBOKIT_CACHE_DIR", str(shared_cache))


@pytest.fixture
def conns() -> Iterator[list[Any]]:
    """A list for the test's connections (anything with close()), closed after it."""
    made: list[Any] = []
    yield made
    for c in made:
        c.close()


@pytest.fixture
def fresh_pytest() -> Callable[[Any], Any]:
    """``run(folder)``: pytest in a new process on ``folder`` (its own root, no conftest of
    ours, the plugin from the installed entry point); the CompletedProcess."""
    import os
    import subprocess

    def run(folder: Any) -> Any:
        env = dict(os.environ)
        env.pop("PYTEST_ADDOPTS", None)
        return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               "--rootdir", str(folder), str(folder)],
                              capture_output=True, text=True, cwd=folder, env=env, timeout=120)

    return run


@pytest.fixture
def split_runner() -> Any:
    """A click CliRunner keeping stdout and stderr apart (click < 8.2 needs asking)."""
    import cli_helpers

    return cli_helpers.split_runner()


@pytest.fixture
def radio(robokit_radio: Any) -> Any:
    """robokit.testing's virtual Bluetooth LE radio, installed under bleak for the test."""
    return robokit_radio


@pytest.fixture
def ctrl_c_able() -> Callable[[Sequence[str]], list[str]]:
    """Wraps the argv of a child process a test will send SIGINT to."""
    return _with_ctrl_c
