"""A batch's results file: rows appended as runs finish, read back to resume.

``.jsonl``: one JSON object per line, the columns of :data:`robokit.batch.COLUMNS` in
order. ``.csv``: the same columns; the nested ones (pose, contacts, error) as JSON text,
and the pose also as ``x_mm``, ``y_mm``, ``heading_deg`` columns for spreadsheets.
Rows are written whole and flushed one by one, so an interrupted batch keeps every row
it finished; a half-written last line (the machine lost power) is ignored when read.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ..errors import RobokitError
from . import COLUMNS

_POSE = COLUMNS.index("pose") + 1
CSV_COLUMNS = (*COLUMNS[:_POSE], "x_mm", "y_mm", "heading_deg", *COLUMNS[_POSE:])


def row_line(row: dict[str, Any], fmt: str) -> str:
    """``row`` as one line of the results file (with its newline)."""
    if fmt == "jsonl":
        return json.dumps({c: row.get(c) for c in COLUMNS}, ensure_ascii=False) + "\n"
    pose = row.get("pose") or {}
    flat: dict[str, Any] = {}
    for c in CSV_COLUMNS:
        if c in ("x_mm", "y_mm", "heading_deg"):
            flat[c] = pose.get(c, "")
            continue
        v = row.get(c)
        flat[c] = "" if v is None else (json.dumps(v, ensure_ascii=False)
                                        if isinstance(v, (dict, list)) else v)
    out = io.StringIO()
    csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n").writerow(flat)
    return out.getvalue()


def format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    raise RobokitError(f"--out {path}: name the results file *.jsonl or *.csv")


def done_rows(path: Path) -> dict[str, dict[str, Any]]:
    """The rows a results file holds already, by key (none if it does not exist); a name
    that is not .jsonl or .csv is refused first."""
    fmt = format_of(path)
    try:
        text = _read(path)
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise RobokitError(f"--out {path}: cannot read the results already there ({exc}); "
                           "choose another file") from exc
    rows: dict[str, dict[str, Any]] = {}
    if fmt == "jsonl":
        for line in _lines(text):
            try:
                row = json.loads(line)
                rows[row["key"]] = row
            except (ValueError, KeyError, TypeError):
                continue  # a line cut short: that run is done again
    else:
        for rec in csv.DictReader(io.StringIO(text)):
            if rec.get("key") and rec.get("status") and None not in rec:
                rows[rec["key"]] = _from_csv(rec)
    return rows


def _read(path: Path) -> str:
    """The file's text as written: a program's "\\r\\n" stays one (no newline
    translation)."""
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def _lines(text: str) -> list[str]:
    """The lines of a .jsonl file: split at "\\n" only (a row's text may hold U+2028,
    U+0085 or U+001C, which str.splitlines would split at too)."""
    return text.split("\n")


def _from_csv(rec: dict[str, str]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for c in COLUMNS:
        v = rec.get(c, "")
        if v == "":
            row[c] = None
        elif c in ("pose", "contacts", "error", "params", "checks"):
            try:
                row[c] = json.loads(v)
            except ValueError:
                row[c] = v
        elif c in ("seed",):
            row[c] = int(v)
        elif c in ("duration", "sim_time_s", "distance_mm", "wall_time_s", "points"):
            row[c] = float(v)
        elif c == "output_chars_dropped":
            row[c] = int(v)
        else:
            row[c] = v
    return row


class Writer:
    """Appends rows to ``path`` (writing the CSV header to a new file)."""

    def __init__(self, path: Path):
        self.path = path
        self.fmt = format_of(path)
        new = not path.exists() or path.stat().st_size == 0
        try:
            self._f: IO[str] = open(path, "a", encoding="utf-8", newline="")  # noqa: SIM115
        except OSError as exc:
            raise RobokitError(f"--out {path}: cannot write the results "
                               f"({exc.strerror or exc})") from exc
        if self.fmt == "csv" and new:
            self._f.write(",".join(CSV_COLUMNS) + "\n")
        self._ends_cleanly()

    def _ends_cleanly(self) -> None:
        """After a cut-off last line, start on a new line."""
        if self._f.tell() > 0:
            with open(self.path, "rb") as f:
                f.seek(-1, 2)
                if f.read(1) != b"\n":
                    self._f.write("\n")

    def write(self, row: dict[str, Any]) -> None:
        self._f.write(row_line(row, self.fmt))
        self._f.flush()

    def close(self) -> None:
        self._f.close()


def read_rows(path: Path) -> Iterator[dict[str, Any]]:
    """The rows of a .jsonl results file (cut lines skipped)."""
    for line in _lines(_read(path)):
        try:
            yield json.loads(line)
        except ValueError:
            continue
