"""The geometry engine of a world: walls and boxes indexed for the sensor and body queries.

:class:`WallGeometry` is the base class of :class:`~robokit.sim.world.model.World`; it builds
from the world's ``wall_shapes``, ``boxes`` and ``bounds`` the precomputed wall segments and
answers ``ray_distance``, ``ultrasonic``, ``rect_hits_wall`` and ``rect_contact``.

These queries run in the simulator's hot path: they work on precomputed tuples of floats; a
coarse uniform grid over the walls keeps their cost flat when a world has many walls, and a
clearance field lets body queries far from any wall return after one lookup.  The kernels at
the bottom work on plain floats and allocate nothing.  The ultrasonic cone of a world with
no grid is :class:`~robokit.sim.world.sonar.Cone`'s (a table of the segments it may see).

Portable code: the queries also run in MicroPython's VM, for the robot of a run with
``--exact`` (robokit.sim.vmbrick). The VM does not build the walls: the host sends it
what it built (:meth:`WallGeometry.walls_state` and the clearance field,
:meth:`WallGeometry.clearance_table`, floats to the bit), from which
:meth:`WallGeometry.restored` makes the same geometry there.
"""

from __future__ import annotations  # (robokit.virtual.rom drops it for MicroPython)

import math

from .sonar import Cone

TYPE_CHECKING = False
if TYPE_CHECKING:  # (MicroPython has no typing)
    from array import array
    from typing import Any

    from robokit.sim.world.shapes import Box, Point, Wall

    # One wall segment, precomputed for the queries:
    # (ax, ay, bx, by, ux, uy, length, radius, centre x, centre y, bounding radius)
    _Seg = tuple[float, float, float, float, float, float, float, float, float, float, float]

__all__ = [
    "CONTACT_BACK",
    "CONTACT_FRONT",
    "CONTACT_LEFT",
    "CONTACT_RIGHT",
    "CONTACT_SIDES",
    "WALL_STRIDE",
    "WallGeometry",
]


# --------------------------------------------------------------------------------------------
# Contact sides (World.rect_contact returns a frozenset of these names)
# --------------------------------------------------------------------------------------------

CONTACT_FRONT = 1
CONTACT_BACK = 2
CONTACT_LEFT = 4
CONTACT_RIGHT = 8
_SIDE_NAMES = ((CONTACT_FRONT, "front"), (CONTACT_BACK, "back"), (CONTACT_LEFT, "left"),
               (CONTACT_RIGHT, "right"))
#: The frozenset of side names for each bitmask of CONTACT_* flags (built once, shared).
CONTACT_SIDES: tuple[frozenset[str], ...] = tuple(
    frozenset(name for bit, name in _SIDE_NAMES if mask & bit) for mask in range(16))

#: ``World.walls`` holds this many floats per wall segment: x1, y1, x2, y2, half thickness.
WALL_STRIDE = 5

_GRID_MIN_SEGMENTS = 24  # below this, testing every segment beats walking a grid
_CLEAR_CAP = 400.0  # mm: the clearance field stores distances up to this
_CLEAR_CELL = 20.0  # mm: its finest cell
_CLEAR_MAX_CELLS = 250_000

_INF = math.inf


