"""What the pytest plugin tells about the simulated runs of a failing test.

For each run (a :class:`~robokit.sim.runner.RunResult`) of a failing test:

- :func:`run_section`: a titled text (status, world, pose, distance, the end of the output,
  the program's traceback, the artifacts' paths) for the terminal report and the failure
  text of the JUnit XML;
- :func:`run_properties`: the same facts as JUnit ``<property>`` name/value pairs;
- :func:`write_artifacts`: into one folder per test, each run's plot (``run-N.svg``, drawn by
  :mod:`robokit.sim.plot_svg`: no matplotlib, a few ms), its
  replay (``run-N.html``, when :mod:`robokit.sim.replay` is there) and ``summary.json``.

Artifacts that cannot be written are named with their error (in the summary and the
report), never raised: the test's own failure is what the report is about.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

#: Lines of a run's output shown in the terminal report (its last ones).
OUTPUT_LINES = 20
#: Characters of one output line shown in the terminal report.
LINE_CHARS = 200
#: Characters of a run's output kept in a JUnit property (its last ones).
PROPERTY_CHARS = 4000
#: Runs of one test described in full; with more, the runs that ended with an error and the
#: last run are (the summary.json of the artifacts has them all).
SHOWN_RUNS = 5
#: Longest folder name made from a test's node id.
NAME_CHARS = 100

REPLAY_MODULE = "robokit.sim.replay"
# (run-N.png: the plot as sessions before SVG plots wrote it, removed as well)
_ARTIFACT_FILE = re.compile(r"run-\d+\.(svg|png|html)|summary\.json")


def _num(v: float) -> float:
    return round(v, 1) + 0.0  # + 0.0: never "-0.0"


def pose_text(result: Any) -> str:
    """The end pose as ``robokit run``'s summary shows it: x and y in the world (mm), the
    heading as the program's ``hub.imu.heading()`` reads it (clockwise, 0 at the start)."""
    x, y, world_heading = result.pose
    heading = getattr(result, "imu_heading_deg", None)
    if heading is None:  # a RunResult without it: the world frame's heading
        heading = world_heading
    return f"x={_num(x)} mm, y={_num(y)} mm, heading={_num(heading)}°"


def output_tail(output: str, lines: int = OUTPUT_LINES, line_chars: int = LINE_CHARS) -> str:
    """The last ``lines`` lines of ``output``, each cut to ``line_chars``, with a header
    saying how many there were."""
    if not output:
        return "output: (none)"
    all_lines = output.splitlines()
    shown = all_lines[-lines:]
    head = ("output:" if len(shown) == len(all_lines)
            else f"output (the last {len(shown)} of {len(all_lines)} lines):")
    body = [f"  | {ln[:line_chars]}{'…' if len(ln) > line_chars else ''}" for ln in shown]
    return "\n".join([head, *body])


def chars_tail(text: str, limit: int = PROPERTY_CHARS) -> str:
    if len(text) <= limit:
        return text
    return f"[… {len(text) - limit} characters before]\n" + text[-limit:]


def several(result: Any) -> list[Any]:
    """The robots of a run of several programs (``robokit_sim([a, b])``), each one's own
    result; ``[]`` for a run of one."""
    robots = getattr(result, "robots", None) or []
    return list(robots) if len(robots) > 1 else []


def run_title(result: Any, index: int, total: int) -> str:
    which = f"run {index} of {total}: " if total > 1 else ""
    robots = several(result)
    if robots:  # the run's status is the worst of its robots': name them all
        what = f"{len(robots)} robots ({', '.join(str(r.program) for r in robots)})"
    else:
        what = str(result.program)
    return f"robokit: {which}{what} ended with status {result.status}"


def _robot_lines(result: Any) -> list[str]:
    """Where one robot ended, how far it went, its output and its traceback."""
    lines = [
        f"pose: {pose_text(result)} (started at x={_num(result.start_pose[0])} mm, "
        f"y={_num(result.start_pose[1])} mm)",
        f"distance: {_num(result.distance_mm)} mm",
        output_tail(result.output),
    ]
    if result.traceback:
        lines += ["traceback:", result.traceback]
    return lines


