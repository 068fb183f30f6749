"""The simulated robot inside MicroPython's VM, for ``robokit run PROGRAM --exact``.

With ``--exact`` the program runs as its bundle's .mpy in MicroPython's unix port. Its
robot can run there too, beside it, with no round trip to the host per device call: the
very :class:`~robokit.sim.brick.SimBrick` of the default mode (its modules are portable
code, served to the VM from the board's ROM, ``robokit.virtual.rom``), on the tables the
host prepared once (the mat's footprint means and summed-area tables, the walls'
geometry and clearance field, the objects to push, the motors' models, the robot's config
with its keys in order, the run's settings). Among objects to push, the robot and they
share a floor (``robokit.sim.floor``, the one clock and the bodies of the host's arena).
At the end the VM sends back the :func:`report` (the clock, the pose, the telemetry, the
events and output, the floor's state: the objects' places and track), which the host puts
into its own brick and arena (``robokit.virtual.localsim``), so that the run's result is
the one the default mode gives. Which runs take this path, and which stay on the host,
is ``robokit.virtual.localsim.why_not``'s to say.

Portable code: the host imports it for :func:`tagged`, the VM runs all of it.
"""

from __future__ import annotations  # (robokit.virtual.rom drops it for MicroPython)

import sys

from . import motor
from .brick import SimBrick
from .mat import Footprint, MatReader

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

_Ordered: Any = dict
if sys.implementation.name == "micropython":  # whose dicts keep no order
    from collections import OrderedDict as _Ordered

#: The tag of a dict in :func:`tagged`'s lists (no str a robot file can hold starts so).
DICT_TAG = "\x00dict"
#: How many of its events the robot runs between two signs of life to the host.
BEAT_EVERY = 64


def tagged(value: Any) -> Any:
    """``value`` (dicts, lists, tuples, floats, ...) with every dict as a list
    ``[DICT_TAG, key, value, key, value, ...]`` in its order, so that a value coder with no
    dicts (``robokit.virtual.halvalue``) carries it, its floats to the bit."""
    if isinstance(value, dict):
        out: list[Any] = [DICT_TAG]
        for k in value:
            out.append(k)
            out.append(tagged(value[k]))
        return out
    if isinstance(value, (list, tuple)):
        return [tagged(v) for v in value]
    return value


def untagged(value: Any) -> Any:
    """:func:`tagged` undone: each dict an ordered dict where dicts keep no order
    (MicroPython), a dict where they do."""
    if isinstance(value, list):
        if value and value[0] == DICT_TAG:
            d = _Ordered()
            for i in range(1, len(value), 2):
                d[value[i]] = untagged(value[i + 1])
            return d
        return [untagged(v) for v in value]
    return value


class _Model:
    """A motor model as MotorSim reads it (the host's ``MotorModel``'s numbers)."""

    def __init__(self, fields: list[Any]) -> None:
        (self.id, self.kt, self.resistance, self.inertia, self.friction,
         self.max_voltage) = fields

    def replace(self, **changes: Any) -> _Model:
        """A copy with ``changes`` (``MotorModel.replace``: the per-motor variance of a
        brick with noise, ``SimBrick._vary``); this one stays as it is."""
        fields = model_fields(self)
        for i, name in enumerate(_FIELDS):
            if name in changes:
                fields[i] = changes.pop(name)
        if changes:
            raise TypeError("no field " + ", ".join(changes) + " in a motor model")
        return _Model(fields)


_FIELDS = ("id", "kt", "resistance", "inertia", "friction", "max_voltage")


def model_fields(m: Any) -> list[Any]:
    """What :class:`_Model` is made from, of a ``MotorModel``."""
    return [m.id, m.kt, m.resistance, m.inertia, m.friction, m.max_voltage]


class _Surface:
    """The mat as the VM's world has it: the one footprint sampler the host made."""

    def __init__(self, footprint: Footprint | None) -> None:
        self._footprint = footprint

    def sampler(self, radius_mm: float) -> Footprint:
        fp = self._footprint
        if fp is None or fp._radius != radius_mm:
            raise ValueError("the mat's tables were made for another footprint")
        return fp


