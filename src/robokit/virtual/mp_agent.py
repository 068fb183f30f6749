# mypy: ignore-errors
# robokit's agent inside MicroPython's unix port. MicroPython code: robokit.virtual.mpvm runs it
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
#                   I []   Ctrl-C, for a robot running here (see mp_agent_local.py)
#   agent -> host   B []   ready        D [seq, error text or null]   the code ended
#                   R [seq, op, args] data   a request (filesystem, HAL)
#                   T [tick, error or null]   the callback ended
#                   K (no header)   an "I" was read
#
# The filesystem is a VFS class whose methods are requests: the files live on the host.
# `robokit_simhal.hal(robot)` is a HAL whose every method is a request to a SimBrick on the
# host; timer callbacks come back as "t" messages while a request is being served.
# Started with a third argument "pins" (a kit board, SimBoard(board=...)), it offers no
# robokit_simhal: machine, neopixel and time are stand-ins whose pin operations are requests
# to the host's pin model (robokit.virtual.pins); see "a kit board at pin level" below.

import io
import json
import os
import sys

_AGENT = sys.argv[0]
_IN = open("/dev/fd/" + sys.argv[1], "rb")
_OUT = open("/dev/fd/" + sys.argv[2], "wb")
_PINS = "pins" in sys.argv[3:]  # a kit board at pin level
# "clock": the program's time/utime are its simulated robot's clock (robokit run --exact)
_CLOCK = "clock" in sys.argv[3:]
# "seed=N": the program's random is seeded with N when it makes its robot (robokit run --exact)
_SEED = [int(a[5:]) for a in sys.argv[3:] if a.startswith("seed=")]
_seq = [0]
_cbs = []  # HAL timer callbacks, by index
_errs = {}  # exceptions raised by callbacks, by tick id, until their request answers
_G = {"__name__": "__main__"}
_stash = []  # messages read ahead, for _recv
_READ_I = b"K\x00\x00\x00\x00"  # "K": an "I" was read (the host sends no SIGINT for it)
_print = print



class SimTimeUp(BaseException):
    # The simulated run reached its duration (the host's robokit.sim.brick.SimTimeUp): a
    # BaseException, so that a program's `except Exception` does not swallow the end.
    pass


_EXC = {"SimTimeUp": SimTimeUp}
for _e in (ArithmeticError, AssertionError, AttributeError, EOFError, Exception, ImportError,
           IndexError, KeyError, KeyboardInterrupt, LookupError, MemoryError, NameError,
           NotImplementedError, OSError, OverflowError, RuntimeError, StopIteration,
           SyntaxError, SystemExit, TypeError, ValueError, ZeroDivisionError):
    _EXC[_e.__name__] = _e


def _send(kind, head, raw=b""):
    p = json.dumps(head).encode() + b"\n" + raw
    # motor voltages set in a control tick go first, in the same write (mp_agent_wire.py)
    _OUT.write(_pending() + kind + len(p).to_bytes(4, "little") + p)  # noqa: F821


def _read():
    # No branch or loop between the two reads: a pending KeyboardInterrupt only goes off at
    # one, so a message is read whole or not at all. (The host sends a SIGINT only after a
    # whole message is in the pipe, so the second read never blocks.)
    h = _IN.read(5)
    return h, _IN.read(int.from_bytes(h[1:5], "little"))


def _recv():
    if _stash:  # (a message read while the robot's clock looked for an "I")
        return _stash.pop(0)
    h, p = _read()
    if len(h) < 5:
        sys.exit()  # the host has gone
    if h[0] == 104:  # b"h": a HAL call's answer, binary (see "HAL calls" below)
        return b"h", None, p
    i = p.find(b"\n")
    return h[0:1], json.loads(p[:i]), p[i + 1:]


def _tick(h, raw=b""):
    err = None
    saved = _tick_begin(raw)  # noqa: F821 - mp_agent_wire.py: the motors' states it came with
    try:
        _cbs[h[1]](h[2])
    except BaseException as e:  # noqa: B036 - it goes back to the program, as on a host
        _errs[h[0]] = e
        err = [type(e).__name__, str(e)]
    finally:
        _tick_end(saved)  # noqa: F821
    _send(b"T", [h[0], err])


def _rpc(op, args, raw=b""):
    _seq[0] += 1
    seq = _seq[0]
    _send(b"R", [seq, op, args], raw)
    _k, h, data, intr = _await(seq)
    return _answer(h, data, intr)


