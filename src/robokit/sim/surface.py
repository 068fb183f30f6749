"""The mat as a colour sensor sees it: a raster of reflectance with O(1) footprint means.

``Surface(world)`` paints the world's shapes into a raster (2 mm per pixel by default) with
numpy, then keeps summed-area tables of the r, g and b reflectance as ``array`` objects (plain
Python indexing of an ``array`` is several times faster than indexing numpy scalars).  The raster
covers only the part of the world that has painted shapes on it; the rest of the world is the
background colour, and beyond the world's bounds there is nothing (``NOTHING_RGB``: black, as if
the sensor hung over the edge of the table, which is what a robot that drove off the mat would
really see and what an edge-detecting program needs to notice).

``Surface.rgb(x, y, radius)`` is the exact area mean over the square footprint: corners that fall
inside a pixel interpolate the summed-area table bilinearly, which is exact for a raster that is
constant per pixel, so readings change smoothly as the sensor moves.

numpy is imported only to paint a raster and build its tables.  Both are kept on disk in
robokit's cache folder (``robokit.compiler.cache``: ``ROBOKIT_CACHE_DIR``, else the user cache
folder; an empty ``ROBOKIT_CACHE_DIR`` turns it off), keyed by a hash of what they are made
from: the world's mat (bounds, background, shapes and their colours' reflectance), the pixel
size, the footprint radius, and the code that paints them (this module's and the shapes
module's source).  A run that finds them reads them into ``array`` objects without numpy.
Entries are written under a temporary name and renamed, and carry a hash of their bytes
(checked on the first read of an entry, and again whenever its file has changed since: see
``load_arrays``), so two runs writing at once, or a damaged entry, cost at most a rebuild.
"""

from __future__ import annotations

import math
import os
import struct
import sys
from array import array
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from robokit.sim.mat import SCALE, Footprint, MatReader
from robokit.sim.world.shapes import (
    COLORS,
    NOTHING_RGB,
    Circle,
    Line,
    Polygon,
    Ring,
    color_hex,
    reflectance,
)

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from robokit.sim.world.model import World

__all__ = ["Surface", "paint", "render"]

#: Most pixels a surface raster may have; bigger worlds get coarser pixels.
MAX_PIXELS = 16_000_000
_I32_MAX = 2**31 - 1
#: Bumped when the layout of a cache entry changes.
_CACHE_FORMAT = b"surface-1"


