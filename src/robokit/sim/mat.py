"""Reading the mat under a colour sensor: the part of :mod:`robokit.sim.surface` that a
simulated brick runs at every colour reading.

Portable code: it also runs in MicroPython's VM, as part of the robot of a run with
``--exact`` (robokit.sim.vmbrick), on the tables the host made (numpy, the cache and the
painting stay in :mod:`robokit.sim.surface`, which subclasses these two).

- :class:`MatReader` is ``Surface.rgb``: the exact mean over a square footprint, from the
  summed-area tables ``_sr``, ``_sg`` and ``_sb``;
- :class:`Footprint` is ``FootprintSampler.rgb``: the bilinear interpolation of the
  footprint means ``_means`` for one radius, falling back on its surface's ``rgb`` off
  its grid.
"""

from __future__ import annotations  # (robokit.virtual.rom drops it for MicroPython)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: Reflectance is stored in steps of 1/SCALE percent.
SCALE = 2


def _pixel(v: float, n: int) -> tuple[int, float]:
    """The pixel of raster coordinate ``v`` (0 <= v <= n pixels) and how far into it
    ``v`` lies (0 to 1); the far edge ``v = n`` is the whole of the last pixel."""
    i = int(v)
    if i >= n:
        return n - 1, 1.0
    return i, v - i


class MatReader:
    """The footprint means of a mat's raster (what ``Surface`` reads; see the module doc).
    Its fields: ``bounds`` (the world's, mm), ``background_rgb``, ``nothing_rgb`` (beyond
    the bounds), ``mm_per_px``, the raster's origin ``_rx0``/``_ry0`` (mm) and size
    ``_w``/``_h`` (pixels), its extent clipped to the bounds ``_xw``/``_yh`` (pixels), and
    the tables ``_sr``/``_sg``/``_sb`` ((w + 1) * (h + 1) each, flat)."""

    bounds: tuple[float, float, float, float]
    background_rgb: tuple[float, float, float]
    nothing_rgb: tuple[float, float, float]
    mm_per_px: float
    _rx0: float
    _ry0: float
    _w: int
    _h: int
    _xw: float
    _yh: float
    _sr: Any
    _sg: Any
    _sb: Any

    def rgb(self, x: float, y: float, radius_mm: float) -> tuple[float, float, float]:
        """Mean reflectance (r, g, b) in percent over the square of side 2*radius at (x, y).

        Parts of the square outside the world's bounds count as nothing (0, 0, 0).
        """
        r = radius_mm if radius_mm > 0.005 else 0.005
        bx0, by0, bx1, by1 = self.bounds
        fx0 = x - r
        fx1 = x + r
        fy0 = y - r
        fy1 = y + r
        if fx0 < bx0:
            fx0 = bx0
        if fx1 > bx1:
            fx1 = bx1
        if fy0 < by0:
            fy0 = by0
        if fy1 > by1:
            fy1 = by1
        if fx1 <= fx0 or fy1 <= fy0:
            return self.nothing_rgb
        inside = (fx1 - fx0) * (fy1 - fy0)
        area = 4.0 * r * r
        bgr, bgg, bgb = self.background_rgb
        w = self._w
        if not w:
            k = inside / area
            return (bgr * k, bgg * k, bgb * k)
        px = self.mm_per_px
        X0 = (fx0 - self._rx0) / px
        X1 = (fx1 - self._rx0) / px
        Y0 = (fy0 - self._ry0) / px
        Y1 = (fy1 - self._ry0) / px
        xw = self._xw
        yh = self._yh
        if X0 < 0.0:
            X0 = 0.0
        if X1 > xw:
            X1 = xw
        if Y0 < 0.0:
            Y0 = 0.0
        if Y1 > yh:
            Y1 = yh
        if X1 <= X0 or Y1 <= Y0:
            k = inside / area
            return (bgr * k, bgg * k, bgb * k)
        h = self._h
        i0, a0 = _pixel(X0, w)
        i1, a1 = _pixel(X1, w)
        j0, b0 = _pixel(Y0, h)
        j1, b1 = _pixel(Y1, h)
        # S(X, Y) is bilinear within a pixel; the box integral is
        # S(X1,Y1) - S(X0,Y1) - S(X1,Y0) + S(X0,Y0) = sum over 4 columns x 4 rows of weights.
        w0 = a0 - 1.0
        w1 = -a0
        w2 = 1.0 - a1
        w3 = a1
        v0 = b0 - 1.0
        v1 = -b0
        v2 = 1.0 - b1
        v3 = b1
        stride = w + 1
        r0 = j0 * stride
        r1 = r0 + stride
        r2 = j1 * stride
        r3 = r2 + stride
        c1 = i0 + 1
        c3 = i1 + 1
        p00, p01, p02, p03 = r0 + i0, r0 + c1, r0 + i1, r0 + c3
        p10, p11, p12, p13 = r1 + i0, r1 + c1, r1 + i1, r1 + c3
        p20, p21, p22, p23 = r2 + i0, r2 + c1, r2 + i1, r2 + c3
        p30, p31, p32, p33 = r3 + i0, r3 + c1, r3 + i1, r3 + c3
        S = self._sr
        sr = (v0 * (w0 * S[p00] + w1 * S[p01] + w2 * S[p02] + w3 * S[p03])
              + v1 * (w0 * S[p10] + w1 * S[p11] + w2 * S[p12] + w3 * S[p13])
              + v2 * (w0 * S[p20] + w1 * S[p21] + w2 * S[p22] + w3 * S[p23])
              + v3 * (w0 * S[p30] + w1 * S[p31] + w2 * S[p32] + w3 * S[p33]))
        S = self._sg
        sg = (v0 * (w0 * S[p00] + w1 * S[p01] + w2 * S[p02] + w3 * S[p03])
              + v1 * (w0 * S[p10] + w1 * S[p11] + w2 * S[p12] + w3 * S[p13])
              + v2 * (w0 * S[p20] + w1 * S[p21] + w2 * S[p22] + w3 * S[p23])
              + v3 * (w0 * S[p30] + w1 * S[p31] + w2 * S[p32] + w3 * S[p33]))
        S = self._sb
        sb = (v0 * (w0 * S[p00] + w1 * S[p01] + w2 * S[p02] + w3 * S[p03])
              + v1 * (w0 * S[p10] + w1 * S[p11] + w2 * S[p12] + w3 * S[p13])
              + v2 * (w0 * S[p20] + w1 * S[p21] + w2 * S[p22] + w3 * S[p23])
              + v3 * (w0 * S[p30] + w1 * S[p31] + w2 * S[p32] + w3 * S[p33]))
        px2 = px * px
        bg = inside - (X1 - X0) * (Y1 - Y0) * px2
        k = px2 / (SCALE * area)
        kb = bg / area
        return (sr * k + bgr * kb, sg * k + bgg * kb, sb * k + bgb * kb)


