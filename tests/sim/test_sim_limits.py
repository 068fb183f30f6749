"""The simulator's limits (issue 16): a program cannot outlive the end of simulated time or
the hang detector, memory stays bounded, settings are checked, input() has a meaning, and
robokit's own work after the program is never blamed on it."""

from __future__ import annotations

import gc
import json
import math
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from robokit.config import standard_rover
from robokit.errors import ProgramError
from robokit.sim import simulate
from robokit.sim.brick import MAX_DURATION_S, SimBrick
from robokit.sim.recorder import MAX_EVENTS, MAX_OUTPUT_CHARS, MAX_TELEMETRY_ROWS
from robokit.sim.world import load_world


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def simulate_in_child(prog: Path, timeout: float = 60, **options: object) -> dict:
    """``simulate(prog, **options)`` in a child Python, killed after ``timeout`` s (a run
    that cannot be stopped must fail the test, not hang the suite)."""
    code = textwrap.dedent(f"""\
        import json, sys
        from robokit.sim import simulate
        r = simulate({str(prog)!r}, **{options!r})
        json.dump({{"status": r.status, "error": r.error, "sim_time_s": r.sim_time_s}},
                  sys.stdout)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


# -- case 3: nothing a program catches outlives the end of the run ----------------------


def test_the_end_of_simulated_time_stops_a_loop_that_catches_everything(
        tmp_path: Path) -> None:
    prog = write(tmp_path / "greedy.py", """\
        from robokit import wait
        while True:
            try:
                wait(10)
            except:
                pass
    """)
    result = simulate_in_child(prog, duration=1.0, hang_budget_s=0.5)
    assert result["status"] == "timeout", result
    assert result["sim_time_s"] == pytest.approx(1.0)


def test_the_end_of_simulated_time_stops_a_program_that_then_spins(tmp_path: Path) -> None:
    prog = write(tmp_path / "spin_after.py", """\
        from robokit import wait
        try:
            while True:
                wait(10)
        except BaseException:
            pass
        while True:
            try:
                pass
            except BaseException:
                pass
    """)
    result = simulate_in_child(prog, duration=0.5, hang_budget_s=0.5)
    assert result["status"] == "timeout", result


def test_the_hang_detector_stops_a_loop_that_catches_its_exception(tmp_path: Path) -> None:
    prog = write(tmp_path / "swallow.py", """\
        def count():
            n = 0
            while n >= 0:
                n += 1

        while True:
            try:
                count()
            except BaseException:
                pass
    """)
    result = simulate_in_child(prog, hang_budget_s=0.3)
    assert result["status"] == "error", result
    assert result["error"]["type"] == "ProgramHang"
    assert result["error"]["line"] in (3, 4)


# -- case 4: memory is bounded whatever the duration or the output ----------------------


def test_telemetry_rows_stay_under_the_cap_for_a_long_run() -> None:
    brick = SimBrick(load_world("empty"), standard_rover(), duration_s=MAX_DURATION_S)
    seconds = 3 * MAX_TELEMETRY_ROWS // 50  # three times what 50 Hz would fill
    brick.sleep_us(seconds * 1_000_000)
    rows = brick.recorder.rows
    assert MAX_TELEMETRY_ROWS // 2 <= len(rows) <= MAX_TELEMETRY_ROWS
    # Decimated, not cut: the rows still cover the whole run, evenly.
    assert rows[0][0] == 0.0
    assert rows[-1][0] >= seconds * 1000 * 0.99
    steps = {round(b[0] - a[0], 6) for a, b in zip(rows, rows[1:], strict=False)}
    assert len(steps) == 1
    assert brick.recorder.to_dict()["telemetry_hz"] < 50


def test_output_is_capped_with_a_note_of_what_was_dropped(tmp_path: Path) -> None:
    line = "x" * 99
    count = MAX_OUTPUT_CHARS // 100 * 3
    prog = write(tmp_path / "flood.py", f"""\
        from robokit import wait
        for i in range({count}):
            print({line!r})
        wait(1)
    """)
    seen = []
    result = simulate(prog, on_output=lambda text, t: seen.append(len(text)))
    assert result.status == "finished"
    assert len(seen) == count  # the live output still gets every line
    assert len(result.output) <= MAX_OUTPUT_CHARS + 300
    assert result.output.startswith(line + "\n")
    note = result.output.splitlines()[-1]
    assert "dropped" in note and f"{count - MAX_OUTPUT_CHARS // 100:,}" in note
    kept = sum(len(text) + 1 for _t, text in result.telemetry.output)
    assert kept <= MAX_OUTPUT_CHARS
    assert result.telemetry.to_dict()["output_dropped_lines"] == count - MAX_OUTPUT_CHARS // 100


def test_a_line_without_end_is_capped_too(tmp_path: Path) -> None:
    prog = write(tmp_path / "noend.py", f"""\
        for i in range({MAX_OUTPUT_CHARS // 1000 * 3}):
            print("y" * 1000, end="")
    """)
    result = simulate(prog)
    assert result.status == "finished"
    assert len(result.output) <= MAX_OUTPUT_CHARS + 300
    assert "dropped" in result.output.splitlines()[-1]


def test_events_are_capped(tmp_path: Path) -> None:
    prog = write(tmp_path / "lights.py", f"""\
        from robokit import robot, Color
        for i in range({MAX_EVENTS * 2}):
            robot.hub.light.on(Color.RED if i % 2 else Color.BLUE)
    """)
    result = simulate(prog)
    assert result.status == "finished", result.traceback
    assert len(result.events) <= MAX_EVENTS
    assert result.telemetry.to_dict()["events_dropped"] >= MAX_EVENTS


# -- case 7: durations are finite, positive and at most the maximum --------------------


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-5", "0", "1e12"])
def test_a_bad_duration_header_names_the_file_and_line(tmp_path: Path, value: str) -> None:
    prog = write(tmp_path / "p.py", f"""\
        # a program
        # robokit: duration={value}
        print("hi")
    """)
    with pytest.raises(ProgramError) as info:
        simulate(prog)
    assert "p.py:2: duration=" in str(info.value)
    assert "at most" in str(info.value)
    assert info.value.line == 2


@pytest.mark.parametrize("value", [math.nan, math.inf, -5.0, 0.0, MAX_DURATION_S * 2])
def test_a_bad_duration_argument_is_refused(tmp_path: Path, value: float) -> None:
    prog = write(tmp_path / "p.py", "print('hi')\n")
    with pytest.raises(ProgramError, match="duration"):
        simulate(prog, duration=value)


def test_the_maximum_duration_is_accepted(tmp_path: Path) -> None:
    prog = write(tmp_path / "p.py", "print('hi')\n")
    assert simulate(prog, duration=MAX_DURATION_S).status == "finished"


# -- case 9: input() reads the given input, else end-of-file ----------------------------


def test_input_without_input_is_end_of_file(tmp_path: Path) -> None:
    prog = write(tmp_path / "ask.py", """\
        name = input("name? ")
        print("hello", name)
    """)
    result = simulate(prog, hang_budget_s=0.5)
    assert result.status == "error"
    assert result.error is not None and result.error["type"] == "EOFError"
    assert result.error["line"] == 1


def test_input_reads_the_lines_given(tmp_path: Path) -> None:
    prog = write(tmp_path / "ask.py", """\
        import sys
        name = input("name? ")
        print("hello", name)
        print("rest", sys.stdin.read().split())
    """)
    result = simulate(prog, input="Ada\nb c\n")
    assert result.status == "finished", result.traceback
    assert result.output == "name? hello Ada\nrest ['b', 'c']\n"


# -- case 10: tracebacks fold recursion; the detector never fires after the end ---------


def test_endless_recursion_is_folded_like_cpython(tmp_path: Path) -> None:
    prog = write(tmp_path / "deep.py", """\
        def down(n):
            return down(n + 1)

        down(0)
    """)
    result = simulate(prog)
    assert result.error is not None and result.error["type"] == "RecursionError"
    tb = result.traceback
    assert tb is not None
    assert "more times]" in tb and "[Previous line repeated" in tb
    assert len(tb.splitlines()) < 20
    assert tb.splitlines()[-1].startswith("RecursionError")


def test_the_hang_detector_does_not_fire_after_the_program_ended(tmp_path: Path) -> None:
    # Formatting the error calls the exception's __str__: slow here, and robokit's own
    # work after the program has ended, which the detector must leave alone.
    prog = write(tmp_path / "slow_str.py", """\
        import time

        class Slow(Exception):
            def __str__(self):
                time.sleep(0.6)
                return "slow"

        raise Slow()
    """)
    result = simulate(prog, hang_budget_s=0.1)
    assert result.error is not None
    assert result.error["type"] == "Slow"
    assert result.error["message"] == "slow"


# -- case 12: os._exit is the program's end, not robokit's -----------------------------


def test_os_exit_ends_the_program_not_the_simulator(tmp_path: Path) -> None:
    prog = write(tmp_path / "bye.py", """\
        import os  # (by getattr: the check refuses os._exit, which a brick's os lacks)
        print("bye")
        getattr(os, "_exit")(5)
        print("not reached")
    """)
    result = simulate_in_child(prog)
    assert result["status"] == "error"
    assert result["error"]["type"] == "SystemExit"
    assert "os._exit(5)" in result["error"]["message"]
    assert result["error"]["line"] == 3


def test_os_exit_0_finishes(tmp_path: Path) -> None:
    prog = write(tmp_path / "bye0.py", "import os\ngetattr(os, '_exit')(0)\n")
    assert simulate_in_child(prog)["status"] == "finished"


def test_after_a_run_a_traced_thread_still_runs_to_its_end(tmp_path: Path) -> None:
    # The watchdog's stop must leave nothing pending in the interpreter: clearing it with
    # PyThreadState_SetAsyncExc(id, NULL) left CPython 3.11's eval breaker set, and the
    # next thread with a trace function (a simulated board's executor) never finished.
    prog = write(tmp_path / "p.py", """\
        import time
        t0 = time.ticks_ms()
        while time.ticks_diff(time.ticks_ms(), t0) < 200:  # running when the watchdog starts
            pass
        print("done")
    """)
    code = textwrap.dedent(f"""\
        import sys, threading
        from robokit.sim import simulate
        for _ in range(3):
            assert simulate({str(prog)!r}).status == "finished"
        def traced():
            sys.settrace(lambda frame, event, arg: None)
            sum(i for i in range(1000))
        t = threading.Thread(target=traced)
        t.start()
        t.join()
        print("ended")
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ended"


def test_a_task_cut_short_by_the_end_leaves_nothing_to_print(tmp_path: Path) -> None:
    # multitask cut short by the run's end: its coroutines are closed after the run, and
    # their clean-up (a motor stopped) meets the end of time; that must not surface as
    # "Exception ignored in ..." on stderr after the summary.
    prog = write(tmp_path / "tasks.py", """\
        from robokit import multitask, robot, run_task, wait

        async def drive():
            await robot.drive_base.straight(5000)

        async def blink():
            while True:
                await wait(100)

        async def main():
            await multitask(drive(), blink())

        run_task(main())
    """)
    code = textwrap.dedent(f"""\
        import gc
        from robokit.sim import simulate
        r = simulate({str(prog)!r}, duration=2)
        gc.collect()
        print(r.status)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "timeout"
    assert "Exception ignored" not in proc.stderr
    assert proc.stderr == ""


def test_a_task_cut_short_is_closed_by_run_task_not_when_collected(tmp_path: Path) -> None:
    # The same, in this process: nothing raised while the coroutine is closed reaches
    # sys.unraisablehook, at any time.  (With run_task compiled, robokit._compiled, the
    # coroutine's last reference went with run_task's own call, in the program's thread
    # and outside the runner's clean-up, which hid this in pure Python.)
    prog = write(tmp_path / "tasks.py", """\
        from robokit import multitask, robot, run_task, wait

        async def drive():
            for _ in range(3):
                await robot.drive_base.straight(300)
                await robot.drive_base.turn(180)

        async def blink():
            while True:
                await wait(250)

        async def main():
            await multitask(drive(), blink(), race=True)

        run_task(main())
    """)
    seen: list[BaseException | None] = []
    old = sys.unraisablehook
    sys.unraisablehook = lambda u: seen.append(u.exc_value)
    try:
        r = simulate(prog, duration=5)
        del r
        gc.collect()
    finally:
        sys.unraisablehook = old
    assert seen == []
