"""Geometry of bodies that move: robots' rectangles, objects' boxes and circles.

A shape is a plain tuple, made by :func:`rect` or :func:`circle`:

- ``("rect", cx, cy, c, s, hx, hy)``: centre, the cosine and sine of its heading, and
  half its length (along the heading) and half its width;
- ``("circle", cx, cy, r)``.

:func:`overlap` gives how deep two shapes overlap and the direction that pushes the
second out of the first; :func:`ray` how far a ray travels before it meets a shape.
World frame: x east, y north, millimetres.

Portable code: it also runs in MicroPython's VM, for a robot pushing objects in a run with
``--exact`` (robokit.sim.floor, robokit.sim.vmbrick); so lengths are :func:`hypot`'s,
which both compute alike (MicroPython's math has no ``hypot``).
"""

from __future__ import annotations  # (robokit.virtual.rom drops it for MicroPython)

import math

Shape = tuple  # ("rect", cx, cy, c, s, hx, hy) or ("circle", cx, cy, r)

#: How far (mm) an object may meet a wall or a box and still only touch it: far below
#: anything seen, far above floats' rounding.  An object set flush against a wall in a world
#: file slides along it (robokit.sim.floor); one that reaches in further is refused when the
#: world is loaded (robokit.sim.world.model), as it could never move.
FLUSH_MM = 1e-6

_INF = math.inf
_sqrt = math.sqrt


def hypot(x: float, y: float) -> float:
    """The length of (x, y): the square root of its squares' sum, the same float in
    CPython and in MicroPython (CPython's ``math.hypot`` may differ from it in the last
    bit; MicroPython has none)."""
    return _sqrt(x * x + y * y)


def rect(x: float, y: float, heading_rad: float, front: float, back: float,
         half_width: float) -> Shape:
    """A robot's body at pose ``(x, y, heading)``: from ``back`` (a coordinate, negative
    behind the axle) to ``front`` along the heading, ``half_width`` to each side."""
    return rect_cs(x, y, math.cos(heading_rad), math.sin(heading_rad), front, back,
                   half_width)


def rect_cs(x: float, y: float, c: float, s: float, front: float, back: float,
            half_width: float) -> Shape:
    """:func:`rect` of the heading whose cosine and sine are ``c`` and ``s``."""
    mid = 0.5 * (front + back)
    return ("rect", x + c * mid, y + s * mid, c, s, 0.5 * (front - back), half_width)


def box(cx: float, cy: float, angle_rad: float, width: float, depth: float) -> Shape:
    """A box centred at ``(cx, cy)``, ``width`` along its angle and ``depth`` across."""
    return box_cs(cx, cy, math.cos(angle_rad), math.sin(angle_rad), width, depth)


def box_cs(cx: float, cy: float, c: float, s: float, width: float, depth: float) -> Shape:
    """:func:`box` at the angle whose cosine and sine are ``c`` and ``s``."""
    return ("rect", cx, cy, c, s, 0.5 * width, 0.5 * depth)


def circle(cx: float, cy: float, r: float) -> Shape:
    return ("circle", cx, cy, r)


def reach(shape: Shape) -> float:
    """The radius of a circle around the shape's centre that holds all of it."""
    if shape[0] == "circle":
        return float(shape[3])
    return hypot(shape[5], shape[6])


def corners(shape: Shape) -> list[tuple[float, float]]:
    """A rectangle's four corners, counterclockwise."""
    _, cx, cy, c, s, hx, hy = shape
    return [(cx + c * u - s * v, cy + s * u + c * v)
            for u, v in ((-hx, -hy), (hx, -hy), (hx, hy), (-hx, hy))]


def overlap(a: Shape, b: Shape) -> tuple[float, float, float] | None:
    """How ``b`` must move to leave ``a``: ``(depth, nx, ny)`` (depth in mm along the unit
    direction n), or None when they do not overlap (touching is not overlapping)."""
    dx, dy = b[1] - a[1], b[2] - a[2]
    ra, rb = reach(a), reach(b)
    if dx * dx + dy * dy >= (ra + rb) * (ra + rb):
        return None
    if a[0] == "circle":
        if b[0] == "circle":
            return _circles(a, b)
        hit = _rect_circle(b, a)
        return None if hit is None else (hit[0], -hit[1], -hit[2])
    if b[0] == "circle":
        return _rect_circle(a, b)
    return _rects(a, b)