class Footprint:
    """The footprint means for one radius on a grid (what ``FootprintSampler`` reads): the
    surface ``_surface`` it falls back on, ``_radius``, the means ``_means`` ((r, g, b) at
    each grid point, flat), the grid's origin ``_x0``/``_y0`` (mm), 1 / its spacing
    ``_inv_px`` and its size ``_nx``/``_ny``."""

    __slots__ = ("_surface", "_radius", "_means", "_x0", "_y0", "_inv_px", "_nx", "_ny")

    _surface: Any
    _radius: float
    _means: Any
    _x0: float
    _y0: float
    _inv_px: float
    _nx: int
    _ny: int

    def rgb(self, x: float, y: float) -> tuple[float, float, float]:
        """Mean reflectance (r, g, b) % over the footprint centred at (x, y)."""
        fx = (x - self._x0) * self._inv_px
        fy = (y - self._y0) * self._inv_px
        i = int(fx)
        j = int(fy)
        nx = self._nx
        if fx < 0.0 or fy < 0.0 or i >= nx - 1 or j >= self._ny - 1:
            return self._surface.rgb(x, y, self._radius)
        ax = fx - i
        ay = fy - j
        m = self._means
        p = (j * nx + i) * 3
        q = p + nx * 3
        w00 = (1.0 - ax) * (1.0 - ay)
        w10 = ax * (1.0 - ay)
        w01 = (1.0 - ax) * ay
        w11 = ax * ay
        # The means at the four corners, (r, g, b) each: two pairs of neighbours in a row,
        # read one by one (compiled, m is a typed view: each read is a load, mat.pxd).
        return (w00 * m[p] + w10 * m[p + 3] + w01 * m[q] + w11 * m[q + 3],
                w00 * m[p + 1] + w10 * m[p + 4] + w01 * m[q + 1] + w11 * m[q + 4],
                w00 * m[p + 2] + w10 * m[p + 5] + w01 * m[q + 2] + w11 * m[q + 5])