class Surface(MatReader):
    """Reflectance of a world's mat, with O(1) mean over a square footprint (read by
    :meth:`~robokit.sim.mat.MatReader.rgb`)."""

    nothing_rgb = NOTHING_RGB

    def __init__(self, world: World, mm_per_px: float = 2.0) -> None:
        self.world = world
        bx0, by0, bx1, by1 = world.bounds
        self.bounds = (bx0, by0, bx1, by1)
        self.background_rgb = world.background_rgb
        px = float(mm_per_px)
        while ((bx1 - bx0) / px) * ((by1 - by0) / px) > MAX_PIXELS:
            px *= 1.25
        self.mm_per_px = px
        # the raster covers the painted shapes only, on the pixel grid of the bounds
        ext = _shapes_extent(world)
        self.raster_bounds: tuple[float, float, float, float] | None = None
        w = h = 0
        rx0 = ry0 = 0.0
        if ext is not None:
            i0 = max(0, math.floor((ext[0] - bx0) / px) - 1)
            j0 = max(0, math.floor((ext[1] - by0) / px) - 1)
            i1 = min(math.ceil((bx1 - bx0) / px), math.ceil((ext[2] - bx0) / px) + 1)
            j1 = min(math.ceil((by1 - by0) / px), math.ceil((ext[3] - by0) / px) + 1)
            if i1 > i0 and j1 > j0:
                rx0, ry0 = bx0 + i0 * px, by0 + j0 * px
                w, h = i1 - i0, j1 - j0
                self.raster_bounds = (rx0, ry0, min(bx1, rx0 + w * px), min(by1, ry0 + h * px))
        self._rx0, self._ry0, self._w, self._h = rx0, ry0, w, h
        # the last pixel may stick out past the bounds: use the clipped extent in pixels
        if self.raster_bounds is not None:
            self._xw = (self.raster_bounds[2] - rx0) / px
            self._yh = (self.raster_bounds[3] - ry0) / px
        else:
            self._xw = self._yh = 0.0
        # summed-area tables, one per channel, flat: S[j * (w + 1) + i] = sum of the pixels
        # left of column i and below row j (``array`` objects: indexing them from Python is
        # several times faster than indexing numpy scalars).  Made (or read from the cache)
        # on first use: a footprint sampler read from the cache does not need them.
        self._code = "q" if w * h * 100 * SCALE > _I32_MAX else "i"
        self._key = _cache_key(world, px, w, h, rx0, ry0) if w and h else None
        if not (w and h):
            self._set_tables([])

    #: The summed-area tables (made by ``_set_tables`` on first use: see ``__getattr__``).
    _tables: list[Any]  # arrays, or memoryviews of a cache entry
    _sr: memoryview
    _sg: memoryview
    _sb: memoryview

    def __getattr__(self, name: str) -> Any:
        # Only called for attributes not set yet: the tables, the first time they are used.
        if name not in ("_tables", "_sr", "_sg", "_sb") or "_code" not in self.__dict__:
            raise AttributeError(name)
        tables = load_arrays(self._key, self._code, (self._w + 1) * (self._h + 1), 3)
        if not tables:
            tables = _build_tables(self.world, self._rx0, self._ry0, self._w, self._h,
                                   self.mm_per_px, self._code)
            store_arrays(self._key, tables)
        self._set_tables(tables)
        return self.__dict__[name]

    def _set_tables(self, tables: list[Any]) -> None:
        self._tables = tables
        empty = memoryview(array(self._code))
        self._sr, self._sg, self._sb = (memoryview(t) for t in tables) if tables else (
            empty, empty, empty)

    def tables_file(self) -> tuple[str, int] | None:
        """Where the summed-area tables are on disk (:func:`stored_arrays`), or None."""
        if not (self._w and self._h):
            return None
        return stored_arrays(self._key, self._code, (self._w + 1) * (self._h + 1), 3)

    def sampler(self, radius_mm: float) -> FootprintSampler:
        """A fast reader of :meth:`rgb` for one footprint radius (made once, then kept)."""
        cache = self.__dict__.setdefault("_samplers", {})
        if radius_mm not in cache:
            cache[radius_mm] = FootprintSampler(self, radius_mm)
        return cache[radius_mm]


class FootprintSampler(Footprint):
    """``Surface.rgb`` for one fixed footprint radius, about three times faster.

    When the footprint's side is a whole number of pixels, the exact footprint mean is
    linear between positions whose box edges fall on pixel edges, in each axis.  So the
    means at those positions are computed once (from the summed-area tables), and a
    reading is a bilinear interpolation of four of them: exact, like ``Surface.rgb``,
    which answers wherever the footprint is not wholly on the raster.
    """

    __slots__ = ("_key",)

    def __init__(self, surface: Surface, radius_mm: float) -> None:
        self._surface = surface
        self._key: str | None = None
        self._radius = radius_mm
        px = surface.mm_per_px
        k = int(round(radius_mm / px))
        w, h = surface._w, surface._h
        self._means: array[float] | memoryview = array("f")
        self._nx = self._ny = 0
        self._x0 = self._y0 = 0.0
        self._inv_px = 1.0 / px
        if k < 1 or abs(k * px - radius_mm) > 1e-9 or w <= 2 * k or h <= 2 * k:
            return  # not a whole number of pixels, or no raster: always the general path
        # Means at box centres on pixel edges X = k .. w-k, Y = k .. h-k.
        self._ny, self._nx = h + 1 - 2 * k, w + 1 - 2 * k
        self._x0 = surface._rx0 + k * px
        self._y0 = surface._ry0 + k * px
        key = self._key = None if surface._key is None else f"{surface._key}-{k}"
        cached = load_arrays(key, "f", self._nx * self._ny * 3, 1)
        if cached:
            self._means = cached[0]
            return
        import numpy as np

        chans = []
        for t in surface._tables:
            sat = np.frombuffer(t, dtype=np.int64 if surface._code == "q" else np.int32)
            sat = sat.reshape(h + 1, w + 1).astype(np.float64)
            box = (sat[2 * k:, 2 * k:] - sat[:-2 * k, 2 * k:] - sat[2 * k:, :-2 * k]
                   + sat[:-2 * k, :-2 * k])
            chans.append(box / (SCALE * 4.0 * k * k))
        stacked = np.stack(chans, axis=-1).astype(np.float32)  # (ny, nx, 3)
        assert (self._ny, self._nx) == stacked.shape[:2]
        self._means = array("f", stacked.reshape(-1).tobytes())
        store_arrays(key, [self._means])

    def means_file(self) -> tuple[str, int] | None:
        """Where the footprint means are on disk (:func:`stored_arrays`), or None."""
        if not self._nx:
            return None
        return stored_arrays(self._key, "f", self._nx * self._ny * 3, 1)


