"""The recorder: what happened in a simulated run, for people and for tests.

Telemetry is sampled at a fixed rate of simulated time (50 Hz by default), and once
more when the run ends (:meth:`Recorder.finish`), so the last row is the end:
time, pose (world frame: ``heading_deg`` counterclockwise from +x), every motor's
angle and speed (with the sign the program's ``Motor.angle()`` and ``speed()`` give
them, its ``positive_direction``; in degrees of the motor's shaft, before any
gears), and every sensor's value as the
program last read it (sensors are not read again for the recorder, so
recording changes nothing the program sees and costs little).  Alongside:
the program's output lines with their simulated time, and events (beeps,
light, display, contacts).  Exports: CSV (telemetry only) and JSON (all).

Memory is bounded whatever the run's length (see the ``MAX_`` limits below):
when the telemetry reaches :data:`MAX_TELEMETRY_ROWS`, every other row is
dropped and the rate halves (the rows still cover the whole run, evenly);
events past :data:`MAX_EVENTS` and output past :data:`MAX_OUTPUT_CHARS` are
counted, not kept.
"""

from __future__ import annotations  # (robokit.virtual.rom drops it for MicroPython)

import io
import json
import math

TYPE_CHECKING = False
if TYPE_CHECKING:  # (portable code: MicroPython runs it too, robokit.sim.vmbrick)
    from collections.abc import Iterable
    from pathlib import Path
    from typing import Any

    from .brick import SimBrick


def _row(brick: Any, motor_refs: list[tuple[Any, str, float]], sensor_ports: list[str],
         sensor_nans: list[float]) -> tuple[float, ...]:
    """One telemetry row of ``brick`` now (compiled, the brick and its motors are read
    through their C types: recorder.pxd)."""
    # Raw floats here (this runs 50 times a simulated second); rounded on export.
    row: list[float] = [brick.now / 1000.0, brick._x, brick._y, math.degrees(brick._h)]
    offsets = brick._offsets
    for m, port, sign in motor_refs:
        row.append(sign * (m.angle + offsets[port]) + 0.0)  # + 0.0: never -0.0
        row.append(sign * m.speed + 0.0)
    # Each sensor's last reading, NaN before its first (dict.get(port, nan) by map).
    row.extend(map(brick._last.get, sensor_ports, sensor_nans))
    return tuple(row)


#: Telemetry rows kept at most; when full, the rate halves (an even number).
MAX_TELEMETRY_ROWS = 100_000
#: Events (light, display, beeps, contacts) kept at most; later ones are counted.
MAX_EVENTS = 10_000
#: Characters of the program's output kept (lines and newlines); later lines are counted.
MAX_OUTPUT_CHARS = 1_000_000


#: In MicroPython, whose dicts keep no order, an event is an OrderedDict; else a dict.
_Event: Any = None
if not hasattr(json, "JSONDecoder"):  # MicroPython
    from collections import OrderedDict as _Event


def _r(v: float) -> float:
    return round(v, 3)


