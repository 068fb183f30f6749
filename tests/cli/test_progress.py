"""Progress lines: one drawing for long simulations, uploads, installs, flashing and batch
runs; on a terminal's stderr only, never into a pipe or a log."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from cli_helpers import run_on_a_terminal

from robokit.cli._output import (
    BAR_CELLS,
    CountProgress,
    ProgressLine,
    SimProgress,
    bar_line,
    upload_progress,
)
from robokit.sim import simulate

# Drives in circles for as long as the run lasts: 3,600 simulated seconds take two to
# three seconds of wall time with the compiled core (at ~1,300x; 1,200 s took under one
# on a fast host), past the second after which progress is drawn.
LONG = textwrap.dedent("""\
    from robokit import robot, wait
    while True:
        robot.drive_base.drive(100, 30)
        wait(5)
""")
LONG_S = "3600"
ROBOKIT = [sys.executable, "-c", "from robokit.cli import main; main()"]


def test_a_bar_line_shows_the_share_done() -> None:
    line = bar_line("upload", "uploading", 4000, 10000, "4,000/10,000 bytes")
    assert line.startswith("upload: uploading ")
    assert " 40% 4,000/10,000 bytes" in line
    assert line.count("█") == BAR_CELLS * 4 // 10
    assert bar_line("run", "simulating", 5, None, "5.0 s simulated") == \
        "run: simulating 5.0 s simulated"  # no total: no bar, no percentage


def test_a_progress_line_is_drawn_in_place_and_wiped() -> None:
    out = io.StringIO()
    line = ProgressLine(out, "install", "writing", after_s=0.0, every_s=0.0)
    line.draw(1, 4, "1/4")
    line.draw(2, 4, "2/4")
    line.clear()
    text = out.getvalue()
    drawn = text.split("\r")
    assert drawn[0] == ""
    assert "25% 1/4" in drawn[1] and "50% 2/4" in drawn[2]
    assert text.endswith("\r" + " " * len(drawn[1]) + "\r")  # wiped, cursor at the start


def test_a_quick_operation_draws_nothing() -> None:
    out = io.StringIO()
    line = ProgressLine(out, "upload", "uploading", after_s=60.0)
    line.draw(1, 2, "1/2")
    line.clear()
    assert out.getvalue() == ""


def test_batch_progress_counts_runs_and_says_the_time_left() -> None:
    out = io.StringIO()
    bar = CountProgress(ProgressLine(out, "batch", "running", after_s=0.0, every_s=0.0), 3,
                        "runs")
    bar.update(1)
    bar.update(1)
    bar.close()
    lines = out.getvalue().split("\r")
    assert re.search(r"batch: running .* 33% 1/3 runs, about \d+ s left", lines[1])
    assert "66% 2/3 runs" in lines[2]
    assert out.getvalue().endswith(" " * 20 + "\r")


def test_a_simulation_draws_simulated_time_against_its_duration(tmp_path: Path) -> None:
    """The watcher reads the real simulated brick's clock while the program runs; the
    program's output wipes the line before it is written."""
    prog = tmp_path / "long.py"
    prog.write_text("print('start')\n" + LONG)
    out = io.StringIO()
    printed: list[str] = []

    def echo(text: str, t: float) -> None:
        out.write(f"<{text}>")
        printed.append(text)

    with SimProgress(ProgressLine(out, "run", "simulating", after_s=0.0, every_s=0.0),
                     every_s=0.005) as progress:
        result = simulate(prog, duration=300, on_start=progress.on_start,
                          on_output=progress.wrap_output(echo))
        progress.draw_now()  # the end, as the watcher would see it
    assert result.status == "timeout" and printed == ["start"]
    text = out.getvalue()
    shown = re.findall(r"(\d+)% ([\d,.]+)/300\.0 s simulated", text)
    assert shown and shown[-1] == ("100", "300.0")
    pcts = [int(p) for p, _ in shown]
    assert pcts == sorted(pcts)
    assert text.endswith(" \r")  # wiped at the end
    # a line drawn before the output was wiped before it
    before = text.split("<start>")[0]
    assert before == "" or before.endswith("\r")


def test_no_progress_without_a_terminal() -> None:
    assert not sys.stderr.isatty()  # pytest captures it
    assert upload_progress("upload") is None


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_robokit_run_draws_progress_on_a_terminal(tmp_path: Path) -> None:
    (tmp_path / "long.py").write_text(LONG)
    code, out, err = run_on_a_terminal(["run", "long.py", "--duration", LONG_S], tmp_path)
    assert code == 0, err
    assert re.search(rf"run: simulating █+.* \d+% [\d,.]+/{LONG_S[0]},{LONG_S[1:]}\.0 s "
                     "simulated", err), err
    assert err.endswith(" \r")  # the line wiped before the summary
    assert "status" in out and "simulating" not in out


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_robokit_run_json_draws_nothing_even_on_a_terminal(tmp_path: Path) -> None:
    (tmp_path / "long.py").write_text(LONG)
    code, out, err = run_on_a_terminal(["run", "long.py", "--duration", LONG_S, "--json"],
                                        tmp_path)
    assert code == 0, err
    assert "simulating" not in err and "\r" not in err
    assert '"status": "timeout"' in out


def test_robokit_run_into_a_pipe_or_log_draws_nothing(tmp_path: Path) -> None:
    (tmp_path / "long.py").write_text(LONG)
    proc = subprocess.run(ROBOKIT + ["run", "long.py", "--duration", LONG_S],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "simulating" not in proc.stderr and "\r" not in proc.stderr
    assert "timeout" in proc.stdout


def test_a_message_wipes_the_progress_bar_first() -> None:
    """An error (or "interrupted") while a bar is drawn: the message went on the end of
    the bar's line ("...13% 2,048/14,859 bytes ^Crobokit: upload: interrupted")."""
    import click
    from click.testing import CliRunner

    from robokit.cli._errors import Command, fail
    from robokit.cli._output import LINE_WIDTH

    stream = io.StringIO()
    line = ProgressLine(stream, "upload", "uploading", after_s=0.0)

    @click.command(cls=Command)
    def upload() -> None:
        line.draw(2048, 14859, "2,048/14,859 bytes")
        fail("the board went away; plug it in again")

    r = CliRunner().invoke(upload, [])
    assert r.exit_code == 2
    assert "the board went away" in r.stderr
    drawn = stream.getvalue()
    assert "2,048/14,859 bytes" in drawn
    assert drawn.endswith("\r" + " " * LINE_WIDTH + "\r")  # wiped before the message