def _build_tables(world: World, rx0: float, ry0: float, w: int, h: int, px: float,
                  code: str) -> list[array[int]]:
    """The three summed-area tables of the painted raster, (h + 1) x (w + 1) each."""
    import numpy as np

    img = paint(world, rx0, ry0, w, h, px)
    dtype = np.int64 if code == "q" else np.int32
    out = []
    for c in range(3):
        sat = np.zeros((h + 1, w + 1), dtype=dtype)
        sat[1:, 1:] = img[c]
        np.cumsum(sat, axis=0, out=sat)
        np.cumsum(sat, axis=1, out=sat)
        out.append(array(code, sat.tobytes()))
    return out


def code_hash(*paths: str) -> bytes:
    """What stands for robokit's version in cache keys: the source of the code that makes
    an entry (``paths``), so that an edit is a new key too (robokit's version when the
    source is not there to read)."""
    from robokit._sha import sha256

    h = sha256()
    for path in paths:
        try:
            with open(path, "rb") as f:
                h.update(f.read())
        except (OSError, TypeError):
            import robokit

            h.update(str(robokit.__version__).encode())
    return h.digest()


def cache_key(*parts: bytes | str) -> str | None:
    """The key of a cache entry made from ``parts`` (None: the cache is off)."""
    from robokit.compiler.cache import default_cache_dir, make_key

    if default_cache_dir() is None:
        return None
    return make_key(*parts)


def _cache_key(world: World, px: float, w: int, h: int, rx0: float, ry0: float) -> str | None:
    """The cache key of a world's raster tables."""
    from robokit.sim.world import shapes

    mat = repr((world.bounds, world.background, world.background_rgb,
                [(s.to_dict(), reflectance(s.color)) for s in world.shapes]))
    geometry = repr((px, w, h, rx0, ry0, SCALE, sys.byteorder))
    return cache_key(_CACHE_FORMAT, code_hash(__file__, shapes.__file__), mat, geometry)


#: A cache entry: magic, item type, count of arrays, items per array, CRC-32 of the items.
_ENTRY = struct.Struct("<4s4sIQI")
_MAGIC = b"RKS1"


def _entry_path(key: str | None, kind: str = "surface") -> Any:
    if key is None:
        return None
    from robokit.compiler.cache import Cache

    return Cache().path(kind, key)


