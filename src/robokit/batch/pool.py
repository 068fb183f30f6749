"""Runs in forks of a warm template process: the one client of that process, and the
local pool of a batch.

:class:`TemplateClient` starts ``python -m robokit.batch.template`` and lets several
threads share it: each :meth:`TemplateClient.run` sends one job and waits for its row
(killing the run's process when it outlives its wall-time limit). :func:`run_local`
keeps ``workers`` such runs going at once on this machine; a Dask worker
(robokit.batch.distributed) uses the same client for its tasks.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any

from ..errors import RobokitError
from .outcomes import STACKS_FILE, stacks_where
from .outcomes import died as _died
from .outcomes import killed as _killed
from .outcomes import not_started as _not_started

#: How long a run may wait for the template to start it (its warm-up: the imports and the
#: batch's worlds) when its own wall-time limit is shorter.
START_S = 120.0


class TemplateClient:
    """A warm template process (robokit.batch.template) that several threads share: each
    :meth:`run` sends one job and waits for its row."""

    def __init__(self, worlds: list[str] | None = None):
        env = dict(os.environ, ROBOKIT_BATCH_WORLDS=os.pathsep.join(worlds or []))
        self.proc = subprocess.Popen([sys.executable, "-m", "robokit.batch.template"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        self._lock = threading.Lock()
        self._next = 0
        self._waiting: dict[int, Future[dict[str, Any]]] = {}
        self._pids: dict[int, int] = {}
        #: Set as the template forks each run (or ends): its wall time counts from then.
        self._started: dict[int, threading.Event] = {}
        self._abandoned: set[int] = set()  # given up on before they started
        self._reader = threading.Thread(target=self._read, name="robokit-template-reader",
                                        daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            msg = json.loads(line)
            with self._lock:
                if "pid" in msg:
                    if msg["id"] in self._abandoned:
                        _kill(msg["pid"])
                        continue
                    self._pids[msg["id"]] = msg["pid"]
                    started = self._started.pop(msg["id"], None)
                    if started is not None:
                        started.set()
                    continue
                fut = self._waiting.pop(msg["id"], None)
                self._pids.pop(msg["id"], None)
                self._abandoned.discard(msg["id"])
            if fut is not None:
                fut.set_result(msg)
        with self._lock:  # the template ended: nobody will answer
            waiting, self._waiting = self._waiting, {}
            starts, self._started = self._started, {}
        for fut in waiting.values():
            fut.set_exception(RobokitError("robokit batch: the template process ended"))
        for started in starts.values():
            started.set()

    def close(self) -> None:
        """Stop the runs still going and the template process."""
        with self._lock:
            pids = list(self._pids.values())
        for pid in pids:
            _kill(pid)
        if self.proc.stdin is not None:
            try:
                self.proc.stdin.close()
            except OSError:  # pragma: no cover - the template is gone already
                pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:  # pragma: no cover - a child that hangs on
            self.proc.kill()
            self.proc.wait()
        self._reader.join(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def run(self, job: dict[str, Any], data: bytes, limits: dict[str, Any],
            wall_s: float) -> dict[str, Any]:
        """Run one job (its bundle's bytes ``data``); the row's results.  ``wall_s``
        counts from the run's start (its fork), not from the template's own start-up,
        which the first runs of a batch wait for; a run the template has not started
        within ``wall_s`` (or :data:`START_S`, if longer) is given up."""
        scratch = tempfile.mkdtemp(prefix="robokit-run-")
        try:
            bundle = Path(scratch) / "bundle.rkb"
            bundle.write_bytes(data)
            fut: Future[dict[str, Any]] = Future()
            started = threading.Event()
            with self._lock:
                self._next += 1
                run_id = self._next
                self._waiting[run_id] = fut
                self._started[run_id] = started
                assert self.proc.stdin is not None
                self.proc.stdin.write(json.dumps(
                    {"id": run_id, "job": job, "bundle": str(bundle), "scratch": scratch,
                     "limits": {**limits, "wall_s": wall_s}}).encode() + b"\n")
                self.proc.stdin.flush()
            if not started.wait(max(wall_s, START_S)):
                with self._lock:
                    begun = run_id in self._pids or fut.done()
                    if not begun:
                        self._abandoned.add(run_id)
                        self._waiting.pop(run_id, None)
                        self._started.pop(run_id, None)
                if not begun:
                    return _not_started(max(wall_s, START_S))
            try:
                msg = fut.result(timeout=wall_s)
            except FutureTimeout:
                with self._lock:
                    pid = self._pids.get(run_id)
                if pid:
                    _kill(pid)
                fut.result(timeout=30)
                return _killed(wall_s, stacks_where(Path(scratch) / STACKS_FILE,
                                                    job.get("project_dir")))
            return dict(msg["row"]) if msg["row"] else _died(msg["exit"])
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:  # ended already
        pass


def run_local(todo: list[tuple[dict[str, Any], bytes | None]], workers: int,
              limits: dict[str, Any], wall_s: float, worlds: list[str]
              ) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Yield (job, result) as runs finish, ``workers`` at a time, each a fork of one warm
    template (which loads ``worlds`` first). A job without bundle bytes was refused before
    it could run: its result is empty."""
    if not hasattr(os, "fork"):  # pragma: no cover - Windows
        raise RobokitError("robokit batch needs os.fork (Linux or macOS); on Windows "
                           "run it under WSL")
    client = TemplateClient(worlds)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="robokit-batch")
    try:
        futures: dict[Future[dict[str, Any]], dict[str, Any]] = {}
        for job, data in todo:
            if data is None:
                yield job, {}
            else:
                futures[pool.submit(client.run, job, data, limits, wall_s)] = job
        for fut in as_completed(futures):
            yield futures[fut], fut.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        client.close()
        pool.shutdown(wait=True)