def _await(seq):
    """The answer to request ``seq`` (an "r" message, or for a binary HAL call its "h"),
    running the control ticks that come meanwhile: (kind, head, data, interrupted)."""
    intr = False
    while True:
        try:
            k, h, data = _recv()
        except KeyboardInterrupt:  # Ctrl-C while waiting: the answer still comes
            intr = True
            continue
        if k == b"h":
            if _unpack_from("<I", data, 0)[0] == seq:  # noqa: F821 - mp_agent_wire.py
                return k, h, data, intr
        elif k == b"r" and h[0] == seq:
            return k, h, data, intr
        elif k == b"t":
            _tick(h, data)
        elif k == b"I":  # Ctrl-C for a robot running here: the answer carries it
            _OUT.write(_READ_I)
            intr = True


def _answer(h, data, intr):
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
        if path.startswith("/rom/") and "w" not in mode and "a" not in mode:
            # the ROM does not change: read whole, in one request (an import reads a file
            # a few bytes at a time, each a request)
            data = _rpc("rom", [path])[1]
            return io.BytesIO(data) if "b" in mode else io.StringIO(data.decode())
        if mode == "rb" and path.endswith(".mpy"):  # a module to import: whole, too
            return io.BytesIO(_rpc("whole", [path])[1])
        return _File(_rpc("open", [path, mode])[0], "b" in mode)

    def ilistdir(self, path):
        return iter([tuple(e) for e in _rpc("ilistdir", [path])[0]])

    def stat(self, path):
        if path == "/rom" or path.startswith("/rom/"):
            return _rom_stat(path)  # noqa: F821 - mp_agent_local.py
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

    def stdin_byte(self, last=False):
        # the VM's own stdin (the link's input), as on a board; the call's time on the clock
        self.sleep_us(50)  # a device call's cost (robokit.sim.brickstate.CALL_COST_US)
        from robokit.devices._hal import HAL

        return HAL.stdin_byte(self, last)


# -- the binary HAL calls and the simulated clock: mp_agent_wire.py, beside this file, with the
# decoder of their values the host uses too (halvalue.py); the robot in the VM and the ROM's
# listing: mp_agent_local.py ----------------------------------------------------------------

for _name in ("halvalue.py", "mp_agent_wire.py", "mp_agent_local.py"):
    with open(_AGENT.rsplit("/", 1)[0] + "/" + _name) as _f:
        exec(_f.read(), globals())
del _f, _name


def _method(index):
    def call(self, *args):
        return _hal_call(self._id, index, args)  # noqa: F821 - mp_agent_wire.py

    return call


_HAL_NAMES = ("time_us", "sleep_us", "port_info", "robot_config", "motor_state",
              "motor_voltage", "motor_coast", "motor_brake", "motor_reset_angle",
              "motor_load", "color_rgb", "color_ambient", "ultrasonic_distance",
              "ultrasonic_presence", "force_state", "imu_heading", "imu_gyro", "imu_accel",
              "buttons", "light", "display", "tone", "battery", "event", "ble_broadcast",
              "ble_observe", "mailbox_listen", "mailbox_connect", "mailbox_peers",
              "mailbox_send", "mailbox_read", "mailbox_close", "imu_mount")
for _i, _n in enumerate(_HAL_NAMES):
    setattr(_Hal, _n, _method(_i))
_MOTOR_STATE = _HAL_NAMES.index("motor_state")
_MOTOR_VOLTAGE = _HAL_NAMES.index("motor_voltage")
_TIME_US = _HAL_NAMES.index("time_us")


_made = []  # the HALs made, the last one the program's robot


class _SimHalModule:
    __name__ = "robokit_simhal"
    making = False  # True while hal() makes a robot (see robokit.virtual.rom)

    def hal(self, robot=None):
        """A HAL bound to a new simulated brick on the host, built from ``robot``; or,
        when the host sends what it made it from, that robot here (see "the robot in the
        VM" below)."""
        v, data = _rpc("hal_new", [robot])
        self.making = True  # (the ROM's robokit, imported meanwhile, attaches no other)
        try:
            h = _local_hal(v[0], data) if isinstance(v, list) else _Hal(v)  # noqa: F821
        finally:
            self.making = False
        _made.append(h)
        if _SEED:
            import random

            random.seed(_SEED[0])  # the same run each time for the same seed
        return h


class _SimBoardModule:
    """Only robokit's simulated board has it: what its simulated robot did, for the host."""

    __name__ = "robokit_simboard"

    def made(self):
        """How many simulated robots the board has made (one a run that uses the HAL)."""
        return _rpc("made", [])[0]

    def report(self):
        """Print the last simulated robot's run as JSON (SimBoard.run_report), fetched
        and printed a piece at a time (a long run's telemetry outgrows the heap)."""
        done = 0
        while True:
            size, data = _rpc("report", [done, 2048])
            sys.stdout.write(data.decode())
            done += len(data)
            if done >= size or not data:
                break
        sys.stdout.write("\n")