class Recorder:
    """Collects telemetry rows, output and events of one run."""

    def __init__(self) -> None:
        self.columns: list[str] = []
        self.rows: list[tuple[float, ...]] = []
        self.events: list[dict[str, Any]] = []
        self.output: list[tuple[int, str]] = []
        #: Simulated µs between two rows (doubles each time the rows are decimated).
        self.period_us = 0
        self.events_dropped = 0
        self.output_chars = 0
        self.output_dropped_lines = 0
        self.output_dropped_chars = 0
        self._motor_ports: list[str] = []
        self._motor_signs: list[float] = []
        self._sensor_ports: list[str] = []
        self._sensor_nans: list[float] = []  # a NaN for each sensor port, for sample()
        #: (motor, port, sign) of each motor's two columns, for sample().
        self._motor_refs: list[tuple[Any, str, float]] = []
        #: Simulated µs of the last row taken (-1: none yet), for finish().
        self._last_us = -1

    def begin(self, brick: SimBrick) -> None:
        """Choose the columns for this robot."""
        cols = ["t_ms", "x_mm", "y_mm", "heading_deg"]
        self._motor_ports = []
        self._motor_signs = []
        self._sensor_ports = []
        for name, dev in brick.robot["devices"].items():
            if dev["type"] in ("Motor", "DCMotor"):
                self._motor_ports.append(dev["port"])
                # As the program's Motor.angle() and speed() count: positive_direction.
                self._motor_signs.append(
                    -1.0 if dev.get("positive_direction") == "counterclockwise" else 1.0)
                cols += [f"{name}_angle", f"{name}_speed"]
        for name, dev in brick.robot["devices"].items():
            if dev["type"] not in ("Motor", "DCMotor"):
                self._sensor_ports.append(dev["port"])
                cols.append(f"{name}")
        self.columns = cols
        self._sensor_nans = [math.nan] * len(self._sensor_ports)
        self.period_us = brick._record_period
        # (an index, not zip(strict=True): MicroPython's zip takes no strict)
        signs = self._motor_signs
        self._motor_refs = [(brick._motors[port], port, signs[i])
                            for i, port in enumerate(self._motor_ports)]

    def sample(self, brick: SimBrick) -> None:
        """Append one row; the brick's physics is already at ``brick.now``."""
        self.rows.append(_row(brick, self._motor_refs, self._sensor_ports, self._sensor_nans))
        self._last_us = brick.now

    def finish(self, brick: SimBrick) -> None:
        """The run has ended at ``brick.now``: add its last row there (the pose, motors
        and sensors the result reports), unless a row was taken then or the telemetry is
        off. The rows before it keep their rate; the last interval is shorter."""
        if not self.period_us or not self.columns or self._last_us >= brick.now:
            return
        brick.pose()  # (brings the physics to the clock)
        self.sample(brick)

    def decimate(self) -> None:
        """Keep every other row (the first included): half the rows, half the rate."""
        del self.rows[1::2]
        self.period_us *= 2

    def event(self, t_us: int, kind: str, data: dict[str, Any]) -> None:
        if len(self.events) >= MAX_EVENTS:
            self.events_dropped += 1
            return
        # {"t_ms": ..., "kind": ..., **data}, in an ordered dict where dicts keep no order
        # (MicroPython: robokit.sim.vmbrick)
        e = _Event() if _Event is not None else {}
        t_ms = e["t_ms"] = t_us / 1000.0
        e["kind"] = kind
        for k in data:
            e[k] = data[k]
        events = self.events
        i = len(events)
        # In time order: a contact is found within the physics step that led into it, so
        # its time may come before an event already noted at the step's end.
        while i and events[i - 1]["t_ms"] > t_ms:
            i -= 1
        if i == len(events):
            events.append(e)
        else:
            events.insert(i, e)

    def write_output(self, t_us: int, text: str, newline: bool = True) -> bool:
        """Keep one line of output, if it fits under :data:`MAX_OUTPUT_CHARS`
        (``newline``: the line ended with one, which counts too); False if dropped."""
        size = len(text) + (1 if newline else 0)
        if self.output_dropped_lines or self.output_chars + size > MAX_OUTPUT_CHARS:
            self.output_dropped_lines += 1
            self.output_dropped_chars += size
            return False
        self.output_chars += size
        self.output.append((t_us, text))
        return True

    def dropped_note(self) -> str | None:
        """One line saying what output was not kept, or None when all of it was."""
        if not self.output_dropped_lines:
            return None
        return (f"[robokit: {self.output_dropped_lines:,} more lines "
                f"({self.output_dropped_chars:,} characters) of output dropped; a run keeps "
                f"the first {MAX_OUTPUT_CHARS:,} characters]")

    # -- views and exports ------------------------------------------------------
    def column(self, name: str) -> list[float]:
        """One telemetry column as a list (e.g. ``"x_mm"``), rounded to 0.001."""
        i = self.columns.index(name)
        return [_r(row[i]) for row in self.rows]

    def _rounded_rows(self, missing: Any) -> list[list[Any]]:
        return [[missing if v != v else _r(v) for v in row] for row in self.rows]

    def to_csv(self) -> str:
        buf = io.StringIO()
        import csv  # only to write a CSV file: not at start-up

        w = csv.writer(buf, lineterminator="\n")
        w.writerow(self.columns)
        w.writerows(self._rounded_rows(""))
        return buf.getvalue()

    def to_dict(self) -> dict[str, Any]:
        rows = self._rounded_rows(None)
        return {
            "columns": self.columns,
            "rows": rows,
            "events": self.events,
            "output": [{"t_ms": t / 1000.0, "text": text} for t, text in self.output],
            "telemetry_hz": 1e6 / self.period_us if self.period_us else 0.0,
            "output_dropped_lines": self.output_dropped_lines,
            "events_dropped": self.events_dropped,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))

    def save(self, path: str | Path, inputs: Iterable[str | Path] = ()) -> None:
        """Write telemetry to ``path``: CSV for ``.csv``, JSON (everything) otherwise.
        Written by :func:`robokit._files.write_output`: never over one of ``inputs``
        (the run's own files), through a device or pipe, renamed only onto a regular
        file; a RobokitError says why not."""
        from pathlib import Path

        from .._files import write_output

        p = Path(path)
        text = self.to_csv() if p.suffix.lower() == ".csv" else self.to_json()
        write_output(p, text, inputs=inputs, what="telemetry")
