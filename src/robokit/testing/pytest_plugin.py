"""A pytest plugin (entry point ``robokit``): test robot programs on the simulated brick.

    def test_lap(robokit_sim):
        result = robokit_sim("examples/line_follower.py", world="oval")
        assert result.status == "finished"
        assert result.distance_mm > 4400

The fixture is :func:`robokit.sim.simulate` with the test's defaults; relative
program paths are taken from pytest's root folder.  When a test fails after a
run that ended with an error, the report shows that program's traceback in a
"robokit" section.

For tools that talk to bricks (yours and robokit's own tests), two more fixtures give
virtual hardware that speaks the real protocols::

    def test_my_uploader(robokit_board):
        board, port = robokit_board(vm="cpython")      # a MicroPython board on a pty
        my_uploader(port, "main.py")
        assert "/main.py" in board.files

    def test_my_scanner(robokit_radio):
        robokit_radio.add(NusBoard(name="kit-1"))       # robokit.virtual.ble_board
        assert "kit-1" in my_scanner()                   # bleak finds it on the radio
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
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


@pytest.fixture
def robokit_board() -> Iterator[Callable[..., tuple[Any, str]]]:
    """``serve(**options) -> (board, port)``: a new simulated MicroPython board
    (:class:`robokit.virtual.board.SimBoard` made with ``options``) served on a new
    pseudo-terminal, whose device path is ``port``. Every board made is closed after the
    test."""
    from ..virtual.board import SimBoard

    made: list[SimBoard] = []

    def serve(**options: Any) -> tuple[SimBoard, str]:
        board = SimBoard(**options)
        made.append(board)
        return board, board.serve_pty()

    yield serve
    for board in made:
        board.close()


@pytest.fixture
def robokit_radio() -> Iterator[Any]:
    """A virtual Bluetooth LE radio (:class:`robokit.virtual.radio.Radio`) that every
    ``BleakScanner`` and ``BleakClient`` made during the test uses; add peripherals to
    it with ``.add()``. Set ``.connect_wait`` to shorten how long a connection to a
    device that is not there takes to fail."""
    from ..virtual.radio import Radio, installed

    radio = Radio()
    with installed(radio):
        yield radio


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
