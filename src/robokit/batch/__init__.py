"""Many simulated runs at once: programs × worlds × seeds, each run isolated.

    from robokit.batch import jobs_for, run_many

    for row in run_many(jobs_for(["alice.py", "bob.py"], worlds=["oval"], seeds=[1, 2])):
        print(row["program"], row["status"], row["distance_mm"])

Every run happens in a process of its own, forked from a warm template process that has
imported the simulator (and loaded the batch's worlds) but none of a user's code; so
nothing a program does (``builtins.print = ...``, ``robokit.robot = None``) reaches
another run. In that process the run is confined (:mod:`robokit.batch.sandbox`): a
scratch folder, CPU and memory limits, and an audit hook refusing shell commands,
subprocesses, sockets, ctypes and writes outside the scratch folder. A run that dies
(its CPU limit, a crash) or outlives its wall-time limit is one row with status
``crashed`` or ``killed``; the batch goes on.

Rows (plain dicts, pandas-friendly) come back as runs finish. The columns are
:data:`COLUMNS`; ``key`` identifies a run by the bundle's SHA-256, the world, the seed and
the duration, so :mod:`robokit.batch.results` can skip runs done before. The same inputs
give the same rows apart from ``wall_time_s``.

May import the simulator, the compiler, robokit.config and robokit.errors; the CLI's
``robokit batch`` is built on it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import RobokitError
from .outcomes import error_of

if TYPE_CHECKING:
    from .checks import Check

__all__ = ["COLUMNS", "Job", "jobs_for", "run_many"]

#: The columns of a row, in order.
COLUMNS = ("key", "program", "world", "seed", "duration", "params", "status", "sim_time_s",
           "pose", "distance_mm", "contacts", "output", "output_chars_dropped", "error",
           "checks", "points", "bundle_sha256", "replay", "wall_time_s")

#: Default limits of one run (``robokit batch --cpu-limit/--memory-limit``).
DEFAULT_CPU_S = 300.0
DEFAULT_MEMORY_MB = 2048


@dataclass(frozen=True)
class Job:
    """One run: a program (a .py file, a project folder or a .rkb bundle) on a world,
    with a seed (None: no noise), a duration (None: the program's header, else 60 s) and
    parameters (the program's top-level constants to set: robokit.batch.params)."""

    program: str
    world: str | None = None
    seed: int | None = None
    duration: float | None = None
    params: dict[str, Any] = field(default_factory=dict)


def jobs_for(programs: Iterable[str | Path], *, worlds: Iterable[str | None] = (None,),
             seeds: Iterable[int | None] = (None,), duration: float | None = None,
             params: Iterable[dict[str, Any]] = ({},)) -> list[Job]:
    """Every program on every world with every seed and every set of parameters, in
    that order."""
    worlds, seeds, grid = list(worlds) or [None], list(seeds) or [None], list(params) or [{}]
    return [Job(str(p), w, s, duration, dict(g))
            for p in programs for w in worlds for s in seeds for g in grid]


def run_key(bundle_sha256: str, world: str | None, seed: int | None,
            duration: float | None, program: str | None = None) -> str:
    """What identifies a run's result: the same key, the same row.  ``program`` (the
    path as given) keeps apart two programs whose bundles are the same bytes (two
    students' copies of one file, in their own folders): each is its own run and row,
    in the results, the table, the replays and when a batch is resumed."""
    parts: list[Any] = [bundle_sha256, world, seed, duration]
    if program is not None:
        parts.append(os.path.normpath(program))
    text = json.dumps(parts, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _build(job: Job, compiled: dict[str, tuple[Any, str] | RobokitError]
           ) -> tuple[bytes, str, str] | RobokitError:
    """The bytes of the bundle ``job`` runs (its program compiled once, into
    ``compiled``, then its parameters set), their SHA-256 and the folder its files are
    shown under; or why it cannot run."""
    from ..sim import load_bundle
    from .params import set_constants

    got = compiled.get(job.program)
    if got is None:
        try:
            bundle, project_dir = load_bundle(job.program)
            got = compiled[job.program] = (bundle, str(project_dir))
        except RobokitError as exc:
            got = compiled[job.program] = exc
    if isinstance(got, RobokitError):
        return got
    try:
        data = bytes(set_constants(got[0], job.params).to_bytes())
    except RobokitError as exc:
        return exc
    return data, hashlib.sha256(data).hexdigest(), got[1]


def run_many(jobs: Iterable[Job], *, workers: int | None = None,
             cpu_s: float | None = DEFAULT_CPU_S, memory_mb: int | None = DEFAULT_MEMORY_MB,
             wall_s: float | None = None, done: Mapping[str, dict[str, Any]] | None = None,
             checks: list[Check] | None = None, client: Any = None,
             replays: Path | None = None) -> Iterator[dict[str, Any]]:
    """Run ``jobs``, ``workers`` at a time (default: one per core); yield one row per job
    as it finishes. A job whose key is in ``done`` (rows read back from a results file)
    is not run again: its row from ``done`` is yielded, first, with ``"resumed": True``.
    ``wall_s``: the wall-time limit of one run (default: twice ``cpu_s`` and a minute).
    ``checks`` (robokit.batch.checks): each row gets their results and its points.
    ``client``: a ``dask.distributed.Client``: the runs go to its cluster
    (robokit.batch.distributed) instead of this machine's cores.  ``replays``: a folder
    where each run's HTML replay is written (its path in the row's ``replay``)."""
    done = done or {}
    checks = checks or []
    jobs = list(jobs)
    workers = max(1, workers or os.cpu_count() or 1)
    if wall_s is None:
        wall_s = 2 * (cpu_s or DEFAULT_CPU_S) + 60
    limits = {"cpu_s": cpu_s, "memory_mb": memory_mb, "replay": replays is not None,
              # looked for in all the run printed, not only the row's first 10,000 chars
              "output_contains": sorted({str(c.conditions["output_contains"])
                                         for c in checks
                                         if "output_contains" in c.conditions})}
    compiled: dict[str, tuple[Any, str] | RobokitError] = {}
    built: dict[tuple[str, str], tuple[bytes, str, str] | RobokitError] = {}
    todo: list[tuple[dict[str, Any], bytes | None]] = []
    for job in jobs:
        params = json.dumps(job.params, sort_keys=True)
        got = built.get((job.program, params))
        if got is None:  # each program and parameter set is built once
            got = built[(job.program, params)] = _build(job, compiled)
        row: dict[str, Any] = {"program": job.program, "world": job.world, "seed": job.seed,
                               "duration": job.duration, "params": job.params or None}
        data = None
        if isinstance(got, RobokitError):
            error = error_of(got)
            # no bundle to name the run: the program, its parameters and why it cannot
            # run do (two broken programs are two rows; a new error is a new run)
            why = json.dumps([job.program, params, error], sort_keys=True)
            row.update(key=run_key("invalid:" + hashlib.sha256(why.encode()).hexdigest(),
                                   job.world, job.seed, job.duration),
                       status="invalid", bundle_sha256=None, error=error)
        else:
            data, sha, project_dir = got
            row.update(key=run_key(sha, job.world, job.seed, job.duration, job.program),
                       bundle_sha256=sha, project_dir=project_dir)
        if row["key"] in done:
            yield _graded(_found_before({**done[row["key"]], "resumed": True}, checks),
                          checks)
        else:
            todo.append((row, data))
    worlds = sorted({j.world for j in jobs if j.world} | _header_worlds(jobs))
    if client is not None:
        from .distributed import run_on_cluster

        for spec, result in run_on_cluster(client, todo, limits, wall_s):
            yield _graded(_kept(_finish(spec, result), replays), checks)
        return
    from .pool import run_local

    for spec, result in run_local(todo, workers, limits, wall_s, worlds):
        yield _graded(_kept(_finish(spec, result), replays), checks)


def _kept(row: dict[str, Any], replays: Path | None) -> dict[str, Any]:
    """The row, its replay (if one came with it) written into ``replays``."""
    page = row.pop("_replay", None)
    if page is None or replays is None:
        return row
    from .reports import run_name

    stem = Path(str(row["program"])).stem or "program"
    label = "".join(c if c.isalnum() or c in "=-_." else "_" for c in run_name(row))
    path = replays / f"{stem}_{label}_{str(row['key'])[:8]}.html"
    try:
        replays.mkdir(parents=True, exist_ok=True)
        path.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise RobokitError(f"--replays {replays}: cannot write {path.name} "
                           f"({exc.strerror or exc})") from exc
    row["replay"] = str(path)
    return row


def _found_before(row: dict[str, Any], checks: list[Check]) -> dict[str, Any]:
    """A row read back: which output_contains texts its run printed. The file keeps
    only the first 10,000 characters, so a check it passed then counts as found."""
    wants = [str(c.conditions["output_contains"]) for c in checks
             if "output_contains" in c.conditions]
    if wants:
        passed = {str(c.get("name")) for c in row.get("checks") or []
                  if isinstance(c, dict) and c.get("passed")}
        text = row.get("output") or ""
        row["_output_found"] = [
            w for w in wants if w in text or any(
                c.name in passed for c in checks
                if c.conditions.get("output_contains") == w)]
    return row


def _graded(row: dict[str, Any], checks: list[Check]) -> dict[str, Any]:
    if checks:
        from .checks import evaluate

        row["checks"], row["points"] = evaluate(checks, row)
    row.pop("_output_found", None)
    return row


def _header_worlds(jobs: list[Job]) -> set[str]:
    """The worlds the programs of jobs without one name in their ``# robokit:`` line."""
    from ..sim.runner import read_directives

    found = set()
    for program in {j.program for j in jobs if not j.world}:
        try:
            world = read_directives(program).get("world")
        except RobokitError:  # a bad header: that program's row says so (invalid)
            continue
        if isinstance(world, str):
            found.add(world)
    return found


def _finish(job: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    row = {c: None for c in COLUMNS}
    row.update({k: v for k, v in job.items() if k != "project_dir"})
    row.update(result)
    err = row.get("error")
    project = job.get("project_dir")
    if err and project:  # the run's folder was its scratch: paths as the caller sees them
        rel = os.path.relpath(project)
        prefix = "" if rel == "." else rel + os.sep
        full = project.rstrip(os.sep) + os.sep
        row["error"] = err = dict(err)
        for k in ("file", "message"):
            if isinstance(err.get(k), str):
                err[k] = err[k].replace(full, prefix)
    return row
