"""``robokit run`` at its limits (issue 16): Ctrl-C always ends a run with exit 130, bad
durations are one line (or one JSON object), input() reads --input, a closed stdout ends
the run quietly, and os._exit is the program's end."""

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


def cli(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, NO_COLOR="1", PYTHONIOENCODING="utf-8")
    return subprocess.run([_exe(), *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=timeout, stdin=subprocess.DEVNULL)


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def ctrl_c(argv: list[str], ready: str, wrap: Any) -> tuple[int, str]:
    env = dict(os.environ, NO_COLOR="1")
    with subprocess.Popen(wrap(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, env=env) as p:
        assert p.stdout is not None
        try:
            assert p.stdout.readline() == ready
            p.send_signal(signal.SIGINT)
            _out, err = p.communicate(timeout=60)
        finally:
            if p.poll() is None:
                p.kill()
    return p.returncode, err


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("catch", ["except:", "except BaseException:"])
def test_ctrl_c_ends_a_loop_that_catches_everything(tmp_path: Path, ctrl_c_able: Any,
                                                    catch: str) -> None:
    prog = write(tmp_path / "greedy.py", f"""\
        from robokit import wait
        print("looping")  # (no flush=: MicroPython's print has none; the run's is live)
        while True:
            try:
                wait(1)
            {catch}
                pass
    """)
    code, err = ctrl_c([_exe(), "run", str(prog), "--duration", "100000"], "looping\n",
                       ctrl_c_able)
    assert code == 130
    assert err == "robokit: run: interrupted\n"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_ends_a_spinning_loop_that_catches_everything(tmp_path: Path,
                                                             ctrl_c_able: Any) -> None:
    prog = write(tmp_path / "spin.py", """\
        while True:
            try:
                print("spinning", flush=True)
                n = 0
                while n >= 0:
                    n += 1
            except BaseException:
                pass
    """)
    code, err = ctrl_c([_exe(), "run", str(prog)], "spinning\n", ctrl_c_able)
    assert code == 130
    assert err == "robokit: run: interrupted\n"


@pytest.mark.parametrize("value", ["nan", "inf", "-5", "1e12"])
def test_a_bad_duration_option_is_one_line(tmp_path: Path, value: str) -> None:
    prog = write(tmp_path / "p.py", "print('hi')\n")
    proc = cli("run", prog, "--duration", value)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("robokit: run: --duration")
    assert len(proc.stderr.splitlines()) == 1


@pytest.mark.parametrize("value", ["nan", "inf", "-5"])
def test_a_bad_duration_is_one_json_object_with_json(tmp_path: Path, value: str) -> None:
    prog = write(tmp_path / "p.py", f"# robokit: duration={value}\nprint('hi')\n")
    proc = cli("run", prog, "--json")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    data = json.loads(proc.stdout)
    assert data["status"] == "invalid"
    assert data["error"]["line"] == 1
    proc = cli("run", tmp_path / "p.py", "--json", "--duration", value)
    assert proc.returncode == 2
    assert json.loads(proc.stdout)["status"] == "invalid"


def test_input_reads_the_input_file(tmp_path: Path) -> None:
    prog = write(tmp_path / "ask.py", """\
        print("hello", input())
    """)
    given = write(tmp_path / "in.txt", "Ada\n")
    proc = cli("run", prog, "--input", given)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("hello Ada\n")


def test_input_dash_reads_standard_input(tmp_path: Path) -> None:
    prog = write(tmp_path / "ask.py", """\
        print("hello", input(), input())
    """)
    env = dict(os.environ, NO_COLOR="1")
    proc = subprocess.run([_exe(), "run", str(prog), "--input", "-"], input="Ada\nBob\n",
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("hello Ada Bob\n")


def test_input_without_input_file_is_end_of_file_not_a_wait(tmp_path: Path) -> None:
    prog = write(tmp_path / "ask.py", "print('hello', input())\n")
    env = dict(os.environ, NO_COLOR="1")
    # stdin stays open and silent: the run must not wait on it.
    with subprocess.Popen([_exe(), "run", str(prog)], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=env) as p:
        try:
            p.wait(timeout=60)
            err = p.stderr.read() if p.stderr else ""
        finally:
            if p.poll() is None:
                p.kill()
    assert p.returncode == 1
    assert "EOFError" in err
    assert "ProgramHang" not in err


def test_a_closed_stdout_ends_the_run_quietly(tmp_path: Path) -> None:
    prog = write(tmp_path / "flood.py", """\
        from robokit import wait
        while True:
            print("line " * 20)
            wait(1)
    """)
    env = dict(os.environ, NO_COLOR="1")
    with subprocess.Popen([_exe(), "run", str(prog), "--duration", "600"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as p:
        assert p.stdout is not None and p.stderr is not None
        try:
            p.stdout.readline()
            p.stdout.close()  # as `| head -1` does
            p.wait(timeout=60)
            err = p.stderr.read().decode()
        finally:
            if p.poll() is None:
                p.kill()
    assert p.returncode == 141
    assert "BrokenPipe" not in err and "Traceback" not in err
    assert err == ""


def test_os_exit_is_the_programs_end_with_a_summary(tmp_path: Path) -> None:
    prog = write(tmp_path / "bye.py", """\
        import os
        print("bye")
        try:
            os._exit(5)
        except AttributeError:  # (a brick's os has no _exit: the check refuses it unguarded)
            pass
    """)
    proc = cli("run", prog)
    assert proc.returncode == 1
    assert "os._exit(5)" in proc.stderr
    assert "status     error" in proc.stdout


# -- case 2 (the run's part): --plot and --telemetry never replace a device node or an input


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX device nodes and FIFOs")
@pytest.mark.parametrize("option,suffix", [("--telemetry", ".csv"), ("--plot", ".png")])
def test_outputs_write_through_a_fifo_instead_of_replacing_it(tmp_path: Path, option: str,
                                                              suffix: str) -> None:
    import threading

    prog = write(tmp_path / "p.py", "print('hi')\n")
    fifo = tmp_path / f"out{suffix}"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    proc = cli("run", prog, option, fifo)
    reader.join(30)
    assert proc.returncode == 0, proc.stderr
    assert fifo.is_fifo()  # still the FIFO, not a regular file renamed over it
    assert got and got[0]


def test_telemetry_never_writes_over_an_input_of_the_run(tmp_path: Path) -> None:
    prog = write(tmp_path / "p.py", "print(input())\n")
    given = write(tmp_path / "answers.json", '"Ada"\n')
    before = given.read_bytes()
    proc = cli("run", prog, "--input", given, "--telemetry", given)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.splitlines()) == 1 and "--telemetry" in proc.stderr
    assert given.read_bytes() == before


@pytest.mark.parametrize("args, says", [
    (["--duration", "abc"], "Invalid value for '--duration': 'abc' is not a valid float."),
    (["--plot", "x.jpg"], "--plot x.jpg: a plot is an SVG"),
    (["--robot", "a.toml", "--robot", "b.toml", "--robot", "c.toml"], "--robot"),
])
def test_a_usage_error_is_one_json_object_with_json(tmp_path: Path, args: list[str],
                                                    says: str) -> None:
    """With --json, what robokit cannot run is a status "invalid" object on stdout, a
    usage error too: a script reading stdout got nothing for a bad option's value or a
    --plot of the wrong kind."""
    prog = write(tmp_path / "p.py", "print('hi')\n")
    proc = cli("run", prog, *args, "--json")
    assert proc.returncode == 2
    data = json.loads(proc.stdout)
    assert data["status"] == "invalid"
    assert data["error"]["type"] == "UsageError"
    assert says in data["error"]["message"]
    assert "hi" not in proc.stdout.replace('"', " ").split()
    assert "Traceback" not in proc.stderr
