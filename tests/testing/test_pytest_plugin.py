"""The pytest plugin for CI users: what a failing test that ran programs with
``robokit_sim`` reports (terminal, JUnit XML) and writes (``--robokit-artifacts``).

Each test runs a small pytest session of its own (pytester, in this process) on programs
written into its folder, and compares what the plugin wrote with a run of the same
program made here with :func:`robokit.sim.simulate` (the simulator is deterministic
without noise).
"""

from __future__ import annotations

import json
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from plot_helpers import is_plot

from robokit.sim import simulate
from robokit.testing import report

pytest_plugins = ["pytester"]




FINE = """\
from robokit import robot

robot.drive_base.straight(150)
print("fine drove", round(robot.drive_base.distance()), "mm")
"""

CRASH = """\
from robokit import robot

robot.drive_base.straight(200)
robot.drive_base.turn(90)
print("about to divide")
speed = 1 / 0
"""

TWO_RUNS = """\
def test_two_runs(robokit_sim):
    robokit_sim("fine.py")
    result = robokit_sim("crash.py")
    assert result.status == "finished"
"""


def _programs(pytester: pytest.Pytester, **files: str) -> None:
    for name, text in files.items():
        (pytester.path / name).write_text(textwrap.dedent(text), encoding="utf-8")


def _testcase(xml_path: Path, name: str) -> ET.Element:
    root = ET.parse(xml_path).getroot()
    cases = [c for c in root.iter("testcase") if c.get("name") == name]
    assert len(cases) == 1, ET.tostring(root, encoding="unicode")
    return cases[0]


def _pose(result: Any) -> str:
    """The pose as the report should show it: x, y, and the heading the program's
    hub.imu.heading() reads (clockwise-positive), the convention of robokit run."""
    x, y, _ = (round(v, 1) + 0.0 for v in result.pose)
    return f"x={x} mm, y={y} mm, heading={round(result.imu_heading_deg, 1) + 0.0}°"


def _properties(case: ET.Element) -> dict[str, str]:
    return {p.get("name", ""): p.get("value", "") for p in case.iter("property")}


@pytest.fixture
def two_runs(pytester: pytest.Pytester) -> Any:
    """A failing test whose second run ends with a ZeroDivisionError, run with
    --robokit-artifacts and --junitxml; (the session's outcome, direct runs of both
    programs)."""
    _programs(pytester, **{"fine.py": FINE, "crash.py": CRASH, "test_robot.py": TWO_RUNS})
    outcome = pytester.runpytest("-p", "no:cacheprovider", "--junitxml=out.xml",
                                 "--robokit-artifacts", "artifacts")
    outcome.assert_outcomes(failed=1)
    fine = simulate(pytester.path / "fine.py")
    crash = simulate(pytester.path / "crash.py")
    assert (fine.status, crash.status) == ("finished", "error")
    return outcome, fine, crash


def test_failing_test_writes_plots_and_a_summary_of_each_run(pytester: pytest.Pytester,
                                                             two_runs: Any) -> None:
    _outcome, fine, crash = two_runs
    folder = pytester.path / "artifacts" / "test_robot.py__test_two_runs"
    assert folder.is_dir(), sorted(p.name for p in (pytester.path / "artifacts").iterdir())
    for n in (1, 2):
        assert is_plot(folder / f"run-{n}.svg")
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["test"] == "test_robot.py::test_two_runs"
    runs = summary["runs"]
    assert [r["program"] for r in runs] == ["fine.py", "crash.py"]
    for got, direct in zip(runs, (fine, crash), strict=True):
        want = direct.to_dict()
        for key in ("status", "world", "robot", "pose", "start_pose", "distance_mm",
                    "output", "error", "sim_time_s"):
            assert got[key] == want[key], key
        assert got["plot"] == f"run-{runs.index(got) + 1}.svg"
    assert runs[0]["traceback"] is None
    assert runs[1]["error"]["type"] == "ZeroDivisionError" and runs[1]["error"]["line"] == 6
    assert "speed = 1 / 0" in runs[1]["traceback"]
    assert runs[1]["pose"]["heading_deg"] == pytest.approx(crash.pose[2], abs=0.01)
    assert abs(runs[1]["pose"]["heading_deg"]) > 80  # the turn happened before the error


