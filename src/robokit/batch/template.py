"""The warm template process of a batch: ``python -m robokit.batch.template``.

It imports the simulator and loads the batch's worlds once, then forks one child per run
(none of a user's code is ever in the template itself). The parent writes one JSON line
per run to its stdin::

    {"id": 7, "job": {...}, "bundle": "/tmp/robokit-run-x/bundle.rkb",
     "scratch": "/tmp/robokit-run-x", "limits": {"cpu_s": 300, "memory_mb": 2048}}

and reads JSON lines from its stdout: ``{"id": 7, "pid": 1234}`` when the child started,
then ``{"id": 7, "exit": 0, "row": {...}}`` when it ended (``exit`` is the child's exit
code, or minus the signal that ended it; ``row`` is None if it reported nothing). The
child hands its row to the template through a pipe of its own.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
from pathlib import Path
from typing import Any

from . import worker


def _send(obj: dict[str, Any]) -> None:
    try:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()
    except OSError:  # the batch is gone (killed): nobody to tell, nothing to print
        pass


def _child(msg: dict[str, Any], w: int) -> None:
    """The forked child: run the job, write its row to ``w``, exit without cleanup."""
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a run as any other
        data = Path(msg["bundle"]).read_bytes()
        row = worker.confined_run(msg["job"], data, msg["scratch"], msg["limits"])
        raw = json.dumps(row).encode()
        view = memoryview(raw)
        while view:
            view = view[os.write(w, view):]
    except BaseException:  # noqa: B036 - nothing may escape a forked child
        code = 70
    os._exit(code)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:  # ended already
        pass


def _exit_code(status: int) -> int:
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def main() -> None:
    # Ctrl-C reaches the whole process group: the batch itself handles it (and closes
    # this process's input, which stops the runs); here it would only print a traceback
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    worker.warm(os.environ.get("ROBOKIT_BATCH_WORLDS", ""))
    stdin = sys.stdin.buffer
    children: dict[int, tuple[int, int, bytearray]] = {}  # read fd -> id, pid, data
    buf = b""
    open_in = True
    while open_in or children:
        fds = list(children) + ([stdin.fileno()] if open_in else [])
        ready, _, _ = select.select(fds, [], [])
        for fd in ready:
            if fd == stdin.fileno():
                chunk = os.read(fd, 1 << 16)
                if not chunk:  # the batch ended, or was killed (a CI job cancelled):
                    open_in = False  # nobody will read these runs' rows; stop them
                    for _, pid, _ in children.values():
                        _kill(pid)
                    continue
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    msg = json.loads(line)
                    r, w = os.pipe()
                    sys.stdout.flush()
                    pid = os.fork()
                    if pid == 0:
                        os.close(r)
                        for other in children:
                            os.close(other)
                        _child(msg, w)
                    os.close(w)
                    children[r] = (msg["id"], pid, bytearray())
                    _send({"id": msg["id"], "pid": pid})
                continue
            run_id, pid, data = children[fd]
            chunk = os.read(fd, 1 << 16)
            if chunk:
                data += chunk
                continue
            os.close(fd)
            del children[fd]
            _, status = os.waitpid(pid, 0)
            code = _exit_code(status)
            row = None
            if code == 0 and data:
                try:
                    row = json.loads(data)
                except ValueError:
                    row = None
            _send({"id": run_id, "exit": code, "row": row})


if __name__ == "__main__":
    main()