class _Object:
    """An object to push as the VM's floor reads it (``robokit.sim.floor.Thing``'s
    ``spec``: the host's ``Movable``'s fields, :func:`object_fields`)."""

    def __init__(self, fields: list[Any]) -> None:
        (self.shape, self.center, self.size, self.radius, self.angle, self.mass_g,
         self.friction, self.color) = fields


def object_fields(m: Any) -> list[Any]:
    """What :class:`_Object` is made from, of a ``Movable``."""
    return [m.shape, list(m.center), list(m.size), m.radius, m.angle, m.mass_g,
            m.friction, m.color]


class _World:
    """The world as the VM's robot sees it when it has no walls: its objects to push
    (if any), its mat."""

    def __init__(self, start: list[float], surface: _Surface, objects: Any) -> None:
        self.start = tuple(start)
        self.walls = ()
        self.objects = objects
        self.surface = surface

    def ultrasonic(self, x: float, y: float, heading_deg: float, cone_deg: float = 20.0,
                   rays: int = 5, max_mm: float = 2000.0) -> float:
        """Nothing to see: no walls (as ``World.ultrasonic`` in a world without any)."""
        return max_mm

    # (no walls to hit nor touch, as ``WallGeometry``'s answers with no segments: asked
    # among objects to push, where the body's tests are the walls' and the floor's)
    def rect_hits_wall(self, x: float, y: float, heading_deg: float, front: float,
                       back: float, half_width: float) -> bool:
        return False

    def circle_hits_wall(self, x: float, y: float, radius: float) -> bool:
        return False

    def rect_contact(self, x: float, y: float, heading_deg: float, front: float,
                     back: float, half_width: float, margin: float = 1.0) -> tuple[str, ...]:
        return ()


def _world(start: list[float], surface: _Surface, walls: list[Any] | None,
           clear: Any, objects: Any) -> Any:
    """The VM's world: a :class:`_World`, or with walls the world's own geometry (the
    default mode's ``WallGeometry``, made from the host's ``walls_state`` and clearance
    field ``clear``: no building here) with the start, the objects to push and the mat."""
    if walls is None:
        return _World(start, surface, objects)
    from .world.geometry import WallGeometry  # (only with walls: the rest need not load it)

    w: Any = WallGeometry.restored(walls, clear)
    w.start = tuple(start)
    w.objects = objects
    w.surface = surface
    return w


class _Press:
    """A scripted button press as ``SimBrick.buttons`` reads it (the host's
    ``robokit.sim.presses.Press``, whose module the VM does not run: its parser's
    regular expression is beyond MicroPython's ``re``)."""

    def __init__(self, button: str, start_s: float, end_s: float) -> None:
        self.button = button
        self.start_s = start_s
        self.end_s = end_s

    def held_at(self, t_us: int) -> bool:
        return int(round(self.start_s * 1e6)) <= t_us < int(round(self.end_s * 1e6))


#: Telemetry rows the VM's robot keeps before it sends them to the host.
ROWS_PER_CHUNK = 256


class _Rows:
    """``Recorder.rows`` of the VM's robot: each row goes to the host as it is made, a
    chunk at a time (``send(0, raw doubles)``), and so does a decimation
    (``send(1, b"")``, ``Recorder.decimate``'s ``del rows[1::2]``): the VM keeps no rows,
    whose small objects, long-lived amid the garbage, would leave its heap with no room
    for a large block (a long run's MemoryError)."""

    def __init__(self, send: Callable[[int, bytes], None], width: int,
                 brick: VMBrick) -> None:
        from array import array

        self._send = send
        self._brick = brick  # (told of each BEAT_EVERY rows: a long wait is one event)
        self._n = 0
        self._chunk = array("d", bytearray(8 * width * ROWS_PER_CHUNK))
        self._k = 0

    def __len__(self) -> int:
        return self._n

    def append(self, row: tuple[float, ...]) -> None:
        c = self._chunk
        k = self._k
        for v in row:
            c[k] = v
            k += 1
        self._k = k
        self._n += 1
        if k >= len(c):
            self.flush()
        if not self._n % BEAT_EVERY:
            b = self._brick
            b._beat(b.now)

    def flush(self) -> None:
        """Send the rows not sent yet."""
        if self._k:
            self._send(0, bytes(memoryview(self._chunk)[:self._k]))
            self._k = 0

    def __delitem__(self, index: Any) -> None:
        if (index.start, index.stop, index.step) != (1, None, 2):
            raise ValueError("the VM's telemetry rows are only ever halved")
        self.flush()
        self._send(1, b"")
        self._n = (self._n + 1) // 2


