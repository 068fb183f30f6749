"""The ultrasonic sensor's cone of rays against a world's wall segments.

:meth:`~robokit.sim.world.geometry.WallGeometry.ultrasonic` reads the nearest wall over a
few rays spread across a cone.  For a world without a wall grid it asks a :class:`Cone`,
which gives the very floats of the straightforward way (keep the segments whose bounding
circle meets the cone, then run the ray kernel of geometry.py, ``_ray_segs``, ray after
ray over them in their order) with much less work:

- a table, by the sensor's cell (``TABLE_CELL_MM`` square) and heading (``TABLE_BIN_DEG``),
  built on first use, lists the segments the cone may meet from there, marking those it
  surely meets; it leaves out only segments that the test would leave out, or that every
  ray passes by (the sensor on the side of a face the rays all leave, or inside a box's
  edge), and it decides with a margin far above any rounding, so that what it keeps and
  does not mark gets the very test of the straightforward way; it also knows the cells
  wholly outside every box, where a reading skips the test of being in one;
- what does not depend on the ray (where the sensor sits along and across each segment)
  is worked out once per reading, not once per ray;
- the rays and the round ends of the walls run inline, in one function.

Every float is worked out by the same operations on the same numbers as in geometry.py;
tests/sim/test_sonar.py holds the two to the same results.

Portable code: it also runs in MicroPython's VM, for the robot of a run with ``--exact``
(robokit.sim.vmbrick), which builds its cones' tables itself (the same operations on the
same segments: the same tables, and a table decides with a margin far above rounding).
"""

from __future__ import annotations  # (robokit.virtual.rom drops it for MicroPython)

import math

TYPE_CHECKING = False
if TYPE_CHECKING:  # (MicroPython has no typing)
    from collections.abc import Callable

    #: One wall segment as geometry.py keeps it:
    #: (ax, ay, bx, by, ux, uy, length, radius, centre x, centre y, bounding radius).
    Seg = tuple[float, float, float, float, float, float, float, float, float, float, float]
    #: A segment as a cone's table holds it: whether it is surely in the cone (no test),
    #: its start, direction, length, half thickness, centre, bounding radius and that
    #: squared.
    Entry = tuple[bool, float, float, float, float, float, float, float, float, float,
                  float]

#: The side of a cell of sensor positions in a cone's table, mm, and the span of headings
#: of one entry, degrees.
TABLE_CELL_MM = 100.0
TABLE_BIN_DEG = 5.0
_BINS = round(360.0 / TABLE_BIN_DEG)
# How much an entry's cell (mm) and headings (degrees) are widened, and the margin
# (radians, or relative to the lengths) by which a decision must hold: far above rounding.
_PAD_MM = 1.0
_PAD_DEG = 0.01
_SLACK = 1e-6
#: A cone's table keeps at most this many entries (a 2.4 m square world has 48,672).
_MAX_ENTRIES = 100_000

_INF = math.inf
_sqrt = math.sqrt
_cos = math.cos
_sin = math.sin
_radians = math.radians


