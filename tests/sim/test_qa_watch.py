"""Watching and checking runs, as a teacher comparing robots and a CI job do: what the
pytest plugin reports of a run of several robots, and what a match's plot and replay say
about each robot (found by using them; each test failed before its fix)."""

from __future__ import annotations

import json
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import run_on_a_terminal

from robokit.sim import simulate

pytest_plugins = ["pytester"]

FINE = """\
from robokit import robot

robot.drive_base.straight(150)
print("fine drove", round(robot.drive_base.distance()), "mm")
"""

CRASH = """\
from robokit import robot

robot.drive_base.straight(100)
print("about to divide")
speed = 1 / 0
"""

MATCH_TEST = """\
def test_match(robokit_sim):
    result = robokit_sim(["fine.py", "crash.py"], world="empty", duration=5)
    assert result.status == "finished"
"""


def _write(folder: Path, **files: str) -> None:
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")


def _properties(xml_path: Path) -> dict[str, str]:
    case = next(c for c in ET.parse(xml_path).getroot().iter("testcase")
                if c.get("name") == "test_match")
    return {p.get("name", ""): p.get("value", "") for p in case.iter("property")}


# -- the pytest plugin's report of a match --------------------------------------------------

@pytest.fixture
def match_session(pytester: pytest.Pytester) -> Any:
    _write(pytester.path, **{"fine.py": FINE, "crash.py": CRASH, "test_m.py": MATCH_TEST})
    outcome = pytester.runpytest("-p", "no:cacheprovider", "--junitxml=out.xml",
                                 "--robokit-artifacts", "artifacts")
    outcome.assert_outcomes(failed=1)
    return outcome


def test_a_failing_match_reports_each_robot_and_the_traceback_of_the_one_that_raised(
        pytester: pytest.Pytester, match_session: Any) -> None:
    # It said "robokit: fine.py ended with status error", with fine.py's pose and output
    # only: the robot that raised, and its traceback, were not in the report at all.
    text = match_session.stdout.str()
    assert "robokit: 2 robots (fine.py, crash.py) ended with status error" in text
    assert "robot 1: fine.py (standard rover) ended with status finished" in text
    assert "robot 2: crash.py (standard rover) ended with status error" in text
    assert "| fine drove 150 mm" in text and "| about to divide" in text
    assert "speed = 1 / 0" in text and "ZeroDivisionError" in text
    direct = simulate([pytester.path / "fine.py", pytester.path / "crash.py"],
                      world="empty", duration=5)
    want = direct.robots[1]
    x, y, _ = (round(v, 1) + 0.0 for v in want.pose)
    assert f"pose: x={x} mm, y={y} mm" in text


def test_a_failing_match_has_each_robots_junit_properties(pytester: pytest.Pytester,
                                                          match_session: Any) -> None:
    props = _properties(pytester.path / "out.xml")
    assert props["robokit.program"] == "fine.py, crash.py"
    assert props["robokit.status"] == "error"
    assert props["robokit.robots"] == "2"
    assert props["robokit.robot1.program"] == "fine.py"
    assert props["robokit.robot1.status"] == "finished"
    assert props["robokit.robot1.output"] == "fine drove 150 mm\n"
    assert props["robokit.robot2.status"] == "error"
    assert "speed = 1 / 0" in props["robokit.robot2.traceback"]
    assert "robokit.robot1.traceback" not in props
    # robot 1's pose alone, under the run's name, would say nothing of robot 2
    assert "robokit.pose" not in props


def test_a_failing_match_summary_has_each_robots_traceback(pytester: pytest.Pytester,
                                                          match_session: Any) -> None:
    folder = pytester.path / "artifacts" / "test_m.py__test_match"
    run = json.loads((folder / "summary.json").read_text(encoding="utf-8"))["runs"][0]
    assert [r["status"] for r in run["robots"]] == ["finished", "error"]
    assert run["robots"][0]["traceback"] is None
    assert "speed = 1 / 0" in run["robots"][1]["traceback"]


# -- a match's replay -------------------------------------------------------------------------

STILL = """\
from robokit import wait

wait(60_000)
"""

DRIVE_ON = """\
from robokit import robot, wait

robot.drive_base.drive(200, 0)
wait(60_000)
"""