class WallGeometry:
    """The walls and boxes of a world, indexed, and the queries on them.

    A base class: the subclass sets ``bounds``, ``wall_shapes`` and ``boxes`` and then calls
    :meth:`_build_walls`.
    """

    bounds: tuple[float, float, float, float]
    wall_shapes: tuple[Wall, ...]
    boxes: tuple[Box, ...]
    _cones: dict[tuple[float, int, float], Cone]

    def prepare_walls(self) -> None:
        """Build the wall clearance field now (it is otherwise built on the first body query)."""
        if self.walls and self._clear is None:
            self._build_clearance()

    def walls_state(self) -> list[Any]:
        """What :meth:`restored` makes the same walls of, in another process (the robot of
        a run with ``--exact`` in MicroPython's VM): the bounds, the segments, the boxes'
        corners, the grid (each cell as its segments' indices; None: no grid) and its
        frame, and the clearance field's frame (built now if it was not; its values are
        :meth:`clearance_table`'s). Tuples, lists, floats and ints only."""
        if self._clear is None:
            self._build_clearance()
        grid = None
        if self._grid is not None:
            index = {id(s): n for n, s in enumerate(self._segs)}
            grid = [[index[id(s)] for s in cell] for cell in self._grid]
        return [self.bounds, self._segs, self._box_polys, grid,
                [self._gx0, self._gy0, self._gcell, self._gnx, self._gny],
                [self._cx0, self._cy0, self._ccell, self._cnx, self._cny]]

    def clearance_table(self) -> array[float]:
        """The clearance field (built now if it was not), as doubles: what
        :meth:`restored` takes beside :meth:`walls_state`."""
        from array import array

        clear = self._clear if self._clear is not None else self._build_clearance()
        return array("d", clear)

    @classmethod
    def restored(cls, state: list[Any], clear: Any) -> WallGeometry:
        """The walls of :meth:`walls_state` and the clearance field ``clear`` (a sequence
        of floats, :meth:`clearance_table`'s), ready for the queries with no building:
        the same segments, grid and field, so the same answers to the bit. (It has the
        queries' data only: no ``wall_shapes`` nor ``boxes``.)"""
        bounds, segs, polys, grid, gframe, cframe = state
        g = cls()
        g.bounds = tuple(bounds)
        g._cones = {}
        g._segs = tuple(tuple(s) for s in segs)
        flat: list[float] = []
        for s in g._segs:  # (as _build_walls gives them)
            flat.extend((s[0], s[1], s[2], s[3], s[7]))
        g.walls = flat
        g._box_polys = tuple(tuple(tuple(p) for p in poly) for poly in polys)
        g._grid = None
        if grid is not None:
            g._grid = tuple(tuple(g._segs[n] for n in cell) for cell in grid)
        g._gx0, g._gy0, g._gcell, g._gnx, g._gny = gframe
        g._cx0, g._cy0, g._ccell, g._cnx, g._cny = cframe
        g._clear = clear
        return g

    def _build_walls(self) -> None:
        self._cones = {}
        segs: list[_Seg] = []
        flat: list[float] = []

        def add(ax: float, ay: float, bx: float, by: float, r: float) -> None:
            ex, ey = bx - ax, by - ay
            length = math.hypot(ex, ey)
            ux, uy = (ex / length, ey / length) if length > 0 else (1.0, 0.0)
            segs.append((ax, ay, bx, by, ux, uy, length, r, (ax + bx) / 2, (ay + by) / 2,
                         length / 2 + r))
            flat.extend((ax, ay, bx, by, r))

        for w in self.wall_shapes:
            pts = list(w.points)
            if w.closed and pts[0] != pts[-1]:
                pts.append(pts[0])
            r = w.thickness / 2.0
            if len(set(pts)) == 1:  # a post: all points the same
                add(pts[0][0], pts[0][1], pts[0][0], pts[0][1], r)
                continue
            for k in range(1, len(pts)):
                (ax, ay), (bx, by) = pts[k - 1], pts[k]
                if (ax, ay) != (bx, by):
                    add(ax, ay, bx, by, r)
        polys: list[tuple[Point, ...]] = []
        for b in self.boxes:
            cs = b.corners()
            polys.append(cs)
            for i in range(4):
                (ax, ay), (bx, by) = cs[i], cs[(i + 1) % 4]
                add(ax, ay, bx, by, 0.0)
        #: Flat wall data, WALL_STRIDE floats per segment: x1, y1, x2, y2, half thickness.
        #: Box outlines are included as zero-thickness segments.
        self.walls: list[float] = flat
        self._segs: tuple[_Seg, ...] = tuple(segs)
        self._box_polys: tuple[tuple[Point, ...], ...] = tuple(polys)
        self._grid: tuple[tuple[_Seg, ...], ...] | None = None
        self._gx0 = self._gy0 = self._gcell = 0.0
        self._gnx = self._gny = 0
        # clearance field (built on the first body query): a lower bound of the distance from
        # any point of a cell to the nearest wall surface, capped; lets far-from-wall queries
        # return after one lookup
        self._clear: list[float] | None = None
        self._cx0 = self._cy0 = 0.0
        self._ccell = 1.0
        self._cnx = self._cny = 0
        if len(segs) >= _GRID_MIN_SEGMENTS:
            self._build_grid()

    def _build_grid(self) -> None:
        segs = self._segs
        # each segment's padded bounding box, in one pass
        boxes = [(min(s[0], s[2]) - s[7], min(s[1], s[3]) - s[7],
                  max(s[0], s[2]) + s[7], max(s[1], s[3]) + s[7]) for s in segs]
        x0 = min(b[0] for b in boxes)
        y0 = min(b[1] for b in boxes)
        x1 = max(b[2] for b in boxes)
        y1 = max(b[3] for b in boxes)
        area = max((x1 - x0) * (y1 - y0), 1.0)
        cell = min(max(math.sqrt(area / len(segs)) * 1.5, 100.0), 2000.0)
        nx = max(1, math.ceil((x1 - x0) / cell))
        ny = max(1, math.ceil((y1 - y0) / cell))
        cells: list[list[_Seg]] = [[] for _ in range(nx * ny)]
        for s, (bx0, by0, bx1, by1) in zip(segs, boxes, strict=True):
            # (a padded box that begins on the grid's far border, a whole number of cells
            # from its near one, begins in the last cell, not one past it)
            i0 = min(nx - 1, int((bx0 - x0) / cell))
            i1 = min(nx - 1, int((bx1 - x0) / cell))
            j0 = min(ny - 1, int((by0 - y0) / cell))
            j1 = min(ny - 1, int((by1 - y0) / cell))
            if i1 - i0 + j1 - j0 <= 1:
                # one cell, or two side by side: the segment reaches each of them (its
                # padded box does, and it spans the other axis within the one row/column)
                cells[j0 * nx + i0].append(s)
                if i1 != i0 or j1 != j0:
                    cells[j1 * nx + i1].append(s)
                continue
            r = s[7]
            for j in range(j0, j1 + 1):
                for i in range(i0, i1 + 1):
                    if _seg_box_dist2(s, x0 + i * cell, y0 + j * cell, cell) <= r * r:
                        cells[j * nx + i].append(s)
        self._grid = tuple(tuple(c) for c in cells)
        self._gx0, self._gy0, self._gcell, self._gnx, self._gny = x0, y0, cell, nx, ny

    # ---- rays ---------------------------------------------------------------------------

    def ray_distance(self, x: float, y: float, heading_deg: float, max_mm: float = 2000.0
                     ) -> float:
        """Distance (mm) from (x, y) along ``heading_deg`` to the nearest wall face, or max_mm."""
        if self._box_polys and self._in_box(x, y):
            return 0.0
        a = math.radians(heading_deg)
        return self._ray(x, y, math.cos(a), math.sin(a), max_mm)

    def _in_box(self, x: float, y: float) -> bool:
        if self._clearance(x, y) > 0.0:
            return False
        for poly in self._box_polys:
            if _point_in_poly(x, y, poly):
                return True
        return False

    def ultrasonic(self, x: float, y: float, heading_deg: float, cone_deg: float = 20.0,
                   rays: int = 5, max_mm: float = 2000.0) -> float:
        """Nearest wall over ``rays`` rays spread evenly across heading ± cone_deg, or max_mm."""
        key = (cone_deg, rays, max_mm)
        cone = self._cones.get(key)
        if cone is None:
            if len(self._cones) >= 16:  # a caller that varies them: keep a few
                self._cones.clear()
            cone = self._cones[key] = Cone(self._segs, self.bounds, self._box_polys,
                                           cone_deg, rays, max_mm)
        if self._grid is None:
            # the segments the cone may see, then every ray over them (robokit.sim.world.sonar)
            return cone.nearest(x, y, heading_deg, self._in_box)
        if self._box_polys and self._in_box(x, y):
            return 0.0
        a = math.radians(heading_deg)
        c, s = math.cos(a), math.sin(a)
        best = max_mm
        ray = self._ray_grid
        for oc, os_ in cone.offs:
            d = ray(x, y, c * oc - s * os_, s * oc + c * os_, best)
            if d < best:
                best = d
        return best

    def _ray(self, ox: float, oy: float, dx: float, dy: float, max_mm: float) -> float:
        if self._grid is not None:
            return self._ray_grid(ox, oy, dx, dy, max_mm)
        return _ray_segs(self._segs, ox, oy, dx, dy, max_mm)

    def _ray_grid(self, ox: float, oy: float, dx: float, dy: float, max_mm: float) -> float:
        cell = self._gcell
        gx0, gy0, nx, ny = self._gx0, self._gy0, self._gnx, self._gny
        grid = self._grid
        assert grid is not None
        gx1 = gx0 + nx * cell
        gy1 = gy0 + ny * cell
        t0, t1 = _clip(ox, dx, gx0, gx1, 0.0, max_mm)
        t0, t1 = _clip(oy, dy, gy0, gy1, t0, t1)
        if t0 > t1:
            return max_mm
        ix = min(nx - 1, max(0, int((ox + dx * t0 - gx0) / cell)))
        iy = min(ny - 1, max(0, int((oy + dy * t0 - gy0) / cell)))
        sx, tmx, tdx = _walk(ox, dx, gx0, ix, cell)
        sy, tmy, tdy = _walk(oy, dy, gy0, iy, cell)
        best = max_mm
        while True:
            best = _ray_segs(grid[iy * nx + ix], ox, oy, dx, dy, best)
            # on to the next cell the ray enters, unless the hit is nearer or the ray ends
            x_first = tmx < tmy
            border = tmx if x_first else tmy
            if best <= border or border > t1:
                break
            if x_first:
                ix += sx
                tmx += tdx
            else:
                iy += sy
                tmy += tdy
            if not (0 <= ix < nx and 0 <= iy < ny):
                break
        return best

    # ---- body rectangle -------------------------------------------------------------------

    def _candidates(self, cx: float, cy: float, reach: float) -> tuple[_Seg, ...] | list[_Seg]:
        grid = self._grid
        if grid is None:
            return self._segs
        cell, gx0, gy0, nx, ny = self._gcell, self._gx0, self._gy0, self._gnx, self._gny
        i0 = max(0, int((cx - reach - gx0) // cell))
        i1 = min(nx - 1, int((cx + reach - gx0) // cell))
        j0 = max(0, int((cy - reach - gy0) // cell))
        j1 = min(ny - 1, int((cy + reach - gy0) // cell))
        if i0 > i1 or j0 > j1:
            return ()
        if i0 == i1 and j0 == j1:
            return grid[j0 * nx + i0]
        out: list[_Seg] = []
        for j in range(j0, j1 + 1):
            for i in range(i0, i1 + 1):
                out.extend(grid[j * nx + i])
        return out

    def _build_clearance(self) -> list[float]:
        segs = self._segs
        if not segs:
            self._clear = []
            return self._clear
        bx0, by0, bx1, by1 = self.bounds
        x0 = min(bx0, min(min(s[0], s[2]) - s[7] for s in segs)) - _CLEAR_CAP
        x1 = max(bx1, max(max(s[0], s[2]) + s[7] for s in segs)) + _CLEAR_CAP
        y0 = min(by0, min(min(s[1], s[3]) - s[7] for s in segs)) - _CLEAR_CAP
        y1 = max(by1, max(max(s[1], s[3]) + s[7] for s in segs)) + _CLEAR_CAP
        cell = max(_CLEAR_CELL, math.sqrt((x1 - x0) * (y1 - y0) / _CLEAR_MAX_CELLS))
        nx = max(1, math.ceil((x1 - x0) / cell))
        ny = max(1, math.ceil((y1 - y0) / cell))
        self._cx0, self._cy0, self._ccell, self._cnx, self._cny = x0, y0, cell, nx, ny
        # Kept in robokit's cache folder (see robokit.sim.surface): a run that finds it
        # there does not import numpy.
        from robokit.sim.surface import cache_key, code_hash, load_arrays, store_arrays

        key = cache_key(b"clearance-1", code_hash(__file__),
                        repr((segs, self._box_polys, x0, y0, cell, nx, ny, _CLEAR_CAP)))
        cached = load_arrays(key, "d", nx * ny, 1)
        if cached:
            self._clear = cached[0].tolist()
            return self._clear
        import numpy as np

        field = np.full((ny, nx), _CLEAR_CAP)
        xs = x0 + (np.arange(nx) + 0.5) * cell
        ys = y0 + (np.arange(ny) + 0.5) * cell

        def window(xa: float, ya: float, xb: float, yb: float) -> tuple[slice, slice]:
            i0 = max(0, math.floor((xa - x0) / cell))
            i1 = min(nx, math.ceil((xb - x0) / cell))
            j0 = max(0, math.floor((ya - y0) / cell))
            j1 = min(ny, math.ceil((yb - y0) / cell))
            return slice(j0, max(j0, j1)), slice(i0, max(i0, i1))

        for ax, ay, bx, by, _ux, _uy, _l, r, _cx, _cy, _rr in segs:
            reach = r + _CLEAR_CAP
            sj, si = window(min(ax, bx) - reach, min(ay, by) - reach,
                            max(ax, bx) + reach, max(ay, by) + reach)
            X = xs[None, si]
            Y = ys[sj, None]
            ex, ey = bx - ax, by - ay
            ll = ex * ex + ey * ey
            if ll > 0.0:
                t = np.clip(((X - ax) * ex + (Y - ay) * ey) / ll, 0.0, 1.0)
                d = np.hypot(ax + t * ex - X, ay + t * ey - Y) - r
            else:
                d = np.hypot(X - ax, Y - ay) - r
            sub = field[sj, si]
            np.minimum(sub, d, out=sub)
        for poly in self._box_polys:
            sj, si = window(min(p[0] for p in poly), min(p[1] for p in poly),
                            max(p[0] for p in poly), max(p[1] for p in poly))
            X = xs[None, si]
            Y = ys[sj, None]
            inside = np.zeros((len(ys[sj]), len(xs[si])), dtype=bool)
            for k in range(len(poly)):
                (ax, ay), (bx, by) = poly[k], poly[(k + 1) % len(poly)]
                if ay != by:
                    inside ^= ((ay > Y) != (by > Y)) & (X < ax + (Y - ay) * ((bx - ax) / (by - ay)))
            field[sj, si][inside] = -1.0
        field -= cell * math.sqrt(0.5)
        self._clear = field.ravel().tolist()
        from array import array

        store_arrays(key, [array("d", self._clear)])
        return self._clear

    def _clearance(self, x: float, y: float) -> float:
        """A lower bound of the distance from (x, y) to the nearest wall, capped (or -1)."""
        clear = self._clear
        if clear is None:
            clear = self._build_clearance()
        fx = (x - self._cx0) / self._ccell
        fy = (y - self._cy0) / self._ccell
        if fx < 0.0 or fy < 0.0:
            return -1.0
        i = int(fx)
        j = int(fy)
        if i >= self._cnx or j >= self._cny:
            return -1.0
        return clear[j * self._cnx + i]

    def rect_hits_wall(self, x: float, y: float, heading_deg: float, front: float, back: float,
                       half_width: float) -> bool:
        """Does the body rectangle overlap a wall or box?

        The rectangle, in the robot frame (x forward from the pose point, y to the left), spans
        x from ``back`` to ``front`` (``back`` is a coordinate: -60 for a body 60 mm behind the
        axle, as robot.toml's ``body.back``) and y from -half_width to +half_width.  Touching
        counts as overlapping.
        """
        c, s, hx, hy, rcx, rcy = _rect_frame(x, y, heading_deg, front, back, half_width)
        big = math.sqrt(hx * hx + hy * hy)
        if not self._segs or self._clearance(rcx, rcy) > big:
            return False
        for seg in self._candidates(rcx, rcy, big):
            r = seg[7]
            rr = seg[10] + big
            ex, ey = seg[8] - rcx, seg[9] - rcy
            if ex * ex + ey * ey > rr * rr:
                continue
            ax_, ay_, bx_, by_ = _seg_in_frame(seg, rcx, rcy, c, s)
            if _seg_aabb_dist2(ax_, ay_, bx_, by_, hx, hy) <= r * r:
                return True
        for poly in self._box_polys:
            if _point_in_poly(rcx, rcy, poly):
                return True
        return False

    def circle_hits_wall(self, x: float, y: float, radius: float) -> bool:
        """Does the disc of ``radius`` around ``(x, y)`` overlap a wall or box?"""
        if not self._segs or self._clearance(x, y) > radius:
            return False
        for seg in self._candidates(x, y, radius):
            rr = seg[7] + radius
            if _pt_seg_dist2(x, y, seg[0], seg[1], seg[2], seg[3]) < rr * rr:
                return True
        return any(_point_in_poly(x, y, poly) for poly in self._box_polys)

    def rect_contact(self, x: float, y: float, heading_deg: float, front: float, back: float,
                     half_width: float, margin: float = 1.0) -> frozenset[str]:
        """Sides of the body rectangle within ``margin`` mm of a wall or box.

        A frozenset of "front", "back", "left", "right" (empty: no contact; shared objects, no
        allocation); the rectangle is as in :meth:`rect_hits_wall`.  A side that a wall
        overlaps is in contact; a wall at a corner touches both sides of that corner.
        ``rect_contact_mask`` gives the same as a bitmask of CONTACT_* flags.
        """
        return CONTACT_SIDES[self.rect_contact_mask(x, y, heading_deg, front, back, half_width,
                                                    margin)]

    def rect_contact_mask(self, x: float, y: float, heading_deg: float, front: float,
                          back: float, half_width: float, margin: float = 1.0) -> int:
        """:meth:`rect_contact` as an OR of CONTACT_FRONT/BACK/LEFT/RIGHT (0: no contact)."""
        c, s, hx, hy, rcx, rcy = _rect_frame(x, y, heading_deg, front, back, half_width)
        big = math.sqrt(hx * hx + hy * hy) + margin
        hm = margin / 2.0
        fx = hx + hm
        fy = hy + hm
        # the strips stop margin/2 short of the corners, so that a wall flush against one side
        # (or pressed a little into it) does not count for the sides next to it
        end = hm if hm > 1e-6 else 1e-6
        sx = hx - end if hx > end else 0.0
        sy = hy - end if hy > end else 0.0
        if not self._segs or self._clearance(rcx, rcy) > big:
            return 0
        out = 0
        for seg in self._candidates(rcx, rcy, big):
            rr = seg[10] + big
            ex, ey = seg[8] - rcx, seg[9] - rcy
            if ex * ex + ey * ey > rr * rr:
                continue
            r2 = seg[7] * seg[7]
            ax_, ay_, bx_, by_ = _seg_in_frame(seg, rcx, rcy, c, s)
            # a side is in contact when the wall reaches into the strip `margin` deep just
            # outside that side
            hit = 0
            if _seg_aabb_dist2(ax_ - fx, ay_, bx_ - fx, by_, hm, sy) <= r2:
                hit = CONTACT_FRONT
            if _seg_aabb_dist2(ax_ + fx, ay_, bx_ + fx, by_, hm, sy) <= r2:
                hit |= CONTACT_BACK
            if _seg_aabb_dist2(ax_, ay_ - fy, bx_, by_ - fy, sx, hm) <= r2:
                hit |= CONTACT_LEFT
            if _seg_aabb_dist2(ax_, ay_ + fy, bx_, by_ + fy, sx, hm) <= r2:
                hit |= CONTACT_RIGHT
            if not hit:
                # only a corner within reach: both sides of that corner
                lim = seg[7] + margin
                lim2 = lim * lim
                if _pt_seg_dist2(hx, hy, ax_, ay_, bx_, by_) <= lim2:
                    hit |= CONTACT_FRONT | CONTACT_LEFT
                if _pt_seg_dist2(hx, -hy, ax_, ay_, bx_, by_) <= lim2:
                    hit |= CONTACT_FRONT | CONTACT_RIGHT
                if _pt_seg_dist2(-hx, hy, ax_, ay_, bx_, by_) <= lim2:
                    hit |= CONTACT_BACK | CONTACT_LEFT
                if _pt_seg_dist2(-hx, -hy, ax_, ay_, bx_, by_) <= lim2:
                    hit |= CONTACT_BACK | CONTACT_RIGHT
            out |= hit
        return out


# --------------------------------------------------------------------------------------------
# Geometry kernels (plain floats; no allocation)
# --------------------------------------------------------------------------------------------


def _rect_frame(x: float, y: float, heading_deg: float, front: float, back: float,
                half_width: float) -> tuple[float, float, float, float, float, float]:
    """The body rectangle of a pose (as in :meth:`WallGeometry.rect_hits_wall`): the cosine
    and sine of its heading, its half length and half width, and its centre."""
    a = math.radians(heading_deg)
    c, s = math.cos(a), math.sin(a)
    mid = (front + back) / 2.0
    return c, s, (front - back) / 2.0, half_width, x + c * mid, y + s * mid


def _seg_in_frame(seg: _Seg, rcx: float, rcy: float, c: float, s: float
                  ) -> tuple[float, float, float, float]:
    """The segment's ends in the frame of a rectangle centred at ``rcx, rcy`` and turned
    by the angle of cosine ``c`` and sine ``s`` (so that the rectangle is axis-aligned)."""
    px, py = seg[0] - rcx, seg[1] - rcy
    qx, qy = seg[2] - rcx, seg[3] - rcy
    return c * px + s * py, c * py - s * px, c * qx + s * qy, c * qy - s * qx


def _clip(o: float, d: float, lo: float, hi: float, t0: float, t1: float
          ) -> tuple[float, float]:
    """The part ``t0..t1`` of a ray (origin ``o``, direction ``d`` along one axis) that lies
    between ``lo`` and ``hi`` on that axis; ``t0 > t1`` when there is none."""
    if d != 0.0:
        ta, tb = (lo - o) / d, (hi - o) / d
        if ta > tb:
            ta, tb = tb, ta
        return max(t0, ta), min(t1, tb)
    if lo <= o <= hi:
        return t0, t1
    return _INF, -_INF


def _walk(o: float, d: float, g0: float, i: int, cell: float) -> tuple[int, float, float]:
    """A grid walk along one axis (the grid begins at ``g0``) from cell ``i``: the step
    (+1, -1 or 0), the ray's ``t`` at the cell's next border and the ``t`` a cell takes."""
    if d > 0.0:
        return 1, (g0 + (i + 1) * cell - o) / d, cell / d
    if d < 0.0:
        return -1, (g0 + i * cell - o) / d, -cell / d
    return 0, _INF, _INF


def _ray_segs(segs: tuple[_Seg, ...] | list[_Seg], ox: float, oy: float, dx: float, dy: float,
              best: float) -> float:
    """Nearest hit along the unit ray over ``segs``, or ``best`` if none is nearer."""
    for seg in segs:
        ax, ay, _bx, _by, ux, uy, length, r, cx, cy, rr = seg
        ex = cx - ox
        ey = cy - oy
        perp = ex * dy - ey * dx
        if perp > rr or perp < -rr:
            continue
        tc = ex * dx + ey * dy
        if tc - rr > best or tc + rr < 0.0:
            continue
        # the flat faces, inline (the common case); the round ends in _seg_ray
        px = ox - ax
        py = oy - ay
        ov = py * ux - px * uy
        dv = dy * ux - dx * uy
        if ov > r:
            if dv >= 0.0 or r == 0.0:  # a box's edge seen from inside the box: not a face
                continue
            t = (r - ov) / dv
        elif ov < -r:
            if dv <= 0.0:
                continue
            t = (-r - ov) / dv
        else:
            t = _seg_ray(seg, ox, oy, dx, dy)
            if t < best:
                best = t
            continue
        u = px * ux + py * uy + t * (dx * ux + dy * uy)
        if 0.0 <= u <= length:
            if t < best:
                best = t
        elif r > 0.0:
            t = _seg_ray(seg, ox, oy, dx, dy)
            if t < best:
                best = t
    return best


def _seg_ray(seg: _Seg, ox: float, oy: float, dx: float, dy: float) -> float:
    """Distance along the unit ray to the capsule ``seg`` (segment + radius); inf if missed."""
    ax, ay, _bx, _by, ux, uy, length, r, _cx, _cy, _rr = seg
    px, py = ox - ax, oy - ay
    ou = px * ux + py * uy
    ov = py * ux - px * uy
    du = dx * ux + dy * uy
    dv = dy * ux - dx * uy
    if ov > r:
        if dv >= 0.0 or r == 0.0:  # a box's edge (counterclockwise) seen from inside
            return _INF
        t = (r - ov) / dv
    elif ov < -r:
        if dv <= 0.0:
            return _INF
        t = (-r - ov) / dv
    else:
        if 0.0 <= ou <= length:
            return 0.0
        t = -1.0
    if t >= 0.0:
        u = ou + t * du
        if 0.0 <= u <= length:
            return t
    if r <= 0.0:
        return _INF
    # the round caps at both ends
    rr = r * r
    ov2 = ov * ov
    vb = ov * dv
    return min(_cap_ray(ou, du, vb, ov2, rr), _cap_ray(ou - length, du, vb, ov2, rr))


def _cap_ray(wu: float, du: float, vb: float, ov2: float, rr: float) -> float:
    """Distance along the unit ray to a capsule's round cap, the circle of radius
    ``sqrt(rr)`` whose centre the ray's origin sees at ``wu`` along the segment and
    ``sqrt(ov2)`` across it (``du``: the ray's direction along, ``vb``: across times
    its direction across); 0 from inside, inf if missed."""
    b = wu * du + vb
    cc = wu * wu + ov2 - rr
    if cc <= 0.0:
        return 0.0
    disc = b * b - cc
    if disc >= 0.0 and b < 0.0:
        return -b - math.sqrt(disc)
    return _INF


def _seg_aabb_dist2(ax: float, ay: float, bx: float, by: float, hx: float, hy: float) -> float:
    """Squared distance from segment a-b to the box [-hx, hx] x [-hy, hy] (0 if they meet)."""
    # Liang-Barsky: does the segment enter the box?  (Unrolled over the box's four sides:
    # this runs for every wall near the body at every physics step.)
    dx, dy = bx - ax, by - ay
    if _enters(dx, dy, ax, ay, hx, hy):
        return 0.0
    # disjoint convex shapes: the nearest pair involves a vertex of one of them
    best = min(_pt_box_dist2(ax, ay, hx, hy), _pt_box_dist2(bx, by, hx, hy))
    ll = dx * dx + dy * dy
    if ll > 0.0:
        for cx, cy in ((hx, hy), (-hx, hy), (-hx, -hy), (hx, -hy)):
            t = ((cx - ax) * dx + (cy - ay) * dy) / ll
            if 0.0 < t < 1.0:
                qx = ax + t * dx - cx
                qy = ay + t * dy - cy
                d = qx * qx + qy * qy
                if d < best:
                    best = d
    return best


def _enters(dx: float, dy: float, ax: float, ay: float, hx: float, hy: float) -> bool:
    """Does the segment from (ax, ay) along (dx, dy) meet the box [-hx, hx] x [-hy, hy]?
    Liang-Barsky clipping of the segment's t in [0, 1] against each side in turn."""
    # The sides x = -hx and x = hx: t0 rises at the side the segment enters through, t1
    # falls at the one it leaves through (same operations as the loop over (p, q) pairs
    # (-dx, ax + hx), (dx, hx - ax), (-dy, ay + hy), (dy, hy - ay), in that order).
    t0, t1 = 0.0, 1.0
    if dx == 0.0:
        if ax + hx < 0.0 or hx - ax < 0.0:
            return False
    elif dx > 0.0:  # p = -dx < 0 for the first side, p = dx > 0 for the second
        t = (ax + hx) / -dx
        if t > t1:
            return False
        if t > t0:
            t0 = t
        t = (hx - ax) / dx
        if t < t0:
            return False
        if t < t1:
            t1 = t
    else:
        t = (ax + hx) / -dx
        if t < t0:
            return False
        if t < t1:
            t1 = t
        t = (hx - ax) / dx
        if t > t1:
            return False
        if t > t0:
            t0 = t
    if dy == 0.0:
        return not (ay + hy < 0.0 or hy - ay < 0.0)
    if dy > 0.0:
        t = (ay + hy) / -dy
        if t > t1:
            return False
        if t > t0:
            t0 = t
        t = (hy - ay) / dy
        return not t < t0
    t = (ay + hy) / -dy
    if t < t0:
        return False
    if t < t1:
        t1 = t
    t = (hy - ay) / dy
    return not t > t1


def _pt_box_dist2(x: float, y: float, hx: float, hy: float) -> float:
    """Squared distance from the point to the box [-hx, hx] x [-hy, hy] (0 inside)."""
    ex = abs(x) - hx
    ey = abs(y) - hy
    ex = ex if ex > 0.0 else 0.0
    ey = ey if ey > 0.0 else 0.0
    return ex * ex + ey * ey


def _pt_seg_dist2(px: float, py: float, ax: float, ay: float, bx: float, by: float) -> float:
    dx, dy = bx - ax, by - ay
    ll = dx * dx + dy * dy
    t = 0.0 if ll == 0.0 else ((px - ax) * dx + (py - ay) * dy) / ll
    t = 0.0 if t < 0.0 else (1.0 if t > 1.0 else t)
    qx = ax + t * dx - px
    qy = ay + t * dy - py
    return qx * qx + qy * qy


def _seg_seg_dist2(ax: float, ay: float, bx: float, by: float,
                   cx: float, cy: float, dx: float, dy: float) -> float:
    """Squared distance between segments a-b and c-d."""
    # proper or touching intersection -> 0
    d1 = (dx - cx) * (ay - cy) - (dy - cy) * (ax - cx)
    d2 = (dx - cx) * (by - cy) - (dy - cy) * (bx - cx)
    d3 = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)
    d4 = (bx - ax) * (dy - ay) - (by - ay) * (dx - ax)
    if ((d1 > 0.0 > d2) or (d1 < 0.0 < d2)) and ((d3 > 0.0 > d4) or (d3 < 0.0 < d4)):
        return 0.0
    return min(_pt_seg_dist2(ax, ay, cx, cy, dx, dy), _pt_seg_dist2(bx, by, cx, cy, dx, dy),
               _pt_seg_dist2(cx, cy, ax, ay, bx, by), _pt_seg_dist2(dx, dy, ax, ay, bx, by))


def _seg_box_dist2(seg: _Seg, x0: float, y0: float, size: float) -> float:
    """Squared distance from a segment's centre line to the square cell [x0, x0+size]^2."""
    h = size / 2.0
    cx, cy = x0 + h, y0 + h
    return _seg_aabb_dist2(seg[0] - cx, seg[1] - cy, seg[2] - cx, seg[3] - cy, h, h)


def _point_in_poly(x: float, y: float, poly: tuple[Point, ...]) -> bool:
    inside = False
    n = len(poly)
    for i in range(n):
        x1, y1 = poly[i]
        x2, y2 = poly[(i + 1) % n]
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


#: For the checks of a world's table (model.py): the kernels under public names.
point_in_poly = _point_in_poly
pt_seg_dist2 = _pt_seg_dist2
seg_aabb_dist2 = _seg_aabb_dist2
