"""Watching and checking runs, as a teacher comparing robots and a CI job do: what the
pytest plugin reports of a run of several robots, and what a match's plot and replay say
about each robot (found by using them; each test failed before its fix)."""

from __future__ import annotations

import json
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

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
