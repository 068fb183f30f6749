"""What a simulated run did: :class:`RunResult`, as ``simulate()`` returns it."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .brick import SimBrick


def program_heading(start: tuple[float, float, float], pose: tuple[float, float, float]
                    ) -> float:
    """The heading the program's ``hub.imu.heading()`` reads at ``pose`` (without noise
    or ``reset_heading``): Pybricks' convention, degrees clockwise-positive from the
    heading at ``start``, unwrapped.  ``start`` and ``pose`` are world-frame poses
    (heading counterclockwise from +x)."""
    return start[2] - pose[2]


def _r1(value: float) -> str:
    """One decimal, never "-0.0" (-0.0 + 0.0 is 0.0)."""
    return f"{round(value, 1) + 0.0:.1f}"


class RunResult:
    """What a simulated run did.

    Fields (all public; ``to_dict()`` is the JSON of ``robokit run --json``):

    - ``status``: ``"finished"`` (the program ended by itself or with ``sys.exit(0)``),
      ``"timeout"`` (it still ran when the duration was up, or when a referee's
      ``verdict`` ended a match: ``simulate(..., rule=...)``), ``"error"`` (it raised,
      hung, exited with a non-zero code, or has a syntax error: see ``error``) or
      ``"interrupted"`` (Ctrl-C ended the run: the result that
      ``robokit.sim.runner.RunInterrupted`` carries, the run as far as it went).
    - ``ok``: True when the status is ``"finished"`` or ``"timeout"``.
    - ``program``: the program's file as shown (relative to the current folder when
      under it).
    - ``world`` (the :class:`~robokit.sim.world.World`), ``brick`` (the
      :class:`~robokit.sim.brick.SimBrick`, with ``robot``, the robot's config).
    - ``sim_time_s``: simulated seconds the run lasted; ``wall_time_s``: real seconds it
      took; ``real_time_factor``: their ratio.
    - ``start_pose``, ``pose``: ``(x_mm, y_mm, heading_deg)`` at the start and the end,
      in the world frame (heading counterclockwise from +x, unwrapped).
    - ``imu_heading_deg``: the end heading as the program's ``hub.imu.heading()`` reads it
      (Pybricks' convention: clockwise-positive, 0 at the start; noise-free).
    - ``distance_mm``: how far the robot drove itself: its wheels' travel along its path
      (forward and backward both count; being pushed by another robot does not count).
    - ``contacts``: the body's contacts with walls and boxes: ``count``, ``first_s``
      (simulated time of the first, None without one), ``first_x_mm``/``first_y_mm``
      (where the robot was then) and ``longest_s`` (the longest push: time pressed
      against a wall without moving away).
    - ``output``: what the program printed (the first 1,000,000 characters).
    - ``error``: None, or ``{"type", "message", "file", "line"}`` (``file`` and
      ``line``: where in the program, when known); ``traceback``: the program's
      traceback (robokit's own frames left out), or the compiler's message with the
      line and a caret for a syntax error.
    - ``ran``: False when the program never started (a syntax error found when it was
      compiled: ``sim_time_s`` is 0 and ``pose`` the start).
    - ``left_behind``: the program caught every attempt to stop it and its thread still
      runs.
    - ``telemetry`` (the :class:`~robokit.sim.recorder.Recorder`: rows, output lines,
      events) and ``events`` (its events: beeps, light, display, contacts).
    - ``robots``: with several robots (``simulate([A, B])``), each robot's own
      RunResult, in order (the fields above are then robot 1's, the status the worst
      of all); with one robot, ``[self]``.
    - ``verdict``: what a rule said when it ended the run (robokit.sim.match), or None.
    - ``objects``: where each of the world's movable objects (``[[objects]]``) ended:
      ``object`` (its number), ``shape``, ``x_mm``, ``y_mm``, ``moved_mm``.

    ``save_telemetry``: a method that writes the telemetry of every robot to one file,
    as ``robokit run --telemetry`` does.
    """

    def __init__(self, **kw: Any):
        self.status: str = kw["status"]
        self.sim_time_s: float = kw["sim_time_s"]
        self.wall_time_s: float = kw["wall_time_s"]
        self.start_pose: tuple[float, float, float] = kw["start_pose"]
        self.pose: tuple[float, float, float] = kw["pose"]
        self.distance_mm: float = kw["distance_mm"]
        self.output: str = kw["output"]
        self.error: dict[str, Any] | None = kw["error"]
        self.traceback: str | None = kw["traceback"]
        self.brick: SimBrick = kw["brick"]
        self.program: str = kw["program"]
        #: The program caught every attempt to stop it and its thread still runs.
        self.left_behind: bool = kw.get("left_behind", False)
        #: False when the program never started (a syntax error found when compiling).
        self.ran: bool = kw.get("ran", True)
        #: The body's contacts with walls and boxes (see the class's docstring).
        self.contacts: dict[str, Any] = kw.get("contacts") or self.brick.contacts()
        #: Each robot's own result when several ran together (robokit.sim.match); with
        #: one robot, just this result.
        self.robots: list[RunResult] = [self]
        #: What the run's rule said when it ended the run (None: no rule ended it).
        self.verdict: str | None = None
        #: Where each of the world's movable objects ended (``[[objects]]``).
        self.objects: list[dict[str, Any]] = []

    @property
    def imu_heading_deg(self) -> float:
        """The end heading as ``hub.imu.heading()`` reads it: clockwise-positive, 0 at
        the start (Pybricks' convention), without noise."""
        return program_heading(self.start_pose, self.pose)

    @property
    def real_time_factor(self) -> float:
        """Simulated seconds per real second."""
        return self.sim_time_s / max(self.wall_time_s, 1e-6)

    @property
    def telemetry(self):  # -> Recorder
        """The run's :class:`~robokit.sim.recorder.Recorder`."""
        return self.brick.recorder

    @property
    def events(self) -> list[dict[str, Any]]:
        """Events with their time (``t_ms``) and ``kind``: beeps, light, display, contact."""
        return self.brick.recorder.events

    @property
    def world(self):  # -> World
        """The world the run was in."""
        return self.brick.world

    @property
    def ok(self) -> bool:
        """True when the program did not raise (finished, or ran until the duration)."""
        return self.status in ("finished", "timeout")

    def __repr__(self) -> str:
        if len(self.robots) > 1:  # the run's status is the worst: say each robot's own
            each = "; ".join(r._brief() for r in self.robots)
            verdict = f", verdict={self.verdict!r}" if self.verdict else ""
            return (f"RunResult(status={self.status!r}, world={self.brick.world.name!r}, "
                    f"sim_time_s={self.sim_time_s:.3f}{verdict}, robots=[{each}])")
        x, y, _ = self.pose
        parts = [f"status={self.status!r}", f"program={self.program!r}",
                 f"world={self.brick.world.name!r}", f"sim_time_s={self.sim_time_s:.3f}",
                 f"pose=(x={_r1(x)} mm, y={_r1(y)} mm, "
                 f"imu_heading={_r1(self.imu_heading_deg)}°)",
                 f"distance_mm={_r1(self.distance_mm)}"]
        if self.contacts["count"]:
            parts.append(f"contacts={self.contacts['count']}")
        if self.error is not None:
            where = ""
            if self.error.get("file"):
                where = f" at {self.error['file']}:{self.error.get('line')}"
            parts.append(f"error={self.error['type']}{where}")
        return f"RunResult({', '.join(parts)})"

    def _brief(self) -> str:
        """One robot of a run of several, for the run's repr: ``boom.py: error
        (ZeroDivisionError at boom.py:3), 100.1 mm``."""
        how = self.status
        if self.error is not None:
            where = f" at {self.error['file']}:{self.error.get('line')}" \
                if self.error.get("file") else ""
            how += f" ({self.error['type']}{where})"
        return f"{self.program}: {how}, {_r1(self.distance_mm)} mm"

    def save_telemetry(self, path: str | Path, inputs: Iterable[str | Path] = ()) -> None:
        """Write the telemetry to ``path`` (``robokit run --telemetry``): CSV for
        ``.csv``, JSON (with the output lines and events) otherwise.  With one robot, its
        :class:`~robokit.sim.recorder.Recorder`'s file.  With several, one file for all:
        the CSV has a ``robot_index`` column (1, 2, ...) before the columns of every
        robot (robot 1's, then those another robot adds; empty where a robot has no
        such device), each robot's rows in turn; the JSON has ``robots``, each robot's
        telemetry with its ``robot_index`` and ``program``.  Never written over one of
        ``inputs`` (the run's own files); a RobokitError says why not."""
        if len(self.robots) == 1:
            self.telemetry.save(path, inputs=inputs)
            return
        from .._files import write_output

        p = Path(path)
        recorders = [r.telemetry for r in self.robots]
        if p.suffix.lower() == ".csv":
            text = _several_csv(recorders)
        else:
            import json

            text = json.dumps({"robots": [
                {"robot_index": i + 1, "program": r.program, **r.telemetry.to_dict()}
                for i, r in enumerate(self.robots)]}, separators=(",", ":"))
        write_output(p, text, inputs=inputs, what="telemetry")

    def to_dict(self) -> dict[str, Any]:
        """The JSON summary printed by ``robokit run --json``."""

        def pose(p: tuple[float, float, float]) -> dict[str, float]:
            return {"x_mm": round(p[0], 2) + 0.0, "y_mm": round(p[1], 2) + 0.0,
                    "heading_deg": round(p[2], 2) + 0.0}

        contacts = dict(self.contacts)
        for key in ("first_s", "longest_s"):
            if contacts[key] is not None:
                contacts[key] = round(contacts[key], 6)
        if len(self.robots) > 1:
            return {
                "world": self.brick.world.name,
                "status": self.status,
                "sim_time_s": round(self.sim_time_s, 6),
                "wall_time_s": round(self.wall_time_s, 4),
                "real_time_factor": round(self.real_time_factor, 1),
                "verdict": self.verdict,
                "robots": [_robot_dict(r, i) for i, r in enumerate(self.robots)],
                "objects": self.objects,
                "seed": self.brick.seed,
                "noise": self.brick.noise,
            }
        out = {
            "program": self.program,
            "world": self.brick.world.name,
            "robot": self.brick.robot["name"],
            "status": self.status,
            "sim_time_s": round(self.sim_time_s, 6),
            "wall_time_s": round(self.wall_time_s, 4),
            "real_time_factor": round(self.real_time_factor, 1),
            "start_pose": pose(self.start_pose),
            "pose": pose(self.pose),
            "imu_heading_deg": round(self.imu_heading_deg, 2) + 0.0,
            "distance_mm": round(self.distance_mm, 2),
            "contacts": contacts,
            "output": self.output,
            "error": self.error,
            "seed": self.brick.seed,
            "noise": self.brick.noise,
        }
        if self.objects:
            out["objects"] = self.objects
        if self.verdict is not None:
            out["verdict"] = self.verdict
        return out


_ROBOT_KEYS = ("program", "robot", "status", "start_pose", "pose", "imu_heading_deg",
               "distance_mm", "contacts", "output", "error")


def _robot_dict(result: RunResult, index: int) -> dict[str, Any]:
    """One robot's part of a run of several (``robots`` in the JSON): the robot's own
    result has itself alone in ``robots``."""
    alone = result.to_dict()
    return {"robot_index": index + 1, **{k: alone[k] for k in _ROBOT_KEYS}}


def _several_csv(recorders: list[Any]) -> str:
    """Several robots' telemetry as one CSV (see :meth:`RunResult.save_telemetry`)."""
    import csv
    import io

    columns: list[str] = []
    for rec in recorders:
        columns += [c for c in rec.columns if c not in columns]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["robot_index", *columns])
    for i, rec in enumerate(recorders):
        at = [columns.index(c) for c in rec.columns]
        for row in rec._rounded_rows(""):
            out: list[Any] = [""] * len(columns)
            for k, v in zip(at, row, strict=True):
                out[k] = v
            w.writerow([i + 1, *out])
    return buf.getvalue()