#: Numbers in each of a :class:`_Numbers`' arrays.
NUMBERS_PER_CHUNK = 1024


class _Numbers:
    """A growing sequence of numbers of one typecode, kept in arrays of
    :data:`NUMBERS_PER_CHUNK`: no small object per number (long-lived amid the garbage,
    such objects make each allocation of more than one block of the VM's heap search
    past them, slower and slower as they grow: see also :class:`_Rows`), and no block
    that grows."""

    def __init__(self, code: str) -> None:
        self._code = code
        self._full: list[bytes] = []
        self._chunk = self._new()
        self._k = 0
        self.n = 0

    def _new(self) -> Any:
        from array import array

        return array(self._code, bytearray(8 * NUMBERS_PER_CHUNK))

    def add(self, v: float) -> None:
        c = self._chunk
        c[self._k] = v
        self._k += 1
        self.n += 1
        if self._k == NUMBERS_PER_CHUNK:
            self._full.append(bytes(c))
            self._chunk = self._new()
            self._k = 0

    def pieces(self) -> list[bytes]:
        """The numbers so far, as their bytes in pieces."""
        return self._full + [bytes(memoryview(self._chunk)[:self._k])]

    def every_other(self, width: int) -> _Numbers:
        """The first, third, fifth... record of ``width`` numbers each, as new numbers."""
        import struct

        kept = _Numbers(self._code)
        code = self._code
        size = 8 * width
        data = b"".join(self.pieces())  # (a record may span two chunks)
        for at in range(0, len(data), 2 * size):
            for k in range(at, at + size, 8):
                kept.add(struct.unpack_from(code, data, k)[0])
        return kept


class _TrackTimes:
    """``Floor.track_t`` of the VM's floor: the times, as raw int64s (:class:`_Numbers`)."""

    def __init__(self) -> None:
        self._t = _Numbers("q")

    def __len__(self) -> int:
        return self._t.n

    def append(self, t: int) -> None:
        self._t.add(t)

    def thin(self) -> None:
        """Keep every other time (``Floor._thin_track``)."""
        self._t = self._t.every_other(1)

    def pieces(self) -> list[bytes]:
        return self._t.pieces()


class _TrackPlaces:
    """``Floor.track`` of the VM's floor: each time's places (x, y of each object), as raw
    doubles (:class:`_Numbers`); ``Floor.state`` sends their bytes."""

    def __init__(self) -> None:
        self._p = _Numbers("d")
        self._n = 0
        self._width = 0  # numbers a time: x and y of each object

    def __len__(self) -> int:
        return self._n

    def append(self, places: list[tuple[float, float]]) -> None:
        add = self._p.add
        for x, y in places:
            add(x)
            add(y)
        self._n += 1
        self._width = 2 * len(places)

    def thin(self) -> None:
        """Keep every other time's places (``Floor._thin_track``)."""
        self._p = self._p.every_other(self._width)
        self._n = (self._n + 1) // 2

    def pieces(self) -> list[bytes]:
        return self._p.pieces()


