"""Time and tasks: wait, StopWatch, run_task, multitask.  Portable (MicroPython too).

Every method that takes time goes through :func:`operation`: outside
``run_task`` it blocks until the operation is done; inside ``run_task`` it
returns an :class:`Awaitable` that the program must ``await``.  An awaitable
that is created in a task but never awaited is reported at the task's next
switch as a :class:`UsageError` naming where it was made, instead of silently
doing nothing.
"""

from . import _hal
from ._check import number
from ._errors import UsageError

# Time between two rounds of the task loop when every task is waiting, in µs.
# Blocking operations poll their ``done`` condition this often.
POLL_US = 1000



class _Tasks:
    """One program's task loop: ``on`` while run_task drives coroutines, and the
    awaitables made during the current task step, not yet awaited (``fresh``).  Kept on
    the HAL, so that the programs of several robots in one run (one HAL each) each
    have their own."""

    __slots__ = ("on", "fresh")

    def __init__(self):
        self.on = False
        self.fresh = []


_no_hal = _Tasks()  # before any brick is attached


def _tasks():
    hal = _hal._current
    if hal is None:
        return _no_hal
    t = getattr(hal, "_robokit_tasks", None)
    if t is None:
        t = _Tasks()
        try:
            hal._robokit_tasks = t
        except AttributeError:  # a HAL that cannot carry an attribute: one loop for all
            return _no_hal
    return t


class Awaitable:
    """An operation in progress; ``await`` it inside a task to wait for its end."""

    __slots__ = ("_poll", "_cancel", "_result", "_started", "_name", "_where")

    def __init__(self, poll, cancel=None, result=None, name="operation"):
        self._poll = poll
        self._cancel = cancel
        self._result = result
        self._started = False
        self._name = name
        self._where = None
        t = _tasks()
        if t.on:
            self._where = _hal.get().where()
            t.fresh.append(self)

    def __await__(self):
        self._started = True
        done = False
        try:
            while not self._poll():
                yield None
            done = True
        finally:
            # A task cancelled by multitask(race=True) stops what it was doing.
            if not done and self._cancel is not None:
                self._cancel()
        return self._result() if self._result is not None else None

    __iter__ = __await__


def in_task():
    """True while inside ``run_task`` (operations return awaitables)."""
    return _tasks().on


def operation(poll, cancel=None, result=None, name="operation", block_us=None):
    """Run an operation that takes time: block until ``poll()`` is true, or hand
    back an :class:`Awaitable` when called inside a task.

    ``block_us``: when known, the blocking form simply sleeps that long.
    """
    if _tasks().on:
        return Awaitable(poll, cancel, result, name)
    hal = _hal.get()
    if block_us is not None:
        hal.sleep_us(block_us)
    else:
        while not poll():
            hal.sleep_us(POLL_US)
    return result() if result is not None else None


def wait(time):
    """Pause the program (or, awaited, the task) for ``time`` milliseconds."""
    if number(time, "time", "ms") < 0:
        time = 0
    us = int(time * 1000)
    if not _tasks().on:
        _hal.get().sleep_us(us)
        return None
    hal = _hal.get()
    end = hal.time_us() + us

    def poll():
        return hal.time_us() >= end

    return Awaitable(poll, None, None, f"wait({time})")


class StopWatch:
    """A stopwatch counting milliseconds, started on creation."""

    def __init__(self):
        self._hal = _hal.get()
        self._start = self._hal.time_us()
        self._paused_at = None

    def time(self):
        """Elapsed time in milliseconds (an int, as in Pybricks)."""
        now = self._paused_at if self._paused_at is not None else self._hal.time_us()
        return (now - self._start) // 1000

    def pause(self):
        """Stop counting; ``time()`` keeps its value until ``resume()``."""
        if self._paused_at is None:
            self._paused_at = self._hal.time_us()

    def resume(self):
        """Go on counting from where ``pause()`` stopped."""
        if self._paused_at is not None:
            self._start += self._hal.time_us() - self._paused_at
            self._paused_at = None

    def reset(self):
        """Start again from zero (keeps the paused/running state)."""
        now = self._hal.time_us()
        self._start = now
        if self._paused_at is not None:
            self._paused_at = now