class Cone:
    """An ultrasonic cone of ``rays`` rays spread evenly across ± ``cone_deg`` around the
    heading, reaching ``max_mm``, over the segments ``segs`` of a world in ``bounds`` with
    the boxes ``boxes`` (their corners, counterclockwise)."""

    def __init__(self, segs: tuple[Seg, ...], bounds: tuple[float, float, float, float],
                 boxes: tuple[tuple[tuple[float, float], ...], ...], cone_deg: float,
                 rays: int, max_mm: float) -> None:
        if rays <= 1:
            angles = [0.0]
        else:
            angles = [-cone_deg + 2.0 * cone_deg * i / (rays - 1) for i in range(rays)]
        #: The cosine and sine of each ray's angle off the heading.
        self.offs = tuple((math.cos(math.radians(t)), math.sin(math.radians(t)))
                          for t in angles)
        half = math.radians(cone_deg)
        self._half = half
        self._ct, self._st = math.cos(half), math.sin(half)
        #: A cone of 89 degrees or more (or a negative one) looks at every segment.
        self.cull = 0.0 <= cone_deg < 89.0
        self._max = max_mm
        self._segs = segs
        self._boxes = boxes
        # each segment as an entry holds it, tested and not (shared by all entries)
        self._tested = tuple(_entry(False, seg) for seg in segs)
        self._sure = tuple(_entry(True, seg) for seg in segs)
        self._every = (not boxes, self._tested)
        self.x0 = bounds[0] - TABLE_CELL_MM
        self.y0 = bounds[1] - TABLE_CELL_MM
        self.nx = math.ceil((bounds[2] - bounds[0]) / TABLE_CELL_MM) + 2
        self.ny = math.ceil((bounds[3] - bounds[1]) / TABLE_CELL_MM) + 2
        #: The table's entries built so far, by cell and span of headings: whether the cell
        #: is clear of every box, and the segments to look at.
        self.entries: dict[int, tuple[bool, tuple[Entry, ...]]] = {}

    def lookup(self, x: float, y: float, heading_deg: float
               ) -> tuple[bool, tuple[Entry, ...]]:
        """For a sensor at ``(x, y)`` facing ``heading_deg``: whether it is surely outside
        every box, and the segments to look at."""
        if not self.cull:
            return self._every
        i = (x - self.x0) // TABLE_CELL_MM
        j = (y - self.y0) // TABLE_CELL_MM
        # outside the table (or NaN, which fails every comparison): every segment, tested
        if not (0.0 <= i < self.nx and 0.0 <= j < self.ny and -1e9 < heading_deg < 1e9):
            return self._every
        key = (int(j) * self.nx + int(i)) * _BINS + int(heading_deg // TABLE_BIN_DEG) % _BINS
        found = self.entries.get(key)
        if found is None:
            if len(self.entries) >= _MAX_ENTRIES:  # a long run in a big world: start over
                self.entries.clear()
            found = self.entries[key] = self._build(key)
        return found

    def nearest(self, ox: float, oy: float, heading_deg: float,
                in_box: Callable[[float, float], bool]) -> float:
        """Distance from ``(ox, oy)`` to the nearest wall over the rays, or ``max_mm``; 0
        inside a box (``in_box``: the world's test, asked unless the table knows)."""
        free, entries = self.lookup(ox, oy, heading_deg)
        if not free and in_box(ox, oy):
            return 0.0
        a = _radians(heading_deg)
        c, s = _cos(a), _sin(a)
        ct, st = self._ct, self._st
        cull = self.cull
        max_mm = self._max
        # The segments the cone may see, each with what every ray needs of it: the offset
        # of its centre from the sensor, its bounding radius, the sensor's place across
        # (ov) and along (ou) it, its direction, half thickness and length.
        near = []
        for sure, ax, ay, ux, uy, length, r, cx, cy, rr, rr2 in entries:
            ex = cx - ox
            ey = cy - oy
            if cull and not sure:
                e2 = ex * ex + ey * ey
                if e2 > rr2:
                    e = _sqrt(e2)
                    if e - rr > max_mm:
                        continue
                    tc = ex * c + ey * s
                    pp = abs(ex * s - ey * c)
                    if not (tc >= 0.0 and pp * ct <= tc * st):  # centre outside the wedge
                        dist = e if tc * ct + pp * st <= 0.0 else abs(pp * ct - tc * st)
                        if dist > rr:
                            continue
            px = ox - ax
            py = oy - ay
            near.append((ex, ey, rr, py * ux - px * uy, ux, uy, r, px * ux + py * uy, length))
        best = max_mm
        if not near:
            return best
        for oc, os_ in self.offs:
            dx = c * oc - s * os_
            dy = s * oc + c * os_
            for ex, ey, rr, ov, ux, uy, r, ou, length in near:
                perp = ex * dy - ey * dx
                if perp > rr or perp < -rr:
                    continue
                tc = ex * dx + ey * dy
                if tc - rr > best or tc + rr < 0.0:
                    continue
                dv = dy * ux - dx * uy
                if ov > r:
                    if dv >= 0.0 or r == 0.0:  # a box's edge seen from inside the box
                        continue
                    t = (r - ov) / dv
                elif ov < -r:
                    if dv <= 0.0:
                        continue
                    t = (-r - ov) / dv
                else:  # the sensor within the wall's thickness, beside it or in it
                    if 0.0 <= ou <= length:
                        if best > 0.0:
                            best = 0.0
                        continue
                    if r <= 0.0:
                        continue
                    t = -1.0
                du = dx * ux + dy * uy
                if t >= 0.0:
                    u = ou + t * du
                    if 0.0 <= u <= length:
                        if t < best:
                            best = t
                        continue
                    if r <= 0.0:
                        continue
                # the round ends: the circles of radius r about both ends of the segment
                rr2 = r * r
                ov2 = ov * ov
                vb = ov * dv
                b = ou * du + vb
                cc = ou * ou + ov2 - rr2
                if cc <= 0.0:
                    t = 0.0
                else:
                    disc = b * b - cc
                    t = -b - _sqrt(disc) if disc >= 0.0 and b < 0.0 else _INF
                wu = ou - length
                b = wu * du + vb
                cc = wu * wu + ov2 - rr2
                if cc <= 0.0:
                    t2 = 0.0
                else:
                    disc = b * b - cc
                    t2 = -b - _sqrt(disc) if disc >= 0.0 and b < 0.0 else _INF
                if t2 < t:
                    t = t2
                if t < best:
                    best = t
        return best

    def _build(self, key: int) -> tuple[bool, tuple[Entry, ...]]:
        """The table's entry ``key``: whether its cell is clear of every box, and the
        segments, in order, that the cone may see from some point of the cell with some
        heading of its span (see the module's note)."""
        cellno, b = divmod(key, _BINS)
        j, i = divmod(cellno, self.nx)
        half = TABLE_CELL_MM / 2.0 + _PAD_MM
        px = self.x0 + (i + 0.5) * TABLE_CELL_MM
        py = self.y0 + (j + 0.5) * TABLE_CELL_MM
        h = math.sqrt(2.0) * half  # from the cell's centre to its (widened) corners
        mid = math.radians((b + 0.5) * TABLE_BIN_DEG)
        span = math.radians(TABLE_BIN_DEG / 2.0 + _PAD_DEG)  # headings within mid +- span
        cone = self._half
        out: list[Entry] = []
        for n, seg in enumerate(self._segs):
            if _turned_away(seg, px, py, half, mid, span + cone):
                continue
            cx, cy, rr = seg[8], seg[9], seg[10]
            ex, ey = cx - px, cy - py
            d0 = _sqrt(ex * ex + ey * ey)  # (MicroPython's math has no hypot)
            slack = _SLACK * (1.0 + d0 + rr)
            if d0 - h - rr > self._max + slack:
                continue  # out of reach from everywhere in the cell
            if d0 + h <= rr - slack:
                out.append(self._sure[n])  # the sensor is inside its bounding circle
                continue
            if d0 <= rr + h + slack:
                out.append(self._tested[n])
                continue
            # from the cell, the directions to the circle are within `wide` of `phi`, and
            # those to its centre within `narrow`
            phi = math.atan2(ey, ex)
            off = abs((phi - mid + math.pi) % (2.0 * math.pi) - math.pi)
            wide = math.asin((rr + h) / d0)
            if off - span > cone + wide + _SLACK:
                continue  # the circle is out of the cone for every heading of the span
            narrow = math.asin(h / d0)
            sure = off + span + narrow < cone - _SLACK and d0 + h - rr < self._max - slack
            out.append(self._sure[n] if sure else self._tested[n])
        free = all(_clear_of(box, px, py, half) for box in self._boxes)
        return free, tuple(out)


def _turned_away(seg: Seg, px: float, py: float, half: float, mid: float, wide: float
                 ) -> bool:
    """Does every ray pass ``seg`` by, for a sensor anywhere in the square of side
    ``2 * half`` about ``(px, py)`` and rays within ``wide`` radians of the direction
    ``mid``?  So it is when the sensor is on the side of the face that the rays all leave
    (the ray kernel's test of the sign of ``dv``), or on the inner side of a box's edge.
    """
    ax, ay, _bx, _by, ux, uy, _length, r, _cx, _cy, _rr = seg
    ov = (py - ay) * ux - (px - ax) * uy  # the sensor across the segment, at the centre
    reach = half * (abs(ux) + abs(uy))  # how much that changes over the square
    slack = _SLACK * (1.0 + abs(px) + abs(py) + abs(ax) + abs(ay) + r)
    # a ray's direction across the segment (dv) is the sine of its angle to it
    turn = (mid - math.atan2(uy, ux)) % (2.0 * math.pi)
    if ov - reach > r + slack:  # in front of the face: no ray gets there when dv >= 0
        return r == 0.0 or (turn - wide > _SLACK and turn + wide < math.pi - _SLACK)
    if ov + reach < -r - slack:  # behind it: none when dv <= 0
        return turn - wide > math.pi + _SLACK and turn + wide < 2.0 * math.pi - _SLACK
    return False


def _clear_of(box: tuple[tuple[float, float], ...], px: float, py: float, half: float
              ) -> bool:
    """Is the square of side ``2 * half`` about ``(px, py)`` outside the box (its corners
    counterclockwise), with a margin: wholly beyond the line of one of its edges?"""
    for k, (ax, ay) in enumerate(box):
        bx, by = box[(k + 1) % len(box)]
        ex, ey = bx - ax, by - ay
        length = _sqrt(ex * ex + ey * ey)
        if length <= 0.0:
            continue
        ux, uy = ex / length, ey / length
        ov = (py - ay) * ux - (px - ax) * uy  # > 0: on the box's side of the edge
        if ov + half * (abs(ux) + abs(uy)) < -_SLACK * (1.0 + abs(px) + abs(py) + length):
            return True
    return False


def _entry(sure: bool, seg: Seg) -> Entry:
    ax, ay, _bx, _by, ux, uy, length, r, cx, cy, rr = seg
    return (sure, ax, ay, ux, uy, length, r, cx, cy, rr, rr * rr)
