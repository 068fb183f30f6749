"""World files a teacher writes with small mistakes: each is one message naming the file,
the line, the table and the fix (docs/worlds.md, "Mistakes")."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import invoke

from robokit.errors import WorldError
from robokit.sim.world import load_world, parse_world


def _error(text: str, source: str = "w.toml") -> str:
    with pytest.raises(WorldError) as info:
        parse_world(text, source)
    return str(info.value)


BOX_AT_500 = """size = [2000, 2000]
[[boxes]]
center = [500, 0]
size = [200, 200]
"""


def test_a_second_robot_starting_inside_a_box_is_refused() -> None:
    text = BOX_AT_500 + "[[robots]]\nx = -500\ny = 0\n[[robots]]\nx = 500\ny = 0\n"
    assert _error(text) == (
        "w.toml:9: [[robots]] #2, key 'x': robot 2's start (500, 0) is inside [[boxes]] #1, "
        "so the robot could not move; move it to open floor")


def test_a_robot_starting_on_a_wall_is_refused() -> None:
    text = ("size = [2000, 2000]\n[[walls]]\npoints = [[-500, -500], [-500, 500]]\n"
            "[[robots]]\nx = 0\ny = 0\n[[robots]]\nx = -505\ny = 0\n")
    msg = _error(text)
    assert msg.startswith("w.toml:8: [[robots]] #2, key 'x': robot 2's start (-505, 0) is on "
                          "[[walls]] #1")


def test_the_first_robot_in_a_box_is_not_blamed_on_the_worlds_centre() -> None:
    # without start, robot 1 starts at [[robots]] #1: the message must say so, not talk of
    # the centre (which is where the box happens to be too)
    text = ("size = [2000, 2000]\n[[boxes]]\ncenter = [0, 0]\nsize = [200, 200]\n"
            "[[robots]]\nx = 0\ny = 0\n")
    msg = _error(text)
    assert "centre" not in msg
    assert msg.startswith("w.toml:6: [[robots]] #1, key 'x': robot 1's start (0, 0) is inside "
                          "[[boxes]] #1")


def test_a_start_inside_an_object_is_refused() -> None:
    text = ("size = [2000, 2000]\nstart = { x = 0, y = 0, heading = 0 }\n"
            "[[objects]]\nshape = \"ball\"\ncenter = [10, 0]\nradius = 50\n")
    assert _error(text) == ("w.toml:2: start, key 'x': the start (0, 0) is inside [[objects]] "
                            "#1, so the robot could not move; move the start to open floor")


def test_a_robot_inside_a_turned_box_object_is_refused_and_beside_it_is_not() -> None:
    obj = "[[objects]]\nshape = \"box\"\ncenter = [300, 0]\nsize = [200, 20]\nangle = 90\n"
    inside = "size = [2000, 2000]\n[[robots]]\nx = 300\ny = 90\n" + obj
    assert "robot 1's start (300, 90) is inside [[objects]] #1" in _error(inside)
    beside = "size = [2000, 2000]\n[[robots]]\nx = 390\ny = 0\n" + obj
    assert parse_world(beside, "w.toml").objects[0].center == (300.0, 0.0)


def test_an_object_outside_the_bounds_is_refused() -> None:
    text = ("size = [2000, 2000]\n[[objects]]\nshape = \"box\"\ncenter = [5000, 0]\n"
            "size = [50, 50]\n")
    assert _error(text) == (
        "w.toml:4: [[objects]] #1, key 'center': the object's centre (5000, 0) is outside the "
        "world's bounds (-1000.0, -1000.0, 1000.0, 1000.0); move it inside")


def test_an_object_inside_a_fixed_box_is_refused() -> None:
    text = BOX_AT_500 + "[[objects]]\nshape = \"cylinder\"\ncenter = [520, 0]\nradius = 30\n"
    assert _error(text) == (
        "w.toml:7: [[objects]] #1, key 'center': the object's centre (520, 0) is inside "
        "[[boxes]] #1, so it could never move; move it to open floor")


def test_a_missing_key_of_an_object_reads_as_english() -> None:
    text = "size = [2000, 2000]\n[[objects]]\nshape = \"ball\"\ncenter = [0, 400]\n"
    assert _error(text) == ("w.toml:2: [[objects]] #1: an object needs 'radius'; write e.g. "
                            "radius = 100")


def test_a_boolean_for_a_number_is_shown_as_the_file_writes_it() -> None:
    text = "size = [2000, 2000]\n[[lines]]\npoints = [[0, 0], [100, 0]]\nwidth = true\n"
    assert _error(text) == ("w.toml:4: [[lines]] #1, key 'width': true is not a number; write "
                            "a number, e.g. width = 20")


def test_the_shipped_worlds_still_load() -> None:
    root = Path(__file__).resolve().parents[2]
    for name in ("empty", "oval", "arena", "maze", "sumo", "mat"):
        assert load_world(name).name == name
    assert load_world(root / "examples" / "can_push" / "can_ring.toml").objects


def test_robokit_worlds_show_says_it_in_one_line_and_exits_2(tmp_path: Path) -> None:
    world = tmp_path / "class.toml"
    world.write_text(BOX_AT_500 + "[[robots]]\nx = -500\ny = 0\n[[robots]]\nx = 500\ny = 0\n")
    result = invoke("worlds", "--show", world, "-o", tmp_path / "class.svg")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "class.toml:9: [[robots]] #2" in result.stderr
    assert not (tmp_path / "class.svg").exists()


def test_a_second_lines_keys_pasted_without_their_header_say_so() -> None:
    text = ('size = [2000, 2000]\n\n[[lines]]\npoints = [[0, 0], [100, 0]]\ncolor = "red"\n\n'
            'points = [[0, 100], [100, 100]]\ncolor = "blue"\n')
    assert _error(text) == ("w.toml:7: 'points' is given twice in one [[lines]] table; for "
                            "another item, write [[lines]] on the line before its keys")


def test_a_top_level_key_twice_and_a_list_table_with_one_bracket_twice() -> None:
    assert _error("size = [2000, 2000]\nsize = [1000, 1000]\n") == (
        "w.toml:2: 'size' is given twice in the file; give it once")
    text = ("size = [2000, 2000]\n[lines]\npoints = [[0, 0], [100, 0]]\n[lines]\n"
            "points = [[0, 0], [100, 0]]\n")
    assert _error(text) == ("w.toml:4: [lines] is given twice; write [[lines]] (two brackets) "
                            "before each item of the list")


def test_a_json_world_with_a_key_twice_is_refused_not_half_dropped() -> None:
    # json keeps the last of a key given twice: the first list of lines would vanish
    text = ('{"size": [2000, 2000],\n "lines": [{"points": [[0, 0], [100, 0]]}],\n'
            ' "circles": [{"center": [0, 0], "radius": 50}],\n'
            ' "lines": [{"points": [[0, 500], [100, 500]]}]\n}\n')
    with pytest.raises(WorldError) as info:
        parse_world(text, "w.json", "json")
    assert str(info.value) == ("w.json:4: key 'lines' is given twice in one object; JSON would "
                               "keep only the second: give it once (all the lines in one list)")


def test_a_json_key_twice_deep_in_an_item_is_found_on_its_line() -> None:
    text = ('{"size": [2000, 2000],\n "lines": [{"points": [[0, 0], [100, 0]], "color": "red"},'
            '\n  {"points": [[0, 0], [100, 0]],\n   "width": 5, "color": "red", '
            '"width": 50}]}\n')
    with pytest.raises(WorldError) as info:
        parse_world(text, "w.json", "json")
    assert str(info.value).startswith("w.json:4: key 'width' is given twice in one object")


def test_a_box_with_a_zero_side_shows_the_size_as_written() -> None:
    # it said "size = 0 must be greater than 0", which is not what the file says
    text = "size = [2000, 2000]\n[[boxes]]\ncenter = [0, 500]\nsize = [100, 0]\n"
    assert _error(text) == (
        "w.toml:4: [[boxes]] #1, key 'size': size = [100, 0]: the width and the depth must be "
        "greater than 0 (mm); write e.g. size = [200, 100]")
    text = ('size = [2000, 2000]\n[[objects]]\nshape = "box"\ncenter = [0, 500]\n'
            'size = [-5, 10]\n')
    assert "key 'size': size = [-5, 10]: the width and the depth" in _error(text)


MATCH = ('size = [1200, 1200]\n[[robots]]\nx = -170\ny = 0\nprogram = "a.py"\n'
         '[[robots]]\nx = 170\ny = 0\nheading = 180\nprogram = "b.py"\nrobot = "blue.toml"\n')


def test_a_robot_file_a_world_names_that_is_not_there_is_blamed_on_the_world(
        tmp_path: Path) -> None:
    # it said "match/blue.toml: no such robot file; ... or leave out --robot", and no
    # --robot was given: the name is the world file's
    folder = tmp_path / "match"
    folder.mkdir()
    (folder / "a.py").write_text("print('a')\n", encoding="utf-8")
    (folder / "b.py").write_text("print('b')\n", encoding="utf-8")
    world = folder / "match.toml"
    world.write_text(MATCH, encoding="utf-8")
    result = invoke("run", "--world", world)
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert (f"match.toml:11: [[robots]] #2, key 'robot': there is no {folder / 'blue.toml'} "
            "(a path in a world file is taken from the world file's folder)") in result.stderr
    assert "--robot" not in result.stderr
    (folder / "blue.toml").write_text('name = "blue"\n', encoding="utf-8")
    assert invoke("run", "--world", world).exit_code == 0


def test_a_program_a_world_names_that_is_not_there_is_blamed_on_the_world(
        tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("print('a')\n", encoding="utf-8")
    world = tmp_path / "match.toml"
    world.write_text(MATCH.replace('robot = "blue.toml"\n', ""), encoding="utf-8")
    result = invoke("run", "--world", world)
    assert result.exit_code == 2
    assert "match.toml:10: [[robots]] #2, key 'program': there is no " in result.stderr


@pytest.mark.parametrize("name", ["oval.toml", "Oval", " oval", "OVAL.json"])
def test_a_built_in_world_written_as_a_file_or_in_capitals_names_the_built_in_one(
        name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(WorldError) as info:
        load_world(name)
    assert str(info.value).startswith(f"{name!r} is neither a world file here nor a built-in "
                                      "world's name; the built-in world is named oval (")


def test_a_folder_or_nothing_for_a_world_says_so(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # both said "'...' is not a built-in world", for a folder that is there
    monkeypatch.chdir(tmp_path)
    (tmp_path / "worlds").mkdir()
    with pytest.raises(WorldError) as info:
        load_world("worlds")
    assert str(info.value).startswith("worlds is a folder, not a world file; give the path of "
                                      "a .toml or .json world file")
    with pytest.raises(WorldError) as info:
        load_world("")
    assert str(info.value).startswith("'' names no world; give one of the built-in worlds")
    (tmp_path / "x.py").write_text("print(1)\n", encoding="utf-8")
    result = invoke("run", "x.py", "--world", "worlds")
    assert result.exit_code == 2 and "worlds is a folder" in result.stderr


def test_mistakes_of_starts_and_objects_are_said_in_file_order() -> None:
    text = (BOX_AT_500 + "[[robots]]\nx = -500\ny = 0\n[[robots]]\nx = 500\ny = 0\n"
            '[[objects]]\nshape = "ball"\ncenter = [5000, 0]\nradius = 10\n')
    assert _error(text).startswith("w.toml:9: [[robots]] #2, key 'x': robot 2's start")


def test_an_empty_name_is_refused_not_shown_as_nothing() -> None:
    # it made the summary's header "── p.py on  ──" and "wrote x.svg: world "
    assert _error('name = ""\nsize = [1000, 1000]\n', "maze 2.toml") == (
        "maze 2.toml:1: key 'name': name = '' is empty: a run's summary shows the world's "
        "name; write e.g. name = \"my world\", or leave it out to use the file's (maze 2)")


def test_a_name_or_description_with_line_breaks_is_refused() -> None:
    # a description is "one line, shown in listings" (worlds.md); two broke the summary
    text = 'description = """\nline one\nline two"""\nsize = [1000, 1000]\n'
    assert _error(text) == ("w.toml:1: key 'description': the description is one line "
                            "(listings and summaries show it so); write it without line breaks")
    assert "key 'name': the name is one line" in _error('name = "a\\nb"\nsize = [1000, 1000]\n')


def test_a_painted_shape_wholly_outside_the_bounds_is_refused() -> None:
    # coordinates from a corner while size = [w, h] is centred on (0, 0): the line was never
    # painted nor seen, without a word
    text = "size = [2000, 2000]\n[[lines]]\npoints = [[200, 1500], [1800, 1500]]\n"
    assert _error(text) == (
        "w.toml:3: [[lines]] #1, key 'points': the line lies wholly outside the world's bounds "
        "(-1000, -1000, 1000, 1000), where nothing is painted; move it inside (size = [w, h] "
        "is centred on (0, 0); for a mat from (0, 0) write bounds = [0, 0, w, h])")
    circle = "size = [2000, 2000]\n[[circles]]\ncenter = [1050, 0]\nradius = 40\n"
    assert "w.toml:3: [[circles]] #1, key 'center': the circle lies wholly outside" in (
        _error(circle))
    # across the edge is painted where it is on the mat: no mistake
    across = "size = [2000, 2000]\n[[circles]]\ncenter = [1050, 0]\nradius = 60\n"
    assert len(parse_world(across, "w.toml").circles) == 1
    edge_line = "size = [2000, 2000]\n[[lines]]\npoints = [[1005, -500], [1005, 500]]\n"
    assert len(parse_world(edge_line, "w.toml").lines) == 1  # 20 mm wide: 5 mm on the mat


def test_objects_that_overlap_at_the_start_are_refused() -> None:
    # they blocked each other for the whole run: a robot pushing them got nowhere
    two = ('size = [2000, 2000]\n[[objects]]\nshape = "box"\ncenter = [300, 0]\n'
           'size = [100, 100]\n[[objects]]\nshape = "{shape}"\ncenter = [{x}, 0]\n{extent}\n')
    msg = _error(two.format(shape="box", x=320, extent="size = [100, 100]"))
    assert msg == ("w.toml:8: [[objects]] #2, key 'center': the object overlaps [[objects]] #1; "
                   "bodies never overlap, so the two would block each other: move them apart")
    assert "overlaps [[objects]] #1" in _error(two.format(shape="ball", x=380,
                                                          extent="radius = 40"))
    # side by side, touching or apart: no mistake
    assert len(parse_world(two.format(shape="box", x=400, extent="size = [100, 100]"),
                           "w.toml").objects) == 2
    assert len(parse_world(two.format(shape="cylinder", x=400, extent="radius = 40"),
                           "w.toml").objects) == 2


def test_the_world_s_own_size_and_bounds_get_examples_of_their_own() -> None:
    # bounds said "write e.g. bounds = ...", and a world's size a box's "size = [200, 100]"
    assert _error('bounds = ["a", 0, 1, 1]\n') == (
        "w.toml:1: key 'bounds': 'a' is not a number; write a number, e.g. "
        "bounds = [-2000, -2000, 2000, 2000]")
    assert _error("size = [1e9, 1]\n").endswith("write e.g. size = [4000, 4000]")


@pytest.mark.parametrize(("text", "hint"), [
    ('{\n  // the arena\n  "size": [2000, 2000]\n}\n',
     "w.json:2: JSON syntax error: Expecting property name enclosed in double quotes (column 3)"
     "; JSON has no comments: remove it, or write the world as TOML, where # starts one"),
    ("{'size': [2000, 2000]}\n", "; JSON strings and keys take double quotes (\"size\"), not "
                                 "single ones"),
    ('{"size": [2000, 2000],\n "lines": [{"points": [[0, 0], [100, 0]],}]}\n',
     "w.json:2: JSON syntax error: Expecting property name enclosed in double quotes "
     "(column 42); JSON allows no comma before }: remove the last one"),
])
def test_a_json_syntax_error_says_what_was_likely_meant(text: str, hint: str) -> None:
    with pytest.raises(WorldError) as info:
        parse_world(text, "w.json", "json")
    assert str(info.value).endswith(hint)


def test_a_toml_line_commented_with_slashes_says_toml_comments_take_a_hash() -> None:
    assert _error("# the arena\nsize = [2000, 2000]\n// the walls\n") == (
        "w.toml:3: TOML syntax error: Invalid statement (column 1); a TOML comment starts "
        "with #")