def load_arrays(key: str | None, code: str, n: int, count: int) -> list[Any]:
    """``count`` arrays of ``n`` items each stored under ``key`` (memoryviews of typecode
    ``code``, indexed as fast as an ``array``), or [] (a miss: no entry, a damaged one,
    or one of another layout; the caller builds it and writes it again).  The arrays
    view the entry's file mapped into memory (``mmap``: only the pages read are loaded,
    where reading the whole of a 4.5 MB footprint table cost ~2 ms more).  Entries are
    replaced, never written in place, so the file a run maps stays as it was (a file
    cut short in place by another program under a running simulation would stop it).

    Its CRC-32 (~3 ms for a footprint table of 4.5 MB) is computed the first time an
    entry is read; once it has matched, a stamp of the entry's file (see
    :func:`_stamp`) is kept beside it, and a later read of the same, untouched file
    skips the sum.  Any write to the file, in place or by replacing it, changes its
    stamp, so a damaged entry is still a miss."""
    import mmap
    import zlib

    path = _entry_path(key)
    if path is None:
        return []
    size = array(code).itemsize * n
    try:
        with open(path, "rb", buffering=0) as f:
            st = os.fstat(f.fileno())
            if st.st_size != _ENTRY.size + count * size:
                return []
            data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return []
    magic, c, cnt, items, crc = _ENTRY.unpack_from(data)
    if (magic, c, cnt, items) != (_MAGIC, code.encode().ljust(4), count, n):
        return []
    view = memoryview(data)
    parts = [view[_ENTRY.size + k * size:_ENTRY.size + (k + 1) * size] for k in range(count)]
    stamp = _stamp(st, crc)
    stamp_path = _entry_path(key, "surface-checked")
    if not _has_stamp(stamp_path, stamp):
        check = 0
        for part in parts:
            check = zlib.crc32(part, check)
        if check != crc:
            return []
        _keep_stamp(stamp_path, stamp, st)
    return [part.cast(code) for part in parts]  # type: ignore[call-overload]


#: What a stamp holds: the file's device, inode, size, times of its last write and of
#: its last change of any kind (ns), and the CRC-32 its header gives.
_STAMP = struct.Struct("<4sQQQqqI")
_STAMP_MAGIC = b"RKC1"
#: An entry is stamped only once its last change is this old (ns): a file system's
#: clock may tick only every few ms, and a write in the same tick as the change that
#: was checked could leave the times as they were (git's "racy" index entries).
SETTLED_NS = 2_000_000_000


def _stamp(st: os.stat_result, crc: int) -> bytes:
    """What identifies a file as it was when its sum was checked: no write to it (not
    even one that keeps its size and sets its time of last write back) keeps all of
    these, as st_ctime_ns cannot be set back."""
    return _STAMP.pack(_STAMP_MAGIC, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns,
                       st.st_ctime_ns, crc)


def _has_stamp(stamp_path: Any, stamp: bytes) -> bool:
    if stamp_path is None:
        return False
    try:
        with open(stamp_path, "rb", buffering=0) as f:
            return bool(f.read(_STAMP.size + 1) == stamp)
    except OSError:
        return False


def _keep_stamp(stamp_path: Any, stamp: bytes, st: os.stat_result) -> None:
    import time

    if stamp_path is None or st.st_ctime_ns > time.time_ns() - SETTLED_NS:
        return
    from .._files import replace_whole

    try:
        replace_whole(stamp_path, [stamp], make_folder=True)
    except OSError:
        pass


def stored_arrays(key: str | None, code: str, n: int, count: int) -> tuple[str, int] | None:
    """Where the ``count`` arrays of ``n`` items stored under ``key`` are (the entry's
    path, and the offset of the first array's first byte; the others follow), when an
    entry of that layout is there; else None. For a reader in another process (the
    robot in MicroPython's VM, robokit.sim.vmbrick), after this one has read and checked
    the entry."""
    path = _entry_path(key)
    if path is None:
        return None
    try:
        with open(path, "rb", buffering=0) as f:
            head = f.read(_ENTRY.size)
            size = os.fstat(f.fileno()).st_size
    except OSError:
        return None
    if len(head) < _ENTRY.size:
        return None
    magic, c, cnt, items, _ = _ENTRY.unpack(head)
    if ((magic, c, cnt, items) != (_MAGIC, code.encode().ljust(4), count, n)
            or size != _ENTRY.size + count * array(code).itemsize * n):
        return None
    return str(path), _ENTRY.size