def test_failing_test_writes_the_replay_of_each_run_when_robokit_has_replays(
        pytester: pytest.Pytester, two_runs: Any) -> None:
    folder = pytester.path / "artifacts" / "test_robot.py__test_two_runs"
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    writer, why_not = report.replay_writer()
    if writer is None:
        # No robokit.sim.replay.write_replay in this robokit: no replay file, no error
        # unless the module is there and broken.
        assert not list(folder.glob("*.html"))
        assert [r["replay"] for r in summary["runs"]] == [None, None]
        assert why_not is None, why_not
        return
    for n, run in enumerate(summary["runs"], 1):
        assert run["artifact_errors"] == [], run["artifact_errors"]
        assert run["replay"] == f"run-{n}.html"
        page = (folder / f"run-{n}.html").read_text(encoding="utf-8")
        assert "<html" in page.lower() and "</html>" in page.lower()


def test_failing_test_terminal_report_shows_pose_status_output_and_traceback(
        pytester: pytest.Pytester, two_runs: Any) -> None:
    outcome, fine, crash = two_runs
    text = outcome.stdout.str()
    outcome.stdout.fnmatch_lines([
        "*robokit: run 1 of 2: fine.py ended with status finished*",
        "world: empty, robot: *",
        f"pose: {_pose(fine)} (started at *",
        f"distance: {round(fine.distance_mm, 1)} mm",
        "output:",
        "  | fine drove 150 mm",
        "artifacts in artifacts/test_robot.py__test_two_runs: run-1.svg, *summary.json",
        "*robokit: run 2 of 2: crash.py ended with status error*",
        f"pose: {_pose(crash)} (started at *",
        "output:",
        "  | about to divide",
        "traceback:",
        "Traceback (most recent call last):",
        '  File "crash.py", line 6, in <module>',
        "    speed = 1 / 0",
        "ZeroDivisionError: division by zero",
        "artifacts in artifacts/test_robot.py__test_two_runs: run-2.svg, *summary.json",
    ])
    assert "heading=90." in text  # turn(90) is clockwise: +90 as hub.imu.heading() reads


def test_failing_test_junit_xml_has_traceback_pose_status_and_output(
        pytester: pytest.Pytester, two_runs: Any) -> None:
    _outcome, fine, crash = two_runs
    case = _testcase(pytester.path / "out.xml", "test_two_runs")
    props = _properties(case)
    assert props["robokit.runs"] == "2"
    assert props["robokit.run1.program"] == "fine.py"
    assert props["robokit.run1.status"] == "finished"
    assert props["robokit.run1.pose"] == _pose(fine)
    assert props["robokit.run1.output"] == fine.output
    assert "robokit.run1.traceback" not in props
    assert props["robokit.run2.status"] == "error"
    assert props["robokit.run2.pose"] == _pose(crash)
    assert props["robokit.run2.output"] == crash.output
    assert props["robokit.run2.traceback"] == crash.traceback
    assert "ZeroDivisionError: division by zero" in props["robokit.run2.traceback"]
    # artifact paths relative to where pytest started (the repository, in CI)
    assert props["robokit.run2.plot"] == "artifacts/test_robot.py__test_two_runs/run-2.svg"
    assert (pytester.path / props["robokit.run2.summary"]).is_file()
    failure = case.find("failure")
    assert failure is not None and failure.text is not None
    # The failure text holds the sections too, for CI tools that show only it.
    assert "robokit: run 2 of 2: crash.py ended with status error" in failure.text
    assert f"pose: {_pose(crash)}" in failure.text
    assert '  File "crash.py", line 6, in <module>' in failure.text
    assert "  | about to divide" in failure.text


def test_junit_xml_without_artifacts_option_still_has_the_runs(
        pytester: pytest.Pytester) -> None:
    _programs(pytester, **{"crash.py": CRASH, "test_robot.py": """\
        def test_crash(robokit_sim):
            assert robokit_sim("crash.py").ok
    """})
    outcome = pytester.runpytest("-p", "no:cacheprovider", "--junitxml=out.xml")
    outcome.assert_outcomes(failed=1)
    props = _properties(_testcase(pytester.path / "out.xml", "test_crash"))
    assert props["robokit.status"] == "error"  # one run: no runN in the names
    assert "1 / 0" in props["robokit.traceback"]
    assert "robokit.plot" not in props
    assert not (pytester.path / "artifacts").exists()
    outcome.stdout.fnmatch_lines(["*robokit: crash.py ended with status error*"])
    assert "artifacts in" not in outcome.stdout.str()


