"""Every parser a user's file reaches ends in a result or in one RobokitError with a message.

The specific hostile files of issue 16 first (robot.toml not UTF-8, with a BOM, nested or
huge; device names; the `# robokit:` header), then property-based tests (hypothesis) that
throw generated text and values at robot.toml (robokit.config), world files
(robokit.sim.world.loading), the `# robokit:` header (robokit.sim.runner.directives_in),
board files (robokit.kits) and the CLI's option values.  Examples are bounded so that the
file runs in seconds.
"""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from robokit.config import MAX_NAME_CHARS, check_robot, load_robot
from robokit.errors import ConfigError, RobokitError

FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def _load_robot(tmp_path: Path, name: str, data: bytes) -> str:
    p = tmp_path / name
    p.write_bytes(data)
    with pytest.raises(ConfigError) as info:
        load_robot(p)
    return str(info.value).replace(f"{tmp_path}/", "")


# -- robot.toml: the cases ---------------------------------------------------------


def test_a_robot_toml_that_is_not_utf8_names_the_file_and_byte(tmp_path: Path):
    msg = _load_robot(tmp_path, "robot.toml", 'name = "caf\xe9"\n'.encode("latin-1"))
    assert msg == ("robot.toml:1: the file is not UTF-8 text (byte 0xe9 at byte offset 11); "
                   "save it as UTF-8")


@pytest.mark.parametrize("args", [["run", "--json", "prog.py"], ["run", "prog.py"],
                                  ["check", "prog.py"],
                                  ["board", "check", "pololu_3pi_plus_2040", "--robot",
                                   "robot.toml"]])
def test_run_check_and_board_check_say_it_in_one_line_and_json(tmp_path: Path, monkeypatch,
                                                               split_runner, args):
    from robokit.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "robot.toml").write_bytes('name = "caf\xe9"\n'.encode("latin-1"))
    (tmp_path / "prog.py").write_text("print('hi')\n", encoding="utf-8")
    res = split_runner.invoke(main, args)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output + res.stderr
    want = "robot.toml:1: the file is not UTF-8 text (byte 0xe9 at byte offset 11)"
    if "--json" in args:
        error = json.loads(res.stdout)["error"]
        assert want in error["message"]
        assert (error["file"], error["line"]) == ("robot.toml", 1)
    else:
        assert res.stderr.strip().endswith(want + "; save it as UTF-8")


def test_a_bom_is_named(tmp_path: Path):
    msg = _load_robot(tmp_path, "robot.toml", b'\xef\xbb\xbfname = "x"\n')
    assert msg == ("robot.toml: the file starts with a UTF-8 byte-order mark; "
                   "save it without one")


def test_a_program_with_a_bom_is_named(tmp_path: Path, monkeypatch, split_runner):
    from robokit.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "bom.py").write_bytes(b'\xef\xbb\xbfprint("hi")\n')
    res = split_runner.invoke(main, ["check", "bom.py"])
    assert res.exit_code == 2
    assert res.stderr.strip().endswith("bom.py:1: the file starts with a UTF-8 byte-order "
                                       "mark; save it without one")


@pytest.mark.parametrize(("name", "data", "expect"), [
    ("deep.toml", b"name = " + b"[" * 5000 + b"]" * 5000 + b"\n",
     "deep.toml:1: arrays or tables nested more than 32 levels deep"),
    ("deep.json", b'{"name": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
     "deep.json:1: arrays or tables nested more than 32 levels deep"),
    ("spaced.json", b'{"name": ' + b"[1, " * 3000 + b"]" * 3000 + b"}",
     "spaced.json: arrays or tables nested too deeply"),
    ("bigint.toml", b"[body]\nfront = 1" + b"0" * 5000 + b"\n",
     "bigint.toml:2: a number of 4000 digits or more"),
    ("tables.toml", "\n".join("[" + ".".join(["a"] * i) + "]" for i in range(1, 60)).encode(),
     "tables.toml:33: a dotted key of more than 32 parts"),
    ("huge.toml", (b"[" + b".".join([b"a"] * 3000) + b"]\n") * 200,
     "huge.toml: the file is larger than 1,000,000 bytes, the most a robot file may be"),
    ("bigname.toml", b'name = "' + b"x" * 900_000 + b'"\n',
     "bigname.toml:1: name: the name is 900,000 characters long; write a name of at most "
     f"{MAX_NAME_CHARS} characters"),
])
def test_deep_huge_or_long_robot_files_are_refused_naming_what(tmp_path: Path, name: str,
                                                               data: bytes, expect: str):
    assert _load_robot(tmp_path, name, data).startswith(expect)


def test_a_device_name_is_any_python_identifier():
    cfg = check_robot({"devices": {"лево": {"type": "Motor", "port": "A"}}})
    assert list(cfg["devices"]) == ["лево"]
    with pytest.raises(ConfigError, match="'2x' cannot be a device name"):
        check_robot({"devices": {"2x": {"type": "Motor", "port": "A"}}})


# -- the `# robokit:` header ----------------------------------------------------------------


@FUZZ
@given(st.text(alphabet=string.printable + "\x00é", max_size=300))
def test_the_robokit_header_ends_in_settings_or_one_error(tmp_path: Path, value: str):
    from robokit.sim.runner import directives_in

    text = f"# robokit: {value}\nprint(1)\n"
    try:
        out = directives_in(text, tmp_path / "prog.py")
    except RobokitError as e:
        assert str(e)
    else:
        assert set(out) <= {"world", "duration"}


