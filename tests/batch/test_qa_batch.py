"""robokit batch grading a folder of submissions where some are broken: every outcome
graded right, nothing lost, one bad program never spoiling the others' rows."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cli_helpers import invoke

from robokit.batch import jobs_for, run_many
from robokit.batch.results import done_rows

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="robokit batch needs fork")

GOOD = "from robokit import robot\nrobot.drive_base.straight(100)\nprint('done')\n"


def _class(tmp_path: Path) -> Path:
    """A class's submissions: one good, three that cannot run for three reasons."""
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "good.py").write_text(GOOD, encoding="utf-8")
    (subs / "latin1.py").write_bytes(b'print("caf\xe9")\n')
    (subs / "missing.py").write_text("import numpy_not_here\n", encoding="utf-8")
    (subs / "syntax.py").write_text("print(1\n", encoding="utf-8")
    return subs


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_programs_that_cannot_run_keep_their_own_rows_when_resumed(
        tmp_path: Path, suffix: str) -> None:
    subs = _class(tmp_path)
    out = tmp_path / f"results{suffix}"
    first = invoke("batch", subs, "--duration", "2", "--out", out)
    assert first.exit_code == 1, first.output
    rows = done_rows(out)
    assert len(rows) == 4  # each invalid program is a run of its own, by key
    invalid = {Path(r["program"]).name: r for r in rows.values() if r["status"] == "invalid"}
    assert sorted(invalid) == ["latin1.py", "missing.py", "syntax.py"]
    assert invalid["missing.py"]["error"]["type"] == "CheckError"
    assert "syntax error" in invalid["syntax.py"]["error"]["message"]
    size = out.stat().st_size
    again = invoke("batch", subs, "--duration", "2", "--out", out)
    assert again.exit_code == 1
    assert "4 of them done before" in again.stdout
    assert out.stat().st_size == size
    for name in ("latin1.py", "missing.py", "syntax.py"):  # each still its own row
        assert sum(name in line for line in again.stdout.splitlines()) == 1, again.stdout


def test_a_program_fixed_after_a_batch_is_run_again(tmp_path: Path) -> None:
    subs = _class(tmp_path)
    out = tmp_path / "results.jsonl"
    invoke("batch", subs / "syntax.py", "--duration", "2", "--out", out)
    (subs / "syntax.py").write_text("x = 1\nprint(2\n", encoding="utf-8")  # broken elsewhere
    invoke("batch", subs / "syntax.py", "--duration", "2", "--out", out)
    rows = list(done_rows(out).values())
    assert [r["error"]["line"] for r in rows] == [1, 2] and len(rows) == 2
    (subs / "syntax.py").write_text(GOOD, encoding="utf-8")
    r = invoke("batch", subs / "syntax.py", "--duration", "2", "--out", out)
    assert r.exit_code == 0, r.output
    assert "done before" not in r.stdout


def test_invalid_rows_of_one_program_differ_by_parameters(tmp_path: Path) -> None:
    prog = tmp_path / "p.py"
    prog.write_text("print(1)\n", encoding="utf-8")  # no KP to set
    rows = list(run_many(jobs_for([prog], params=[{"KP": 1}, {"KP": 2}], duration=1)))
    assert [r["status"] for r in rows] == ["invalid", "invalid"]
    assert rows[0]["key"] != rows[1]["key"]
    assert json.dumps(rows[0]["params"]) != json.dumps(rows[1]["params"])


