# mypy: ignore-errors
# ruff: noqa: F821
# Part of robokit's agent inside MicroPython's unix port (mp_agent.py), run by it with
# exec() into its own globals at its start, as mp_agent_wire.py is (the names it uses: _rpc,
# _OUT, _print, _pack, encode, decode, are the agent's): the robot of `robokit run --exact`
# in the VM, and the ROM's listing. MicroPython code.

import select
import sys

_rom = []  # [{file: size}, {folder}] of the ROM, asked once (an import stats many paths)


def _rom_stat(path):
    if not _rom:
        files, dirs = _rpc("rom_list", [])[0]
        _rom.append({f: n for f, n in files})
        _rom.append(set(dirs))
    rel = path[4:].strip("/")
    n = _rom[0].get(rel)
    if n is not None:
        return (0o100444, 0, 0, 0, 0, 0, n, 0, 0, 0)
    if rel in _rom[1]:
        return (0o040555, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    raise OSError(2)  # ENOENT


# -- the robot in the VM (robokit run --exact): robokit.sim.vmbrick --------------------------
# The host answers "hal_new" with [hal id] and the plan of its brick when the robot can run
# here (robokit.virtual.localsim): the default mode's SimBrick, from the board's ROM
# (/rom/robokit/sim, portable code), with no request per device call. It sends the host its
# clock now and then (a "C" message: u8 hal id, <q µs; at most every BEAT_MS of wall time),
# its telemetry rows a chunk at a time (a "W" message: u8 hal id, u8 0 and the rows' doubles,
# or u8 1: the rows so far halved) and, when the code that made it ends, its report (an "L"
# message: u8 hal id, then the report as one value), ahead of "done". A Ctrl-C comes to it
# as an "I" message, read as its clock beats (_host_interrupt).

_local = []  # [hal id, brick] of the robots running here
_BEAT_MS = 100
_beat_at = [0]


def _sim_module():
    # robokit.sim.vmbrick from the ROM, whichever robokit package is loaded (a program's
    # bundle brings its own, with no sim): the ROM's robokit/sim is made robokit.sim.
    m = sys.modules.get("robokit.sim.vmbrick")
    if m is not None:
        return m
    if "robokit" not in sys.modules:
        try:
            import robokit.devices  # noqa: F401 - the program's bundle's
        except ImportError:
            # A program without robokit's device API: its bundle brings no robokit, and
            # the board's own folder /robokit (its program slots) passed for one.
            for name in [n for n in sys.modules if n.split(".")[0] == "robokit"]:
                del sys.modules[name]
            sys.path.insert(0, "/rom")
            try:
                import robokit.devices  # noqa: F401 - the ROM's
            finally:
                del sys.path[0]
    if "robokit.sim" not in sys.modules:
        saved = sys.modules.get("sim")
        sys.path.insert(0, "/rom/robokit")
        try:
            import sim as pkg
        finally:
            del sys.path[0]
            del sys.modules["sim"]
            if saved is not None:
                sys.modules["sim"] = saved
        pkg.__name__ = "robokit.sim"  # (what `from . import x` in it goes by)
        sys.modules["robokit.sim"] = pkg
    import robokit.sim.vmbrick  # noqa: F401 - it is in sys.modules then

    return sys.modules["robokit.sim.vmbrick"]


def _local_hal(hid, data):
    import time

    real = getattr(time, "_real", time)
    vm = _sim_module()

    def beat(now):
        _host_interrupt()
        t = real.ticks_ms()
        if real.ticks_diff(t, _beat_at[0]) >= _BEAT_MS:
            _beat_at[0] = t
            _OUT.write(b"C\x09\x00\x00\x00" + _pack("<Bq", hid, now))  # noqa: F821

    plan, at = decode(data, 0)  # noqa: F821 - halvalue.py
    def send_rows(op, raw):
        _OUT.write(b"W" + (len(raw) + 2).to_bytes(4, "little") + bytes([hid, op]) + raw)

    b = vm.make(plan, data, at, beat, _read_table, send_rows)
    del data
    _collect_often()
    _local.append([hid, b])
    return b


_poll = []  # a poll of the host's messages, made once (select is imported at the start: an
# import while the program runs asks the host, and swallows the KeyboardInterrupt of an
# interrupted request as "no such module")


def _host_interrupt():
    # Ctrl-C while a robot runs here: the host sends an "I" message (robokit.virtual.mpvm),
    # which its clock reads when it tells the host its time, and raises here, in Python
    # code. A SIGINT's KeyboardInterrupt goes off wherever the VM is (the unix port raises
    # it in the signal handler): in a garbage collection, the heap stays locked for good.
    if not _poll:
        _poll.append(select.poll())
        _poll[0].register(_IN, select.POLLIN)  # noqa: F821 - mp_agent.py
    ready = _poll[0].poll(0)
    if ready and ready[0][1] & 1:  # POLLIN (not a host that has gone: _recv says that)
        msg = _recv()  # noqa: F821 - mp_agent.py
        if msg[0] == b"I":
            _OUT.write(_READ_I)  # noqa: F821 - mp_agent.py
            raise KeyboardInterrupt
        _stash.append(msg)  # noqa: F821 - mp_agent.py


def _collect_often():
    # Collect after every so many bytes allocated, not only when the big heap is full: a
    # robot that makes and drops floats with little else alive otherwise got slower with
    # each simulated second (a 300 s wait loop: 12 s of wall time, 1.3 s with this). Each
    # collection scans all that is alive (the mat's tables too), so the step grows with
    # it: a line follower with its tables collects as seldom as before.
    import gc

    gc.collect()
    gc.threshold(max(_GC_MIN, _GC_LIVE * gc.mem_alloc()))


_GC_MIN = 4 << 20  # bytes
_GC_LIVE = 16


def _read_table(path, offset, code, n):
    # n items of typecode code at offset in the host's file path (a table of the mat in
    # robokit's cache): read straight from the host's file system, mounted for the read
    from array import array

    import vfs

    size = n * (8 if code == "q" else 4)
    a = array(code, bytearray(size))
    vfs.mount(vfs.VfsPosix("/"), "/.host")
    try:
        with open("/.host" + path, "rb") as f:
            f.seek(offset)
            if f.readinto(a) != size:  # (a regular file gives all of it at once)
                raise OSError(5)  # EIO: the file is shorter than the host said
    finally:
        vfs.umount("/.host")
    return a


class _Pieces:
    # what encode() appends to, kept as the pieces it gives (a bytearray that grows piece
    # by piece is copied whole each time its block cannot grow in place: a report of
    # many lines took seconds)
    def __init__(self):
        self.parts = []
        self.size = 0

    def __iadd__(self, data):
        self.parts.append(data)
        self.size += len(data)
        return self

    __add__ = __iadd__


def _report_local():
    # the report of each robot that ran here during the code that ended (a robot is taken
    # off the list once its report is made: a Ctrl-C while it is made, and the caller
    # makes it again; making it twice gives the same report)
    while _local:
        hid, b = _local[0]
        # the telemetry's last row, at the end (as on the host); the rows sent first (a
        # Ctrl-C that stopped the program in a row's append may have left its chunk full)
        try:
            flush = getattr(b.recorder.rows, "flush", None)  # (a list without telemetry)
            if flush is not None:
                flush()
            b.recorder.finish(b)
        except Exception:  # noqa: S110 - the report matters more than its last row
            pass
        out = _Pieces()
        encode(_sim_module().report(b), out)  # noqa: F821 - halvalue.py
        _local.pop(0)
        chunk = bytearray(b"L")
        chunk += (out.size + 1).to_bytes(4, "little")
        chunk.append(hid)
        for data in out.parts:  # written in chunks of about 64 KB
            if len(chunk) + len(data) > 65536 and chunk:
                _OUT.write(chunk)
                chunk = bytearray()
            chunk += data
        _OUT.write(chunk)