def test_a_long_world_name_in_the_header_is_one_error(tmp_path: Path):
    from robokit.errors import WorldError
    from robokit.sim.runner import directives_in
    from robokit.sim.world import load_world

    name = "x" * 300  # longer than a file name can be
    with pytest.raises(RobokitError, match=r"prog\.py:1: world=x+: 'x+' is not a built-in world"):
        directives_in(f"# robokit: world={name}\n", tmp_path / "prog.py")
    with pytest.raises(WorldError, match="is not a built-in world"):
        load_world(name)
    with pytest.raises(WorldError, match="no such world file"):
        load_world(name + ".toml")


# -- property-based: robot.toml -------------------------------------------------------------

_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                     st.text(max_size=20))
_values = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=12)
_keys = st.sampled_from(["name", "hub", "devices", "drive_base", "body", "type", "port",
                         "model", "positive_direction", "range", "gears", "x", "y", "heading",
                         "left", "right", "wheel_diameter", "axle_track", "front", "back",
                         "width", "mass_g", "left_motor", "лево", "Motor", "A"])
_robot_like = st.recursive(
    st.one_of(_scalars, st.sampled_from(["Motor", "ColorSensor", "A", "B", "PrimeHub",
                                         "left_motor", "clockwise"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(_keys, inner, max_size=5)),
    max_leaves=20)


def _ends_well(fn, *args):
    try:
        return fn(*args)
    except RobokitError as e:
        assert str(e).strip(), "an error needs a message"
        assert "\n" not in str(e).strip() or len(str(e)) < 2000
        return None


@FUZZ
@given(st.dictionaries(_keys, _robot_like, max_size=6))
def test_check_robot_ends_in_a_config_or_one_error(data):
    _ends_well(check_robot, data)


@FUZZ
@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_load_robot_on_any_bytes_ends_in_a_config_or_one_error(tmp_path: Path, data: bytes):
    p = tmp_path / "robot.toml"
    p.write_bytes(data)
    _ends_well(load_robot, p)
    q = tmp_path / "robot.json"
    q.write_bytes(data)
    _ends_well(load_robot, q)


@FUZZ
@given(st.dictionaries(_keys, _robot_like, max_size=6))
def test_load_robot_on_json_of_any_shape(tmp_path: Path, data):
    p = tmp_path / "robot.json"
    p.write_text(json.dumps(data), encoding="utf-8")
    _ends_well(load_robot, p)


# -- property-based: world files ------------------------------------------------------------

_world_keys = st.sampled_from(["name", "description", "size", "bounds", "background", "start",
                               "lines", "polygons", "circles", "rings", "walls", "boxes",
                               "order", "points", "width", "color", "closed", "center",
                               "radius", "thickness", "height", "angle", "x", "y", "heading"])
_world_like = st.recursive(
    st.one_of(_scalars, st.sampled_from(["black", "#00ff00", "none"])),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(_world_keys, inner, max_size=5)),
    max_leaves=24)


@FUZZ
@given(st.dictionaries(_world_keys, _world_like, max_size=7))
def test_a_world_of_any_shape_ends_in_a_world_or_one_error(data):
    from robokit.sim.world import World, parse_world

    _ends_well(World.from_dict, data)
    try:
        text = json.dumps(data)
    except ValueError:
        return
    _ends_well(parse_world, text, "w.json", "json")


@FUZZ
@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_a_world_file_of_any_bytes_ends_in_a_world_or_one_error(tmp_path: Path, data: bytes):
    from robokit.sim.world import load_world

    for name in ("w.toml", "w.json"):
        p = tmp_path / name
        p.write_bytes(data)
        _ends_well(load_world, str(p))


@FUZZ
@given(st.lists(st.sampled_from(["size = [1000, 1000]", "[[boxes]]", "center = [0, 0]",
                                 "size = [10, 10]", "start = { x = 100, y = 0 }", "[[walls]]",
                                 "points = [[0, 0], [100, 0]]", "[[lines]]", "width = 1e308",
                                 "radius = nan", "[[circles]]", "thickness = -1", "[start]",
                                 "x = inf", "heading = 1e400", "closed = true", "angle = 45",
                                 "bounds = [0, 0, 1, 1]", "color = 'red'"]), max_size=12))
def test_a_toml_world_made_of_plausible_lines_ends_well(lines):
    from robokit.sim.world import parse_world

    _ends_well(parse_world, "\n".join(lines) + "\n", "w.toml", "toml")


# -- property-based: board files -------------------------------------------------------------


@FUZZ
@given(st.dictionaries(st.sampled_from(["name", "title", "mcu", "ports", "buttons", "leds",
                                        "geometry", "battery_mv", "imu", "ble", "A", "type",
                                        "pins", "motor", "encoder"]),
                       _robot_like, max_size=6))
def test_a_board_of_any_shape_ends_in_a_board_or_one_error(data):
    from robokit.kits import board_from_text

    _ends_well(board_from_text, f"BOARD = {data!r}\n", "b.py")


@FUZZ
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_a_board_file_of_any_bytes_ends_in_a_board_or_one_error(tmp_path: Path, data: bytes):
    from robokit.kits import load_board

    p = tmp_path / "b.py"
    p.write_bytes(data)
    _ends_well(load_board, p)


# -- CLI option values with a parser of their own -------------------------------------------


@FUZZ
@given(st.text(max_size=40))
def test_world_names_given_on_the_command_line_end_well(value: str):
    from robokit.sim.world import load_world

    if "\x00" in value:
        value = value.replace("\x00", "")
    _ends_well(load_world, value)
