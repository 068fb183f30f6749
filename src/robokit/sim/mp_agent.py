# mypy: ignore-errors
# robokit's agent inside MicroPython's unix port. MicroPython code: robokit.sim.mpvm runs it
# as `micropython mp_agent.py CTL_IN CTL_OUT` (loaded by path; CPython never imports it).
#
# It runs what a SimBoard receives: the program's stdout and stderr are the VM's fd 1, its
# stdin is fd 0 (SimBoard feeds it the host's bytes while code runs). Everything else goes
# over the control pipes CTL_IN (host -> agent) and CTL_OUT (agent -> host), one message
# being kind (1 byte) + u32 LE length + JSON header + b"\n" + raw bytes:
#
#   host -> agent   E [seq, mode] code   run code ("exec" or "single")
#                   r [seq, status, value, interrupt] data   answer to a request
#                   t [tick, callback, now_us]   run a HAL timer callback
#                   A []   done was seen: interrupts are over
#   agent -> host   B []   ready        D [seq, error text or null]   the code ended
#                   R [seq, op, args] data   a request (filesystem, HAL)
#                   T [tick, error or null]   the callback ended
#
# The filesystem is a VFS class whose methods are requests: the files live on the host.
# `robokit_simhal.hal(robot)` is a HAL whose every method is a request to a SimBrick on the
# host; timer callbacks come back as "t" messages while a request is being served.

import io
import json
import os
import sys

_AGENT = sys.argv[0]
_IN = open("/dev/fd/" + sys.argv[1], "rb")
_OUT = open("/dev/fd/" + sys.argv[2], "wb")
_seq = [0]
_cbs = []  # HAL timer callbacks, by index
_errs = {}  # exceptions raised by callbacks, by tick id, until their request answers
_G = {"__name__": "__main__"}

_EXC = {}
for _e in (ArithmeticError, AssertionError, AttributeError, EOFError, Exception, ImportError,
           IndexError, KeyError, KeyboardInterrupt, LookupError, MemoryError, NameError,
           NotImplementedError, OSError, OverflowError, RuntimeError, StopIteration,
           SyntaxError, SystemExit, TypeError, ValueError, ZeroDivisionError):
    _EXC[_e.__name__] = _e


def _send(kind, head, raw=b""):
    p = json.dumps(head).encode() + b"\n" + raw
    _OUT.write(kind + len(p).to_bytes(4, "little") + p)


def _read():
    # No branch or loop between the two reads: a pending KeyboardInterrupt only goes off at
    # one, so a message is read whole or not at all. (The host sends a SIGINT only after a
    # whole message is in the pipe, so the second read never blocks.)
    h = _IN.read(5)
    return h, _IN.read(int.from_bytes(h[1:5], "little"))


def _recv():
    h, p = _read()
    if len(h) < 5:
        sys.exit()  # the host has gone
    i = p.find(b"\n")
    return h[0:1], json.loads(p[:i]), p[i + 1:]


def _tick(h):
    err = None
    try:
        _cbs[h[1]](h[2])
    except BaseException as e:  # noqa: B036 - it goes back to the program, as on a host
        _errs[h[0]] = e
        err = [type(e).__name__, str(e)]
    _send(b"T", [h[0], err])


def _rpc(op, args, raw=b""):
    _seq[0] += 1
    seq = _seq[0]
    _send(b"R", [seq, op, args], raw)
    intr = False
    while True:
        try:
            k, h, data = _recv()
        except KeyboardInterrupt:  # Ctrl-C while waiting: the answer still comes
            intr = True
            continue
        if k == b"r" and h[0] == seq:
            break
        if k == b"t":
            _tick(h)
    if intr or h[3]:
        raise KeyboardInterrupt
    st = h[1]
    if st == 0:
        return h[2], data
    if st == 1:
        raise OSError(h[2])
    if st == 2:
        raise _EXC.get(h[2][0], RuntimeError)(h[2][1])
    raise _errs.pop(h[2])


# -- the filesystem: files live on the host ------------------------------------------------


