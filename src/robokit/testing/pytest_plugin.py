"""A pytest plugin (entry point ``robokit``): test robot programs on the simulated brick.

    def test_lap(robokit_sim):
        result = robokit_sim("examples/line_follower.py", world="oval")
        assert result.status == "finished"
        assert result.distance_mm > 4400

The fixture is :func:`robokit.sim.simulate` with the test's defaults; relative
program paths are taken from pytest's root folder.  When a test fails after a
run that ended with an error, the report shows that program's traceback in a
"robokit" section.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

_RUNS = pytest.StashKey[list]()


@pytest.fixture
def robokit_sim(request: pytest.FixtureRequest) -> Any:
    """A function ``run(program, **options) -> RunResult`` (see robokit.sim.simulate)."""
    from ..sim import simulate

    root = Path(str(request.config.rootpath))
    runs: list = request.node.stash.setdefault(_RUNS, [])

    def run(program: str | Path, **options: Any) -> Any:
        p = Path(program)
        if not p.is_absolute() and not p.exists():
            p = root / p
        result = simulate(p, **options)
        runs.append(result)
        return result

    return run


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Generator:
    outcome: Any = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    for result in item.stash.get(_RUNS, []):
        if result.traceback:
            report.sections.append(
                (f"robokit: {result.program} ended with status {result.status}",
                 result.traceback))
