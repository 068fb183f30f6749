"""The host's side of a robot that runs inside MicroPython's VM (``robokit run --exact``).

With ``--exact`` the program's .mpy runs in MicroPython's unix port. When its run has
nothing the VM's robot lacks (:func:`why_not`), the simulated robot runs there too
(``robokit.sim.vmbrick``: the default mode's ``SimBrick``, portable code): the host makes
its own brick as usual, sends the VM what that brick was made from once (:func:`plan`:
the robot's config, the run's settings, the motors' models, the mat's tables, the walls'
geometry, the objects to push), and at the end puts what the VM's robot did into its own
brick, and what became of the objects into its arena (:func:`absorb`), whose run is then
the result. Otherwise every device call is a round trip to the host's brick, as before.
"""

from __future__ import annotations

import math
import os
from array import array
from typing import TYPE_CHECKING, Any

from . import halvalue

if TYPE_CHECKING:
    from ..sim.brick import SimBrick

#: The environment variable that keeps the robot on the host ("0"), for comparing the two.
ENV = "ROBOKIT_EXACT_IN_VM"


def why_not(brick: SimBrick) -> str | None:
    """Why the robot of this run stays on the host (a few words), or None when it can run
    in the VM: the VM's robot has walls (the host's geometry, :func:`plan`), noise
    (``robokit.sim.mtrand``, CPython's generator, the same draws) and objects to push
    (``robokit.sim.floor``, the arena's bodies and clock), but no other robots and no
    rule that judges the run."""
    if os.environ.get(ENV, "1").strip() == "0":
        return f"{ENV}=0"
    arena = brick.arena
    if arena is not None and len(arena.bricks) > 1:
        return "other robots share the world"
    if arena is not None and arena.rule is not None:
        return "a rule judges the run"
    return None


def plan(brick: SimBrick) -> bytes:
    """What the VM makes its robot from (``robokit.sim.vmbrick.make``): the plan as a
    value (``halvalue``: floats to the bit; the objects to push as the world has them),
    then the mat's tables and the walls' clearance field, raw."""
    from ..sim.motor import MODELS
    from ..sim.sensors import COLOR_FOOTPRINT_MM
    from ..sim.vmbrick import model_fields, object_fields, tagged

    models: dict[str, Any] = {}
    for m in brick._motors.values():
        # (the model as the robot file names it: with noise, the VM varies it for
        # each motor as the host did, from the same seed)
        models.setdefault(m.model.id, model_fields(MODELS[m.model.id]))
    has_eye = any(d["type"] == "ColorSensor" for d in brick.robot["devices"].values())
    mat = None
    tables: list[Any] = []
    if has_eye:
        s = brick.world.surface
        fp = s.sampler(COLOR_FOOTPRINT_MM)
        # The tables as the VM is to read them: from robokit's cache, where they are (no
        # copy through the pipe; the summed-area tables only if a reading needs them), else
        # here, after the plan.
        where = [s.tables_file(), fp.means_file()]
        mat = [list(s.bounds), list(s.background_rgb), list(s.nothing_rgb), s.mm_per_px,
               s._rx0, s._ry0, s._w, s._h, s._xw, s._yh, s._code, fp._radius, fp._x0,
               fp._y0, fp._inv_px, fp._nx, fp._ny,
               [list(w) if w is not None else None for w in where]]
        if where[0] is None:
            tables += [s._sr, s._sg, s._sb]
        if where[1] is None:
            tables.append(fp._means)
    presses = [[p.button, p.start_s, p.end_s] for p in brick._presses]
    walls = None
    if brick.world.walls:  # the geometry the host built (WallGeometry), not built again
        walls = brick.world.walls_state()
        tables.append(brick.world.clearance_table())
    pushed = None
    if brick.arena is not None and brick.arena.things:  # the objects, and their colours
        # as a colour sensor sees them over the mat
        specs = [th.spec for th in brick.arena.things]
        colours = list(dict.fromkeys(m.color for m in specs))
        pushed = [[object_fields(m) for m in specs],
                  [[c, list(brick.arena.reflectance(c))] for c in colours]]
    value = [tagged(brick.robot), brick.end_us, brick._record_period, brick.seed,
             list(brick.start_pose), list(models.values()), mat, presses, walls,
             brick.noise, pushed]
    out = bytearray()
    halvalue.encode(value, out)
    for t in tables:
        out += t
    return bytes(out)


def add_rows(brick: SimBrick, op: int, data: bytes) -> None:
    """Telemetry rows of the VM's robot, as it makes them (``robokit.sim.vmbrick._Rows``):
    ``op`` 0, rows (their floats' bytes) to add; 1, the rows so far halved
    (``Recorder.decimate``)."""
    rec = brick.recorder
    if op == 1:
        del rec.rows[1::2]
        return
    nan = math.nan  # the recorder's NaN (before a sensor's first reading), the same object
    flat = array("d")
    flat.frombytes(data)
    n = len(rec.columns)
    rec.rows += [tuple(nan if v != v else v for v in flat[i:i + n])
                 for i in range(0, len(flat), n)]


def absorb(brick: SimBrick, data: bytes) -> None:
    """Put the VM's report of the run (``robokit.sim.vmbrick.report``) into ``brick``,
    and the objects' places and track into its arena."""
    from ..sim.vmbrick import lines, untagged

    (now, t_phys, time_up, x, y, h, distance, contacts, first, longest, since, rows, events,
     output, period, events_dropped, output_chars, dropped_lines, dropped_chars, light,
     display, floor) = halvalue.decode(data, 0)[0]
    if floor is not None:
        brick.arena.restore(floor)
    brick.now = now
    brick._t_phys = t_phys
    brick.time_up = time_up
    brick._x, brick._y, brick._h = x, y, h
    brick.distance_mm = distance
    brick.contact_count = contacts
    brick.first_contact = tuple(first) if first is not None else None
    brick.longest_contact_us = longest
    brick._contact_since = since
    rec = brick.recorder
    if rows is not None:  # (else they came as they were made: rows())
        rec.rows = []
        add_rows(brick, 0, rows)
    rec.events = [dict(e) for e in untagged(events)]
    rec.output = lines(output)
    rec.period_us = period
    rec.events_dropped = events_dropped
    rec.output_chars = output_chars
    rec.output_dropped_lines = dropped_lines
    rec.output_dropped_chars = dropped_chars
    brick.light_rgb = tuple(light) if light is not None else None
    brick.display_rows = display
    brick.reported = True  # type: ignore[attr-defined] # (ExactBoard.report_lost)
