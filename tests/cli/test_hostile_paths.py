"""Every command that reads or writes a user's file, given hostile paths: the input as the
output, device nodes, pipes, an empty name, a folder that does not exist, names with spaces
and non-ASCII letters. Whatever happens, no input file changes, no device node is replaced,
and the answer is a result or one line and a non-zero exit, never a traceback.

Most cases run in-process (click's CliRunner: an exception that escapes the one error
handler is ``result.exception``); a few run the real console script, where a traceback
would reach the user's terminal.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import invoke

from robokit._files import write_output
from robokit.errors import RobokitError

PROGRAM = "from robokit import wait\nwait(10)\nprint('ok')\n"
ROBOT = 'name = "rover"\n'
HELPER = "X = 1\n"


def snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    """Every entry under ``folder``: its file type, and a regular file's SHA-256."""
    out = {}
    for p in sorted(folder.rglob("*")):
        st = p.lstat()
        digest = hashlib.sha256(p.read_bytes()).digest() if stat.S_ISREG(st.st_mode) else b""
        out[p.relative_to(folder).as_posix()] = (stat.S_IFMT(st.st_mode), digest)
    return out


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small project: main.py importing a helper, robot.toml beside them."""
    root = tmp_path / "mon projet é"
    root.mkdir()
    (root / "main.py").write_text("import helper\n" + PROGRAM, encoding="utf-8")
    (root / "helper.py").write_text(HELPER, encoding="utf-8")
    (root / "robot.toml").write_text(ROBOT, encoding="utf-8")
    return root


def assert_clean_refusal(r: Any, *expected: str) -> str:
    """Exit 2, one line on stderr, no exception escaped."""
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    assert r.exit_code == 2, (r.exit_code, r.stdout, r.stderr)
    err = r.stderr.strip()
    assert err.startswith("robokit: ") and "\n" not in err, err
    assert "Traceback" not in r.stdout + r.stderr
    for text in expected:
        assert text in err, (text, err)
    return str(err)


# -- the input as the output -----------------------------------------------------------


@pytest.mark.parametrize("name", ["main.py", "helper.py", "robot.toml"])
def test_compile_never_writes_over_one_of_its_inputs(project: Path, name: str) -> None:
    before = snapshot(project.parent)
    r = invoke("compile", project / "main.py", "-o", project / name)
    assert_clean_refusal(r, "input", name)
    assert snapshot(project.parent) == before


def test_compile_a_single_file_onto_itself(project: Path) -> None:
    solo = project / "ok.py"
    solo.write_text(PROGRAM, encoding="utf-8")
    before = snapshot(project.parent)
    r = invoke("compile", solo, "-o", solo)
    assert_clean_refusal(r, "ok.py", "input")
    assert snapshot(project.parent) == before


def test_compile_onto_an_input_by_another_name(project: Path) -> None:
    (project / "link.py").symlink_to(project / "helper.py")
    os.link(project / "robot.toml", project / "hard.toml")
    before = snapshot(project.parent)
    for alias in ("link.py", "hard.toml"):
        r = invoke("compile", project / "main.py", "-o", project / alias)
        assert_clean_refusal(r, "input")
    assert snapshot(project.parent) == before


def test_a_robot_given_with_robot_is_an_input_too(project: Path, tmp_path: Path) -> None:
    other = tmp_path / "other robot.toml"
    other.write_text(ROBOT, encoding="utf-8")
    r = invoke("compile", project / "main.py", "--robot", other, "-o", other)
    assert_clean_refusal(r, "input")
    assert other.read_text(encoding="utf-8") == ROBOT


def test_pybricks_export_never_writes_over_its_input(project: Path) -> None:
    before = snapshot(project.parent)
    r = invoke("compile", project / "main.py", "--format", "pybricks", "-o",
               project / "main.py")
    assert_clean_refusal(r, "input")
    assert snapshot(project.parent) == before


# -- device nodes, pipes, folders, empty names -------------------------------------------


@pytest.fixture
def null_device(tmp_path: Path) -> Path:
    """A character device like /dev/null, made in the test's own folder (root only): what
    robokit does to it is what it would do to /dev/null, without risking the real one."""
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (OSError, AttributeError) as exc:
        pytest.skip(f"cannot make a device node here: {exc}")
    return node


def test_compile_into_a_device_writes_through_and_keeps_the_node(
        project: Path, null_device: Path) -> None:
    r = invoke("compile", project / "main.py", "-o", null_device)
    assert r.exit_code == 0, (r.stdout, r.stderr, r.exception)
    assert stat.S_ISCHR(null_device.lstat().st_mode)
    assert not list(null_device.parent.glob("*.tmp"))


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_compile_into_dev_full_is_one_line_and_keeps_it(project: Path) -> None:
    r = invoke("compile", project / "main.py", "-o", "/dev/full")
    assert_clean_refusal(r, "/dev/full", "No space left")
    assert stat.S_ISCHR(os.lstat("/dev/full").st_mode)


def test_board_new_into_a_device_is_refused_and_keeps_the_node(null_device: Path) -> None:
    r = invoke("board", "new", "my_kit", "-o", null_device)
    assert_clean_refusal(r, "exists already")
    assert stat.S_ISCHR(null_device.lstat().st_mode)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX pipes")
def test_compile_into_a_fifo_writes_through_it(project: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as f:
            got.append(f.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    r = invoke("compile", project / "main.py", "-o", fifo)
    reader.join(60)
    assert r.exit_code == 0, (r.stdout, r.stderr, r.exception)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert got and got[0].startswith(b"\x89RKB")


def test_compile_to_stdout_writes_the_bundle_there(project: Path, tmp_path: Path) -> None:
    """`-o /dev/stdout` is the bundle on stdout (the message goes to stderr), whether stdout
    is a pipe or a file."""
    if not Path("/dev/stdout").exists():
        pytest.skip("no /dev/stdout")
    exe = Path(sys.executable).parent / "robokit"
    proc = subprocess.run([str(exe), "compile", str(project / "main.py"), "-o", "/dev/stdout"],
                          capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(b"\x89RKB") and b"wrote" in proc.stderr
    out = tmp_path / "out.rkb"
    with open(out, "wb") as f:
        proc = subprocess.run([str(exe), "compile", str(project / "main.py"), "-o",
                               "/dev/stdout"], stdout=f, stderr=subprocess.PIPE, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes().startswith(b"\x89RKB") and b"wrote" in proc.stderr
    assert invoke("inspect", out).exit_code == 0


@pytest.mark.parametrize(("output", "expected"), [
    ("", "no file name"),
    (".", "folder"),
    ("{tmp}", "folder"),
    ("{tmp}/no such folder/x.rkb", "does not exist"),
])
def test_compile_output_names_that_cannot_be_written(project: Path, tmp_path: Path,
                                                      output: str, expected: str) -> None:
    before = snapshot(project.parent)
    r = invoke("compile", project / "main.py", "-o", output.format(tmp=tmp_path))
    assert_clean_refusal(r, expected)
    assert snapshot(project.parent) == before


@pytest.mark.parametrize(("output", "expected"), [
    ("", "no file name"),
    ("{tmp}", "folder"),
    ("/nonexistent/x.py", "does not exist"),
    ("{tmp}/no such folder/x.py", "does not exist"),
])
def test_board_new_output_names_that_cannot_be_written(tmp_path: Path, output: str,
                                                       expected: str) -> None:
    r = invoke("board", "new", "my_kit", "-o", output.format(tmp=tmp_path))
    assert_clean_refusal(r, expected)


def test_non_ascii_names_with_spaces_work(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "sortie à écrire" / "programme été.rkb"
    out.parent.mkdir()
    r = invoke("compile", project / "main.py", "-o", out)
    assert r.exit_code == 0, (r.stdout, r.stderr)
    assert invoke("inspect", out).exit_code == 0
    board = tmp_path / "sortie à écrire" / "mon kit.py"
    r = invoke("board", "new", "my_kit", "-o", board)
    assert r.exit_code == 0, (r.stdout, r.stderr)
    assert invoke("board", "check", board).exit_code == 0


def test_parallel_compiles_to_one_output_all_succeed(project: Path, tmp_path: Path) -> None:
    """Eight processes writing lf.rkb at once: each writes its own temporary file."""
    exe = Path(sys.executable).parent / "robokit"
    out = tmp_path / "lf.rkb"
    procs = [subprocess.Popen([str(exe), "compile", "-q", str(project / "main.py"), "-o",
                               str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(8)]
    results = [(p.wait(120), p.stderr.read() if p.stderr else b"") for p in procs]
    for p in procs:
        for stream in (p.stdout, p.stderr):
            if stream is not None:
                stream.close()
    assert all(code == 0 for code, _ in results), results
    assert invoke("inspect", out).exit_code == 0
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# -- every command, every hostile input path ---------------------------------------------


def _hostile_inputs(tmp_path: Path) -> Iterator[str]:
    yield ""
    yield "/dev/null"
    yield str(tmp_path / "no such folder" / "x.py")
    yield str(tmp_path)  # a folder
    yield str(tmp_path / "été à l'école.py")  # does not exist


COMMANDS: list[tuple[str, ...]] = [
    ("run", "{path}"),
    ("run", "{program}", "--robot", "{path}"),
    ("run", "{program}", "--world", "{path}"),
    ("check", "{path}"),
    ("check", "{program}", "--robot", "{path}"),
    ("compile", "{path}"),
    ("compile", "{program}", "--robot", "{path}"),
    ("inspect", "{path}"),
    ("board", "check", "{path}"),
    ("board", "check", "kitronik_pico_robotics", "--robot", "{path}"),
    ("flash", "--check", "{path}"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
def test_every_command_with_hostile_input_paths(project: Path, tmp_path: Path,
                                                command: tuple[str, ...]) -> None:
    before = snapshot(project.parent)
    for path in _hostile_inputs(tmp_path):
        args = [a.format(path=path, program=project / "main.py") for a in command]
        r = invoke(*args)
        assert r.exception is None or isinstance(r.exception, SystemExit), (args, r.exception)
        assert "Traceback" not in r.stdout + r.stderr, args
        assert r.exit_code != 0 or path in ("/dev/null", str(tmp_path)), (args, r.stdout)
        after = snapshot(project.parent)  # a bundle may be new; nothing there before changed
        assert {k: after.get(k) for k in before} == before, args
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)


@pytest.mark.parametrize("command", [
    ("compile", "{program}", "-o", "{path}"),
    ("compile", "{program}", "--format", "pybricks", "-o", "{path}"),
    ("board", "new", "my_kit", "-o", "{path}"),
], ids=lambda c: " ".join(c))
def test_every_writing_command_with_hostile_output_paths(project: Path, tmp_path: Path,
                                                         command: tuple[str, ...]) -> None:
    targets = ["", str(project / "main.py"), str(project / "robot.toml"), str(tmp_path),
               str(tmp_path / "no such folder" / "x.out"), str(project)]
    before = snapshot(project.parent)
    for path in targets:
        args = [a.format(path=path, program=project / "main.py") for a in command]
        r = invoke(*args)
        assert r.exception is None or isinstance(r.exception, SystemExit), (args, r.exception)
        assert r.exit_code == 2, (args, r.stdout, r.stderr)
        assert "Traceback" not in r.stdout + r.stderr, args
        assert snapshot(project.parent) == before, args


# -- the helper itself -------------------------------------------------------------------


def test_write_output_refuses_a_dangling_link_and_a_socket(tmp_path: Path) -> None:
    (tmp_path / "dangling").symlink_to(tmp_path / "missing")
    with pytest.raises(RobokitError, match="symbolic link"):
        write_output(tmp_path / "dangling", b"x")
    if hasattr(__import__("socket"), "AF_UNIX"):
        import socket

        path = tmp_path / "s"
        with socket.socket(socket.AF_UNIX) as s:
            s.bind(str(path))
            with pytest.raises(RobokitError, match="not a regular file"):
                write_output(path, b"x")
            assert stat.S_ISSOCK(path.lstat().st_mode)


def test_write_output_keeps_the_mode_and_writes_through_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real.rkb"
    real.write_bytes(b"old")
    real.chmod(0o640)
    (tmp_path / "link.rkb").symlink_to(real)
    write_output(tmp_path / "link.rkb", b"new")
    assert (tmp_path / "link.rkb").is_symlink()
    assert real.read_bytes() == b"new" and stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.rkb", "real.rkb"]