class VMBrick(SimBrick):
    """A SimBrick in the VM: it tells the host its clock now and then (``beat(now)``, so
    that the host sees the run move, for its progress line and its watch for a program
    that hangs: every :data:`BEAT_EVERY` telemetry rows, :class:`_Rows`, or with no
    telemetry every :data:`BEAT_EVERY` advances of its clock, :meth:`beating`), and keeps
    the program's printed lines at their simulated time."""

    def __init__(self, world: Any, robot: dict[str, Any], beat: Callable[[int], None],
                 **kw: Any) -> None:
        super().__init__(world, robot, **kw)
        self._beat = beat
        self._beats = 0
        self._line = ""
        #: False once the run's report has gone to the host (later prints are not its).
        self.live = True

    def beating(self, target: int) -> None:
        """``_advance_to`` of a robot with no telemetry (:func:`make` puts it in place:
        with telemetry, the rows tell the host of the clock, at no cost per advance)."""
        SimBrick._advance_to(self, target)
        self._counted()

    def sleeping(self, us: int) -> None:
        """``sleep_us`` of a robot with no telemetry (a wait that meets no event does
        not advance through ``_advance_to``)."""
        super().sleep_us(us)
        self._counted()

    def _counted(self) -> None:
        """One more advance of the clock: every BEAT_EVERY of them, tell the host."""
        self._beats += 1
        if self._beats >= BEAT_EVERY:
            self._beats = 0
            self._beat(self.now)

    def printed(self, text: str) -> None:
        """The program printed ``text``: each line it ends goes to the recorder at the
        simulated time now (as the host records a run's output line by line)."""
        if not self.live:
            return
        *lines, self._line = (self._line + text).split("\n")
        for line in lines:  # (a "\r" before the newline stays, as in the default mode)
            self.recorder.write_output(self.now, line)

    def end_output(self) -> None:
        """The run is over: a last line with no newline goes to the recorder too."""
        if self._line:
            self.recorder.write_output(self.now, self._line, False)
            self._line = ""


class _Mat(MatReader):
    """The mat's summed-area tables, read from the host's file when first used (a
    footprint off the means' grid: the footprint means serve every other reading)."""

    _file: Any = None
    _read: Any = None
    _code: str

    def __getattr__(self, name: str) -> Any:
        if name not in ("_sr", "_sg", "_sb") or self._file is None:
            raise AttributeError(name)
        path, offset = self._file
        n = (self._w + 1) * (self._h + 1)
        code = self._code
        self._sr = self._read(path, offset, code, n)
        offset += n * (8 if code == "q" else 4)
        self._sg = self._read(path, offset, code, n)
        offset += n * (8 if code == "q" else 4)
        self._sb = self._read(path, offset, code, n)
        self._file = None
        return getattr(self, name)


