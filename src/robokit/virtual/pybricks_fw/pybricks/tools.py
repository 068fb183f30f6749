# mypy: ignore-errors
"""Stand-in ``pybricks.tools`` (robokit simulated hub): waits really sleep."""

import time

_in_task = [False]


class _Awaitable:
    """What ``wait`` returns inside ``run_task``: yields until its deadline."""

    def __init__(self, ms):
        self.deadline = time.ticks_add(time.ticks_ms(), int(ms))

    def __iter__(self):
        while time.ticks_diff(self.deadline, time.ticks_ms()) > 0:
            yield None

    __await__ = __iter__


def wait(time_ms):
    if _in_task[0]:
        return _Awaitable(time_ms)
    if time_ms > 0:
        time.sleep_ms(int(time_ms))


class StopWatch:
    def __init__(self):
        self._start = time.ticks_ms()
        self._paused = None

    def time(self):
        now = self._paused if self._paused is not None else time.ticks_ms()
        return time.ticks_diff(now, self._start)

    def pause(self):
        if self._paused is None:
            self._paused = time.ticks_ms()

    def resume(self):
        if self._paused is not None:
            self._start = time.ticks_add(self._start, time.ticks_diff(time.ticks_ms(),
                                                                       self._paused))
            self._paused = None

    def reset(self):
        self._start = time.ticks_ms()
        if self._paused is not None:
            self._paused = self._start


class _Multitask:
    def __init__(self, coros, race):
        self.coros = [_gen(c) for c in coros]
        self.race = race

    def __iter__(self):
        results = [None] * len(self.coros)
        live = list(range(len(self.coros)))
        while live:
            for i in list(live):
                try:
                    self.coros[i].send(None)
                except StopIteration as e:
                    results[i] = e.value
                    live.remove(i)
                    if self.race:
                        for j in live:
                            self.coros[j].close()
                        return tuple(results)
            if live:
                yield None
        return tuple(results)

    __await__ = __iter__


def _gen(c):
    return c if hasattr(c, "send") else iter(c)


def multitask(*coroutines, race=False):
    return _Multitask(coroutines, race)


def run_task(coroutine, loop_time=10):
    _in_task[0] = True
    coroutine = _gen(coroutine)
    try:
        while True:
            try:
                coroutine.send(None)
            except StopIteration as e:
                return e.value
            time.sleep_ms(1)
    finally:
        _in_task[0] = False


def vector(x, y, z=None):
    return (x, y) if z is None else (x, y, z)


def hub_menu(*symbols):
    return symbols[0]


def read_input_byte(last=False, chr=False):  # noqa: A002 (Pybricks' name)
    # what the computer wrote to the hub's stdin (pybricksdev's write), never waiting
    import select
    import sys

    poller = select.poll()
    poller.register(sys.stdin, select.POLLIN)
    got = None
    while poller.poll(0):
        data = sys.stdin.buffer.read(1)
        if not data:
            break
        got = data[0]
        if not last:
            break
    if got is None or not chr:
        return got
    return _chr(got) if 32 <= got < 127 else None


_chr = chr
