"""Leftovers of earlier QA rounds, as a user meets them from the command line: Ctrl-C
during ``robokit run --json`` still prints the run's JSON object (status
``interrupted``), and a program's ``sys.exit(N)`` is said the same on every target."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest


def _exe() -> str:
    exe = shutil.which("robokit") or str(Path(sys.executable).parent / "robokit")
    if not Path(exe).exists():  # pragma: no cover - the package is installed for the tests
        pytest.skip("the robokit console script is not installed")
    return exe


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def cli(*args: str | Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, NO_COLOR="1", PYTHONIOENCODING="utf-8")
    return subprocess.run([_exe(), *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=timeout, stdin=subprocess.DEVNULL)


def ctrl_c_json(argv: list[str], wrap: Any, cwd: Path, after: int = 3
                ) -> tuple[int, str, str]:
    """Run ``robokit`` with ``argv``; once the program has printed ``after`` lines (they
    go to the progress file, as --json keeps them out of stdout), send SIGINT. The exit
    code, stdout and stderr."""
    env = dict(os.environ, NO_COLOR="1")
    with subprocess.Popen(wrap([_exe(), *argv]), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                          env=env, cwd=cwd) as p:
        try:
            marks = Path(env.get("QA_MARKS", ""))
            import time

            # until the program has run a while: its marks file, or (in the VM, whose
            # files are the board's) 8 s of the run
            for _ in range(400 if after == 0 else 6000):
                if after and marks.is_file() and len(marks.read_text().splitlines()) >= after:
                    break
                if p.poll() is not None:
                    break
                time.sleep(0.02)
            p.send_signal(signal.SIGINT)
            out, err = p.communicate(timeout=120)
        finally:
            if p.poll() is None:
                p.kill()
    return p.returncode, out, err


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("exact", [False, True], ids=["simulator", "exact"])
def test_ctrl_c_during_a_json_run_prints_the_run_as_interrupted(
        tmp_path: Path, ctrl_c_able: Any, monkeypatch: pytest.MonkeyPatch,
        exact: bool) -> None:
    if exact:
        from robokit.virtual.exact import missing

        if missing() is not None:
            pytest.skip(str(missing()))
    marks = tmp_path / "marks.txt"
    monkeypatch.setenv("QA_MARKS", str(marks))
    mark = "" if exact else f"""
            if n % 10 == 0:  # every 5 simulated s: a mark in a file (the test waits)
                with open({str(marks)!r}, "a") as f:
                    f.write("x\\n")"""
    prog = write(tmp_path / "drive.py", f"""\
        from robokit import robot, wait
        print("driving")
        robot.drive_base.drive(100, 0)
        n = 0
        while True:
            wait(500)
            n += 1{mark}
    """)
    argv = ["run", prog.name, "--json", "--duration", "1000000"]
    code, out, err = ctrl_c_json(argv + (["--exact"] if exact else []), ctrl_c_able,
                                 tmp_path, after=0 if exact else 3)
    assert code == 130, err
    assert err.strip().splitlines()[-1] == "robokit: run: interrupted"
    obj = json.loads(out)  # one object on stdout, as for every other end
    assert obj["status"] == "interrupted"
    assert obj["program"] == "drive.py"
    assert obj["error"] is None
    assert obj["output"] == "driving\n"
    # the run as far as it went (at least the 15 simulated seconds the marks say)
    assert obj["sim_time_s"] >= (0.5 if exact else 15.0)
    assert obj["pose"]["x_mm"] > (10.0 if exact else 1000.0)
    assert obj["distance_mm"] == pytest.approx(obj["pose"]["x_mm"], abs=1.0)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_during_a_json_run_of_a_program_that_ignores_it(
        tmp_path: Path, ctrl_c_able: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A program that catches every KeyboardInterrupt is left behind (the process ends
    with os._exit): the JSON object is printed before that."""
    marks = tmp_path / "marks.txt"
    monkeypatch.setenv("QA_MARKS", str(marks))
    prog = write(tmp_path / "greedy.py", f"""\
        from robokit import wait
        with open({str(marks)!r}, "a") as f:
            f.write("x\\n")
        while True:
            try:
                wait(1)
            except BaseException:
                pass
    """)
    code, out, err = ctrl_c_json(["run", prog.name, "--json", "--duration", "1000000"],
                                 ctrl_c_able, tmp_path, after=1)
    assert code == 130, err
    obj = json.loads(out)
    assert obj["status"] == "interrupted"
    assert obj["program"] == "greedy.py"
