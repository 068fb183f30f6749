"""A pytest plugin (entry point ``robokit``): test robot programs on the simulated brick.

    def test_lap(robokit_sim):
        result = robokit_sim("examples/line_follower.py", world="oval")
        assert result.status == "finished"
        assert result.distance_mm > 4400

The fixture is :func:`robokit.sim.simulate` with the test's defaults; relative
program paths are taken from pytest's root folder.  When a test fails, its report
(terminal and ``--junitxml``) tells about each run it made: status, world, final
pose, distance, the end of the output and the program's traceback, in a "robokit"
section of the failure text and as JUnit properties (``robokit.status``,
``robokit.pose``, ...).  With ``--robokit-artifacts DIR``, each run's plot, replay
(when :mod:`robokit.sim.replay` is there) and a summary.json of the failing test go
into a folder of ``DIR`` named after the test (see docs/ci.md).

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
from os import PathLike
from pathlib import Path
from typing import Any

import pytest

from . import report as _report

_RUNS = pytest.StashKey[list]()
#: The runs of this test were reported already (a failure in call, then in teardown).
_REPORTED = pytest.StashKey[bool]()
#: The --robokit-artifacts folder, resolved; and the folder names this session took.
_ARTIFACTS = pytest.StashKey[Path | None]()
_TAKEN = pytest.StashKey[dict]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("robokit", "robokit: robot programs on the simulated brick")
    group.addoption(
        "--robokit-artifacts", metavar="DIR", default=None,
        help="for each failing test that ran programs with robokit_sim, write each run's "
             "plot (run-N.svg), replay (run-N.html) and a summary.json into DIR/<test>/")


def pytest_configure(config: pytest.Config) -> None:
    value = config.getoption("robokit_artifacts", None)
    folder: Path | None = None
    if value is not None:
        if not str(value).strip():
            raise pytest.UsageError("--robokit-artifacts: no folder given; name one, "
                                    "e.g. --robokit-artifacts robokit-artifacts")
        folder = Path(config.invocation_params.dir, value)
        if folder.exists() and not folder.is_dir():
            raise pytest.UsageError(f"--robokit-artifacts {value}: {folder} is a file, not a "
                                    "folder; name a folder (it is made if missing)")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise pytest.UsageError(f"--robokit-artifacts {value}: cannot make the folder "
                                    f"{folder} ({e.strerror or e}); name a folder you can "
                                    "write to") from None
    config.stash[_ARTIFACTS] = folder
    config.stash[_TAKEN] = {}


@pytest.fixture
def robokit_sim(request: pytest.FixtureRequest) -> Any:
    """A function ``run(program, **options) -> RunResult`` (see robokit.sim.simulate);
    ``program`` may be a list: several robots in one run."""
    from ..errors import RobokitError
    from ..sim import simulate

    root = Path(str(request.config.rootpath))
    runs: list = request.node.stash.setdefault(_RUNS, [])
    fulltrace = bool(request.config.getoption("fulltrace", False))

    def where(program: Any) -> Any:
        if not isinstance(program, str | PathLike):
            return program  # a Bundle (robokit.compiler.bundle), as simulate() takes it
        p = Path(program)
        return root / p if not p.is_absolute() and not p.exists() else p

    def run(program: Any, **options: Any) -> Any:
        """``program``: one program (a path, or a Bundle), or a list of them for several
        robots in one run."""
        __tracebackhide__ = True
        try:
            if isinstance(program, list | tuple):
                result = simulate([where(p) for p in program], **options)
            else:
                result = simulate(where(program), **options)
        except RobokitError as exc:
            if fulltrace:
                raise
            # A program robokit cannot run (a missing import, not UTF-8), a bad world or
            # option: its message says all; robokit's own frames (and the decode or OS
            # error under it) would only bury it. --fulltrace shows them.
            raise exc.with_traceback(None) from None
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


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Generator:
    # tryfirst: the outermost wrapper, so the report's outcome is final here (xfail).
    outcome: Any = yield
    report = outcome.get_result()
    runs = item.stash.get(_RUNS, [])
    if not report.failed or not runs or item.stash.get(_REPORTED, False):
        return
    item.stash[_REPORTED] = True
    folder = item.config.stash.get(_ARTIFACTS, None)
    files: list[dict[str, Any]] = [{} for _ in runs]
    if folder is not None:
        files = _report.write_artifacts(folder, item.nodeid, runs,
                                        item.config.stash.setdefault(_TAKEN, {}))
    total = len(runs)
    base = Path(item.config.invocation_params.dir)
    props: list[tuple[str, str]] = [("robokit.runs", str(total))]
    for i, (result, made) in enumerate(zip(runs, files, strict=True), 1):
        props += _report.run_properties(result, i, total, made, base)
    # The teardown report (made from item.user_properties) is the one --junitxml reads.
    item.user_properties.extend(props)
    if report.when == "teardown":
        report.user_properties.extend(props)
    shown = _report.shown_runs(runs)
    sections = [_report.run_section(runs[i], i + 1, total, files[i], base) for i in shown]
    if len(shown) < total:
        title, text = sections[-1]
        sections[-1] = (title, text + f"\n({total - len(shown)} more runs of this test are "
                        "not shown here; the JUnit properties and summary.json have them all)")
    longrepr = report.longrepr
    for title, text in sections:
        if hasattr(longrepr, "addsection"):
            # In the failure's own text: the terminal shows it, and --junitxml writes it
            # into <failure> (report.sections reach the XML only as captured output).
            longrepr.addsection(title, text)
        else:
            report.sections.append((title, text))