class _MicroPythonModule:
    """``micropython`` as it is, but ``kbd_intr`` tells the host (which turns Ctrl-C from
    the link into an interrupt, or passes it on as data)."""

    def __init__(self, real):
        self._real = real

    def __getattr__(self, name):
        return getattr(self._real, name)

    def kbd_intr(self, c):
        _rpc("kbd", [c])


class _OSModule:
    """``os`` as it is, with the board's ``uname()``: every MicroPython board has one, the
    unix port that plays it has none."""

    def __init__(self, real):
        self._real = real

    def __getattr__(self, name):
        return getattr(self._real, name)

    def uname(self):
        from collections import namedtuple

        fields = ("sysname", "nodename", "release", "version", "machine")
        return namedtuple("uname_result", fields)(*_rpc("uname", [])[0])


# -- a kit board at pin level (SimBoard(board=...)): machine, neopixel, time -----------------
# Every pin operation is a request "pin" [op, args] to the host's pin model (virtual/pins.py),
# answered with [value, edges, now]: the quadrature edges the encoders made since the last
# answer, as [pin_a, pin_b, count_from, count_to], and the simulated clock. The edges are
# played here, edge by edge: the encoder pins' levels change and their Pin.irq handlers
# run, as on the board.

_levels = {}  # pin id -> level, for pins whose level the host sends as edges (encoders)
_irqs = {}  # pin id -> (handler, trigger, Pin)
_PHASE = ((0, 0), (1, 0), (1, 1), (0, 1))  # quadrature (A, B) at count & 3


# The simulated clock as the VM sees it: [sim µs at the last answer, µs spent here since].
# Reading the clock costs CLOCK_US here without a request; the time spent goes to the host
# with the next request (which answers with the clock), at the latest every SYNC_US.
_clock = [0, 0]
_CLOCK_US = 10
_SYNC_US = 500


def _pin_rpc(op, args):
    c = _clock
    v, edges, now = _rpc("pin", [op, args, c[1]])[0]
    c[0] = now
    c[1] = 0
    if edges:
        _edges(edges)
    return v


def _ticks():
    c = _clock
    c[1] += _CLOCK_US
    if c[1] >= _SYNC_US:
        _pin_rpc("ticks", [])
    return c[0] + c[1]


def _edge_to(pin, level):
    if _levels.get(pin) == level:
        return
    _levels[pin] = level
    h = _irqs.get(pin)
    if h is not None and h[0] is not None and h[1] & (8 if level else 4):
        h[0](h[2])


def _edges(edges):
    for a, b, n, end in edges:
        step = 1 if end > n else -1
        while n != end:
            n += step
            la, lb = _PHASE[n & 3]
            _edge_to(a, la)
            _edge_to(b, lb)


def _pin_id(p):
    if isinstance(p, _Pin):
        return p._id
    if isinstance(p, int):
        return p
    if isinstance(p, str) and p.startswith("GP") and p[2:].isdigit():
        return int(p[2:])
    raise ValueError("invalid pin " + repr(p))


class _Pin:
    IN = 0
    OUT = 1
    OPEN_DRAIN = 2
    ALT = 3
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_FALLING = 4
    IRQ_RISING = 8

    def __init__(self, id, mode=-1, pull=-1, *, value=None, **kw):
        self._id = _pin_id(id)
        self.init(mode, pull, value=value)

    def init(self, mode=-1, pull=-1, *, value=None, **kw):
        lvl = _pin_rpc("init", [self._id, mode, pull, value])
        if lvl is not None:
            _levels[self._id] = lvl

    def value(self, v=None):
        if v is None:
            lvl = _levels.get(self._id)
            return lvl if lvl is not None else _pin_rpc("get", [self._id])
        _pin_rpc("set", [self._id, 1 if v else 0])

    def __call__(self, v=None):
        return self.value(v)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    high = on
    low = off

    def toggle(self):
        self.value(0 if self.value() else 1)

    def irq(self, handler=None, trigger=12, hard=False):
        _irqs[self._id] = (handler, trigger, self)
        _pin_rpc("irq", [self._id, trigger if handler is not None else 0])

    def __repr__(self):
        return "Pin(GPIO" + str(self._id) + ")"


class _PWM:
    def __init__(self, pin, freq=None, duty_u16=None, duty_ns=None, invert=False):
        self._id = _pin_id(pin)
        _pin_rpc("pwm", [self._id, freq, duty_u16])

    def freq(self, f=None):
        return _pin_rpc("freq", [self._id, f])

    def duty_u16(self, d=None):
        return _pin_rpc("duty", [self._id, d])

    def deinit(self):
        _pin_rpc("duty", [self._id, 0])