def run_section(result: Any, index: int, total: int, files: dict[str, Any] | None = None,
                base: Path | None = None) -> tuple[str, str]:
    """(title, text) describing one run for a failing test's report; the artifacts'
    folder relative to ``base`` when inside it.  A run of several robots says each
    robot's status, pose, distance, output and traceback under its number."""
    robots = several(result)
    if robots:
        lines = [f"world: {result.world.name}, {len(robots)} robots, "
                 f"simulated time: {result.sim_time_s:.3f} s"]
        if getattr(result, "verdict", None):
            lines.append(f"verdict: {result.verdict}")
        for k, robot in enumerate(robots, 1):
            lines.append(f"robot {k}: {robot.program} ({robot.brick.robot['name']}) "
                         f"ended with status {robot.status}")
            lines += ["  " + ln for text in _robot_lines(robot) for ln in text.split("\n")]
    else:
        lines = [f"world: {result.world.name}, robot: {result.brick.robot['name']}, "
                 f"simulated time: {result.sim_time_s:.3f} s", *_robot_lines(result)]
    if files:
        made = [Path(p) for key in ("plot", "replay", "summary") if (p := files.get(key))]
        if made:
            lines.append(f"artifacts in {shown_path(made[0].parent, base)}: "
                         + ", ".join(p.name for p in made))
        lines += [f"artifact not written: {e}" for e in files.get("errors", [])]
    return run_title(result, index, total), "\n".join(lines)


def shown_path(path: Path, base: Path | None) -> str:
    """``path`` relative to ``base`` (pytest's starting folder) when it is inside it."""
    if base is not None:
        try:
            return str(path.relative_to(base))
        except ValueError:
            pass
    return str(path)


def run_properties(result: Any, index: int, total: int, files: dict[str, Any] | None = None,
                   base: Path | None = None) -> list[tuple[str, str]]:
    """JUnit properties of one run: ``robokit.NAME`` (one run) or ``robokit.runN.NAME``;
    artifact paths relative to ``base`` when inside it."""
    prefix = "robokit." if total == 1 else f"robokit.run{index}."
    robots = several(result)
    if robots:  # the run's facts, then each robot's as robotK.NAME
        props = [
            ("program", ", ".join(str(r.program) for r in robots)),
            ("status", result.status),
            ("world", result.world.name),
            ("sim_time_s", f"{result.sim_time_s:.3f}"),
            ("robots", str(len(robots))),
        ]
        if getattr(result, "verdict", None):
            props.append(("verdict", str(result.verdict)))
        for k, robot in enumerate(robots, 1):
            props += [(f"robot{k}.{name}", value) for name, value in _robot_props(robot)]
    else:
        props = _robot_props(result)
        props.insert(2, ("world", result.world.name))
        props.insert(5, ("sim_time_s", f"{result.sim_time_s:.3f}"))
    for key in ("plot", "replay", "summary"):
        if files and files.get(key):
            props.append((key, shown_path(Path(files[key]), base)))
    return [(prefix + name, value) for name, value in props]


def _robot_props(result: Any) -> list[tuple[str, str]]:
    """One robot's JUnit facts: program, status, pose, distance, output, traceback."""
    props = [
        ("program", str(result.program)),
        ("status", result.status),
        ("pose", pose_text(result)),
        ("distance_mm", str(_num(result.distance_mm))),
        ("output", chars_tail(result.output)),
    ]
    if result.traceback:
        props.append(("traceback", result.traceback))
    return props


def shown_runs(runs: Sequence[Any]) -> list[int]:
    """Indexes (from 0) of the runs described in full: all, or with more than
    :data:`SHOWN_RUNS`, those that ended with an error and the last one."""
    if len(runs) <= SHOWN_RUNS:
        return list(range(len(runs)))
    errors = [i for i, r in enumerate(runs) if r.status == "error"][: SHOWN_RUNS - 1]
    return sorted(set(errors) | {len(runs) - 1})


