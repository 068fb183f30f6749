"""`robokit board list|new|check` and `robokit sim serve --board`: kit board files from the
command line, each refusal one line and exit 2."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from robokit.cli import main
from robokit.kits import list_boards

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "kits"


def test_list_names_every_board_with_its_motors() -> None:
    r = CliRunner().invoke(main, ["board", "list"])
    assert r.exit_code == 0, r.output
    lines = r.output.strip().splitlines()
    assert [line.split()[0] for line in lines] == list_boards()
    kitronik = next(x for x in lines if x.startswith("kitronik_pico_robotics"))
    assert "2 motors, 0 with encoders" in kitronik
    inventor = next(x for x in lines if x.startswith("pimoroni_inventor2040w"))
    assert "2 motors, 2 with encoders" in inventor and "Bluetooth" in inventor


def test_new_writes_a_template_that_checks_and_will_not_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "my_kit.py"
    r = CliRunner().invoke(main, ["board", "new", "my_kit", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "BOARD = {" in out.read_text()
    checked = CliRunner().invoke(main, ["board", "check", str(out)])
    assert checked.exit_code == 0, checked.output
    again = CliRunner().invoke(main, ["board", "new", "my_kit", "-o", str(out)])
    assert again.exit_code == 2 and "exists already" in again.output


def test_check_a_robot_against_a_board(tmp_path: Path) -> None:
    good = EXAMPLES / "kitronik_line_follower" / "robot.toml"
    r = CliRunner().invoke(main, ["board", "check", "kitronik_pico_robotics", "--robot",
                                  str(good)])
    assert r.exit_code == 0, r.output
    assert "fits the board" in r.output
    bad = tmp_path / "robot.toml"
    bad.write_text(good.read_text().replace('type = "DCMotor"\nport = "A"',
                                            'type = "Motor"\nport = "A"'))
    r = CliRunner().invoke(main, ["board", "check", "kitronik_pico_robotics", "--robot",
                                  str(bad)])
    assert r.exit_code == 2
    assert r.output.strip().splitlines()[1:] == [
        "robokit: board check: robot.toml: devices.left_motor (Motor on port A): port A of "
        "Kitronik Autonomous Robotics Platform for Pico has no encoder, so it cannot be a "
        'Motor; use type = "DCMotor"']


def test_a_broken_board_file_names_the_file(tmp_path: Path) -> None:
    f = tmp_path / "broken.py"
    f.write_text("BOARD = {'name': 'broken',\n")
    r = CliRunner().invoke(main, ["board", "check", str(f)])
    assert r.exit_code == 2
    assert r.output.startswith("robokit: board check: ") and "broken.py" in r.output
    assert len(r.output.strip().splitlines()) == 1


def test_sim_serve_refuses_an_unknown_kit() -> None:
    r = CliRunner().invoke(main, ["sim", "serve", "--pty", "--board", "no_such_kit"])
    assert r.exit_code == 2
    assert r.output.startswith("robokit: sim serve: --board: ")
    assert "kitronik_pico_robotics" in r.output  # says which boards there are