class _ADC:
    CORE_TEMP = 4

    def __init__(self, pin, **kw):
        p = _pin_id(pin)
        self._id = p + 26 if 0 <= p <= 3 else p  # rp2: ADC(0..3) are channels on GP26..29

    def read_u16(self):
        return _pin_rpc("adc", [self._id])


class _MachineModule:
    """``machine`` of a kit board: Pin, PWM, ADC, time_pulse_us bound to the host's pin
    model; the rest is the unix port's."""

    Pin = _Pin
    PWM = _PWM
    ADC = _ADC

    def __init__(self, real):
        self._real = real

    def __getattr__(self, name):
        return getattr(self._real, name)

    def time_pulse_us(self, pin, level, timeout_us=1000000):
        return _pin_rpc("pulse", [_pin_id(pin), level, timeout_us])

    def freq(self, *a):
        return 125000000

    def unique_id(self):
        return b"robokit!"

    def idle(self):
        _pin_rpc("sleep", [10])

    def disable_irq(self):
        return 0

    def enable_irq(self, state=0):
        pass

    def reset(self):
        raise SystemExit

    def soft_reset(self):
        raise SystemExit

    def bootloader(self, *a):
        raise SystemExit


class _NeoPixel:
    ORDER = (1, 0, 2, 3)

    def __init__(self, pin, n, bpp=3, timing=1):
        self.pin = pin
        self.n = n
        self.bpp = bpp
        self._px = [(0,) * bpp] * n

    def __len__(self):
        return self.n

    def __setitem__(self, i, v):
        self._px[i] = tuple(v)

    def __getitem__(self, i):
        return self._px[i]

    def fill(self, v):
        self._px = [tuple(v)] * self.n

    def write(self):
        _pin_rpc("pixels", [_pin_id(self.pin), self._px])


class _NeoPixelModule:
    __name__ = "neopixel"
    NeoPixel = _NeoPixel


class _TimeModule:
    """``time`` of a kit board: ticks and sleeps on the simulated clock."""

    __name__ = "time"

    def __init__(self, real):
        self._real = real

    def __getattr__(self, name):
        return getattr(self._real, name)

    def ticks_us(self):
        return _ticks() & 0x3FFFFFFF

    def ticks_ms(self):
        return (_ticks() // 1000) & 0x3FFFFFFF

    def ticks_cpu(self):
        return self.ticks_us()

    def ticks_add(self, t, d):
        return (t + d) & 0x3FFFFFFF

    def ticks_diff(self, a, b):
        return ((a - b + 0x20000000) & 0x3FFFFFFF) - 0x20000000

    def sleep_us(self, us):
        _pin_rpc("sleep", [int(us)])

    def sleep_ms(self, ms):
        _pin_rpc("sleep", [int(ms * 1000)])

    def sleep(self, s):
        _pin_rpc("sleep", [int(s * 1000000)])


def _kit_modules():
    import time

    import machine

    m = _MachineModule(machine)
    t = _TimeModule(time)
    n = _NeoPixelModule()
    for name, mod in (("machine", m), ("umachine", m), ("time", t), ("utime", t),
                      ("neopixel", n)):
        sys.modules[name] = mod


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
    while _local:  # noqa: F821 - mp_agent_local.py: robots that ran here
        try:
            _report_local()  # noqa: F821
        except KeyboardInterrupt as e:  # another Ctrl-C as the code ended: the report
            err = err or e  # still goes (a robot's is sent whole, or not begun)
        except BaseException as e:  # noqa: B036 - the board reports every exception
            err = err or e
            break
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
    sys.path[:] = ["", ".frozen", "/rom", "/lib"]
    sys.argv[:] = []
    sys.modules["micropython"] = _MicroPythonModule(micropython)
    sys.modules["os"] = sys.modules["uos"] = _OSModule(os)
    if _PINS:
        _kit_modules()  # a kit board: its own HAL drives pins; no robokit_simhal
    else:
        sys.modules["robokit_simhal"] = _SimHalModule()
        if _CLOCK:
            import time

            clock = _SimClockModule(time)  # noqa: F821 - mp_agent_wire.py
            sys.modules["time"] = clock
            sys.modules["utime"] = clock
            import builtins

            builtins.print = _synced_print  # noqa: F821 - output at its simulated time
    sys.modules["robokit_simboard"] = _SimBoardModule()
    _send(b"B", [list(_HAL_NAMES)])
    while True:
        try:
            k, h, data = _recv()
        except KeyboardInterrupt:
            continue
        if k == b"E":
            _exec(h, data)


_main()