def safe_name(nodeid: str) -> str:
    """A folder name made from a test's node id: letters, digits, ``. _ -`` only, at most
    :data:`NAME_CHARS` characters (a long one ends with a hash of the whole id)."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", nodeid.replace("::", "__")).strip("._-")
    name = name or "test"
    if len(name) > NAME_CHARS:
        digest = hashlib.sha1(nodeid.encode("utf-8")).hexdigest()[:10]
        name = name[: NAME_CHARS - 11].rstrip("._-") + "-" + digest
    return name


def replay_writer() -> tuple[Callable[[Any, Path], Any] | None, str | None]:
    """(``robokit.sim.replay.write_replay``, None), or (None, why there is none)."""
    try:
        module = importlib.import_module(REPLAY_MODULE)
    except ModuleNotFoundError as e:
        if e.name == REPLAY_MODULE:
            return None, None  # not built into this robokit: no replay, and no error
        return None, f"replay: {REPLAY_MODULE} could not be loaded ({e})"
    except Exception as e:  # a broken module must not break the test session
        return None, f"replay: {REPLAY_MODULE} could not be loaded ({type(e).__name__}: {e})"
    writer = getattr(module, "write_replay", None)
    return (writer, None) if callable(writer) else (None, None)


def folder_for(root: Path, nodeid: str, taken: dict[str, str]) -> Path:
    """The folder under ``root`` for the test ``nodeid``: its :func:`safe_name`, with
    ``-2``, ``-3`` ... when another test of this session has that name already (``taken``:
    folder name -> node id). The artifact files an earlier session left there are removed."""
    base = safe_name(nodeid)
    name, n = base, 1
    while taken.get(name, nodeid) != nodeid:
        n += 1
        name = f"{base}-{n}"
    folder = root / name
    if name not in taken:
        taken[name] = nodeid
        if folder.is_dir():
            for old in folder.iterdir():
                if _ARTIFACT_FILE.fullmatch(old.name) and old.is_file():
                    old.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_artifacts(root: Path, nodeid: str, runs: Sequence[Any],
                    taken: dict[str, str]) -> list[dict[str, Any]]:
    """Write the artifacts of a failing test's ``runs`` under ``root``; for each run, the
    paths written (``plot``, ``replay``, ``summary``) and the ``errors``."""
    from ..sim.plot import plot_run

    try:
        folder = folder_for(root, nodeid, taken)
    except OSError as e:
        return [{"errors": [f"{root}: {e}"]} for _ in runs]
    writer, replay_error = replay_writer()
    made: list[dict[str, Any]] = []
    entries = []
    for i, result in enumerate(runs, 1):
        files: dict[str, Any] = {"errors": []}
        try:
            plot_run(result, folder / f"run-{i}.svg")
            files["plot"] = folder / f"run-{i}.svg"
        except Exception as e:
            files["errors"].append(f"run-{i}.svg: {type(e).__name__}: {e}")
        if writer is not None:
            try:
                writer(result, folder / f"run-{i}.html")
                files["replay"] = folder / f"run-{i}.html"
            except Exception as e:
                files["errors"].append(f"run-{i}.html: {type(e).__name__}: {e}")
        elif replay_error:
            files["errors"].append(replay_error)
        try:
            entry = dict(result.to_dict())
        except Exception as e:
            entry = {"program": str(getattr(result, "program", "?"))}
            files["errors"].append(f"summary of run {i}: {type(e).__name__}: {e}")
        entry["traceback"] = result.traceback
        robots = several(result)
        if robots and len(entry.get("robots", [])) == len(robots):
            entry["traceback"] = None  # (robot 1's: each robot's is in its own entry)
            for part, robot in zip(entry["robots"], robots, strict=True):
                part["traceback"] = robot.traceback
        entry["plot"] = files["plot"].name if "plot" in files else None
        entry["replay"] = files["replay"].name if "replay" in files else None
        entry["artifact_errors"] = list(files["errors"])
        entries.append(entry)
        made.append(files)
    summary = folder / "summary.json"
    try:
        summary.write_text(json.dumps({"test": nodeid, "runs": entries}, indent=2,
                                      ensure_ascii=False, default=str) + "\n",
                           encoding="utf-8")
    except OSError as e:
        for files in made:
            files["errors"].append(f"summary.json: {e}")
    else:
        for files in made:
            files["summary"] = summary
    return made