def store_arrays(key: str | None, tables: list[array[Any]]) -> None:
    """Write ``tables`` under ``key``, whole (robokit._files.replace_whole: readers never
    see a torn entry; racing writers write the same bytes).  A cache that cannot be
    written is skipped."""
    import zlib

    from .._files import replace_whole

    path = _entry_path(key)
    if path is None:
        return
    check = 0
    for t in tables:
        check = zlib.crc32(t, check)
    head = _ENTRY.pack(_MAGIC, tables[0].typecode.encode().ljust(4), len(tables),
                       len(tables[0]), check)
    try:
        replace_whole(path, [head, *tables], make_folder=True)
    except OSError:
        pass


def _shapes_extent(world: World) -> tuple[float, float, float, float] | None:
    """Bounding box (xmin, ymin, xmax, ymax) of the painted shapes, or None."""
    xs: list[float] = []
    ys: list[float] = []
    for s in world.shapes:
        if isinstance(s, Line):
            hw = s.width / 2
            xs += [min(p[0] for p in s.points) - hw, max(p[0] for p in s.points) + hw]
            ys += [min(p[1] for p in s.points) - hw, max(p[1] for p in s.points) + hw]
        elif isinstance(s, Polygon):
            xs += [p[0] for p in s.points]
            ys += [p[1] for p in s.points]
        else:
            xs += [s.center[0] - s.radius, s.center[0] + s.radius]
            ys += [s.center[1] - s.radius, s.center[1] + s.radius]
    if not xs:
        return None
    return (min(xs), min(ys), max(xs), max(ys))


def _seg_dist(X: NDArray[np.float64], Y: NDArray[np.float64], ax: float, ay: float, bx: float,
              by: float) -> NDArray[np.float64]:
    """Distance from each grid point (X row, Y column) to the segment a-b."""
    import numpy as np

    dx, dy = bx - ax, by - ay
    ll = dx * dx + dy * dy
    if ll == 0.0:
        return np.asarray(np.hypot(X - ax, Y - ay))
    t = np.clip(((X - ax) * dx + (Y - ay) * dy) / ll, 0.0, 1.0)
    return np.asarray(np.hypot(ax + t * dx - X, ay + t * dy - Y))


def _pieces(ax: float, ay: float, bx: float, by: float, step: float
            ) -> list[tuple[float, float, float, float]]:
    """The segment a-b cut into pieces no longer than ``step`` (small windows, less work)."""
    n = max(1, math.ceil(math.hypot(bx - ax, by - ay) / step))
    return [(ax + (bx - ax) * k / n, ay + (by - ay) * k / n,
             ax + (bx - ax) * (k + 1) / n, ay + (by - ay) * (k + 1) / n) for k in range(n)]