def test_passing_xfailing_and_run_less_tests_write_nothing(pytester: pytest.Pytester) -> None:
    _programs(pytester, **{"fine.py": FINE, "test_robot.py": """\
        import pytest

        def test_passes(robokit_sim):
            assert robokit_sim("fine.py").status == "finished"

        @pytest.mark.xfail(reason="known")
        def test_xfails(robokit_sim):
            assert robokit_sim("fine.py").distance_mm > 1000

        def test_fails_without_runs(robokit_sim):
            assert 1 == 2
    """})
    outcome = pytester.runpytest("-p", "no:cacheprovider", "--junitxml=out.xml",
                                 "--robokit-artifacts", "artifacts")
    outcome.assert_outcomes(passed=1, xfailed=1, failed=1)
    assert (pytester.path / "artifacts").is_dir()  # made at the start, for the upload step
    assert list((pytester.path / "artifacts").iterdir()) == []
    for name in ("test_passes", "test_xfails", "test_fails_without_runs"):
        props = _properties(_testcase(pytester.path / "out.xml", name))
        assert not [k for k in props if k.startswith("robokit")], (name, props)
    assert "ended with status" not in outcome.stdout.str()


def test_test_ids_that_make_the_same_folder_name_get_folders_of_their_own(
        pytester: pytest.Pytester) -> None:
    _programs(pytester, **{"fine.py": FINE, "test_robot.py": """\
        import pytest

        @pytest.mark.parametrize("where", ["a/b", "a_b", "ü"])
        def test_lap(robokit_sim, where):
            robokit_sim("fine.py")
            assert where == "nowhere"
    """})
    outcome = pytester.runpytest("-p", "no:cacheprovider", "--robokit-artifacts", "out/arts")
    outcome.assert_outcomes(failed=3)
    root = pytester.path / "out" / "arts"
    folders = sorted(p.name for p in root.iterdir())
    assert len(folders) == 3
    tests = set()
    for name in folders:
        assert all(c.isascii() and (c.isalnum() or c in "._-") for c in name), name
        tests.add(json.loads((root / name / "summary.json").read_text("utf-8"))["test"])
        assert is_plot(root / name / "run-1.svg")
    assert len(tests) == 3 and all(t.startswith("test_robot.py::test_lap[") for t in tests)
    assert "test_robot.py__test_lap_a_b" in folders and "test_robot.py__test_lap_a_b-2" in folders


def test_a_later_session_replaces_the_artifacts_of_an_earlier_one(
        pytester: pytest.Pytester) -> None:
    _programs(pytester, **{"fine.py": FINE, "test_robot.py": """\
        import os

        def test_runs(robokit_sim):
            for _ in range(int(os.environ["RUNS"])):
                robokit_sim("fine.py")
            assert False
    """})
    folder = pytester.path / "artifacts" / "test_robot.py__test_runs"
    for runs in ("3", "1"):
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("RUNS", runs)
            pytester.runpytest("-p", "no:cacheprovider", "--robokit-artifacts", "artifacts")
        if runs == "3":  # as robokit wrote its plots before they were SVG; and a file of the user's
            (folder / "run-2.png").write_bytes(b"\x89PNG old")
            (folder / "notes.txt").write_text("mine")
    kept = {"run-1.svg", "summary.json", "notes.txt"} | (
        {"run-1.html"} if report.replay_writer()[0] else set())
    assert {p.name for p in folder.iterdir()} == kept  # run-2 and run-3 are gone
    assert len(json.loads((folder / "summary.json").read_text("utf-8"))["runs"]) == 1


def test_a_test_with_many_runs_shows_the_failed_ones_and_the_last(
        pytester: pytest.Pytester) -> None:
    _programs(pytester, **{"fine.py": FINE, "crash.py": CRASH, "test_robot.py": """\
        def test_many(robokit_sim):
            for n in range(8):
                robokit_sim("crash.py" if n == 2 else "fine.py")
            assert False
    """})
    outcome = pytester.runpytest("-p", "no:cacheprovider", "--junitxml=out.xml")
    outcome.assert_outcomes(failed=1)
    text = outcome.stdout.str()
    assert "run 3 of 8: crash.py ended with status error" in text
    assert "run 8 of 8: fine.py ended with status finished" in text
    assert "run 1 of 8" not in text and "run 7 of 8" not in text
    assert "(6 more runs of this test are not shown here" in text
    props = _properties(_testcase(pytester.path / "out.xml", "test_many"))
    assert props["robokit.runs"] == "8"
    assert [props[f"robokit.run{n}.status"] for n in range(1, 9)] == (
        ["finished", "finished", "error"] + ["finished"] * 5)


def test_long_output_is_cut_to_its_end(pytester: pytest.Pytester) -> None:
    _programs(pytester, **{"chatty.py": f"""\
        for n in range(1, 61):
            print("line", n)
        print("x" * {report.LINE_CHARS + 50})
    """, "test_robot.py": """\
        def test_chatty(robokit_sim):
            robokit_sim("chatty.py")
            assert False
    """})
    outcome = pytester.runpytest("-p", "no:cacheprovider")
    outcome.assert_outcomes(failed=1)
    text = outcome.stdout.str()
    assert f"output (the last {report.OUTPUT_LINES} of 61 lines):" in text
    assert "  | line 60\n" in text and "  | line 42\n" in text
    assert "  | line 41\n" not in text
    assert "  | " + "x" * report.LINE_CHARS + "…" in text


