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


# -- sys.exit(N): one answer on every target --------------------------------------------

#: What the program ends with, and what every target says: the status, and the error's
#: type and message (None: no error). As CPython: no argument, None and 0 are success;
#: any other code or a message is an error (exit status N, or the message and 1).
EXITS = [
    ("sys.exit(3)", "error", "3"),
    ("raise SystemExit(3)", "error", "3"),
    ('sys.exit("out of fuel")', "error", "out of fuel"),
    ("sys.exit(0)", "finished", None),
    ("sys.exit()", "finished", None),
    ("raise SystemExit", "finished", None),
]


def _exits(folder: Path, end: str) -> Path:
    folder.mkdir(exist_ok=True)
    return write(folder / "exits.py", f"""\
        import sys
        print("before")
        def stop():
            {end}
        stop()
        print("after")
    """)


def _check_exit(code: int, obj: dict[str, Any], status: str, message: str | None) -> None:
    assert obj["status"] == status, obj
    assert obj["output"] == "before\n"
    if message is None:
        assert code == 0
        assert obj["error"] is None
    else:
        assert code == 1  # the program raised (docs: exit codes)
        error = obj["error"]
        assert (error["type"], error["message"]) == ("SystemExit", message)
        assert Path(error["file"]).name == "exits.py" and error["line"] == 4, error


@pytest.mark.parametrize(("end", "status", "message"), EXITS, ids=[e[0] for e in EXITS])
@pytest.mark.parametrize("exact", [False, True], ids=["simulator", "exact"])
def test_sys_exit_is_said_alike_in_the_simulator_and_the_vm(
        tmp_path: Path, end: str, status: str, message: str | None, exact: bool) -> None:
    if exact:
        from robokit.virtual.exact import missing

        if missing() is not None:
            pytest.skip(str(missing()))
    prog = _exits(tmp_path, end)
    r = cli("run", prog, "--json", *(["--exact"] if exact else []))
    _check_exit(r.returncode, json.loads(r.stdout), status, message)
    shown = cli("run", prog, *(["--exact"] if exact else []))
    assert shown.returncode == r.returncode
    if message is not None:  # the traceback names the line that called it
        assert f"SystemExit: {message}" in shown.stderr
        assert 'exits.py", line 4, in stop' in shown.stderr


def _needs_vm() -> None:
    from robokit.virtual.mpvm import micropython_path

    if micropython_path() is None:
        pytest.skip("MicroPython's unix port (micropython) is not installed")


@pytest.mark.parametrize(("end", "status", "message"), EXITS, ids=[e[0] for e in EXITS])
def test_sys_exit_on_a_board_is_said_as_in_the_simulator(
        tmp_path: Path, robokit_board: Any, split_runner: Any, end: str, status: str,
        message: str | None) -> None:
    """On a MicroPython board (the loader catches the SystemExit: the raw REPL would
    take it for a soft reset) the run ends as it does in the simulator."""
    _needs_vm()
    from robokit.cli import main

    _, port = robokit_board(vm="micropython")
    prog = _exits(tmp_path, end)
    r = split_runner.invoke(main, ["run", str(prog), "--port", port, "--json"])
    _check_exit(r.exit_code, json.loads(r.stdout), status, message)
    shown = split_runner.invoke(main, ["run", str(prog), "--port", port])
    assert shown.exit_code == r.exit_code
    if message is not None:
        assert f"SystemExit: {message}" in shown.stderr
        assert "ProgramExit" not in shown.stderr and "<stdin>" not in shown.stderr


def test_sys_exit_at_autostart_is_said_and_is_no_crash(tmp_path: Path) -> None:
    """At power-up (robokit_boot runs the stored program) sys.exit(3) prints the
    SystemExit with its line, and does not count as a crash: the counter is cleared."""
    _needs_vm()
    pytest.importorskip("serial")
    from robokit.compiler.compile import compile_program
    from robokit.link.rawrepl import RawRepl
    from robokit.link.serial_link import SerialLink
    from robokit.targets.micropython.install import install
    from robokit.targets.micropython.upload import upload_bundle
    from robokit.virtual.board import SimBoard

    def on_board(files: dict[str, bytes] | None, work: Any) -> dict[str, bytes]:
        board = SimBoard(files=files, vm="cpython", window=512)
        link = SerialLink(board.serve_pty())
        try:
            work(RawRepl(link))
        finally:
            link.close()
            board.close()
        return dict(board.files)

    bundle = compile_program(_exits(tmp_path, "sys.exit(3)"), target="micropython")
    files = on_board(None, lambda repl: install(repl, timeout=2.0, autostart=True))
    files = on_board(files, lambda repl: upload_bundle(repl, bundle, timeout=2.0, retries=0))
    for _ in range(2):  # twice: a crash would be counted up
        board = SimBoard(files=files, vm="micropython")
        try:
            result = board.boot()
            files = dict(board.files)
        finally:
            board.close()
        assert result.errors == {}
        assert "\nbefore\n" in result.output and "\nafter\n" not in result.output
        assert "SystemExit: 3" in result.output and "line 4" in result.output
        assert "crashed" not in result.output and "ProgramExit" not in result.output
        assert "/robokit/crashes" not in files or files["/robokit/crashes"].strip() in (
            b"", b"0")


@pytest.mark.parametrize("world", ["atlantis", "bad.toml"])
def test_a_bad_world_is_said_alike_with_exact(tmp_path: Path, world: str) -> None:
    """--exact said a bad world as a usage error ("--world: ...", and with --json no file
    or line); the default mode says the world's own error, with its file and line."""
    from robokit.virtual.exact import missing

    if missing() is not None:
        pytest.skip(str(missing()))
    write(tmp_path / "bad.toml", 'name = "w"\nsize = [2000, 2000]\n[start]\nx = "a"\n')
    prog = write(tmp_path / "p.py", "print('hi')\n")
    runs = []
    for exact in ([], ["--exact"]):
        shown = subprocess.run([_exe(), "run", prog.name, "--world", world, *exact],
                               capture_output=True, text=True, cwd=tmp_path, timeout=120)
        as_json = subprocess.run([_exe(), "run", prog.name, "--world", world, "--json",
                                  *exact], capture_output=True, text=True, cwd=tmp_path,
                                 timeout=120)
        assert shown.returncode == as_json.returncode == 2
        runs.append((shown.stderr, json.loads(as_json.stdout)))
    assert runs[1] == runs[0]
    if world == "bad.toml":
        assert runs[1][1]["error"]["file"] == "bad.toml"
        assert runs[1][1]["error"]["line"] == 4


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_during_a_json_run_says_where_the_objects_are(
        tmp_path: Path, ctrl_c_able: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    marks = tmp_path / "marks.txt"
    monkeypatch.setenv("QA_MARKS", str(marks))
    write(tmp_path / "box.toml", """\
        name = "box ahead"
        size = [3000, 3000]
        [start]
        x = 0
        y = 0
        heading = 0
        [[objects]]
        shape = "box"
        center = [150, 0]
        size = [50, 50]
        mass_g = 100
    """)
    write(tmp_path / "push.py", f"""\
        from robokit import robot, wait
        robot.drive_base.drive(100, 0)
        with open({str(marks)!r}, "a") as f:
            f.write("x\\n")
        while True:
            wait(100)
    """)
    code, out, err = ctrl_c_json(["run", "push.py", "--world", "box.toml", "--json",
                                  "--duration", "1000000"], ctrl_c_able, tmp_path, after=1)
    assert code == 130, err
    obj = json.loads(out)
    assert obj["status"] == "interrupted"
    assert [o["object"] for o in obj["objects"]] == [1]
