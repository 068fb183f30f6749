"""The recorder: what happened in a simulated run, for people and for tests.

Telemetry is sampled at a fixed rate of simulated time (50 Hz by default):
time, pose, every motor's angle and speed, and every sensor's value as the
program last read it (sensors are not read again for the recorder, so
recording changes nothing the program sees and costs little).  Alongside:
the program's output lines with their simulated time, and events (beeps,
light, display, contacts).  Exports: CSV (telemetry only) and JSON (all).
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .brick import SimBrick


def _r(v: float) -> float:
    return round(v, 3)


class Recorder:
    """Collects telemetry rows, output and events of one run."""

    def __init__(self) -> None:
        self.columns: list[str] = []
        self.rows: list[tuple[float, ...]] = []
        self.events: list[dict[str, Any]] = []
        self.output: list[tuple[int, str]] = []
        self._motor_ports: list[str] = []
        self._sensor_ports: list[str] = []

    def begin(self, brick: SimBrick) -> None:
        """Choose the columns for this robot."""
        cols = ["t_ms", "x_mm", "y_mm", "heading_deg"]
        self._motor_ports = []
        self._sensor_ports = []
        for name, dev in brick.robot["devices"].items():
            if dev["type"] in ("Motor", "DCMotor"):
                self._motor_ports.append(dev["port"])
                cols += [f"{name}_angle", f"{name}_speed"]
        for name, dev in brick.robot["devices"].items():
            if dev["type"] not in ("Motor", "DCMotor"):
                self._sensor_ports.append(dev["port"])
                cols.append(f"{name}")
        self.columns = cols

    def sample(self, brick: SimBrick) -> None:
        """Append one row; the brick's physics is already at ``brick.now``."""
        # Raw floats here (this runs 50 times a simulated second); rounded on export.
        row: list[float] = [brick.now / 1000.0, brick._x, brick._y, math.degrees(brick._h)]
        motors = brick._motors
        offsets = brick._offsets
        for port in self._motor_ports:
            m = motors[port]
            row.append(m.angle + offsets[port])
            row.append(m.speed)
        last = brick._last
        nan = math.nan
        for port in self._sensor_ports:
            row.append(last.get(port, nan))
        self.rows.append(tuple(row))

    def event(self, t_us: int, kind: str, data: dict[str, Any]) -> None:
        self.events.append({"t_ms": t_us / 1000.0, "kind": kind, **data})

    def write_output(self, t_us: int, text: str) -> None:
        self.output.append((t_us, text))

    # -- views and exports ------------------------------------------------------
    def column(self, name: str) -> list[float]:
        """One telemetry column as a list (e.g. ``"x_mm"``), rounded to 0.001."""
        i = self.columns.index(name)
        return [_r(row[i]) for row in self.rows]

    def _rounded_rows(self, missing: Any) -> list[list[Any]]:
        return [[missing if v != v else _r(v) for v in row] for row in self.rows]

    def to_csv(self) -> str:
        buf = io.StringIO()
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
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))

    def save(self, path: str | Path) -> None:
        """Write telemetry to ``path``: CSV for ``.csv``, JSON (everything) otherwise."""
        p = Path(path)
        text = self.to_csv() if p.suffix.lower() == ".csv" else self.to_json()
        p.write_text(text, encoding="utf-8")
