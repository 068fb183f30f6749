"""A world file parsed once is not parsed again: its TOML table and the places of its
shapes (their paint order) come from the cache (robokit.sim.world.loading), and the
run does not import the TOML parser."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from robokit.compiler.cache import Cache
from robokit.errors import WorldError
from robokit.sim.world import loading
from robokit.sim.world.loading import parse_world

ROOT = Path(__file__).resolve().parents[2]

#: Paint order from the places in the text: a circle, then a line over it, then a circle.
WORLD = """\
name = "layers"
size = [1000, 800]

[[circles]]
center = [0, 0]
radius = 100
color = "red"

[[lines]]
points = [[-300, 0], [300, 0]]
width = 30

[[circles]]
center = [200, 0]
radius = 50
color = "blue"
"""


def test_a_world_read_back_from_the_cache_is_the_world_parsed(tmp_path, monkeypatch):
    monkeypatch.setenv("ROBOKIT_CACHE_DIR", "")
    parsed = parse_world(WORLD, "layers.toml").to_dict()
    assert parsed["order"] == [["circles", 0], ["lines", 0], ["circles", 1]]
    monkeypatch.setenv("ROBOKIT_CACHE_DIR", str(tmp_path))
    assert parse_world(WORLD, "layers.toml").to_dict() == parsed  # parsed, then kept
    assert list((tmp_path / "world").rglob("*"))  # one entry
    assert loading._parsed_get(loading._parsed_key(WORLD)) is not None
    assert parse_world(WORLD, "layers.toml").to_dict() == parsed  # from the cache


def test_a_damaged_entry_is_parsed_again(tmp_path, monkeypatch):
    monkeypatch.setenv("ROBOKIT_CACHE_DIR", str(tmp_path))
    parsed = parse_world(WORLD, "layers.toml").to_dict()
    key = loading._parsed_key(WORLD)
    assert key is not None
    path = Cache().path("world", key)
    assert path is not None and path.is_file()
    path.write_bytes(path.read_bytes()[:-3])
    assert loading._parsed_get(key) is None
    assert parse_world(WORLD, "layers.toml").to_dict() == parsed
    assert loading._parsed_get(key) is not None  # written again


def test_a_world_with_an_error_is_not_kept_and_says_the_same_each_time(tmp_path,
                                                                       monkeypatch):
    monkeypatch.setenv("ROBOKIT_CACHE_DIR", str(tmp_path))
    bad = WORLD.replace('color = "blue"', 'color = "bleu"')
    said = []
    for _ in range(2):
        with pytest.raises(WorldError) as info:
            parse_world(bad, "layers.toml")
        said.append(str(info.value))
    assert said[0] == said[1] and said[0].startswith("layers.toml:16: [[circles]] #2, key 'color'")
    assert not (tmp_path / "world").exists()


def test_a_second_run_in_a_world_does_not_import_the_toml_parser(tmp_path):
    code = ("import sys\n"
            "from robokit.sim.world import load_world\n"
            "print(len(load_world('oval').shapes), 'tomllib' in sys.modules)\n")
    env = dict(os.environ, ROBOKIT_CACHE_DIR=str(tmp_path))
    seen = []
    for _ in range(2):
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env=env, cwd=ROOT, timeout=120)
        assert p.returncode == 0, p.stderr
        seen.append(p.stdout.split())
    assert seen[0][1] == "True" and seen[1][1] == "False"
    assert seen[0][0] == seen[1][0] != "0"


def test_an_edit_of_the_code_that_finds_the_shapes_places_is_a_new_key(tmp_path,
                                                                       monkeypatch):
    monkeypatch.setenv("ROBOKIT_CACHE_DIR", str(tmp_path))
    key = loading._parsed_key(WORLD)
    edited = tmp_path / "loading.py"
    edited.write_bytes(Path(loading.__file__).read_bytes() + b"\n# an edit\n")
    monkeypatch.setattr(loading, "__file__", str(edited))
    assert loading._parsed_key(WORLD) not in (None, key)
