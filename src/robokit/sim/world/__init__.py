"""Worlds of the simulator: a mat of painted shapes, and walls the robot can bump into.

A world is read from a TOML or JSON file (same structure; see ``docs/worlds.md``) or taken from
the built-in ones (``BUILTIN_WORLDS``).  World frame: x east, y north, millimetres; headings in
degrees counterclockwise from +x.

The package, bottom up (imports point down only):

- :mod:`~robokit.sim.world.shapes`: the colour table, poses and shapes (plain data);
- :mod:`~robokit.sim.world.geometry`: the geometry engine (walls indexed for the sensor rays
  and the body's contact queries, in the simulator's hot path);
- :mod:`~robokit.sim.world.model`: :class:`World`, and the checks of a world's table;
- :mod:`~robokit.sim.world.loading`: reading world files and the built-in worlds.

The colour of the mat under a sensor comes from :class:`robokit.sim.surface.Surface`
(``World.surface``), which uses the shapes module only.  This package may import
``robokit.errors``, numpy, :mod:`robokit.sim.surface`, :mod:`robokit.config` for the
shared reading of users' files (encoding, size and nesting limits), and
:mod:`robokit.compiler.directives` for the built-in worlds' names (which ``robokit check``
reads in a program's ``# robokit:`` header without the simulator); nothing else of robokit.
"""

from robokit.errors import WorldError
from robokit.sim.world import geometry, loading, model, shapes
from robokit.sim.world.geometry import *  # noqa: F403 - the names in geometry.__all__
from robokit.sim.world.loading import *  # noqa: F403 - the names in loading.__all__
from robokit.sim.world.model import *  # noqa: F403 - the names in model.__all__
from robokit.sim.world.shapes import *  # noqa: F403 - the names in shapes.__all__

#: What the submodules export, and the error their checks raise.
__all__ = ["WorldError", *geometry.__all__, *loading.__all__, *model.__all__, *shapes.__all__]
