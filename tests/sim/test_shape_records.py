"""A world's shapes are frozen records like frozen dataclasses, made at import without
compiling methods (dataclasses compiles five per class: ~3 ms of start-up)."""

from __future__ import annotations

import copy
import dataclasses
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from robokit.sim.world.shapes import Box, Circle, Line, Movable, Pose, RobotStart, Wall

ROOT = Path(__file__).resolve().parents[2]


def test_importing_the_shapes_compiles_no_methods():
    code = ("import sys\n"
            "import importlib.util, dataclasses, typing, re, math, robokit.errors\n"
            "import robokit.sim.record\n"
            "spec = importlib.util.spec_from_file_location('shapes', sys.argv[1])\n"
            "made = []\n"
            "def hook(event, args):\n"
            "    if event == 'compile' and args[1] == '<string>' and b'def ' in (\n"
            "            args[0] if isinstance(args[0], bytes) else b''):\n"
            "        made.append(args[0])\n"
            "sys.addaudithook(hook)\n"
            "sys.modules['shapes'] = module = importlib.util.module_from_spec(spec)\n"
            "spec.loader.exec_module(module)\n"
            "print(len(made))\n")
    shapes = ROOT / "src" / "robokit" / "sim" / "world" / "shapes.py"
    p = subprocess.run([sys.executable, "-c", code, str(shapes)], capture_output=True,
                       text=True, cwd=ROOT, env=dict(os.environ), timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["0"]


def test_fields_defaults_equality_hash_and_repr_are_a_dataclasss():
    a = Line(((0.0, 0.0), (10.0, 0.0)), width=5.0)
    assert (a.points, a.width, a.color, a.closed) == (((0.0, 0.0), (10.0, 0.0)), 5.0,
                                                      "black", False)
    assert a == Line(((0.0, 0.0), (10.0, 0.0)), 5.0, "black", False)
    assert hash(a) == hash(Line(((0.0, 0.0), (10.0, 0.0)), 5.0))
    assert a != Line(((0.0, 0.0), (10.0, 0.0)))
    assert a != Wall(((0.0, 0.0), (10.0, 0.0)))  # another kind of shape is never equal
    assert repr(a) == ("Line(points=((0.0, 0.0), (10.0, 0.0)), width=5.0, color='black', "
                       "closed=False)")
    assert len({a, Line(((0.0, 0.0), (10.0, 0.0)), width=5.0)}) == 1
    assert Circle((1.0, 2.0), 3.0).to_dict() == {"center": [1.0, 2.0], "radius": 3.0,
                                                 "color": "black"}
    assert Box((0.0, 0.0), (20.0, 10.0)).corners()[0] == (-10.0, -5.0)
    assert Movable("ball", (0.0, 0.0), radius=20.0).radius == 20.0
    assert RobotStart(Pose(1.0, 2.0, 90.0)).to_dict() == {"x": 1.0, "y": 2.0,
                                                          "heading": 90.0}


def test_a_shape_is_frozen_and_survives_pickle_and_copy():
    c = Circle((1.0, 2.0), 3.0, "red")
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.radius = 4.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del c.radius  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(c)) == c
    assert copy.deepcopy(c) == c and copy.copy(c) == c


@pytest.mark.parametrize("args, kwargs, says", [
    ((), {}, "Circle.__init__() missing 2 required positional arguments: 'center' and "
             "'radius'"),
    (((0.0, 0.0),), {}, "Circle.__init__() missing 1 required positional argument: "
                        "'radius'"),
    (((0.0, 0.0), 1.0, "red", 9), {}, "Circle.__init__() takes from 3 to 4 positional "
                                      "arguments but 5 were given"),
    (((0.0, 0.0), 1.0), {"colour": "red"}, "Circle.__init__() got an unexpected keyword "
                                           "argument 'colour'"),
    (((0.0, 0.0), 1.0), {"radius": 2.0}, "Circle.__init__() got multiple values for "
                                         "argument 'radius'"),
])
def test_wrong_arguments_say_what_a_dataclass_says(args, kwargs, says):
    with pytest.raises(TypeError) as info:
        Circle(*args, **kwargs)
    assert str(info.value) == says