ENDS_AT_1010_MS = """\
from robokit import wait

wait(1010)
"""


def test_a_match_replay_ends_each_other_robot_where_the_run_left_it(tmp_path: Path) -> None:
    # robot 2 drives at 200 mm/s until robot 1 ends the run at 1.01 s, between two
    # telemetry rows (every 20 ms): its track ended at the last row, 2 mm short of its end
    from robokit.sim.replay import replay_data

    _write(tmp_path, **{"ends.py": ENDS_AT_1010_MS, "drive.py": DRIVE_ON})
    result = simulate([tmp_path / "ends.py", tmp_path / "drive.py"], world="empty",
                      duration=1.01)
    second = result.robots[1]
    track = replay_data(result)["others"][0]
    assert track["t"][-1] == pytest.approx(result.sim_time_s)
    assert track["t"][-2] < result.sim_time_s - 0.005  # (the last row came before the end)
    assert [track["x"][-1], track["y"][-1]] == pytest.approx(list(second.pose[:2]), abs=0.01)
    assert abs(track["x"][-2] - second.pose[0]) > 1.0


@pytest.mark.parametrize(("step", "words"), [(2, "every 2nd row"), (3, "every 3rd row"),
                                             (4, "every 4th row"), (21, "every 21st row")])
def test_a_long_replay_says_which_rows_it_kept_in_english(tmp_path: Path, step: int,
                                                          words: str) -> None:
    # it said "every 2th row and the last", "every 3th", "every 21th"
    from robokit.sim.replay import replay_data

    _write(tmp_path, **{"still.py": STILL})
    result = simulate(tmp_path / "still.py", duration=10)
    n = len(result.telemetry.rows)  # 500
    most = next(m for m in range(2, n) if -(-(n - 1) // (m - 1)) == step)
    kept = replay_data(result, max_frames=most)["telemetry"]["kept"]
    assert kept == f"{words} and the last"


@pytest.fixture
def page_of(tmp_path: Path) -> Any:
    """``open(result)``: the replay of ``result`` in a headless Chromium (skipped without
    one: see tests/sim/test_replay_browser.py)."""
    import os
    import shutil

    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = (os.environ.get("ROBOKIT_CHROMIUM") or shutil.which("chromium")
                or shutil.which("chromium-browser"))
    if not chromium:
        pytest.skip("no Chromium to open the replay in (apt-get install chromium)")
    from robokit.sim.replay import write_replay

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        errors: list[str] = []

        def open_page(result: Any) -> Any:
            path = tmp_path / f"replay-{len(errors)}.html"
            write_replay(result, path)
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(path.as_uri())
            page.wait_for_function("window.robokitReplay && window.robokitReplay.ready()",
                                   timeout=10_000)
            return page

        yield open_page
        browser.close()
        assert errors == []


def test_a_match_replay_on_a_bare_floor_shows_every_robot(tmp_path: Path,
                                                          page_of: Any) -> None:
    # On a bare floor the view framed robot 1's path alone: robot 2, still at x=500 mm
    # while robot 1 drove from x=-500 mm, was off the page
    _write(tmp_path, **{"fine.py": FINE, "still.py": STILL})
    result = simulate([tmp_path / "fine.py", tmp_path / "still.py"], world="empty",
                      duration=3)
    page = page_of(result)
    page.evaluate("robokitReplay.seek(robokitReplay.duration())")
    rect = page.evaluate("(() => { const r = document.getElementById('world')"
                         ".getBoundingClientRect();"
                         " return [r.left, r.top, r.right, r.bottom]; })()")
    for robot in result.robots:
        x, y, _ = robot.pose
        for dx, dy in ((90, 75), (-60, -75)):  # the body's corners, heading east or west
            sx, sy = page.evaluate("([a, b]) => robokitReplay.worldToScreen(a, b)",
                                   [x + dx, y + dy])
            assert rect[0] <= sx <= rect[2] and rect[1] <= sy <= rect[3], (robot.program, sx, sy)


def test_a_match_replay_says_which_robot_raised(tmp_path: Path, page_of: Any) -> None:
    # It said "error, 1.735 s simulated, 150 mm driven" under robot 1's name, robot 1
    # having finished; and robot 2's error was shown nowhere
    _write(tmp_path, **{"fine.py": FINE, "crash.py": CRASH})
    result = simulate([tmp_path / "fine.py", tmp_path / "crash.py"], world="empty",
                      duration=3)
    page = page_of(result)
    summary = page.evaluate("document.getElementById('summary').textContent")
    errline = page.evaluate("document.getElementById('errline').textContent")
    assert summary.startswith("robot 1 finished, 150 mm driven; robot 2 error, 100 mm driven; ")
    assert "robot 2: ZeroDivisionError: division by zero (" in errline
    assert "crash.py:5)" in errline


# -- a match's plot -------------------------------------------------------------------------

def test_a_match_plot_says_which_robot_raised(tmp_path: Path) -> None:
    # The title was "fine.py on empty: error, ..." (robot 1's name, the run's worst
    # status: robot 1 had finished); the legend gave no robot's status
    from robokit.sim.plot import plot_run

    _write(tmp_path, **{"fine.py": FINE, "crash.py": CRASH, "still.py": STILL})
    result = simulate([tmp_path / "fine.py", tmp_path / "crash.py", tmp_path / "still.py"],
                      world="empty", duration=3)
    plot_run(result, tmp_path / "match.svg")
    svg = (tmp_path / "match.svg").read_text(encoding="utf-8")
    title = ET.fromstring(svg).find(".//{http://www.w3.org/2000/svg}text[@id='title']")
    assert title is not None
    assert title.text == "3 robots on empty: error (robot 2: ZeroDivisionError), 3.00 s simulated"
    texts = [t.text or "" for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]
    for k, name, how in ((1, "fine.py", "finished (150 mm)"), (2, "crash.py", "error (100 mm)"),
                         (3, "still.py", "timeout (0 mm)")):
        label = f"robot {k}: {result.robots[k - 1].program}, {how}"
        assert label in texts and name in label, (label, texts)


def test_a_refereed_match_plot_has_the_verdict_as_its_title() -> None:
    # A rule that ends the match leaves every robot "timeout": the title said
    # "pusher.py on sumo: timeout", where the referee had said who won
    from robokit.sim.match import ring_out
    from robokit.sim.plot_data import scene

    match = Path(__file__).resolve().parents[2] / "examples" / "sumo_match"
    result = simulate([match / "pusher.py", match / "listener.py"], world="sumo",
                      duration=20, rule=ring_out(385))
    assert result.verdict and result.verdict.startswith("robot 1 wins")
    assert scene(result).title == (f"2 robots on sumo: {result.verdict}, "
                                   f"{result.sim_time_s:.2f} s simulated")


def test_a_matchs_repr_says_each_robots_status(tmp_path: Path) -> None:
    # pytest shows the repr under a failed `assert result.ok`: it was robot 1's program,
    # pose and (absent) error under the run's worst status, "RunResult(status='error',
    # program='fine.py', ...)", naming neither the robot that raised nor its error
    _write(tmp_path, **{"fine.py": FINE, "crash.py": CRASH})
    result = simulate([tmp_path / "fine.py", tmp_path / "crash.py"], world="empty",
                      duration=3)
    fine, crash = (r.program for r in result.robots)
    assert repr(result) == (
        f"RunResult(status='error', world='empty', sim_time_s={result.sim_time_s:.3f}, "
        f"robots=[{fine}: finished, 150.1 mm; {crash}: error (ZeroDivisionError at "
        f"{crash}:5), 100.1 mm])")


SYNTAX_ERROR_TEST = """\
def test_match(robokit_sim):
    robokit_sim(["fine.py", "broken.py"], world="empty", duration=5)
"""


def test_a_syntax_error_in_a_match_fails_the_test_with_its_one_message(
        pytester: pytest.Pytester) -> None:
    # docs/ci.md said a syntax error is the run's status: in a run of several programs it
    # is robokit's error (the match does not start), and the test fails with its message
    _write(pytester.path, **{"fine.py": FINE, "broken.py": "x = (\n",
                             "test_m.py": SYNTAX_ERROR_TEST})
    outcome = pytester.runpytest("-p", "no:cacheprovider")
    outcome.assert_outcomes(failed=1)
    text = outcome.stdout.str()
    assert "ProgramError: broken.py:1: syntax error (Python): '(' was never closed" in text
    assert "compile.py" not in text  # robokit's own frames are left out
    guide = (Path(__file__).resolve().parents[2] / "docs" / "ci.md").read_text("utf-8")
    assert "a syntax error in one of\nseveral programs run together" in guide


def test_too_many_programs_for_a_built_in_world_says_to_write_a_world_file(
        tmp_path: Path) -> None:
    # It said "add a [[robots]] table ... to the world file" of the built-in maze, which
    # is inside robokit's package
    from robokit.errors import ProgramError

    _write(tmp_path, **{"fine.py": FINE})
    fine = tmp_path / "fine.py"
    with pytest.raises(ProgramError) as maze:
        simulate([fine, fine, fine], world="maze", duration=1)
    assert str(maze.value) == (
        "3 programs, but the built-in world 'maze' has no start poses for several robots; "
        "pick a world that has them (sumo: 2, arena: 3, empty: 4), or write a world file "
        "with a [[robots]] table (x, y and heading) for each robot (docs/worlds.md)")
    with pytest.raises(ProgramError, match=r"the built-in world 'sumo' has only 2 start "
                                           r"poses .* or write a world file"):
        simulate([fine, fine, fine], world="sumo", duration=1)
    own = tmp_path / "two.toml"
    own.write_text('name = "two"\nsize = [2000, 2000]\n[[robots]]\nx = -300\ny = 0\n'
                   'heading = 0\n[[robots]]\nx = 300\ny = 0\nheading = 180\n',
                   encoding="utf-8")
    with pytest.raises(ProgramError, match=r"the world 'two' has only 2 start poses .* add "
                                           r"a \[\[robots\]\] table .* to the world file$"):
        simulate([fine, fine, fine], world=own, duration=1)


def test_a_refereed_matchs_report_and_properties_have_the_verdict() -> None:
    from robokit.sim.match import ring_out
    from robokit.testing import report

    match = Path(__file__).resolve().parents[2] / "examples" / "sumo_match"
    result = simulate([match / "pusher.py", match / "listener.py"], world="sumo",
                      duration=20, rule=ring_out(385))
    title, text = report.run_section(result, 1, 1)
    assert title.startswith("robokit: 2 robots (") and title.endswith(
        "ended with status timeout")
    assert f"\nverdict: {result.verdict}\n" in text
    assert "robot 2: " in text and "| robot 1 says 42" in text
    props = dict(report.run_properties(result, 1, 1))
    assert props["robokit.verdict"] == result.verdict
    assert props["robokit.robot2.output"] == "robot 1 says 42\n"


BUNDLE_TEST = """\
from robokit.compiler.compile import compile_program


def test_bundle(robokit_sim):
    bundle = compile_program("fine.py", target="sim")
    result = robokit_sim(bundle, world="empty", duration=5)
    assert result.output == "fine drove 150 mm\\n"
    assert result.distance_mm > 1000  # fails: the report follows
"""


def test_robokit_sim_runs_a_bundle_as_simulate_does(pytester: pytest.Pytester) -> None:
    # robokit_sim takes simulate()'s arguments, and simulate() runs a compiled Bundle:
    # the fixture made it a Path first, a TypeError from pathlib
    _write(pytester.path, **{"fine.py": FINE, "test_b.py": BUNDLE_TEST})
    outcome = pytester.runpytest("-p", "no:cacheprovider")
    outcome.assert_outcomes(failed=1)
    text = outcome.stdout.str()
    assert "TypeError" not in text
    assert "assert result.distance_mm > 1000" in text
    assert "ended with status finished" in text and "| fine drove 150 mm" in text


RING_OF_THREE = """\
name = "ring3"
size = [1600, 1600]
[[robots]]
x = -200
y = 0
heading = 0
[[robots]]
x = 200
y = 0
heading = 180
[[robots]]
x = 0
y = -200
heading = -90
"""

DRIVES_OUT = """\
from robokit import robot

robot.drive_base.straight(400)
"""

BACKS_OUT_LATER = """\
from robokit import robot, wait

wait(3000)
robot.drive_base.straight(-400)
"""


def test_the_sumo_referee_with_three_robots_ends_when_one_is_left(tmp_path: Path) -> None:
    # With three robots the first to leave ended the match, "no winner: robot 3 left the
    # ring at 0.98 s", with two robots still in it
    from robokit.sim.match import ring_out

    _write(tmp_path, **{"ring3.toml": RING_OF_THREE, "still.py": STILL,
                        "later.py": BACKS_OUT_LATER, "out.py": DRIVES_OUT})
    rule = ring_out(385)
    programs = [tmp_path / "still.py", tmp_path / "later.py", tmp_path / "out.py"]
    for _ in range(2):  # the same rule again, in a new run, starts with nobody out
        result = simulate(programs, world=tmp_path / "ring3.toml", duration=10, rule=rule)
        third_out = float(result.verdict.split("robot 3 left the ring at ")[1].split(" s")[0])
        assert result.verdict == (f"robot 1 wins: robot 3 left the ring at {third_out:.2f} s; "
                                  f"robot 2 at {result.sim_time_s:.2f} s")
        assert 0.5 < third_out < 1.5 and result.sim_time_s > 3.0


# -- robokit run A.py B.py on a terminal --------------------------------------------------------

CIRCLES = """\
from robokit import robot, wait

robot.drive_base.drive(100, 30)
while True:
    wait(1000)
"""


@pytest.mark.skipif(not hasattr(__import__("os"), "openpty"), reason="needs a pseudo-terminal")
def test_a_long_match_draws_its_progress_on_a_terminal(tmp_path: Path) -> None:
    # A run of one program drew "run: simulating ███ 40% ..." on a terminal; a run of
    # several drew nothing, however long it took
    import re

    _write(tmp_path, **{"circles.py": CIRCLES})
    code, out, err = run_on_a_terminal(
        ["run", "circles.py", "circles.py", "--duration", "1200"], tmp_path)
    assert code == 0, err
    assert re.search(r"run: simulating █+.* \d+% [\d,.]+/1,200\.0 s simulated", err), err
    assert err.endswith(" \r")  # wiped before the summary
    assert "── 2 robots on empty ──" in out and "simulating" not in out


def test_a_match_goes_on_without_a_program_that_catches_every_stop(tmp_path: Path) -> None:
    """One robot's program catches every stop (except BaseException in its loop): alone
    it is left behind and the run ends; in a match it kept the turn, the others waited
    for it, and the match never ended.  Now its robot leaves the run, and the others
    go on to their end."""
    import threading

    (tmp_path / "fine.py").write_text(FINE)
    (tmp_path / "stubborn.py").write_text(
        "while True:\n    try:\n        while True:\n            pass\n"
        "    except BaseException:\n        pass\n")
    box: list[Any] = []
    t = threading.Thread(target=lambda: box.append(simulate(
        [tmp_path / "fine.py", tmp_path / "stubborn.py"], duration=5, hang_budget_s=0.5)),
        daemon=True)
    t.start()
    t.join(180)  # (a guard: the match used never to end)
    assert not t.is_alive(), "the match never ended"
    result = box[0]
    fine, stubborn = result.robots
    assert fine.status == "finished", fine.traceback
    assert "fine drove 150 mm" in fine.output
    assert stubborn.status == "error"
    assert stubborn.error["type"] == "ProgramHang"
    assert "left behind" in stubborn.error["message"]


def test_what_a_program_writes_to_stderr_is_its_output(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    """On a brick stdout and stderr go down one serial line; in the simulator
    ``print(..., file=sys.stderr)`` went to the terminal, in no output, JSON or replay."""
    prog = tmp_path / "se.py"
    prog.write_text("import sys\nprint('out 1')\nprint('err 2', file=sys.stderr)\n"
                    "sys.stderr.write('err 3\\n')\nprint('out 4')\n")
    before = sys.stderr
    result = simulate(prog)
    assert result.output == "out 1\nerr 2\nerr 3\nout 4\n"
    assert sys.stderr is before
    assert "err" not in capsys.readouterr().err
    other = tmp_path / "other.py"
    other.write_text("import sys\nprint('mine', file=sys.stderr)\n")
    both = simulate([prog, other])
    assert [r.output for r in both.robots] == ["out 1\nerr 2\nerr 3\nout 4\n", "mine\n"]
