# mypy: ignore-errors
# ruff: noqa: F821
# Part of robokit's agent inside MicroPython's unix port (mp_agent.py), run by it with
# exec() into its own globals at its start (before the host's file system is mounted), so
# the names it uses (_seq, _OUT, _recv, _answer, _tick, _made; encode and decode, from
# halvalue.py) are the agent's: the binary HAL calls, and the simulated clock of
# `robokit run --exact`. MicroPython code (importing it in CPython defines functions and
# does nothing else).

import struct

# -- HAL calls, binary ------------------------------------------------------------------------
# The hottest requests (a lap of the line follower makes tens of thousands) skip JSON, and
# their floats cross as their 8 bytes, so both sides compute with the very same numbers:
#   agent -> host   H  u32 seq, u8 hal id, u8 method (its index in _HAL_NAMES, which the
#                      "B" message gives the host), then the arguments as one value
#   host -> agent   h  u32 seq, u8 interrupt, then the result as one value
# An error comes back as the "r" answer of any request. A value is a tag byte and its data:
# N None, T True, F False, i int (<q), d float (<d), s str and b bytes (<I length, bytes),
# l list or tuple (<I count, values), j anything else as JSON (<I length, text). A value is
# written and read by halvalue.py's encode() and decode(), which the agent runs before this
# file (the host's too).

_pack = struct.pack
_unpack_from = struct.unpack_from


# -- a control tick's calls ---------------------------------------------------------------------
# A timer callback (the device API's 5 ms control loop) runs at an instant of simulated time
# in which device calls cost none: the host sends, with the "t" message, every motor's
# (angle, speed) at that instant, and motor_state() is answered from them; motor_voltage()
# is queued and the queue goes to the host ahead of the next message (a "Q" message: a list
# of [hal id, method, args], answered by none), in the same write. So a tick is one round
# trip, not five. Any other device call in the tick goes to the host as usual, and from then
# on motor_state() asks the host too (the call may have changed what the motors read). An
# error of a queued call is raised by the host at the tick's end, in the program's device
# call during which the tick ran (as an error in the tick itself).

_queue = []  # the queued calls
_states = [None]  # in a tick: [hal id, {port: (angle, speed)}]; None outside


def _pending():
    pre = b""
    if _spent[0]:  # the clock reads answered here go to the host first ("S", see below)
        pre = b"S\x09\x00\x00\x00" + _pack("<Bq", _clk[0], _spent[0])
        _spent[0] = 0
    if not _queue:
        return pre
    out = bytearray(b"Q\0\0\0\0")
    encode(_queue, out)
    del _queue[:]
    out[1:5] = (len(out) - 5).to_bytes(4, "little")
    return pre + out


# -- clock reads between events ------------------------------------------------------------------
# Reading the clock costs the program CLOCK_US of simulated time and changes nothing else
# while no event (a control tick, a telemetry sample, the end) falls due: the host's answer
# to each call says the robot's clock and when its next event is, and a clock read that
# stays short of it is answered here. The time so spent goes to the host ahead of the next
# message (an "S" message: u8 hal id, <q µs), and before anything is printed (a "sync" call,
# method 255), so the host records the output at the simulated time it was printed.

_CLOCK_US = 10
_SYNC = 255
_clk = [None, 0, -1]  # [hal id, its clock (µs), its next event (µs; -1: ask the host)]
_spent = [0]  # µs of clock reads answered here that the host has not been told of


def _tick_begin(raw):
    saved = _states[0]
    st = None
    if raw:
        hid, rows = decode(raw, 0)[0]
        st = [hid, {r[0]: (r[1], r[2]) for r in rows}]
    _states[0] = st
    return saved


def _tick_end(saved):
    _states[0] = saved