def test_the_table_is_one_line_per_run_when_errors_span_lines(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _class(tmp_path)  # a syntax error and a missing import: messages with a caret
    monkeypatch.chdir(tmp_path)
    r = invoke("batch", "subs", "--duration", "2")
    lines = r.stdout.splitlines()
    assert lines[0].startswith("program") and lines[-1] == "4 runs: 1 finished, 3 invalid"
    runs = lines[1:-1]
    assert len(runs) == 4, r.stdout
    assert [Path(line.split()[0]).name for line in runs] == [
        "good.py", "latin1.py", "missing.py", "syntax.py"]
    syntax = next(line for line in runs if "syntax.py" in line)
    assert "syntax error (Python): '(' was never closed" in syntax


def test_output_chars_dropped_counts_all_the_program_printed_past_the_row(
        tmp_path: Path) -> None:
    # 1,200,000 characters: past the simulator's own 1,000,000 kept, and the row's 10,000
    prog = tmp_path / "printer.py"
    prog.write_text("for i in range(12000):\n    print('x' * 99)\n", encoding="utf-8")
    (row,) = run_many(jobs_for([prog], duration=5), workers=1)
    assert row["status"] == "finished"
    assert row["output"] == ("x" * 99 + "\n") * 100
    assert row["output_chars_dropped"] == 1_200_000 - 10_000


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_a_row_read_back_keeps_what_the_program_printed_exactly(
        tmp_path: Path, suffix: str) -> None:
    prog = tmp_path / "ctrl.py"
    prog.write_text('print("a\\x00b\\x1b[31m,\\"q\\"\\r\\nnext\\r")\n', encoding="utf-8")
    out = tmp_path / f"r{suffix}"
    assert invoke("batch", prog, "--duration", "2", "--out", out).exit_code == 0
    (row,) = done_rows(out).values()
    assert row["output"] == 'a\x00b\x1b[31m,"q"\r\nnext\r\n'


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_a_row_with_unicode_line_separators_is_read_back(tmp_path: Path, suffix: str) -> None:
    prog = tmp_path / "seps.py"
    prog.write_text('print("a\\u2028b\\x85c\\x1cd")\n', encoding="utf-8")
    out = tmp_path / f"r{suffix}"
    assert invoke("batch", prog, "--duration", "2", "--out", out).exit_code == 0
    size = out.stat().st_size
    (row,) = done_rows(out).values()
    assert row["output"] == "a\u2028b\x85c\x1cd\n"
    r = invoke("batch", prog, "--duration", "2", "--out", out)
    assert "1 of them done before" in r.stdout
    assert out.stat().st_size == size  # not run, not appended again


@pytest.mark.parametrize("before", ["# page one\x0c\n", "# a\u2028b\n", "s = 'x\x1cy'\n"])
def test_a_parameter_is_set_after_a_line_with_an_odd_separator(
        tmp_path: Path, before: str) -> None:
    prog = tmp_path / "p.py"
    prog.write_text(before + "KP = 1\nprint('KP', KP)\n", encoding="utf-8")
    (row,) = run_many(jobs_for([prog], params=[{"KP": 5}], duration=1), workers=1)
    assert (row["status"], row["output"]) == ("finished", "KP 5\n"), row["error"]


def test_the_table_columns_line_up_under_short_program_names(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("a.py").write_text(GOOD, encoding="utf-8")
    Path("spec.toml").write_text('programs = ["a.py"]\n[[checks]]\nstatus = "finished"\n',
                                 encoding="utf-8")
    r = invoke("batch", "spec.toml", "--duration", "2")
    assert r.exit_code == 0, r.output
    head, row = r.stdout.splitlines()[:2]
    assert head.index("status") == row.index("finished")
    assert head.index("world") == row.index("-")
    head, row = r.stdout.splitlines()[-2:]  # the points per program
    assert head.index("checks passed") == row.index("1 of 1") and row.startswith("a.py ")


def test_a_small_memory_limit_limits_the_program_and_does_not_hang_the_run(
        tmp_path: Path) -> None:
    good = tmp_path / "good.py"
    good.write_text(GOOD, encoding="utf-8")
    hog = tmp_path / "hog.py"
    hog.write_text("x = bytearray(400 * 1024 * 1024)\nprint('got it')\n", encoding="utf-8")
    # 64 MB, the least --memory-limit takes, is less than the run's process holds before
    # the program starts: the simulator's threads could not start and the run hung
    rows = {Path(r["program"]).name: r for r in run_many(
        jobs_for([good, hog], duration=2), workers=2, memory_mb=64, wall_s=30)}
    assert rows["good.py"]["status"] == "finished", rows["good.py"]["error"]
    assert rows["good.py"]["output"] == "done\n"
    assert rows["hog.py"]["status"] == "error", rows["hog.py"]
    assert rows["hog.py"]["error"]["type"] == "MemoryError"


def _slow_template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The batch's template process (a Python of its own) waits at its start until the
    file returned exists: a template slow to warm up (many worlds, a loaded machine)."""
    hold = tmp_path / "hold"
    hold.mkdir()
    go = tmp_path / "go"
    (hold / "sitecustomize.py").write_text(
        "import os, sys, time\n"
        "if sys.argv[:1] == ['-m'] or 'robokit.batch.template' in ' '.join(sys.argv):\n"
        f"    while not os.path.exists({str(go)!r}):\n"
        "        time.sleep(0.02)\n", encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        filter(None, [str(hold), os.environ.get("PYTHONPATH")])))
    return go


def test_a_runs_wall_time_counts_from_its_start_not_the_templates_warm_up(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    go = _slow_template(tmp_path, monkeypatch)
    good = tmp_path / "good.py"
    good.write_text(GOOD, encoding="utf-8")
    threading.Timer(5.0, go.touch).start()  # the template starts its runs after 5 s
    rows = list(run_many(jobs_for([good, good], duration=1), workers=2, wall_s=4))
    assert [r["status"] for r in rows] == ["finished", "finished"], rows[0]["error"]


def test_a_run_the_template_never_starts_is_given_up_with_a_message_that_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from robokit.batch import pool

    monkeypatch.setattr(pool, "START_S", 1.0)
    go = _slow_template(tmp_path, monkeypatch)
    good = tmp_path / "good.py"
    good.write_text(GOOD, encoding="utf-8")
    rows = run_many(jobs_for([good], duration=1), workers=1, wall_s=0.5)
    try:
        row = next(rows)
    finally:
        go.touch()  # the template goes on (and is stopped) as the batch ends
    assert list(rows) == []
    assert row["status"] == "killed"
    assert row["error"]["message"] == (
        "the batch's template process did not start the run within 1 s")


@pytest.mark.parametrize("args, message", [
    (["{good}", "--world", "nosuchworld"], "--world: 'nosuchworld' is not a built-in world"),
    (["{good}", "--world", "oval", "--world", "{good}"], "--world: "),
    (["{good}", "{dir}/nothere.py"], "nothere.py: no such program file or folder"),
    (["{dir}/spec.toml"], "spec.toml: worlds: 'nosuchworld' is not a built-in world"),
])
def test_a_bad_world_or_program_on_the_command_line_is_exit_2_before_any_run(
        tmp_path: Path, args: list[str], message: str) -> None:
    good = tmp_path / "good.py"
    good.write_text(GOOD, encoding="utf-8")
    (tmp_path / "spec.toml").write_text('programs = ["good.py"]\nworlds = ["nosuchworld"]\n',
                                        encoding="utf-8")
    out = tmp_path / "r.jsonl"
    r = invoke("batch", *[a.format(good=good, dir=tmp_path) for a in args], "--out", out)
    assert r.exit_code == 2, r.output
    assert message in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert not out.exists()  # nothing ran, no row was written


def _descendants(pid: int) -> set[int]:
    """The processes under ``pid`` (by their parent links in /proc)."""
    parents: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text(encoding="ascii", errors="replace")
            except OSError:
                continue
            parents[int(d.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, todo = set(), [pid]
    while todo:
        p = todo.pop()
        kids = {c for c, pp in parents.items() if pp == p}
        found |= kids
        todo += list(kids)
    return found


def _alive(pids: set[int]) -> set[int]:
    out = set()
    for p in pids:
        try:
            state = Path(f"/proc/{p}/stat").read_text(encoding="ascii").rsplit(")", 1)[1]
        except OSError:
            continue
        if state.split()[0] != "Z":
            out.add(p)
    return out


def _slow_programs(folder: Path) -> None:
    """Two programs that read a sensor every millisecond for as long as they may."""
    for i in (1, 2):
        (folder / f"slow{i}.py").write_text(
            "from robokit import robot, wait\nwhile True:\n"
            "    robot.color_sensor.reflection()\n    wait(1)\n", encoding="utf-8")


def _runs_started(pid: int) -> set[int]:
    """The processes of the batch ``pid`` once its two runs have started (the template
    and its two forks)."""
    import time

    runs: set[int] = set()
    for _ in range(600):
        runs = _descendants(pid)
        if len(runs) >= 3:
            break
        time.sleep(0.1)
    assert len(runs) >= 3, runs
    return runs


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_batch_stopped_by_sigterm_leaves_no_run_behind(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    _slow_programs(tmp_path)  # runs that take minutes of CPU
    out = tmp_path / "r.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "robokit.cli", "batch", str(tmp_path),
                             "--duration", "1000000", "-j", "2", "-q", "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    runs: set[int] = set()
    try:
        runs = _runs_started(proc.pid)
        proc.send_signal(signal.SIGTERM)  # a CI job cancelled
        proc.wait(60)
        for _ in range(600):
            if not _alive(runs):
                break
            time.sleep(0.1)
        assert not _alive(runs)  # no run goes on using the machine with nobody to tell
    finally:
        proc.kill()
        for p in _alive(runs | _descendants(proc.pid)):
            os.kill(p, signal.SIGKILL)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_ctrl_c_stops_a_batch_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    _slow_programs(tmp_path)

    def interactive() -> None:  # as a terminal starts it: Ctrl-C raises KeyboardInterrupt
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    proc = subprocess.Popen([sys.executable, "-m", "robokit.cli", "batch", str(tmp_path),
                             "--duration", "1000000", "-j", "2", "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, preexec_fn=interactive)
    runs: set[int] = set()
    try:
        runs = _runs_started(proc.pid)
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the whole group
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 130
        assert err.decode().strip() == "robokit: batch: interrupted"
    finally:
        proc.kill()
        for p in _alive(runs | _descendants(proc.pid)):
            os.kill(p, signal.SIGKILL)


def test_junit_has_no_empty_pose_for_a_run_that_never_ran() -> None:
    import xml.etree.ElementTree as ET

    from robokit.batch.reports import junit_xml

    row = {"program": "syntax.py", "world": None, "seed": None, "status": "invalid",
           "pose": None, "error": {"type": "ProgramError", "message": "syntax.py:1: bad",
                                   "file": "syntax.py", "line": 1}}
    case = ET.fromstring(junit_xml([row])).find("testcase")
    assert case is not None
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert props == {"robokit.status": "invalid"}
    failure = case.find("failure")
    assert failure is not None and "syntax.py:1: bad" in str(failure.get("message"))


def test_a_submission_folder_without_main_py_is_named_not_lost_silently(
        tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    (subs / "carol").mkdir(parents=True)
    (subs / "carol" / "robot_code.py").write_text(GOOD, encoding="utf-8")
    (subs / ".git").mkdir()
    (subs / "__pycache__").mkdir()
    (subs / "ada.py").write_text(GOOD, encoding="utf-8")
    r = invoke("batch", subs, "--duration", "2", "-q")
    assert r.exit_code == 0, r.output
    (line,) = r.stderr.strip().splitlines()
    assert "carol" in line and "no main.py" in line and "skipped" in line


def test_output_contains_sees_what_a_chatty_program_printed_past_the_rows_output(
        tmp_path: Path) -> None:
    from robokit.batch.checks import parse_checks

    prog = tmp_path / "chatty.py"
    prog.write_text("for i in range(300):\n    print('debug', 'x' * 60, i)\n"
                    "print('found the goal')\n", encoding="utf-8")
    checks = parse_checks([{"name": "says so", "output_contains": "found the goal"},
                           {"name": "never says", "output_contains": "lost"}], "spec.toml")
    (row,) = run_many(jobs_for([prog], duration=2), workers=1, checks=checks)
    assert row["output_chars_dropped"] > 0  # the line is past the row's output
    assert "found the goal" not in row["output"]
    assert [c["passed"] for c in row["checks"]] == [True, False]
    assert row["points"] == 1
    from robokit.batch import COLUMNS

    assert set(row) <= set(COLUMNS)  # what the worker found is not a column


def test_a_resumed_chatty_run_keeps_its_output_check(tmp_path: Path) -> None:
    prog = tmp_path / "chatty.py"
    prog.write_text("for i in range(300):\n    print('debug', 'x' * 60, i)\n"
                    "print('found the goal')\n", encoding="utf-8")
    (tmp_path / "spec.toml").write_text(
        'programs = ["chatty.py"]\nduration = 2\n[[checks]]\nname = "says so"\n'
        'output_contains = "found the goal"\n', encoding="utf-8")
    out = tmp_path / "r.csv"
    first = invoke("batch", tmp_path / "spec.toml", "--out", out)
    assert first.exit_code == 0, first.output
    again = invoke("batch", tmp_path / "spec.toml", "--out", out)
    assert "1 of them done before" in again.stdout
    assert again.exit_code == 0, again.output  # graded as the first time


def test_a_run_killed_at_its_wall_time_says_where_its_program_was(tmp_path: Path) -> None:
    """A run still going at its wall-time limit (here a loop that stands the clock still,
    with a limit shorter than the hang watchdog's 5 s): its row names the program's line
    it was on, and where robokit's own threads were."""
    prog = tmp_path / "spin.py"
    prog.write_text("from robokit import wait\nwait(10)\nwhile True:\n    x = 1\n",
                    encoding="utf-8")
    (row,) = run_many(jobs_for([prog], duration=10), workers=1, wall_s=4)
    assert row["status"] == "killed"
    err = row["error"]
    assert (Path(err["file"]).name, err["line"]) in (("spin.py", 3), ("spin.py", 4)), err
    assert err["message"].startswith(
        "the run took more than 4 s of wall time and was stopped; its threads were then at ")
    assert "spin.py:" in err["message"] and "runner.py:" in err["message"], err["message"]
