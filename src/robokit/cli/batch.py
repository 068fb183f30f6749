"""``robokit batch``: many simulated runs at once, each isolated (robokit.batch)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ._errors import EXIT_PROGRAM_ERROR, Command, about, fail
from ._output import count_progress, path_option

#: Statuses that count as the program's success.
_OK = ("finished", "timeout")


def expand_programs(args: tuple[Path, ...]) -> list[str]:
    """The programs named: a .py file, a project folder (with main.py) or a .rkb bundle
    as given; a folder without main.py stands for its .py files and its project folders
    (a class's submissions), in name order."""
    out: list[str] = []
    for p in args:
        if not p.exists():  # a typo: no run would be anything but this same error
            fail(f"{p}: no such program file or folder; check the path")
        if p.is_dir() and not (p / "main.py").is_file():
            found = sorted([c for c in p.iterdir()
                            if (c.suffix == ".py" and c.is_file())
                            or (c.is_dir() and (c / "main.py").is_file())])
            if not found:
                fail(f"{p}: a folder with no main.py, no .py files and no project folders; "
                     "name programs or a folder of submissions")
            for c in sorted(p.iterdir()):  # a student's folder missing its main.py
                if (c.is_dir() and not c.name.startswith((".", "_"))
                        and not (c / "main.py").is_file()):
                    click.echo(f"robokit: batch: {c}: skipped, a folder with no main.py "
                               "(a project folder starts from main.py)", err=True)
            out += [str(c) for c in found]
        else:
            out.append(str(p))
    return out


@click.command(cls=Command)
@click.argument("programs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--world", "worlds", multiple=True, metavar="NAME|FILE",
              help="A world to run every program on (repeat for several; default: each "
                   "program's own # robokit: world, else empty).")
@click.option("--seeds", type=click.IntRange(1, 100_000), default=None,
              help="Run each program with seeds 1..N (sensor noise on).")
@click.option("--seed", "seed_list", type=int, multiple=True,
              help="Run each program with this seed (repeat for several).")
@click.option("--duration", type=float, default=None,
              help="Simulated seconds per run (default: each program's header, else 60).")
@click.option("--jobs", "-j", type=click.IntRange(1, 1024), default=None,
              help="Runs at a time (default: one per core).")
@path_option("--out", help="Append a row per run to FILE.jsonl or FILE.csv; runs already "
                           "in it are skipped, so an interrupted batch resumes.")
@click.option("--cpu-limit", type=click.FloatRange(min=1), default=300.0, show_default=True,
              help="CPU seconds one run may use.")
@click.option("--memory-limit", type=click.IntRange(min=64), default=2048, show_default=True,
              help="Megabytes of memory one run's program may take, on top of the "
                   "simulator's own.")
@path_option("--junit", help="Write the runs as JUnit XML to FILE.xml (one test case a run).")
@path_option("--report", help="Write a gradebook to FILE.html: points per program, each run.")
@path_option("--replays", help="Write each run's HTML replay into the folder DIR (the "
                               "gradebook links to them).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run on a Dask cluster (tcp://HOST:8786) instead of this machine's "
                   "cores; needs pip install \"robokit[dask]\".")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no table.")
def batch(programs: tuple[Path, ...], worlds: tuple[str, ...], seeds: int | None,
          seed_list: tuple[int, ...], duration: float | None, jobs: int | None,
          out: Path | None, cpu_limit: float, memory_limit: int, junit: Path | None,
          report: Path | None, replays: Path | None, scheduler: str | None,
          quiet: bool) -> None:
    """Run many programs on the simulated brick at once: every PROGRAM (a .py file, a
    project folder, a .rkb bundle, or a folder of submissions) on every --world with
    every seed, each run in a clean, confined process. Or one SPEC.toml (docs/batch.md):
    programs, worlds, seeds, parameters and the checks each run is graded by. Exit 0
    when every run finished (or ran until --duration) and every check held, 1 otherwise."""
    from ..batch import jobs_for, run_many
    from ..batch.results import Writer, done_rows
    from ..batch.spec import Spec, load_spec
    from ..sim.brick import check_duration

    if seeds is not None and seed_list:
        fail("give --seeds N or --seed S (repeated), not both")
    if duration is not None:
        duration = check_duration(duration, "--duration")
    if len(programs) == 1 and programs[0].suffix.lower() == ".toml":
        spec = load_spec(programs[0])
    else:
        spec = Spec(programs=list(programs))
    if worlds:
        spec.worlds = list(worlds)
    if seeds:
        spec.seeds = list(range(1, seeds + 1))
    elif seed_list:
        spec.seeds = list(seed_list)
    if duration is not None:
        spec.duration = duration
    cpu_limit = spec.cpu_limit if spec.cpu_limit and cpu_limit == 300.0 else cpu_limit
    memory_limit = (spec.memory_limit if spec.memory_limit and memory_limit == 2048
                    else memory_limit)
    names = expand_programs(tuple(spec.programs))
    _check_worlds(spec.worlds, "--world" if worlds else f"{programs[0]}: worlds")
    if replays is not None and replays.exists() and not replays.is_dir():
        fail(f"--replays {replays}: not a folder; name a folder for the replays")
    from .._files import check_output

    inputs = [Path(n) for n in names] + ([programs[0]] if len(programs) == 1 else [])
    for option, path, suffix in (("--junit", junit, ".xml"), ("--report", report, ".html")):
        if path is not None:
            if path.suffix.lower() != suffix:
                fail(f"{option} {path}: name the file *{suffix}")
            with about(option):
                check_output(path, inputs=inputs, what=option[2:])
    todo = jobs_for(names, worlds=spec.worlds, seeds=spec.seeds, duration=spec.duration,
                    params=spec.params)
    client = None
    if scheduler is not None:
        from ..batch.distributed import connect

        with about("--scheduler"):
            client = connect(scheduler)
    done: dict[str, dict[str, Any]] = {}
    writer = None
    if out is not None:
        done = done_rows(out)  # a name that is not .jsonl or .csv is refused here
        writer = Writer(out)
    rows: list[dict[str, Any]] = []
    skipped = 0
    # the runs done, drawn on a terminal's stderr only (not with --quiet, not into a log)
    bar = count_progress("batch", "running", len(todo), "runs", show=not quiet)
    try:
        for row in run_many(todo, workers=jobs, cpu_s=cpu_limit, memory_mb=memory_limit,
                            done=done, checks=spec.checks, client=client,
                            replays=replays):
            if row.pop("resumed", False):
                skipped += 1
            elif writer is not None:
                writer.write(row)
            rows.append(row)
            bar.update(1)
    finally:
        bar.close()
        if writer is not None:
            writer.close()
        if client is not None:
            client.close()
    if junit is not None or report is not None:
        from .._files import write_output
        from ..batch.reports import gradebook_html, junit_xml

        if junit is not None:
            with about("--junit"):
                write_output(junit, junit_xml(rows), inputs=inputs, what="JUnit XML")
        if report is not None:
            title = (f"robokit batch {programs[0].name}" if len(programs) == 1
                     else "robokit batch")
            with about("--report"):
                links = {str(r["key"]): str(Path(r["replay"]).resolve())
                         for r in rows if r.get("replay")}
                write_output(report, gradebook_html(rows, title=title, links=links,
                                                    base=report.resolve().parent),
                             inputs=inputs, what="gradebook")
    if not quiet:
        _table(rows, skipped, out)
        if spec.checks:
            _points(rows)
        for label, path in (("junit", junit), ("report", report), ("replays", replays)):
            if path is not None:
                click.echo(f"{label:9} {path}")
    failed = any(r["status"] not in _OK for r in rows) or any(
        not c["passed"] for r in rows for c in (r.get("checks") or []))
    if failed:
        sys.exit(EXIT_PROGRAM_ERROR)


def _check_worlds(worlds: list[str | None], where: str) -> None:
    """Each world named loads: an unknown one is a bad command line (exit 2), not a
    batch of runs that are all the same 'invalid' row."""
    from ..sim.world import load_world

    for world in worlds:
        if world is not None:
            with about(where):
                load_world(world)


def _table(rows: list[dict[str, Any]], skipped: int, out: Path | None) -> None:
    with_params = any(r.get("params") for r in rows)
    if rows:
        width = max(len("program"), min(40, max(len(_short(r["program"])) for r in rows)))
        pw = max([len(_params(r)) for r in rows] + [6]) if with_params else 0
        head = f"{'params':{pw}}  " if with_params else ""
        click.echo(f"{'program':{width}}  {'world':8}  {'seed':>4}  {head}{'status':9}  "
                   f"{'distance':>9}  error")
    for r in sorted(rows, key=lambda r: (r["program"], str(r["world"]), str(r["seed"]),
                                         _params(r))):
        err = r.get("error") or {}
        message = ""
        if err:
            # the first line: a compile error's source line and caret would break the table
            text = (str(err.get("message", "")).splitlines() or [""])[0]
            where = (f"{err['file']}:{err['line']}: "
                     if err.get("file") and err.get("line") is not None
                     and not text.startswith(str(err["file"])) else "")
            message = f"{err.get('type', '')}: {where}{text}"
        dist = "" if r.get("distance_mm") is None else f"{r['distance_mm']:.0f} mm"
        params = f"{_params(r):{pw}}  " if with_params else ""
        click.echo(f"{_short(r['program']):{width}}  {str(r['world'] or '-'):8}  "
                   f"{str(r['seed'] if r['seed'] is not None else '-'):>4}  {params}"
                   f"{r['status']:9}  {dist:>9}  {message[:100]}")
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    parts = [f"{n} {s}" for s, n in sorted(counts.items())]
    if skipped:
        parts.append(f"{skipped} of them done before, read from {out}")
    click.echo(f"{len(rows)} run{'s' if len(rows) != 1 else ''}: " + ", ".join(parts)
               if parts else "nothing to run")


def _params(row: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in (row.get("params") or {}).items())


def _points(rows: list[dict[str, Any]]) -> None:
    """Points per program: what its runs earned of what they could."""
    got: dict[str, list[float]] = {}
    for r in rows:
        earned = got.setdefault(r["program"], [0.0, 0.0, 0, 0])
        for c in r.get("checks") or []:
            earned[0] += c["points"]
            earned[1] += c["of"]
            earned[2] += bool(c["passed"])
            earned[3] += 1
    width = max(len("program"), min(40, max((len(_short(p)) for p in got), default=0)))
    click.echo("")
    click.echo(f"{'program':{width}}  {'points':>13}  checks passed")
    for program in sorted(got):
        points, of, passed, count = got[program]
        click.echo(f"{_short(program):{width}}  {points:6g} / {of:<4g}  {passed:g} of {count:g}")


def _short(program: str) -> str:
    from .._files import shown_path

    return shown_path(program)