def _hal_call(hid, index, args):
    st = _states[0]
    if st is not None and st[0] == hid:
        if index == _MOTOR_VOLTAGE:
            _queue.append([hid, index, args])
            return None
        if index == _MOTOR_STATE:
            v = st[1].get(args[0])
            if v is not None:
                return v
        else:
            _states[0] = [hid, {}]
    elif index == _TIME_US and hid == _clk[0]:
        t = _clk[1] + _CLOCK_US
        if t < _clk[2]:
            _clk[1] = t
            _spent[0] += _CLOCK_US
            return t
    _seq[0] += 1
    seq = _seq[0]
    out = bytearray(b"H\0\0\0\0")
    out += _pack("<IBB", seq, hid, index)
    encode(args, out)
    out[1:5] = (len(out) - 5).to_bytes(4, "little")
    _OUT.write(_pending() + out)
    k, h, data, intr = _await(seq)
    if k == b"r":
        _clk[2] = -1
        _answer(h, data, intr)  # an error: raised there
    c = _clk
    c[0] = hid
    c[1], c[2] = _unpack_from("<qq", data, 5)
    if intr or data[4]:
        raise KeyboardInterrupt
    r = decode(data, 21)[0]
    return tuple(r) if isinstance(r, list) else r


def _synced_print(*args, **kw):
    if _spent[0]:
        _hal_call(_clk[0], _SYNC, ())
    b = _made[-1] if _made else None
    if b is None or isinstance(b, _Hal) or kw.get("file") is not None:
        _print(*args, **kw)
        return
    # the robot runs in the VM (mp_agent.py): it keeps the printed lines at their time
    buf = io.StringIO()
    kw["file"] = buf
    _print(*args, **kw)
    text = buf.getvalue()
    sys.stdout.write(text)
    b.printed(text)


# -- the simulated clock (started with "clock": robokit run --exact) -------------------------
# The program's time and utime read and wait on its robot's simulated clock, as in robokit's
# simulator (robokit.sim.simtime, the same arithmetic): each read is the HAL's time_us (it
# costs simulated time, so a loop watching the clock moves it), each sleep the HAL's
# sleep_us. Before the program has made its robot (the loader, an upload), the real clock.

_TICKS_MAX = (1 << 30) - 1
_TICKS_HALF = 1 << 29


def _seconds(v):
    v = float(v)
    if v != v:
        raise ValueError("Invalid value NaN (not a number)")
    return v


class _SimClockModule:
    __name__ = "time"

    def __init__(self, real):
        self._real = real
        self._epoch = [None, 0]  # [the HAL the epoch is for, time.time() in µs at its 0]

    def __getattr__(self, name):
        return getattr(self._real, name)

    def _now(self):
        return _made[-1].time_us()

    def _sleep_us(self, us):
        _made[-1].sleep_us(max(0, int(us)))

    def sleep(self, s):
        if not _made:
            return self._real.sleep(s)
        s = _seconds(s)
        if s < 0:
            raise ValueError("sleep length must be non-negative")
        if s == float("inf"):
            while True:  # until the run's duration ends it
                _made[-1].sleep_us(3600000000)
        self._sleep_us(round(s * 1e6))

    def sleep_ms(self, ms):
        if not _made:
            return self._real.sleep_ms(ms)
        self._sleep_us(round(_seconds(max(0, ms)) * 1000))

    def sleep_us(self, us):
        if not _made:
            return self._real.sleep_us(us)
        self._sleep_us(round(_seconds(max(0, us))))

    def ticks_ms(self):
        if not _made:
            return self._real.ticks_ms()
        return (self._now() // 1000) & _TICKS_MAX

    def ticks_us(self):
        if not _made:
            return self._real.ticks_us()
        return self._now() & _TICKS_MAX

    ticks_cpu = ticks_us

    def ticks_add(self, t, d):
        return (t + d) & _TICKS_MAX

    def ticks_diff(self, a, b):
        return ((a - b + _TICKS_HALF) & _TICKS_MAX) - _TICKS_HALF

    def _epoch_us(self):
        e = self._epoch
        if e[0] is not _made[-1]:
            e[0] = _made[-1]
            e[1] = int(self._real.time() * 1000000)  # the real time, at about its 0
        return e[1]

    def time(self):
        if not _made:
            return self._real.time()
        return (self._epoch_us() + self._now()) / 1e6

    def time_ns(self):
        if not _made:
            return self._real.time_ns()
        return (self._epoch_us() + self._now()) * 1000

    def monotonic(self):
        return self._now() / 1e6 if _made else self._real.ticks_ms() / 1000

    perf_counter = monotonic

    def localtime(self, secs=None):
        return self._real.localtime(int(self.time()) if secs is None else secs)

    def gmtime(self, secs=None):
        return self._real.gmtime(int(self.time()) if secs is None else secs)