def paint(world: World, x0: float, y0: float, w: int, h: int, mm_per_px: float,
          display: bool = False) -> NDArray[np.uint8]:
    """Paint the world's mat into a (3, h, w) uint8 array; row 0 is the south edge (y0).

    Pixel (j, i) covers x0 + i*px .. x0 + (i+1)*px, y0 + j*px .. y0 + (j+1)*px.  Values are
    reflectance in steps of 1/SCALE percent (0 .. 100 * SCALE), or 0..255 display colours with
    ``display=True``.  Edges are anti-aliased by coverage (from the distance to the edge at
    the pixel centre).
    """
    import numpy as np

    px = mm_per_px

    def col(c: str) -> tuple[float, float, float]:
        if display:
            hx = color_hex(c)
            return (float(int(hx[1:3], 16)), float(int(hx[3:5], 16)), float(int(hx[5:7], 16)))
        r, g, b = reflectance(c)
        return (r * SCALE, g * SCALE, b * SCALE)

    img = np.empty((3, h, w), dtype=np.uint8)
    for c, v in enumerate(col(world.background)):
        img[c].fill(int(v + 0.5))
    xs = x0 + (np.arange(w, dtype=np.float64) + 0.5) * px
    ys = y0 + (np.arange(h, dtype=np.float64) + 0.5) * px

    def window(xa: float, ya: float, xb: float, yb: float) -> tuple[int, int, int, int]:
        i0 = max(0, math.floor((xa - x0) / px))
        i1 = min(w, math.ceil((xb - x0) / px))
        j0 = max(0, math.floor((ya - y0) / px))
        j1 = min(h, math.ceil((yb - y0) / px))
        return i0, i1, j0, j1

    step = 48 * px  # pieces of long segments: keeps each distance window small
    for s in world.shapes:
        cov: NDArray[np.float32]
        if isinstance(s, Line):
            pts = list(s.points)
            if s.closed and pts[0] != pts[-1]:
                pts.append(pts[0])
            hw = s.width / 2
            i0, i1, j0, j1 = window(min(p[0] for p in pts) - hw - px,
                                    min(p[1] for p in pts) - hw - px,
                                    max(p[0] for p in pts) + hw + px,
                                    max(p[1] for p in pts) + hw + px)
            if i1 <= i0 or j1 <= j0:
                continue
            cov = np.zeros((j1 - j0, i1 - i0), dtype=np.float32)
            for pa, pb in pairwise(pts):
                for ax, ay, bx, by in _pieces(pa[0], pa[1], pb[0], pb[1], max(step, 2 * hw)):
                    si0, si1, sj0, sj1 = window(min(ax, bx) - hw - px, min(ay, by) - hw - px,
                                                max(ax, bx) + hw + px, max(ay, by) + hw + px)
                    if si1 <= si0 or sj1 <= sj0:
                        continue
                    d = _seg_dist(xs[None, si0:si1], ys[sj0:sj1, None], ax, ay, bx, by)
                    piece = np.clip(0.5 + (hw - d) / px, 0.0, 1.0)
                    sub = cov[sj0 - j0 : sj1 - j0, si0 - i0 : si1 - i0]
                    np.maximum(sub, piece, out=sub, casting="unsafe")
        elif isinstance(s, Circle | Ring):
            cx, cy = s.center
            rad = s.radius
            i0, i1, j0, j1 = window(cx - rad - px, cy - rad - px, cx + rad + px, cy + rad + px)
            if i1 <= i0 or j1 <= j0:
                continue
            d = np.hypot(xs[None, i0:i1] - cx, ys[j0:j1, None] - cy).astype(np.float32)
            cov = np.clip(0.5 + (np.float32(rad) - d) / np.float32(px), 0.0, 1.0)
            if isinstance(s, Ring):
                inner = np.float32(rad - s.width)
                np.minimum(cov, np.clip(0.5 + (d - inner) / np.float32(px), 0.0, 1.0), out=cov)
        else:
            pts = list(s.points)
            i0, i1, j0, j1 = window(min(p[0] for p in pts) - px, min(p[1] for p in pts) - px,
                                    max(p[0] for p in pts) + px, max(p[1] for p in pts) + px)
            if i1 <= i0 or j1 <= j0:
                continue
            cov = _polygon_coverage(pts, xs[i0:i1], ys[j0:j1], px, step)
        rgb = col(s.color)
        nz = np.nonzero(cov)
        if nz[0].size * 3 < cov.size:  # a thin shape in a big window: blend where it is
            cv = cov[nz]
            for c in range(3):
                region = img[c, j0:j1, i0:i1]
                f = region[nz].astype(np.float32)
                f += (np.float32(rgb[c]) - f) * cv + np.float32(0.5)
                region[nz] = f
            continue
        for c in range(3):
            region = img[c, j0:j1, i0:i1]
            f = region.astype(np.float32)
            f += (np.float32(rgb[c]) - f) * cov
            f += np.float32(0.5)
            region[...] = f
    return img


