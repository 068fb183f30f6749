"""The heap of MicroPython's VM for ``robokit run --exact`` (``robokit.virtual.mpvm`` starts
the VM with ``-X heapsize=``:func:`heap_mb`).

The heap is sized to the run's world, not fixed: each of MicroPython's collections walks
the whole heap, block by block, whenever its mark stack (64 entries) overflows, and any
list or dict of more than 64 heap objects (a module's globals, the robot's lists) makes it
overflow. With the fixed 96 MB heap it had, a collection cost about 80 million
instructions whatever was alive, and the wall avoider in the arena spent a tenth of its
time in the VM collecting; its world's 33 MB heap halves that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..sim.world import World

#: The VM's heap for the program, its robot and their garbage, MB (MicroPython's default
#: is 2 MB, a hub's a few hundred KB); the world's tables add to it.
HEAP_MB = 32
#: How many times over the heap holds the world's tables: they come with the plan when
#: robokit's cache is off (``robokit.virtual.localsim.plan``) and are copied while the
#: VM's robot is made (the line follower's oval, 9 MB of tables, needed 40 MB in all).
TABLES_ROOM = 4


def heap_mb(world: World | None) -> int:
    """The VM's heap for a run with ``--exact`` in ``world``, MB: :data:`HEAP_MB`, and
    :data:`TABLES_ROOM` times the tables its robot may be sent: the mat's footprint means
    and summed-area tables (at most (w + 1) x (h + 1) x 3 each, for a raster of w x h
    pixels), the walls' clearance field (built now if it was not: the plan needs it)."""
    if world is None:
        return HEAP_MB
    tables = 0
    s = world.surface  # (its raster's size; the tables are made when first used)
    if s._w and s._h:
        tables += (s._w + 1) * (s._h + 1) * 3 * (4 + (8 if s._code == "q" else 4))
    if world.walls:
        tables += 8 * len(world.clearance_table())
    return HEAP_MB - (-TABLES_ROOM * tables // (1 << 20))