def _check_fresh():
    """The unawaited awaitables made in the step just run, as an error or None."""
    fresh = _tasks().fresh
    if not fresh:
        return None
    bad = None
    for a in fresh:
        if not a._started:
            bad = a
            break
    del fresh[:]
    if bad is None:
        return None
    at = ""
    if bad._where is not None:
        at = f" at {bad._where[0]}:{bad._where[1]}"
    return UsageError(
        f"{bad._name}{at} was called inside a task but not awaited, so it did nothing; " +
        f"write `await {bad._name}`"
    )


def _step(coro):
    """Advance one coroutine by one step; ``(done, value)``."""
    try:
        coro.send(None)
    except StopIteration as e:
        _fresh_err = _check_fresh()
        if _fresh_err is not None:
            raise _fresh_err from None
        return True, (e.args[0] if e.args else None)
    err = _check_fresh()
    if err is not None:
        try:
            coro.throw(err)
        except StopIteration as e:
            return True, (e.args[0] if e.args else None)
    return False, None


class _Multitask:
    __slots__ = ("_coros", "_race", "_results", "_done")

    def __init__(self, coros, race):
        # Coroutines, or awaitables such as motor.run_angle(...) (as in Pybricks):
        # handing one to multitask counts as awaiting it.
        self._coros = []
        for c in coros:
            if not hasattr(c, "send"):
                if isinstance(c, Awaitable):
                    c._started = True
                c = c.__await__()
            self._coros.append(c)
        self._race = race
        self._results = [None] * len(self._coros)
        self._done = [False] * len(self._coros)

    def __await__(self):
        try:
            while True:
                for i in range(len(self._coros)):
                    if self._done[i]:
                        continue
                    done, value = _step(self._coros[i])
                    if done:
                        self._done[i] = True
                        self._results[i] = value
                        if self._race:
                            return self._results
                if all(self._done):
                    return self._results
                yield None
        finally:
            for i in range(len(self._coros)):
                if not self._done[i]:
                    self._coros[i].close()

    __iter__ = __await__


def multitask(*coroutines, race=False):
    """Run coroutines side by side; await it.  Returns their results as a list.

    With ``race=True`` it ends when the first one ends and cancels the others
    (their results are ``None``)."""
    if not _tasks().on:
        for c in coroutines:
            if hasattr(c, "close"):
                c.close()  # refused before they ran: no "never awaited" warning besides
        raise UsageError("multitask(...) works only inside run_task(...): "
                         "write `run_task(main())` and `await multitask(...)` in main")
    return _Multitask(coroutines, race)


def run_task(coroutine, loop_time=10):
    """Run a coroutine (``async def`` function called) to its end; returns its result.

    Between rounds the loop waits ``loop_time`` ms, so awaited operations are
    checked at that rate."""
    tasks = _tasks()
    if not hasattr(coroutine, "send"):
        raise UsageError("run_task needs a coroutine: call your async function, "
                         "e.g. run_task(main()), not run_task(main)")
    try:
        if tasks.on:
            raise UsageError("run_task(...) is already running; await the coroutine instead")
        step_us = int(number(loop_time, "loop_time", "ms", 0) * 1000)
    except UsageError:
        coroutine.close()  # refused before it ran: no "never awaited" warning besides
        raise
    hal = _hal.get()
    tasks.on = True
    try:
        while True:
            done, value = _step(coroutine)
            if done:
                return value
            hal.sleep_us(step_us)
    except BaseException:
        # Stopped between two steps (the end of a simulated run, Ctrl-C, a hang): the
        # coroutine is closed now, so that its clean-up (a cancelled command stops its
        # motors) runs here, in the program, and not whenever it is collected, where
        # what that clean-up raises (the run is over) would be printed as ignored.
        try:
            coroutine.close()
        except BaseException:  # (the run's end again: the one raised below says it)
            pass
        raise
    finally:
        tasks.on = False
        del tasks.fresh[:]
