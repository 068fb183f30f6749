"""The `robokit` command ends its process as soon as it is done (robokit.cli.command),
with the code and output it always had; code that calls ``main()`` keeps its process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: A child whose interpreter teardown says so: an audit hook sees the interpreter's state
#: cleared, the last step of a Python exit (os._exit skips it).
_CHILD = """
import os, sys
def hook(event, args, write=os.write):
    if event == "cpython.PyInterpreterState_Clear":
        write(2, b"TEARDOWN\\n")
sys.addaudithook(hook)
{setup}
from robokit.cli import {entry}
sys.argv = ["robokit", *{args!r}]
{entry}()
"""


def child(args: list[str], entry: str = "command",
          setup: str = "") -> subprocess.CompletedProcess[str]:
    code = _CHILD.format(setup=setup, entry=entry, args=args)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, env=dict(os.environ), timeout=120)


def test_the_command_ends_its_process_without_the_interpreters_teardown():
    p = child(["worlds"])
    assert p.returncode == 0, p.stderr
    assert "oval" in p.stdout  # all of it printed (flushed before the process ended)
    assert "TEARDOWN" not in p.stderr


def test_main_called_from_python_keeps_the_usual_exit():
    p = child(["worlds"], entry="main")
    assert p.returncode == 0, p.stderr
    assert "oval" in p.stdout
    assert "TEARDOWN" in p.stderr


def test_exit_codes_and_messages_are_the_same():
    p = child(["run", "no_such_program.py"])
    assert p.returncode == 2
    assert p.stderr.splitlines()[0] == ("robokit: run: no_such_program.py: no such program "
                                        "file or folder; check the path")
    assert "TEARDOWN" not in p.stderr
    p = child(["--no-such-option"])
    assert p.returncode == 2
    assert "Error: No such option '--no-such-option'." in p.stderr


def test_an_atexit_callback_or_a_thread_still_gets_its_exit():
    p = child(["run", "no_such_program.py"],
              setup="import atexit\natexit.register(lambda: print('ATEXIT'))")
    assert p.returncode == 2
    assert p.stdout.splitlines() == ["ATEXIT"]
    p = child(["worlds"], setup="import threading, time\n"
                                "threading.Thread(target=lambda: (time.sleep(0.3), "
                                "print('THREAD'))).start()")
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[-1] == "THREAD"


def test_python_dash_m_is_the_command():
    p = subprocess.run([sys.executable, "-m", "robokit.cli", "run", "no_such_program.py"],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert p.returncode == 2
    assert "robokit: run: no_such_program.py: no such program file" in p.stderr
