"""Scripted hub button presses: ``robokit run --press`` and ``simulate(press=...)``."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from cli_helpers import invoke

from robokit.errors import ProgramError
from robokit.sim import simulate
from robokit.sim.presses import DEFAULT_PRESS_S, Press, check_presses, parse_press

#: Wait for the centre button, say when it was seen, then drive 200 mm.  (The centre
#: button is the hub's stop button until the program says otherwise, as on a hub.)
PRESS_TO_START = textwrap.dedent("""\
    from robokit import Button, StopWatch, robot, wait

    robot.hub.system.set_stop_button(None)
    clock = StopWatch()
    while Button.CENTER not in robot.hub.buttons.pressed():
        wait(10)
    print("pressed at", clock.time())
    robot.drive_base.straight(200)
    """)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _seen_ms(output: str) -> int:
    line = next(x for x in output.splitlines() if x.startswith("pressed at"))
    return int(line.split()[-1])


def test_press_to_start_waits_for_the_scripted_press(tmp_path: Path) -> None:
    prog = write(tmp_path / "start.py", PRESS_TO_START)
    result = simulate(prog, press=["center@2s"], duration=10)
    assert result.status == "finished"
    # Seen within one 10 ms poll of the press at 2 s, and not before it.
    assert 2000 <= _seen_ms(result.output) <= 2010
    assert result.distance_mm == pytest.approx(200, abs=2)
    assert result.sim_time_s > 2.0
    # The press is on the replay's timeline at the time it began.
    pressed = [e for e in result.brick.recorder.events if e["kind"] == "button"]
    assert pressed == [{"t_ms": 2000.0, "kind": "button", "button": "CENTER",
                        "until_s": 2.0 + DEFAULT_PRESS_S}]


def test_without_a_press_the_program_never_starts(tmp_path: Path) -> None:
    prog = write(tmp_path / "start.py", PRESS_TO_START)
    result = simulate(prog, duration=3)
    assert result.status == "timeout"
    assert result.distance_mm == pytest.approx(0, abs=0.5)


def test_a_press_of_another_button_does_not_start_it(tmp_path: Path) -> None:
    prog = write(tmp_path / "start.py", PRESS_TO_START)
    result = simulate(prog, press=[("left", 1.0, 2.0)], duration=3)
    assert result.status == "timeout"
    assert result.distance_mm == pytest.approx(0, abs=0.5)


def test_a_held_range_is_reported_from_start_to_end(tmp_path: Path) -> None:
    prog = write(tmp_path / "held.py", textwrap.dedent("""\
        from robokit import Button, StopWatch, robot, wait

        clock = StopWatch()
        held = []
        for _ in range(60):
            if Button.LEFT in robot.hub.buttons.pressed():
                held.append(clock.time())
            wait(100)
        print(held[0], held[-1], len(held))
        """))
    result = simulate(prog, press=["left@3s-4s"], duration=10)
    first, last, count = (int(x) for x in result.output.split())
    assert 3000 <= first < 3100
    assert 3900 <= last < 4000
    assert count == 10


def test_cli_press_starts_the_program_at_that_time(tmp_path: Path) -> None:
    prog = write(tmp_path / "start.py", PRESS_TO_START)
    res = invoke("run", prog, "--press", "centre@1.5s", "--press", "left@3s-4s", "--json")
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["status"] == "finished"
    assert 1500 <= _seen_ms(data["output"]) <= 1510
    assert data["distance_mm"] == pytest.approx(200, abs=2)


@pytest.mark.parametrize("value, says", [
    ("middle@2s", "no hub button is called 'middle'"),
    ("center", "not a button press"),
    ("center@soon", "not a button press"),
    ("left@4s-3s", "ends before it begins"),
])
def test_a_bad_press_option_is_one_line(tmp_path: Path, value: str, says: str) -> None:
    prog = write(tmp_path / "start.py", PRESS_TO_START)
    res = invoke("run", prog, "--press", value)
    assert res.exit_code == 2
    assert "Traceback" not in res.stderr
    assert res.stderr.startswith(f"robokit: run: --press {value}: ")
    assert says in res.stderr
    assert "center@2s" in res.stderr or "left@3s-4s" in res.stderr  # what to write
    assert len(res.stderr.splitlines()) == 1


def test_a_press_after_the_runs_end_is_refused_before_it(tmp_path: Path) -> None:
    """center@2000 (meant as milliseconds) in a 10 s run could never be seen: the run is
    refused in one line, with a run of one, of several, and with --exact."""
    prog = write(tmp_path / "start.py", "# robokit: duration=10\n" + PRESS_TO_START)
    with pytest.raises(ProgramError, match=r"center@2000s-2000.1s begins at 2000 s, when "
                                           r"the run is over \(it lasts 10 s\)"):
        simulate(prog, press=["center@2000"])
    with pytest.raises(ProgramError, match="when the run is over"):
        simulate([prog, prog], world="sumo", press=["center@10s"])
    assert simulate(prog, press=["center@5s"]).status == "finished"  # in time
    for extra in ([], ["--exact"]):
        res = invoke("run", prog, "--press", "center@2000", *extra)
        assert res.exit_code == 2, res.stderr
        assert res.stderr.startswith("robokit: run: press center@2000s-2000.1s begins")
        assert len(res.stderr.splitlines()) == 1


def test_press_is_refused_with_a_real_brick(tmp_path: Path) -> None:
    prog = write(tmp_path / "start.py", PRESS_TO_START)
    res = invoke("run", prog, "--press", "center@2s", "--port", "/dev/null")
    assert res.exit_code == 2
    assert "--press is for the simulated brick" in res.stderr


def test_parse_press_forms() -> None:
    assert parse_press("center@2s") == Press("CENTER", 2.0, 2.0 + DEFAULT_PRESS_S)
    assert parse_press("Left@3-4") == Press("LEFT", 3.0, 4.0)
    assert parse_press("right@0.5s-1.25s") == Press("RIGHT", 0.5, 1.25)
    assert check_presses([("bluetooth", 1, 2), "up@0"]) == (
        Press("UP", 0.0, DEFAULT_PRESS_S), Press("BLUETOOTH", 1.0, 2.0))
    with pytest.raises(ProgramError, match="press"):
        check_presses([("center", "soon", 2)])
    with pytest.raises(ProgramError, match="from 0"):
        check_presses([("center", -1, 0)])