@pytest.mark.parametrize("make", ["file", "empty"])
def test_a_bad_artifacts_folder_is_one_clear_usage_error(pytester: pytest.Pytester,
                                                        make: str) -> None:
    _programs(pytester, **{"test_robot.py": "def test_x():\n    pass\n"})
    if make == "file":
        (pytester.path / "taken").write_text("a file\n")
        arg, want = "taken", "--robokit-artifacts taken: * is a file, not a folder; *"
    else:
        arg, want = " ", "--robokit-artifacts: no folder given; *"
    outcome = pytester.runpytest_subprocess("-p", "no:cacheprovider",
                                            "--robokit-artifacts", arg)
    assert outcome.ret == pytest.ExitCode.USAGE_ERROR
    outcome.stderr.fnmatch_lines(["ERROR: " + want])
    assert "Traceback" not in outcome.stderr.str() + outcome.stdout.str()


def test_safe_name_keeps_only_portable_characters_and_a_bounded_length() -> None:
    assert report.safe_name("tests/test_a.py::TestX::test_lap[oval-1]") == \
        "tests_test_a.py__TestX__test_lap_oval-1"
    long_a = "tests/test_a.py::test_lap[" + "x" * 300 + "a]"
    long_b = "tests/test_a.py::test_lap[" + "x" * 300 + "b]"
    a, b = report.safe_name(long_a), report.safe_name(long_b)
    assert len(a) <= report.NAME_CHARS and len(b) <= report.NAME_CHARS and a != b
    assert report.safe_name("::..//") == "test"


@pytest.mark.slow
def test_under_xdist_the_report_and_artifacts_come_from_the_worker(
        pytester: pytest.Pytester) -> None:
    """With pytest-xdist (CI users run -n auto) the worker writes the artifacts, and the
    sections and properties travel to the controller's terminal and JUnit XML."""
    pytest.importorskip("xdist")
    _programs(pytester, **{"crash.py": CRASH, "test_robot.py": """\
        def test_crash(robokit_sim):
            assert robokit_sim("crash.py").ok
    """})
    outcome = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "1",
                                            "--junitxml=out.xml", "--robokit-artifacts=arts")
    outcome.assert_outcomes(failed=1)
    outcome.stdout.fnmatch_lines(["*robokit: crash.py ended with status error*",
                                  "ZeroDivisionError: division by zero"])
    props = _properties(_testcase(pytester.path / "out.xml", "test_crash"))
    assert props["robokit.status"] == "error" and "1 / 0" in props["robokit.traceback"]
    folder = pytester.path / "arts" / "test_robot.py__test_crash"
    assert is_plot(folder / "run-1.svg")
    summary = json.loads((folder / "summary.json").read_text("utf-8"))
    assert summary["runs"][0]["error"]["type"] == "ZeroDivisionError"


def test_an_artifact_that_cannot_be_written_is_named_and_the_session_goes_on(
        pytester: pytest.Pytester) -> None:
    _programs(pytester, **{"fine.py": FINE, "test_robot.py": """\
        def test_a(robokit_sim):
            robokit_sim("fine.py")
            assert False

        def test_b(robokit_sim):
            robokit_sim("fine.py")
            assert False
    """})
    blocked = pytester.path / "artifacts" / "test_robot.py__test_a" / "run-1.svg"
    blocked.mkdir(parents=True)  # a folder where the plot should go
    outcome = pytester.runpytest("-p", "no:cacheprovider", "--junitxml=out.xml",
                                 "--robokit-artifacts", "artifacts")
    outcome.assert_outcomes(failed=2)
    assert outcome.ret == pytest.ExitCode.TESTS_FAILED
    outcome.stdout.fnmatch_lines(["artifact not written: run-1.svg: *"])
    assert blocked.is_dir()
    summary = json.loads((blocked.parent / "summary.json").read_text("utf-8"))
    assert summary["runs"][0]["plot"] is None
    assert summary["runs"][0]["artifact_errors"][0].startswith("run-1.svg: ")
    props = _properties(_testcase(pytester.path / "out.xml", "test_a"))
    assert "robokit.plot" not in props and props["robokit.status"] == "finished"
    # the next test's artifacts are all there
    other = pytester.path / "artifacts" / "test_robot.py__test_b"
    assert is_plot(other / "run-1.svg")
