"""A pytest plugin (entry point ``robokit``): test robot programs on the simulated brick.

    def test_lap(robokit_sim):
        result = robokit_sim("examples/line_follower.py", world="oval")
        assert result.status == "finished"
        assert result.distance_mm > 3000

The fixture is :func:`robokit.sim.simulate` with the test's defaults; relative
program paths are taken from pytest's root folder.  When a run ends with an
error, the assertion message shows the program's traceback (``result.traceback``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def robokit_sim(request: pytest.FixtureRequest) -> Any:
    """A function ``run(program, **options) -> RunResult`` (see robokit.sim.simulate)."""
    from . import simulate

    root = Path(str(request.config.rootpath))

    def run(program: str | Path, **options: Any) -> Any:
        p = Path(program)
        if not p.is_absolute() and not p.exists():
            p = root / p
        return simulate(p, **options)

    return run