def make(plan: list[Any], raw: Any, at: int, beat: Callable[[int], None],
         read: Callable[[str, int, str, int], Any] | None = None,
         send_rows: Callable[[int, bytes], None] | None = None) -> VMBrick:
    """The robot of the host's ``plan`` (``robokit.virtual.localsim.plan``): a
    :class:`VMBrick`. The mat's tables are in ``raw`` from index ``at``, or in the
    host's files that ``read(path, offset, typecode, n)`` reads ``n`` items of, and the
    walls' clearance field follows them in ``raw`` (a world with walls); with objects
    to push, it shares a floor with them (``robokit.sim.floor.Floor``); its
    telemetry rows go to ``send_rows`` as they are made (:class:`_Rows`), or stay in its
    recorder."""
    from array import array

    robot, end_us, period, seed, start, models, mat, presses, walls, noise, pushed = plan
    for fields in models:
        motor.MODELS[fields[0]] = _Model(fields)  # type: ignore[assignment]
    footprint = None
    if mat is not None:
        (bounds, background, nothing, px, rx0, ry0, w, h, xw, yh, code, radius, x0, y0,
         inv_px, nx, ny, files) = mat
        reader = _Mat()
        reader.bounds = tuple(bounds)
        reader.background_rgb = tuple(background)
        reader.nothing_rgb = tuple(nothing)
        reader.mm_per_px = px
        reader._rx0, reader._ry0, reader._w, reader._h = rx0, ry0, w, h
        reader._xw, reader._yh = xw, yh
        reader._code = code
        n = (w + 1) * (h + 1) if w and h else 0
        if files[0] is not None and read is not None:
            reader._file = files[0]
            reader._read = read
        else:
            size = n * (8 if code == "q" else 4)
            tables = []
            for _ in range(3):
                tables.append(array(code, bytearray(raw[at:at + size])))
                at += size
            reader._sr, reader._sg, reader._sb = tables
        footprint = Footprint()
        footprint._surface = reader
        footprint._radius = radius
        footprint._x0, footprint._y0, footprint._inv_px = x0, y0, inv_px
        footprint._nx, footprint._ny = nx, ny
        m = nx * ny * 3
        if files[1] is not None and read is not None:
            footprint._means = read(files[1][0], files[1][1], "f", m)
        else:
            footprint._means = array("f", bytearray(raw[at:at + m * 4]))
            at += m * 4
    clear = None
    if walls is not None:  # the clearance field, raw doubles after the mat's tables
        n = walls[5][3] * walls[5][4]
        clear = array("d", bytearray(raw[at:at + 8 * n]))
        at += 8 * n
    objects: Any = ()
    if pushed is not None:  # (before the robot: one with objects to push has no kernel)
        objects = [_Object(fields) for fields in pushed[0]]
    world = _world(start, _Surface(footprint), walls, clear, objects)
    b = VMBrick(world, untagged(robot), beat, seed=seed, noise=noise,
                duration_s=end_us / 1e6 if end_us is not None else None,
                telemetry_hz=1e6 / period if period else 0.0, start=tuple(start))
    # the host's own end and telemetry period, whatever the arithmetic back from them
    b.end_us = end_us
    b._record_period = b.recorder.period_us = period
    b._update_next_event()
    b.set_presses(tuple(_Press(*p) for p in presses))  # type: ignore[misc]
    if send_rows is not None and period:
        b.recorder.rows = _Rows(send_rows, len(b.recorder.columns), b)  # type: ignore[assignment]
    else:
        b._advance_to = b.beating  # type: ignore[method-assign]
        b.sleep_us = b.sleeping
    if pushed is not None:  # the objects and the robot on one floor (the host's arena)
        from .floor import Floor

        colours = {}
        for colour, rgb in pushed[1]:
            colours[colour] = tuple(rgb)
        floor = Floor(world, [b], lambda colour: colours[colour])
        floor.track_t = _TrackTimes()  # type: ignore[assignment]
        floor.track = _TrackPlaces()  # type: ignore[assignment]
    return b


def _lines(output: list[tuple[int, str]]) -> list[Any]:
    """The recorder's output lines in two pieces: their times (µs, as int64 bytes) and
    their texts joined by newlines (a line has none)."""
    from array import array

    times = array("q", bytearray(8 * len(output)))
    for i, line in enumerate(output):
        times[i] = line[0]
    return [bytes(times), "\n".join(line[1] for line in output)]


def lines(packed: list[Any]) -> list[tuple[int, str]]:
    """:func:`_lines` undone."""
    from array import array

    times = array("q")
    times.frombytes(packed[0])
    texts = packed[1].split("\n") if times else []
    return list(zip(times, texts, strict=True))  # (on the host only)


def report(b: VMBrick) -> list[Any]:
    """What the host needs of the run that ended (``robokit.virtual.localsim.absorb``):
    the physics is brought to the clock first, as the host's ``brick.pose()`` does."""
    b.end_output()
    b.live = False
    x, y, _ = b.pose()
    rec = b.recorder
    rows = rec.rows
    if isinstance(rows, _Rows):
        rows.flush()
        table = None  # (the host has them)
    else:  # the rows, as their floats' bytes, in place (not grown row by row: copied whole
        from array import array  # at each row in MicroPython)

        table = array("d", bytearray(8 * sum(len(row) for row in rows)))
        k = 0
        for row in rows:
            for v in row:
                table[k] = v
                k += 1
    return [b.now, b._t_phys, b.time_up, x, y, b._h, b.distance_mm, b.contact_count,
            b.first_contact, b.longest_contact_us, b._contact_since,
            None if table is None else bytes(table),
            tagged(rec.events), _lines(rec.output), rec.period_us, rec.events_dropped,
            rec.output_chars, rec.output_dropped_lines, rec.output_dropped_chars,
            b.light_rgb, b.display_rows, None if b.arena is None else b.arena.state()]
