"""A physics step of the body: it rolls along the exact arc of its two wheels.

``SimBrick._roll`` (the general path) and the fast kernel's physics step
(``robokit.sim.kernel``) both end each step here.  Portable: MicroPython runs it too, in
``robokit run --exact`` (robokit.virtual.rom).  Built as a C extension where robokit's
compiled core is (robokit._compiled; ``arc.pxd`` computes it in C doubles, the very
operations of Python's floats, in the same order).
"""

from math import cos as _cos
from math import sin as _sin


def roll(b, dl, dr, dt, vl, vr, track):
    """The body ``b`` (a brick's state: ``_x``, ``_y``, ``_h``, ``distance_mm``, ``_v``,
    ``_w``, ``_accel_fwd``) rolls after its wheels, which went ``dl`` and ``dr`` mm in the
    last ``dt`` seconds and now run at ``vl`` and ``vr`` mm/s, ``track`` mm apart: a chord
    of length ds·sinc(dh/2) in the direction halfway through the turn."""
    ds = 0.5 * (dl + dr)
    half = 0.5 * (dr - dl) / track
    if -1e-3 < half < 1e-3:
        h2 = half * half
        chord = ds * (1.0 - h2 / 6.0 + h2 * h2 / 120.0)
    else:
        chord = ds * _sin(half) / half
    mid = b._h + half
    b._x += chord * _cos(mid)
    b._y += chord * _sin(mid)
    b._h = mid + half
    b.distance_mm += ds if ds >= 0.0 else -ds
    v = 0.5 * (vl + vr)
    b._accel_fwd = (v - b._v) / dt
    b._v = v
    b._w = (vr - vl) / track