def _polygon_coverage(pts: list[tuple[float, float]], xs: NDArray[np.float64],
                      ys: NDArray[np.float64], px: float, step: float) -> NDArray[np.float32]:
    """Coverage (0..1) of a polygon (even-odd rule) on the pixel centres xs x ys."""
    import numpy as np

    m, n = len(ys), len(xs)
    x0 = xs[0] - 0.5 * px
    # even-odd fill by scanlines: toggle at each crossing, then a running parity along x
    toggle = np.zeros((m, n + 1), dtype=np.uint8)
    for k in range(len(pts)):
        ax, ay = pts[k]
        bx, by = pts[(k + 1) % len(pts)]
        if ay == by:
            continue
        rows = np.nonzero((ay > ys) != (by > ys))[0]
        if rows.size == 0:
            continue
        xint = ax + (ys[rows] - ay) * ((bx - ax) / (by - ay))
        first = np.floor((xint - x0) / px - 0.5).astype(np.int64) + 1  # first centre > xint
        np.clip(first, 0, n, out=first)
        np.add.at(toggle, (rows, first), 1)
    inside = (np.cumsum(toggle, axis=1, dtype=np.uint8)[:, :n] & 1).astype(bool)
    # anti-aliasing: distance to the outline, only within a pixel or so of it
    dist = np.full((m, n), np.inf, dtype=np.float32)
    for k in range(len(pts)):
        pa = pts[k]
        pb = pts[(k + 1) % len(pts)]
        for ax, ay, bx, by in _pieces(pa[0], pa[1], pb[0], pb[1], step):
            i0 = max(0, math.floor((min(ax, bx) - 1.5 * px - x0) / px))
            i1 = min(n, math.ceil((max(ax, bx) + 1.5 * px - x0) / px))
            j0 = max(0, math.floor((min(ay, by) - 1.5 * px - (ys[0] - 0.5 * px)) / px))
            j1 = min(m, math.ceil((max(ay, by) + 1.5 * px - (ys[0] - 0.5 * px)) / px))
            if i1 <= i0 or j1 <= j0:
                continue
            d = _seg_dist(xs[None, i0:i1], ys[j0:j1, None], ax, ay, bx, by)
            sub = dist[j0:j1, i0:i1]
            np.minimum(sub, d, out=sub, casting="unsafe")
    signed = np.where(inside, dist, -dist)
    out: NDArray[np.float32] = np.clip(0.5 + signed / np.float32(px), 0.0, 1.0).astype(np.float32)
    return out


#: The most pixels :func:`render` draws (three bytes each, and more while it paints).
MAX_RENDER_PX = 64_000_000


def render(world: World, mm_per_px: float = 4.0, display: bool = True) -> NDArray[np.uint8]:
    """An (h, w, 3) uint8 picture of the whole mat for plots; row 0 is the NORTH edge.

    ``display=True`` uses the plot colours of ``COLORS``; ``False`` shows reflectance (0-100 %
    scaled to 0-255).
    """
    import numpy as np

    bx0, by0, bx1, by1 = world.bounds
    if not (isinstance(mm_per_px, int | float) and 0.0 < mm_per_px < math.inf):
        raise ValueError(f"render: mm_per_px = {mm_per_px!r} is not a size of a pixel; give a "
                         "number of mm above 0, e.g. mm_per_px=4")
    w = max(1, math.ceil((bx1 - bx0) / mm_per_px))
    h = max(1, math.ceil((by1 - by0) / mm_per_px))
    if w * h > MAX_RENDER_PX:
        least = math.sqrt((bx1 - bx0) * (by1 - by0) / MAX_RENDER_PX)
        raise ValueError(f"render: mm_per_px = {mm_per_px:g} makes a picture of {w} x {h} "
                         f"pixels, more than {MAX_RENDER_PX:,}; give mm_per_px={least:.3g} or "
                         "more for this world")
    img = paint(world, bx0, by0, w, h, mm_per_px, display=display)
    if not display:
        img = np.clip(img.astype(np.float32) * np.float32(2.55 / SCALE) + np.float32(0.5), 0,
                      255).astype(np.uint8)
    return np.ascontiguousarray(img.transpose(1, 2, 0)[::-1])


# keep the table importable from here too: the colour names a surface understands
COLOR_NAMES = tuple(COLORS)
