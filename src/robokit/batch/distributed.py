"""Batches on a Dask cluster: the same runs, the same rows, on other machines.

``run_many(..., client=dask.distributed.Client("tcp://HOST:8786"))`` (``robokit batch
--scheduler tcp://HOST:8786``) sends each run to the cluster as a task. Each bundle goes
once, by its content (``client.scatter(..., hash=True)``), so the workers need no shared
file system, only robokit installed (the same version, for the same rows). On a worker,
:func:`run_task` runs the job exactly as a local batch does: in a fork of a warm
template process (one per worker process, started on its first task), confined the same
way; the worker's own process never runs a user's code.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

from ..errors import RobokitError

_shared: Any = None  # this worker process's TemplateClient (robokit.batch.pool)
_shared_lock = threading.Lock()


def run_task(job: dict[str, Any], data: bytes, limits: dict[str, Any],
             wall_s: float) -> dict[str, Any]:
    """A Dask task: one run, on this worker's warm template (started on first use)."""
    global _shared
    from .pool import TemplateClient

    with _shared_lock:
        if _shared is None or _shared.proc.poll() is not None:
            _shared = TemplateClient()
        client = _shared
    return client.run(job, data, limits, wall_s)


def run_on_cluster(client: Any, todo: list[tuple[dict[str, Any], bytes | None]],
                   limits: dict[str, Any], wall_s: float) -> Any:
    """Yield (job, result) as the cluster's tasks finish."""
    from distributed import as_completed

    shipped: dict[bytes, Any] = {}
    futures = {}
    for job, data in todo:
        if data is None:
            yield job, {}
            continue
        if data not in shipped:
            shipped[data] = client.scatter(data, hash=True)
        sent = {k: v for k, v in job.items() if k != "project_dir"}
        sent["project_dir"] = job.get("project_dir")
        fut = client.submit(run_task, sent, shipped[data], limits, wall_s, pure=False)
        futures[fut] = job
    for fut in as_completed(list(futures)):
        job = futures[fut]
        try:
            result = fut.result()
        except Exception as exc:  # noqa: BLE001 - a worker lost, robokit missing there...
            result = {"status": "crashed", "error": {
                "type": "Crashed", "file": None, "line": None,
                "message": f"the cluster could not run it: {type(exc).__name__}: {exc}"}}
        yield job, result


@contextlib.contextmanager
def local_cluster(workers: int = 2, timeout: float = 60.0) -> Iterator[str]:
    """A Dask cluster on this machine for the block: a scheduler and ``workers``
    single-thread worker processes (their scratch in a temporary folder); yields the
    scheduler's address once every worker has joined. For trying ``--scheduler`` (and
    robokit's own tests and benchmark), not for production."""
    from distributed import Client

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    address = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ, DASK_DISTRIBUTED__WORKER__DAEMON="False")
    quiet: dict[str, Any] = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    with tempfile.TemporaryDirectory(prefix="robokit-dask-") as scratch:
        procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler",
                                   "--host", "127.0.0.1", "--port", str(port),
                                   "--dashboard-address", ":0"], env=env, cwd=scratch,
                                  **quiet)]
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or procs[0].poll() is not None:
                        raise RobokitError("the local Dask scheduler did not start") from None
                    time.sleep(0.2)
            procs += [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker",
                                        address, "--nthreads", "1", "--no-nanny",
                                        "--dashboard-address", ":0"], env=env, cwd=scratch,
                                       **quiet) for _ in range(workers)]
            with Client(address, timeout=timeout) as client:
                client.wait_for_workers(workers, timeout=timeout)
            yield address
        finally:
            # the workers first (they say goodbye to the scheduler), then the scheduler
            for group in (procs[1:], procs[:1]):
                for p in group:
                    p.terminate()
                for p in group:
                    try:
                        p.wait(20)
                    except subprocess.TimeoutExpired:
                        p.kill()
                        p.wait()


#: Seconds to wait for a Dask scheduler to answer before saying that none did.
CONNECT_TIMEOUT_S = 10.0


def connect(address: str) -> Any:
    """A Dask client of the scheduler at ``address``; a RobokitError saying what to do."""
    try:
        from distributed import Client
    except ImportError as exc:
        raise RobokitError("--scheduler needs Dask: pip install \"robokit[dask]\"") from exc
    try:
        return Client(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        raise RobokitError(f"--scheduler {address}: no Dask scheduler answered ({exc}); is "
                           "it running (dask scheduler), and is the address right?") from exc