def _circles(a: Shape, b: Shape) -> tuple[float, float, float] | None:
    dx, dy = b[1] - a[1], b[2] - a[2]
    d = hypot(dx, dy)
    depth = a[3] + b[3] - d
    if depth <= 0.0:
        return None
    if d == 0.0:
        return depth, 1.0, 0.0
    return depth, dx / d, dy / d


def _rect_circle(r: Shape, o: Shape) -> tuple[float, float, float] | None:
    """Circle ``o`` out of rectangle ``r``."""
    _, cx, cy, c, s, hx, hy = r
    ex, ey = o[1] - cx, o[2] - cy
    px, py = c * ex + s * ey, -s * ex + c * ey  # the circle's centre in the rectangle's frame
    rad = o[3]
    qx = hx if px > hx else (-hx if px < -hx else px)
    qy = hy if py > hy else (-hy if py < -hy else py)
    lx, ly = px - qx, py - qy
    d = hypot(lx, ly)
    if d != 0.0:  # centre outside the rectangle (by more than a length too small to square)
        if d >= rad:
            return None
        nx, ny = lx / d, ly / d
        depth = rad - d
    else:  # centre inside: out through the nearest side
        if hx - abs(px) < hy - abs(py):
            nx, ny = (1.0 if px >= 0.0 else -1.0), 0.0
            depth = hx - abs(px) + rad
        else:
            nx, ny = 0.0, (1.0 if py >= 0.0 else -1.0)
            depth = hy - abs(py) + rad
    return depth, c * nx - s * ny, s * nx + c * ny


def _rects(a: Shape, b: Shape) -> tuple[float, float, float] | None:
    """Separating axes of two rectangles: the shallowest overlap, or None."""
    dx, dy = b[1] - a[1], b[2] - a[2]
    best = _INF
    bx = by = 0.0
    for ux, uy in ((a[3], a[4]), (-a[4], a[3]), (b[3], b[4]), (-b[4], b[3])):
        pa = a[5] * abs(a[3] * ux + a[4] * uy) + a[6] * abs(-a[4] * ux + a[3] * uy)
        pb = b[5] * abs(b[3] * ux + b[4] * uy) + b[6] * abs(-b[4] * ux + b[3] * uy)
        d = dx * ux + dy * uy
        depth = pa + pb - abs(d)
        if depth <= 0.0:
            return None
        if depth < best:
            best = depth
            bx, by = (ux, uy) if d >= 0.0 else (-ux, -uy)
    return best, bx, by


def ray(shape: Shape, ox: float, oy: float, dx: float, dy: float) -> float:
    """Distance along the unit ray from ``(ox, oy)`` to the shape (0 from inside it), or
    infinity when the ray misses it."""
    if shape[0] == "circle":
        ex, ey = ox - shape[1], oy - shape[2]
        r = shape[3]
        c = ex * ex + ey * ey - r * r
        if c <= 0.0:
            return 0.0
        b = ex * dx + ey * dy
        disc = b * b - c
        if b >= 0.0 or disc < 0.0:
            return _INF
        return -b - math.sqrt(disc)
    _, cx, cy, c, s, hx, hy = shape
    ex, ey = ox - cx, oy - cy
    px, py = c * ex + s * ey, -s * ex + c * ey
    vx, vy = c * dx + s * dy, -s * dx + c * dy
    t0, t1 = 0.0, _INF
    for p, v, h in ((px, vx, hx), (py, vy, hy)):
        if v == 0.0:
            if p < -h or p > h:
                return _INF
            continue
        ta, tb = (-h - p) / v, (h - p) / v
        if ta > tb:
            ta, tb = tb, ta
        if ta > t0:
            t0 = ta
        if tb < t1:
            t1 = tb
        if t0 > t1:
            return _INF
    return t0


def contains(shape: Shape, x: float, y: float) -> bool:
    """Is the point inside the shape?"""
    ex, ey = x - shape[1], y - shape[2]
    if shape[0] == "circle":
        return ex * ex + ey * ey <= shape[3] * shape[3]
    _, _, _, c, s, hx, hy = shape
    return abs(c * ex + s * ey) <= hx and abs(-s * ex + c * ey) <= hy