class _File(io.IOBase):
    def __init__(self, handle, binary):
        self._h = handle
        self._bin = binary

    def _data(self, d):
        return d if self._bin else d.decode()

    def read(self, n=-1):
        return self._data(_rpc("read", [self._h, n])[1])

    def readinto(self, buf):
        d = _rpc("read", [self._h, len(buf)])[1]
        buf[:len(d)] = d
        return len(d)

    def readline(self, limit=-1):
        return self._data(_rpc("readline", [self._h, limit])[1])

    def readlines(self):
        return list(self)

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def write(self, data):
        raw = data.encode() if isinstance(data, str) else bytes(data)
        for i in range(0, len(raw), 3072):
            _rpc("write", [self._h], raw[i:i + 3072])
        return len(data)

    def seek(self, offset, whence=0):
        return _rpc("seek", [self._h, offset, whence])[0]

    def tell(self):
        return _rpc("seek", [self._h, 0, 1])[0]

    def flush(self):
        _rpc("flush", [self._h])

    def close(self):
        if self._h is not None:
            h = self._h
            self._h = None
            _rpc("close", [h])

    def ioctl(self, req, arg):
        if req == 4:  # MP_STREAM_CLOSE
            self.close()
        return 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _HostVFS:
    def mount(self, readonly, mkfs):
        pass

    def umount(self):
        pass

    def open(self, path, mode):
        return _File(_rpc("open", [path, mode])[0], "b" in mode)

    def ilistdir(self, path):
        return iter([tuple(e) for e in _rpc("ilistdir", [path])[0]])

    def stat(self, path):
        return tuple(_rpc("stat", [path])[0])

    def statvfs(self, path):
        return tuple(_rpc("statvfs", [path])[0])

    def mkdir(self, path):
        _rpc("mkdir", [path])

    def rmdir(self, path):
        _rpc("rmdir", [path])

    def remove(self, path):
        _rpc("remove", [path])

    def rename(self, old, new):
        _rpc("rename", [old, new])

    def chdir(self, path):
        _rpc("chdir", [path])

    def getcwd(self):
        return _rpc("getcwd", [])[0]


# -- the robot: a HAL whose methods are requests to a SimBrick on the host ------------------


class _Hal:
    def __init__(self, hid):
        self._id = hid

    def every(self, period_us, callback):
        _cbs.append(callback)
        _rpc("every", [self._id, period_us, len(_cbs) - 1])

    def where(self):
        return None


def _method(name):
    def call(self, *args):
        r = _rpc("hal", [self._id, name, args])[0]
        return tuple(r) if isinstance(r, list) else r

    return call


for _n in ("time_us", "sleep_us", "port_info", "robot_config", "motor_state", "motor_voltage",
           "motor_coast", "motor_brake", "motor_reset_angle", "motor_load", "color_rgb",
           "color_ambient", "ultrasonic_distance", "ultrasonic_presence", "force_state",
           "imu_heading", "imu_gyro", "imu_accel", "buttons", "light", "display", "tone",
           "battery", "event"):
    setattr(_Hal, _n, _method(_n))


class _SimHalModule:
    __name__ = "robokit_simhal"

    def hal(self, robot=None):
        """A HAL bound to a new simulated brick on the host, built from ``robot``."""
        return _Hal(_rpc("hal_new", [robot])[0])


class _MicroPythonModule:
    """``micropython`` as it is, but ``kbd_intr`` tells the host (which turns Ctrl-C from
    the link into an interrupt, or passes it on as data)."""

    def __init__(self, real):
        self._real = real

    def __getattr__(self, name):
        return getattr(self._real, name)

    def kbd_intr(self, c):
        _rpc("kbd", [c])


# -- running code ---------------------------------------------------------------------------


def _flush_interrupt():
    # A Ctrl-C that came as the code ended is still pending: let it go off here.
    for _ in range(3):
        try:
            for _ in range(2):
                pass
        except KeyboardInterrupt:
            pass


def _format(e):
    s = io.StringIO()
    sys.print_exception(e, s)
    own = 'File "' + _AGENT + '"'
    return "\n".join(x for x in s.getvalue().split("\n") if own not in x)


def _exec(h, code):
    err = None
    try:
        exec(compile(code.decode(), "<stdin>", h[1]), _G)
    except SystemExit:
        pass
    except BaseException as e:  # noqa: B036 - the board reports every exception
        err = e
    text = None
    while True:
        try:
            text = None if err is None else _format(err)
            _send(b"D", [h[0], text])
            break
        except KeyboardInterrupt as e:  # a Ctrl-C just as the code ended
            err = e
    while True:
        try:
            k = _recv()[0]
            if k == b"A":
                break
        except KeyboardInterrupt:
            pass
    _errs.clear()
    _flush_interrupt()


def _main():
    import micropython

    os.umount("/")
    os.mount(_HostVFS(), "/")
    os.chdir("/")
    sys.path[:] = ["", ".frozen", "/lib"]
    sys.argv[:] = []
    sys.modules["micropython"] = _MicroPythonModule(micropython)
    sys.modules["robokit_simhal"] = _SimHalModule()
    _send(b"B", [])
    while True:
        try:
            k, h, data = _recv()
        except KeyboardInterrupt:
            continue
        if k == b"E":
            _exec(h, data)


_main()
