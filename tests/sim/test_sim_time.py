"""A simulated program's time and utime are the simulated clock (issue 13): sleeping
drives, the clock reads simulated time, and the rest of the process keeps real time."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest

from robokit.sim import simulate


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_time_sleep_drives_for_that_long(tmp_path: Path) -> None:
    prog = write(tmp_path / "sleepy.py", """\
        import time
        from robokit import robot
        robot.drive_base.drive(100, 0)
        time.sleep(2)
        robot.drive_base.stop()
    """)
    result = simulate(prog, duration=30)
    assert result.status == "finished", result.traceback
    assert result.sim_time_s == pytest.approx(2.0, abs=0.01)
    # 2 s at 100 mm/s, less the start's acceleration ramp.
    assert result.distance_mm == pytest.approx(200, abs=10)
    assert result.pose[0] == pytest.approx(200, abs=10)


def test_a_long_sleep_is_simulated_time_not_a_hang(tmp_path: Path) -> None:
    prog = write(tmp_path / "long.py", """\
        import time
        from robokit import robot
        robot.drive_base.drive(100, 0)
        time.sleep(8)
        robot.drive_base.stop()
        print("done")
    """)
    result = simulate(prog, duration=30, hang_budget_s=0.5)
    assert result.status == "finished", result.traceback
    assert result.output == "done\n"
    assert result.sim_time_s == pytest.approx(8.0, abs=0.01)
    assert result.distance_mm == pytest.approx(800, abs=10)


def test_clock_reads_follow_simulated_time(tmp_path: Path) -> None:
    prog = write(tmp_path / "clock.py", """\
        import time
        t0, n0 = time.time(), time.time_ns()
        k0 = time.ticks_ms()
        u0 = time.ticks_us()
        time.sleep_ms(1500)
        time.sleep_us(250000)
        time.sleep(0.25)
        print(round(time.time() - t0, 2), round((time.time_ns() - n0) / 1e9, 2))
        print(time.ticks_diff(time.ticks_ms(), k0), time.ticks_diff(time.ticks_us(), u0) // 1000)
        print(time.ticks_add(time.ticks_ms(), 500) - time.ticks_ms() in (499, 500))
    """)
    result = simulate(prog, duration=30)
    assert result.status == "finished", result.traceback
    lines = result.output.splitlines()
    assert lines[0] == "2.0 2.0"
    ms, us_ms = (int(v) for v in lines[1].split())
    assert 2000 <= ms <= 2002 and 2000 <= us_ms <= 2002
    assert lines[2] == "True"
    assert result.sim_time_s == pytest.approx(2.0, abs=0.01)


def test_utime_and_from_imports_are_simulated_too(tmp_path: Path) -> None:
    prog = write(tmp_path / "micro.py", """\
        import utime
        from time import sleep, ticks_ms
        start = utime.ticks_ms()
        sleep(1)
        utime.sleep(1)
        utime.sleep_ms(500)
        print(utime.ticks_diff(utime.ticks_ms(), start), round(ticks_ms() / 1000, 1))
    """)
    result = simulate(prog, duration=30)
    assert result.status == "finished", result.traceback
    ms, mono = result.output.split()
    assert 2500 <= int(ms) <= 2502
    assert float(mono) == pytest.approx(2.5, abs=0.05)


def test_the_programs_own_modules_get_the_simulated_clock(tmp_path: Path) -> None:
    write(tmp_path / "pause.py", """\
        import time as t

        def pause(s):
            t.sleep(s)
            return t.ticks_ms() / 1000
    """)
    prog = write(tmp_path / "uses_pause.py", """\
        from pause import pause
        print(round(pause(3), 2))
    """)
    result = simulate(prog, duration=30)
    assert result.status == "finished", result.traceback
    assert result.output == "3.0\n"
    assert result.sim_time_s == pytest.approx(3.0, abs=0.01)


def test_a_loop_watching_the_clock_moves_it_and_ends(tmp_path: Path) -> None:
    prog = write(tmp_path / "watch.py", """\
        import time
        start = time.ticks_ms()
        n = 0
        while time.ticks_diff(time.ticks_ms(), start) < 1000:
            n += 1
        print(n > 0)
    """)
    result = simulate(prog, duration=30, hang_budget_s=1.0)
    assert result.status == "finished", result.traceback
    assert result.sim_time_s == pytest.approx(1.0, abs=0.01)


def test_sleep_past_the_duration_is_a_timeout(tmp_path: Path) -> None:
    prog = write(tmp_path / "forever.py", "import time\ntime.sleep(1000)\n")
    result = simulate(prog, duration=5)
    assert result.status == "timeout"
    assert result.sim_time_s == pytest.approx(5.0)


def test_a_bad_sleep_is_the_programs_error_as_in_python(tmp_path: Path) -> None:
    prog = write(tmp_path / "neg.py", "import time\ntime.sleep(-1)\n")
    result = simulate(prog)
    assert result.status == "error"
    assert result.error is not None
    assert result.error["type"] == "ValueError" and result.error["line"] == 2


def test_the_rest_of_the_process_keeps_real_time(tmp_path: Path) -> None:
    import sys

    real_sleep, real_time = time.sleep, time.time
    prog = write(tmp_path / "s.py", """\
        import time
        time.sleep(100)
        print(repr(time.time()))
    """)
    seen: list[tuple[float, float]] = []

    def on_output(line: str, sim_s: float) -> None:
        # robokit's own code, called while the program runs: real time here.
        seen.append((float(line), time.time()))

    result = simulate(prog, duration=200, on_output=on_output)
    assert result.status == "finished", result.traceback
    assert result.sim_time_s == pytest.approx(100.0, abs=0.01)
    program_clock, real_clock = seen[0]
    # The program's clock ran 100 s ahead; the process's did not.
    assert program_clock - real_clock > 90
    # The process's time module is the real one, during and after the run.
    assert time.sleep is real_sleep and time.time is real_time
    assert sys.modules["time"] is time
    assert "utime" not in sys.modules
