"""robokit.batch and ``robokit batch``: many runs, each in a clean, confined process."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
from cli_helpers import invoke

from robokit.batch import jobs_for, run_many
from robokit.batch.results import done_rows

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="robokit batch needs fork")

GOOD = """\
from robokit import robot
robot.drive_base.straight(300)
print("done")
"""


def write(path: Path, text: str) -> str:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def by_program(rows: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in rows:
        out.setdefault(Path(r["program"]).name, []).append(r)
    return out


def test_hostile_programs_reach_no_other_run_and_nothing_outside(tmp_path: Path) -> None:
    victim = tmp_path / "teacher.txt"
    victim.write_text("grades", encoding="utf-8")
    progs = [
        write(tmp_path / "a_good.py", GOOD),
        write(tmp_path / "b_mute.py", "import builtins\nbuiltins.print = lambda *a, **k: None\n"),
        write(tmp_path / "c_robot.py", "import robokit\nrobokit.robot = None\n"),
        # past the compile check, which refuses os.system (no kit board's os has it):
        write(tmp_path / "d_shell.py",
              f"import os\ngetattr(os, 'system')('echo PWNED > {tmp_path}/pwned')\n"),
        write(tmp_path / "e_write.py", f"open({str(victim)!r}, 'w').write('0')\n"),
        write(tmp_path / "f_scratch.py", "open('notes.txt', 'w').write('ok')\n"
                                         "print(open('notes.txt').read())\n"),
        # past the compile check, which refuses `import subprocess`:
        write(tmp_path / "g_sub.py", "sp = __import__('sub' + 'process')\nsp.run(['true'])\n"),
        write(tmp_path / "h_good.py", GOOD),
    ]
    rows = by_program(list(run_many(jobs_for(progs, worlds=["empty"], duration=5),
                                    workers=2)))
    for name in ("a_good.py", "h_good.py"):
        (row,) = rows[name]
        assert row["status"] == "finished"
        assert row["output"] == "done\n"  # print still works after b_mute
        assert abs(row["distance_mm"] - 300) < 2  # robokit.robot still there after c_robot
    assert rows["b_mute.py"][0]["status"] == rows["c_robot.py"][0]["status"] == "finished"
    for name, what in (("d_shell.py", "os.system"), ("e_write.py", "teacher.txt"),
                       ("g_sub.py", "subprocess")):
        (row,) = rows[name]
        assert row["status"] == "error", row
        assert row["error"]["type"] == "Refused"
        assert "a batch run may not do this" in row["error"]["message"]
        assert what in row["error"]["message"]
        assert row["error"]["line"] == (2 if name != "e_write.py" else 1)
    assert rows["f_scratch.py"][0]["status"] == "finished"
    assert rows["f_scratch.py"][0]["output"] == "ok\n"
    assert not (tmp_path / "pwned").exists()
    assert victim.read_text(encoding="utf-8") == "grades"
    assert not (tmp_path / "notes.txt").exists()  # it wrote into its scratch folder


def test_an_endless_loop_is_a_hang_and_the_others_finish(tmp_path: Path) -> None:
    progs = [write(tmp_path / "loop.py", "x = 0\nwhile True:\n    x += 1\n"),
             write(tmp_path / "good.py", GOOD)]
    rows = by_program(list(run_many(jobs_for(progs, duration=5), workers=2)))
    loop = rows["loop.py"][0]
    assert loop["status"] == "error" and loop["error"]["type"] == "ProgramHang"
    assert loop["error"]["file"] == os.path.relpath(tmp_path / "loop.py")
    assert rows["good.py"][0]["status"] == "finished"


def test_a_run_over_its_cpu_limit_is_one_crashed_row(tmp_path: Path) -> None:
    prog = write(tmp_path / "busy.py", "from robokit import wait\nwhile True:\n    wait(1)\n")
    (row,) = run_many(jobs_for([prog], duration=1_000_000), cpu_s=1)
    assert row["status"] == "crashed"
    assert "CPU time limit" in row["error"]["message"]


def test_seeds_and_worlds_multiply_and_rows_repeat_exactly(tmp_path: Path) -> None:
    prog = write(tmp_path / "p.py", GOOD)
    jobs = jobs_for([prog], worlds=["empty", "arena"], seeds=[1, 2], duration=5)
    first = sorted(run_many(jobs, workers=2), key=lambda r: r["key"])
    again = sorted(run_many(jobs, workers=1), key=lambda r: r["key"])
    assert {(r["world"], r["seed"]) for r in first} == {
        ("empty", 1), ("empty", 2), ("arena", 1), ("arena", 2)}
    assert len({r["key"] for r in first}) == 4
    for a, b in zip(first, again, strict=True):
        a = {k: v for k, v in a.items() if k != "wall_time_s"}
        b = {k: v for k, v in b.items() if k != "wall_time_s"}
        assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    # noise differs between seeds
    poses = {r["seed"]: r["pose"] for r in first if r["world"] == "empty"}
    assert poses[1] != poses[2]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_the_cli_appends_rows_and_resumes(tmp_path: Path, suffix: str) -> None:
    good = write(tmp_path / "good.py", GOOD)
    bad = write(tmp_path / "bad.py", "raise ValueError('nope')\n")
    out = tmp_path / f"results{suffix}"
    r = invoke("batch", good, bad, "--seeds", "2", "--duration", "5", "--out", out, "-j", "2")
    assert r.exit_code == 1, r.output  # bad.py raised
    rows = done_rows(out)
    assert len(rows) == 4
    assert sorted(row["status"] for row in rows.values()) == ["error"] * 2 + ["finished"] * 2
    size = out.stat().st_size
    r = invoke("batch", good, bad, "--seeds", "2", "--duration", "5", "--out", out)
    assert r.exit_code == 1  # the rows read back still hold bad.py's error
    assert "4 of them done before" in r.stdout
    assert out.stat().st_size == size  # nothing ran again, nothing was appended
    r = invoke("batch", good, "--seeds", "3", "--duration", "5", "--out", out)
    assert r.exit_code == 0, r.output
    assert len(done_rows(out)) == 5  # only seed 3 of good.py was new


def test_a_cut_last_line_is_run_again(tmp_path: Path) -> None:
    good = write(tmp_path / "good.py", GOOD)
    out = tmp_path / "r.jsonl"
    assert invoke("batch", good, "--seeds", "2", "--out", out, "--duration", "5").exit_code == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    out.write_text(lines[0] + "\n" + lines[1][:40], encoding="utf-8")  # power lost mid-row
    assert invoke("batch", good, "--seeds", "2", "--out", out, "--duration", "5").exit_code == 0
    assert len(done_rows(out)) == 2
    assert all(json.loads(x)["status"] == "finished"
               for x in out.read_text(encoding="utf-8").splitlines()[-1:])


def test_a_folder_of_submissions_is_its_programs(tmp_path: Path) -> None:
    subs = tmp_path / "class"
    subs.mkdir()
    write(subs / "ada.py", GOOD)
    (subs / "bob").mkdir()
    write(subs / "bob" / "main.py", GOOD)
    write(subs / "notes.txt", "not a program")
    r = invoke("batch", subs, "--duration", "5")
    assert r.exit_code == 0, r.output
    assert "ada.py" in r.stdout and "bob" in r.stdout and "notes.txt" not in r.stdout
    assert "2 runs: 2 finished" in r.stdout


@pytest.mark.parametrize("args, message", [
    (["--seeds", "2", "--seed", "1"], "not both"),
    (["--out", "results.txt"], "*.jsonl or *.csv"),
    (["--duration", "nan"], "--duration"),
])
def test_bad_options_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    good = write(tmp_path / "good.py", GOOD)
    r = invoke("batch", good, *args)
    assert r.exit_code == 2
    assert message in r.stderr
    assert "Traceback" not in r.stderr


def test_replays_are_written_and_the_gradebook_links_them(tmp_path: Path) -> None:
    import re

    good = write(tmp_path / "good.py", GOOD)
    replays, report = tmp_path / "replays", tmp_path / "grades.html"
    r = invoke("batch", good, "--seeds", "2", "--duration", "5", "--replays", replays,
               "--report", report, "--out", tmp_path / "r.jsonl")
    assert r.exit_code == 0, r.output
    rows = list(done_rows(tmp_path / "r.jsonl").values())
    pages = sorted(replays.iterdir())
    assert len(pages) == 2 and sorted(Path(row["replay"]) for row in rows) == pages
    for row in rows:
        page = Path(row["replay"]).read_text(encoding="utf-8")
        found = re.search(r'<script id="robokit-data" type="application/json">(.*?)</script>',
                          page, re.S)
        assert found
        assert json.loads(found.group(1))["distance_mm"] == pytest.approx(
            row["distance_mm"], abs=0.01)
    book = report.read_text(encoding="utf-8")
    for page in pages:
        assert f"href='replays/{page.name}'" in book
    r = invoke("batch", good, "--replays", tmp_path / "r.jsonl")
    assert r.exit_code == 2 and "not a folder" in r.stderr


def test_a_run_over_its_wall_time_is_killed_and_the_others_finish(tmp_path: Path) -> None:
    busy = write(tmp_path / "busy.py", "from robokit import wait\nwhile True:\n    wait(1)\n")
    good = write(tmp_path / "good.py", GOOD)
    rows = by_program(list(run_many(jobs_for([busy, good], duration=1_000_000), wall_s=2,
                                    workers=2)))
    (killed,) = rows["busy.py"]
    assert killed["status"] == "killed"
    assert "more than 2 s of wall time" in killed["error"]["message"]
    assert rows["good.py"][0]["status"] == "finished"
