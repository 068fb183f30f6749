"""World.to_dict: the world-file structure of every kind of shape, which World.from_dict
reads back to the same world (the replay and the virtual board carry worlds this way)."""

from __future__ import annotations

import json

from robokit.sim.world import World


def _every_kind() -> World:
    return World.from_dict({
        "name": "all kinds",
        "size": [2000, 1500],
        "background": "white",
        "lines": [{"points": [[-500, 0], [0, 250.5], [400, 0]], "width": 18, "color": "black",
                   "closed": True}],
        "polygons": [{"points": [[0, 0], [100, 0], [0, 100]], "color": "red"}],
        "circles": [{"center": [300, -300], "radius": 60, "color": "blue"}],
        "rings": [{"center": [-300, 300], "radius": 120, "width": 15, "color": "green"}],
        "walls": [{"points": [[-900, -700], [900, -700]], "thickness": 12, "height": 80}],
        "boxes": [{"center": [600, 400], "size": [100, 50], "angle": 30, "color": "brown"}],
        "objects": [{"shape": "box", "center": [100, 500], "size": [40, 40]},
                    {"shape": "ball", "center": [-100, 500], "radius": 20}],
    })


def test_every_kind_of_shape_is_written_as_a_world_file_writes_it() -> None:
    d = _every_kind().to_dict()
    assert d["lines"] == [{"points": [[-500.0, 0.0], [0.0, 250.5], [400.0, 0.0]],
                           "width": 18.0, "color": "black", "closed": True}]
    assert d["polygons"] == [{"points": [[0.0, 0.0], [100.0, 0.0], [0.0, 100.0]],
                              "color": "red"}]
    assert d["circles"] == [{"center": [300.0, -300.0], "radius": 60.0, "color": "blue"}]
    assert d["rings"] == [{"center": [-300.0, 300.0], "radius": 120.0, "width": 15.0,
                           "color": "green"}]
    assert d["walls"][0]["points"] == [[-900.0, -700.0], [900.0, -700.0]]
    assert list(d["walls"][0]) == ["points", "thickness", "height", "closed", "color"]
    assert d["boxes"] == [{"center": [600.0, 400.0], "size": [100.0, 50.0], "angle": 30.0,
                           "height": 100.0, "color": "brown"}]
    assert d["order"] == [["lines", 0], ["polygons", 0], ["circles", 0], ["rings", 0]]
    assert json.loads(json.dumps(d)) == d  # JSON-able as it is: lists, not tuples


def test_from_dict_reads_to_dict_back_to_the_same_world() -> None:
    w = _every_kind()
    again = World.from_dict(json.loads(json.dumps(w.to_dict())))
    assert again.shapes == w.shapes
    assert again.wall_shapes == w.wall_shapes
    assert again.boxes == w.boxes
    assert again.objects == w.objects
    assert again.to_dict() == w.to_dict()
