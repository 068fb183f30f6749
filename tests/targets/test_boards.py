"""Board files for MicroPython robot kits (robokit.kits): loading, checks, robot.toml."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from robokit.config import check_robot as check_config
from robokit.errors import ConfigError
from robokit.kits import (
    board_support_files,
    boards_dir,
    check_robot,
    list_boards,
    load_board,
    new_board_text,
    robot_toml_for,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

KITRONIK = "kitronik_pico_robotics"
INVENTOR = "pimoroni_inventor2040w"


def test_robokit_ships_the_four_kits() -> None:
    assert {KITRONIK, INVENTOR, "cytron_maker_pi_rp2040", "pololu_3pi_plus_2040"} <= set(
        list_boards())


@pytest.mark.parametrize("name", list_boards())
def test_every_board_file_loads_and_names_its_source(name: str) -> None:
    board = load_board(name)
    assert board["name"] == name
    assert board["url"].startswith("https://") and board["source"].startswith("https://")
    # The host reads the file without running it; the board imports it: same dict.
    text = (boards_dir() / f"{name}.py").read_text()
    space: dict[str, object] = {}
    exec(compile(text, name, "exec"), space)  # noqa: S102 - our own board file
    assert space["BOARD"] == board
    # Loading by path gives the same board.
    assert load_board(boards_dir() / f"{name}.py") == board


@pytest.mark.parametrize("name", list_boards())
def test_the_robot_toml_for_a_board_is_valid_and_fits_it(name: str) -> None:
    board = load_board(name)
    robot = check_config(tomllib.loads(robot_toml_for(board)), source="robot.toml")
    assert check_robot(board, robot) == []
    kinds = {d["port"]: d["type"] for d in robot["devices"].values()}
    for letter, port in board["ports"].items():
        if port["type"] == "motor":
            assert kinds[letter] == ("Motor" if port["encoder"] else "DCMotor")
    # A drive base only where both wheels have encoders (the device API needs Motors).
    assert (robot["drive_base"] is not None) == (name in (INVENTOR, "pololu_3pi_plus_2040"))


def test_board_support_files_are_the_kit_hal_and_the_board_file() -> None:
    files = board_support_files(KITRONIK)
    assert set(files) == {"/lib/robokit_board.py", "/lib/robokit_board_config.py"}
    assert files["/lib/robokit_board_config.py"] == (boards_dir() / f"{KITRONIK}.py").read_bytes()
    tree = ast.parse(files["/lib/robokit_board.py"])
    assert "hal" in {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}


def robot_with(**devices: dict[str, object]) -> dict[str, object]:
    return check_config({"devices": devices}, source="robot.toml")


def test_check_robot_names_each_mismatch_in_one_line() -> None:
    kit = load_board(KITRONIK)
    inv = load_board(INVENTOR)
    assert check_robot(kit, robot_with(
        left={"type": "DCMotor", "port": "A"}, eye={"type": "ColorSensor", "port": "D"},
        sonar={"type": "UltrasonicSensor", "port": "F"})) == []
    [p] = check_robot(kit, robot_with(left={"type": "Motor", "port": "A"}))
    assert p == ("robot.toml: devices.left (Motor on port A): port A of Kitronik Autonomous "
                 "Robotics Platform for Pico has no encoder, so it cannot be a Motor; "
                 'use type = "DCMotor"')
    [p] = check_robot(inv, robot_with(sonar={"type": "UltrasonicSensor", "port": "F"}))
    assert "Pimoroni Inventor 2040 W has no port F; its ports are A (motor), B (motor)" in p
    [p] = check_robot(kit, robot_with(bump={"type": "ForceSensor", "port": "C"}))
    assert "cannot offer a ForceSensor" in p
    [p] = check_robot(kit, robot_with(eye={"type": "ColorSensor", "port": "A"}))
    assert "port A of Kitronik" in p and "is a motor port, not a line sensor port" in p
    problems = check_robot(kit, robot_with(a={"type": "Motor", "port": "A"},
                                           b={"type": "Motor", "port": "B"}))
    assert len(problems) == 2
    assert check_robot(inv, robot_with(a={"type": "Motor", "port": "A"})) == []


def test_new_board_text_round_trips_through_load_board(tmp_path: Path) -> None:
    f = tmp_path / "my_bot.py"
    f.write_text(new_board_text("my_bot"))
    board = load_board(f)
    assert board["name"] == "my_bot" and board["ports"]["A"]["type"] == "motor"
    robot = check_config(tomllib.loads(robot_toml_for(board)), source="robot.toml")
    assert check_robot(board, robot) == []
    with pytest.raises(ConfigError, match="not a board name"):
        new_board_text("My Bot")


@pytest.mark.parametrize(("change", "message"), [
    (('"pwm": (20, 19)', '"pwm": (20, 0)'),
     r"my_bot.py:\d+: BOARD\['buttons'\]\['CENTER'\]\['pin'\]: GP0 is already used by "
     r"BOARD\['ports'\]\['A'\]\['pwm'\]; give each function its own pin"),
    (('"mcu": "rp2040"', '"mcu": "z80"'),
     r"my_bot.py:{mcu}: BOARD\['mcu'\]: unknown microcontroller"),
    (('"model": "tt_gear_48"},\n        "B"', '"model": "warp"},\n        "B"'),
     r"BOARD\['ports'\]\['A'\]\['model'\]: unknown motor model 'warp'"),
    (('"battery_mv": 6000,', '"battery_mv": 6000, "wheels": 2,'),
     r"BOARD\['wheels'\]: unknown setting"),
    (('"CENTER"', '"MIDDLE"'), r"'MIDDLE' is not a button name"),
    (('"adc": 26', '"adc": 99'), r"99 is not a pin number"),
    (('"encoder": None,\n              "model": "tt_gear_48"},\n        "B"',
      '"encoder": (2, 3),\n              "model": "tt_gear_48"},\n        "B"'),
     r"BOARD\['ports'\]\['A'\]\['counts_per_rev'\]: None is not a number"),
    (('BOARD = {', 'import os\nBOARD = {'), r"holds only `BOARD = \{...\}`"),
    (('"title": "My robot"', '"title": "My " + "robot"'), r"may hold only literals"),
])
def test_a_broken_board_file_says_where_and_what_to_fix(tmp_path: Path, change: tuple[str, str],
                                                        message: str) -> None:
    text = new_board_text("my_bot")
    assert change[0] in text
    f = tmp_path / "my_bot.py"
    f.write_text(text.replace(change[0], change[1], 1))
    mcu_line = next(i for i, line in enumerate(text.splitlines(), 1) if '"mcu"' in line)
    with pytest.raises(ConfigError, match=message.replace("{mcu}", str(mcu_line))):
        load_board(f)


def test_unknown_board_names_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="no board named 'lego_rcx'.*kitronik_pico_robotics"):
        load_board("lego_rcx")


# -- hostile board files (issue 16, case 11) ----------------------------------------------------


@pytest.mark.parametrize(("data", "expect"), [
    (b"\x7fELF\x02\x01\x01\x00\x00\xff\xfe" + bytes(range(256)),
     "bin.py:1: the file is not UTF-8 text (byte 0xff at byte offset 9); save it as UTF-8"),
    (b'BOARD = {"name": "x"}\x00\n', "bin.py: not valid Python (source code string cannot "
                                      "contain null bytes)"),
    (b"\xef\xbb\xbfBOARD = {}\n", "bin.py: the file starts with a UTF-8 byte-order mark"),
    (b"BOARD = " + b"[" * 300 + b"]" * 300 + b"\n",
     "bin.py:1: arrays or tables nested more than 32 levels deep"),
    (b"BOARD = {'x': " + b"(1, " * 150 + b")" * 150 + b"}\n", "bin.py:1: BOARD['x']: unknown"),
])
def test_a_binary_or_hostile_board_file_gives_one_clear_line(tmp_path: Path, monkeypatch,
                                                              data: bytes, expect: str) -> None:
    from robokit.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "bin.py").write_bytes(data)
    with pytest.raises(ConfigError) as info:
        load_board("bin.py")
    assert str(info.value).startswith(expect)
    from click.testing import CliRunner

    res = CliRunner().invoke(main, ["board", "check", "bin.py"])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert res.output.strip().splitlines()[-1].endswith(str(info.value))
