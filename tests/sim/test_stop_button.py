"""The hub's stop button in the simulator (robokit.sim.stopbutton): a scripted press of it
ends the program as on a LEGO hub, unless the program chose other buttons or none."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from cli_helpers import invoke

from robokit.sim import simulate
from robokit.virtual.mpvm import micropython_path

#: Drive until stopped; the finally block says when it ran.
DRIVE = textwrap.dedent("""\
    from robokit import StopWatch, robot, wait

    {setup}
    clock = StopWatch()
    try:
        robot.drive_base.drive(100, 0)
        while True:
            wait(10)
    finally:
        robot.drive_base.stop()
        print("ended at", clock.time())
    """)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def program(tmp_path: Path, setup: str = "", name: str = "drive.py") -> Path:
    return write(tmp_path / name, DRIVE.format(setup=setup))


def stops(result) -> list[dict]:
    return [e for e in result.telemetry.events if e["kind"] == "stopped"]


def test_the_centre_button_stops_the_program_at_the_press(tmp_path: Path) -> None:
    r = simulate(program(tmp_path), press=["center@2s"], duration=10)
    assert r.status == "finished", r.error
    assert r.sim_time_s == pytest.approx(2.0, abs=0.001)
    assert r.output == "ended at 2000\n"  # its finally ran, at the press
    assert stops(r) == [{"t_ms": 2000.0, "kind": "stopped", "by": "stop button",
                         "buttons": ["CENTER"]}]
    assert 150 < r.distance_mm < 200  # 2 s at 100 mm/s, less the start's ramp


def test_set_stop_button_none_lets_the_program_read_the_centre_button(tmp_path: Path) -> None:
    r = simulate(program(tmp_path, "robot.hub.system.set_stop_button(None)"),
                 press=["center@2s"], duration=4)
    assert r.status == "timeout" and stops(r) == []


def test_another_button_or_a_combination_stops_it_instead(tmp_path: Path) -> None:
    left = program(tmp_path, "from robokit import Button\n"
                             "robot.hub.system.set_stop_button(Button.LEFT)", "left.py")
    r = simulate(left, press=["center@1s", "left@2.5s"], duration=10)
    assert r.status == "finished" and r.sim_time_s == pytest.approx(2.5, abs=0.001)
    both = program(tmp_path, "from robokit import Button\n"
                             "robot.hub.system.set_stop_button((Button.LEFT, Button.RIGHT))",
                   "both.py")
    # LEFT alone, then RIGHT alone, do nothing; the stop is when RIGHT joins a held LEFT.
    r = simulate(both, press=["left@1s", "right@1.5s", "left@2s-4s", "right@3s"], duration=10)
    assert r.status == "finished" and r.sim_time_s == pytest.approx(3.0, abs=0.001)
    assert stops(r)[0]["buttons"] == ["LEFT", "RIGHT"]


def test_a_program_that_catches_the_stop_is_stopped_again_by_the_next_press(
        tmp_path: Path) -> None:
    prog = write(tmp_path / "stubborn.py", textwrap.dedent("""\
        from robokit import StopWatch, wait

        clock = StopWatch()
        try:
            while True:
                wait(10)
        except SystemExit:
            print("caught at", clock.time())
        while True:
            wait(10)
        """))
    r = simulate(prog, press=["center@1s", "center@3s"], duration=10)
    assert r.status == "finished" and r.output == "caught at 1000\n"
    assert [e["t_ms"] for e in stops(r)] == [1000.0, 3000.0]


def test_hub_menu_chooses_with_the_centre_button_then_gives_the_stop_back(
        tmp_path: Path) -> None:
    prog = write(tmp_path / "menu.py", textwrap.dedent("""\
        from pybricks.hubs import PrimeHub
        from pybricks.tools import hub_menu, wait

        hub = PrimeHub()
        print("chose", hub_menu("A", "B"), hub.system.stop_button())
        while True:
            wait(10)
        """))
    r = simulate(prog, press=["right@1s", "center@2s", "center@4s"], duration=10)
    assert r.output == "chose B Button.CENTER\n"
    assert r.status == "finished" and r.sim_time_s == pytest.approx(4.0, abs=0.001)


@pytest.mark.parametrize("hub", ["EV3Brick", "Hub"])
def test_a_hub_without_a_stop_button_is_not_stopped(tmp_path: Path, hub: str) -> None:
    robot = write(tmp_path / "robot.toml", textwrap.dedent(f"""\
        [hub]
        type = "{hub}"
        [devices.left]
        type = "Motor"
        port = "A"
        positive_direction = "counterclockwise"
        [devices.right]
        type = "Motor"
        port = "B"
        [drive_base]
        left = "left"
        right = "right"
        wheel_diameter = 56
        axle_track = 112
        """))
    r = simulate(program(tmp_path), robot=robot, press=["center@1s"], duration=3)
    assert r.status == "timeout" and stops(r) == []


def test_the_kernel_and_the_general_path_stop_at_the_same_place(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prog = program(tmp_path)
    fast = simulate(prog, world="oval", press=["center@2.345s"], duration=10)
    monkeypatch.setenv("ROBOKIT_SIM_KERNEL", "0")
    slow = simulate(prog, world="oval", press=["center@2.345s"], duration=10)
    assert fast.sim_time_s == slow.sim_time_s == pytest.approx(2.345, abs=0.001)
    assert fast.pose == slow.pose and fast.output == slow.output


def test_in_a_match_each_hub_stops_at_the_press(tmp_path: Path) -> None:
    a = program(tmp_path, "", "a.py")
    b = write(tmp_path / "b.py", "from robokit import wait\nwhile True:\n    wait(500)\n")
    r = simulate([a, b], world="sumo", press=["center@1.25s"], duration=10)
    assert [x.status for x in r.robots] == ["finished", "finished"]
    assert r.robots[0].output == "ended at 1250\n"
    # The one asleep in a long wait() ends at the press too, not when it would have woken.
    assert [stops(x)[0]["t_ms"] for x in r.robots] == [1250.0, 1250.0]
    assert r.sim_time_s == pytest.approx(1.25, abs=0.001)


def test_robokit_run_says_the_stop_button_ended_it(tmp_path: Path) -> None:
    res = invoke("run", program(tmp_path), "--press", "center@1.5s")
    assert res.exit_code == 0, res.stderr
    assert "status     finished (the hub's stop button, CENTER, at 1.500 s)" in res.stdout


@pytest.mark.skipif(micropython_path() is None, reason="needs MicroPython's unix port")
def test_exact_stops_it_as_the_default_mode(tmp_path: Path) -> None:
    from robokit.sim.presses import check_presses
    from robokit.targets.micropython.exact import run_exact
    from robokit.virtual.exact import ExactBoard, run_settings

    prog = program(tmp_path)
    presses = check_presses(["center@1.5s"], "--press")
    default = simulate(prog, press=presses, duration=10)
    w, seconds = run_settings(prog, None, 10.0)
    board = ExactBoard(w, duration_s=seconds, presses=presses)
    try:
        got = run_exact(prog, board)
    finally:
        board.close()
    assert got.status == default.status == "finished"
    assert got.output == default.output == "ended at 1500\n"
    assert got.pose == default.pose and stops(got) == stops(default)
