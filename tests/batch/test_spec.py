"""robokit batch's spec files: parameter sweeps and graded checks."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
from cli_helpers import invoke

from robokit.batch import jobs_for, run_many
from robokit.batch.checks import parse_checks
from robokit.batch.params import grid, set_constants
from robokit.batch.results import done_rows
from robokit.errors import ProgramError, RobokitError
from robokit.sim import load_bundle

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="robokit batch needs fork")

SWEEP = """\
# élan: a comment with non-ASCII text before the constants
from robokit import robot
SPEED: int = 100
TURNS = (
    1
)
robot.drive_base.settings(straight_speed=SPEED)
robot.drive_base.straight(500)
print("speed", SPEED, "turns", TURNS)
"""

# A floor with a green square ahead of the start (the rover starts at 0, 0 facing +x).
GOAL_WORLD = """\
name = "goal"
size = [2000, 2000]
start = { x = 0, y = 0, heading = 0 }
[[polygons]]
color = "green"
points = [[250, -100], [450, -100], [450, 100], [250, 100]]
"""


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_set_constants_replaces_only_the_values(tmp_path: Path) -> None:
    prog = write(tmp_path / "p.py", SWEEP)
    bundle, _ = load_bundle(prog)
    new = set_constants(bundle, {"SPEED": 300, "TURNS": 2})
    source = new.module(new.entry).source.decode("utf-8")
    assert "SPEED: int = 300\n" in source
    assert "TURNS = (\n    2\n)\n" in source  # the value inside its parentheses
    assert source.splitlines()[0] == SWEEP.splitlines()[0]
    assert source.count("\n") == SWEEP.count("\n")
    assert prog.read_text(encoding="utf-8") == SWEEP  # the user's file is untouched
    with pytest.raises(ProgramError, match="the parameter KP has no top-level assignment"):
        set_constants(bundle, {"KP": 1.0})


def test_grid_is_every_combination() -> None:
    assert grid({"A": [1, 2], "B": ["x"]}) == [{"A": 1, "B": "x"}, {"A": 2, "B": "x"}]
    assert grid({}) == [{}]


def test_a_sweep_runs_the_program_with_each_value(tmp_path: Path) -> None:
    prog = write(tmp_path / "p.py", SWEEP)
    rows = list(run_many(jobs_for([prog], duration=30,
                                  params=grid({"SPEED": [100, 400]})), workers=2))
    by_speed = {r["params"]["SPEED"]: r for r in rows}
    assert by_speed[100]["output"] == "speed 100 turns 1\n"
    assert by_speed[400]["output"] == "speed 400 turns 1\n"
    # both drive 500 mm; the faster one takes less simulated time
    assert abs(by_speed[100]["distance_mm"] - 500) < 2
    assert by_speed[400]["sim_time_s"] < by_speed[100]["sim_time_s"] - 2
    assert by_speed[100]["key"] != by_speed[400]["key"]


def test_checks_give_points_and_the_exit_code(tmp_path: Path) -> None:
    write(tmp_path / "goal.toml", GOAL_WORLD)
    subs = tmp_path / "subs"
    subs.mkdir()
    write(subs / "reaches.py", "from robokit import robot\nrobot.drive_base.straight(350)\n")
    write(subs / "short.py", "from robokit import robot\nrobot.drive_base.straight(100)\n")
    spec = write(tmp_path / "grade.toml", """\
        programs = ["subs/"]
        worlds = ["goal.toml"]
        duration = 20
        [[checks]]
        name = "ends on the green square"
        ends_on = "green"
        points = 5
        [[checks]]
        name = "ends near the goal's centre"
        ends_within = { x = 350, y = 0, radius = 40 }
        [[checks]]
        name = "finishes"
        status = "finished"
        points = 2
    """)
    out = tmp_path / "grades.jsonl"
    r = invoke("batch", spec, "--out", out)
    assert r.exit_code == 1, r.output  # short.py misses two checks
    rows = {Path(row["program"]).name: row for row in done_rows(out).values()}
    assert rows["reaches.py"]["points"] == 8.0
    assert [c["passed"] for c in rows["reaches.py"]["checks"]] == [True, True, True]
    assert rows["short.py"]["points"] == 2.0
    assert [c["passed"] for c in rows["short.py"]["checks"]] == [False, False, True]
    assert "8 / 8" in r.stdout and "2 / 8" in r.stdout
    spec.write_text(spec.read_text(encoding="utf-8").replace('"subs/"', '"subs/reaches.py"'),
                    encoding="utf-8")
    assert invoke("batch", spec).exit_code == 0  # every check holds


@pytest.mark.parametrize("text, message", [
    ('programs = ["a.py"]\nworld = "oval"\n', "unknown setting 'world'"),
    ('programs = ["a.py"]\nseeds = 0\n', "seeds = 0"),
    ('programs = ["a.py"]\nseeds = [1.5]\n', "seeds must be"),
    ('programs = 3\n', "programs must be a list"),
    ('programs = ["a.py"]\nworlds = 3\n', "worlds must be a list"),
    ('programs = ["a.py"]\nduration = -1\n', "duration"),
    ('programs = ["a.py"]\n[[checks]]\nname = "x"\n', "no condition"),
    ('programs = ["a.py"]\n[[checks]]\nends_near = 3\n', "unknown key 'ends_near'"),
    ('programs = ["a.py"]\n[[checks]]\nends_on = "plaid"\n', "not a colour"),
    ('programs = ["a.py"]\n[params]\nKP = [[1]]\n', "params.KP"),
    ('programs = ["a.py"\n', "not valid TOML"),
])
def test_a_bad_spec_is_one_line_naming_it(tmp_path: Path, text: str, message: str) -> None:
    spec = tmp_path / "spec.toml"
    spec.write_text(text, encoding="utf-8")
    r = invoke("batch", spec)
    assert r.exit_code == 2, r.output
    assert message in r.stderr
    assert str(spec) in r.stderr
    assert "Traceback" not in r.stderr


def test_checks_of_a_run_that_did_not_run_fail() -> None:
    from robokit.batch.checks import evaluate

    checks = parse_checks([{"max_contacts": 0}, {"status": ["invalid"]}], "spec.toml")
    results, points = evaluate(checks, {"status": "invalid", "pose": None})
    assert [c["passed"] for c in results] == [False, True] and points == 1.0
    with pytest.raises(RobokitError, match="points must be"):
        parse_checks([{"max_contacts": 0, "points": -1}], "spec.toml")
    assert json.dumps(results)  # rows stay JSON


def test_the_grading_example_grades_as_its_docs_say() -> None:
    spec = Path(__file__).resolve().parents[2] / "examples" / "grading" / "grade.toml"
    rows = {}
    from robokit.batch.spec import load_spec
    from robokit.cli.batch import expand_programs

    s = load_spec(spec)
    jobs = jobs_for(expand_programs(tuple(s.programs)), worlds=s.worlds, duration=s.duration)
    for row in run_many(jobs, checks=s.checks):
        rows[Path(row["program"]).stem] = row
    assert rows["alice"]["points"] == 9.0  # reaches the goal, cleanly
    assert rows["bob"]["status"] == "timeout" and rows["bob"]["points"] == 0.0
    assert rows["bob"]["contacts"]["count"] >= 1  # stuck against a wall
    assert rows["carol"]["error"]["type"] == "Refused"
    assert "looking up a network address" in rows["carol"]["error"]["message"]
    assert rows["dave"]["error"]["type"] == "ProgramHang"


def test_junit_and_gradebook(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    write(tmp_path / "goal.toml", GOAL_WORLD)
    write(tmp_path / "reaches.py", "from robokit import robot\nrobot.drive_base.straight(350)\n"
                                   "print('there <&> \\x01')\n")
    write(tmp_path / "short.py", "from robokit import robot\nrobot.drive_base.straight(100)\n")
    spec = write(tmp_path / "grade.toml", """\
        programs = ["reaches.py", "short.py"]
        worlds = ["goal.toml"]
        seeds = 2
        [[checks]]
        name = "ends on the green square"
        ends_on = "green"
        points = 5
    """)
    junit, report = tmp_path / "out" / "runs.xml", tmp_path / "out" / "grades.html"
    junit.parent.mkdir()
    r = invoke("batch", spec, "--junit", junit, "--report", report)
    assert r.exit_code == 1, r.output
    suite = ET.parse(junit).getroot()
    cases = suite.findall("testcase")
    assert suite.get("tests") == "4" and suite.get("failures") == "2"
    assert sorted((Path(c.get("classname")).name, c.get("name")) for c in cases) == [
        ("reaches.py", "world=goal.toml seed=1"), ("reaches.py", "world=goal.toml seed=2"),
        ("short.py", "world=goal.toml seed=1"), ("short.py", "world=goal.toml seed=2")]
    for c in cases:
        failure = c.find("failure")
        props = {p.get("name"): p.get("value") for p in c.iter("property")}
        if c.get("classname").endswith("short.py"):
            assert failure is not None
            assert failure.get("message") == "check failed: ends on the green square"
            assert props["robokit.points"] == "0.0"
        else:
            assert failure is None and props["robokit.points"] == "5.0"
            assert c.find("system-out").text == "there <&> \ufffd\n"
    page = report.read_text(encoding="utf-8")
    assert page.count("<h2 ") == 2
    assert "10 / 10" in page and "0 / 10" in page  # two seeds of 5 points each
    assert "✘ ends on the green square" in page and "&lt;" not in page.split("<h2")[0]
    r = invoke("batch", spec, "--junit", spec)
    assert r.exit_code == 2 and "--junit" in r.stderr


def test_the_sweep_example_tells_gains_apart() -> None:
    from robokit.batch.spec import load_spec
    from robokit.cli.batch import expand_programs

    spec = Path(__file__).resolve().parents[2] / "examples" / "sweep" / "line_follower_gain.toml"
    s = load_spec(spec)
    grid_ = [p for p in s.params if p["SPEED"] == 200 and p["KD"] == 2.0]
    jobs = jobs_for(expand_programs(tuple(s.programs)), worlds=s.worlds, seeds=[1],
                    duration=s.duration, params=grid_)
    rows = {row["params"]["KP"]: row for row in run_many(jobs, checks=s.checks)}
    assert sorted(rows) == [0.5, 1.5, 2.5, 4.0]
    assert rows[2.5]["points"] == 2.0  # the example's own gain: a clean lap
    assert [c["passed"] for c in rows[0.5]["checks"]] == [True, False]  # drifts off
