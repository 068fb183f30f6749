"""What a finished batch hands on: a JUnit XML file for CI, an HTML gradebook for people.

JUnit (``--junit FILE.xml``): one test case per run, its class the program and its name
the world, seed and parameters; a run that did not finish (or ran until its duration),
or failed a check, is a failure whose message says why, with the program's output.

Gradebook (``--report FILE.html``): one line per program with the points earned of the
points possible and the checks passed, then its runs with their status and checks, each
linked to its replay or picture when the batch wrote them (``--replays DIR``). One
self-contained file, no scripts.
"""

from __future__ import annotations

import html
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import Any

_OK = ("finished", "timeout")


def run_name(row: dict[str, Any]) -> str:
    """A run's name within its program: world, seed and parameters."""
    parts = [f"world={_world_label(row.get('world'))}"]
    if row.get("seed") is not None:
        parts.append(f"seed={row['seed']}")
    parts += [f"{k}={v}" for k, v in (row.get("params") or {}).items()]
    return " ".join(parts)


def _world_label(world: str | None) -> str:
    """A world's name, or a world file's path as short as it can be said."""
    if not world:
        return "default"
    if os.sep not in world:
        return world
    rel = os.path.relpath(world)
    return rel if not rel.startswith("..") else os.path.basename(world)


def _failure(row: dict[str, Any]) -> str | None:
    """Why a run counts as failed, or None."""
    reasons = []
    if row.get("status") not in _OK:
        err = row.get("error") or {}
        where = f" ({err['file']}:{err['line']})" if err.get("file") and err.get("line") else ""
        reasons.append(f"{row.get('status')}: {err.get('type', '')}: "
                       f"{err.get('message', '')}{where}")
    reasons += [f"check failed: {c['name']}" for c in row.get("checks") or []
                if not c["passed"]]
    return "; ".join(reasons) or None


def junit_xml(rows: Iterable[dict[str, Any]], name: str = "robokit batch") -> bytes:
    """The rows as a JUnit XML document (bytes, UTF-8)."""
    rows = list(rows)
    suite = ET.Element("testsuite", name=name, tests=str(len(rows)))
    failures = 0
    total_time = 0.0
    for row in sorted(rows, key=lambda r: (str(r.get("program")), run_name(r))):
        case = ET.SubElement(suite, "testcase", classname=str(row.get("program")),
                             name=run_name(row),
                             time=f"{row.get('wall_time_s') or 0.0:.3f}")
        total_time += row.get("wall_time_s") or 0.0
        props = ET.SubElement(case, "properties")
        pose = row.get("pose") or {}
        for key, value in (("status", row.get("status")), ("points", row.get("points")),
                           ("distance_mm", row.get("distance_mm")),
                           ("pose", " ".join(f"{k}={v}" for k, v in pose.items())
                            or None),
                           ("sim_time_s", row.get("sim_time_s")),
                           ("bundle_sha256", row.get("bundle_sha256"))):
            if value is not None:
                ET.SubElement(props, "property", name=f"robokit.{key}", value=str(value))
        why = _failure(row)
        if why is not None:
            failures += 1
            fail = ET.SubElement(case, "failure", message=why[:1000])
            err = row.get("error") or {}
            fail.text = why + ("\n\n" + str(err.get("message")) if err.get("message") else "")
        if row.get("output"):
            ET.SubElement(case, "system-out").text = _xml_text(str(row["output"]))
    suite.set("failures", str(failures))
    suite.set("time", f"{total_time:.3f}")
    ET.indent(suite)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suite, encoding="utf-8")


def _xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (a program may print them)."""
    return "".join(c if c in "\t\n\r" or (" " <= c <= "\ud7ff") or ("\ue000" <= c <= "\ufffd")
                   or c >= "\U00010000" else "\ufffd" for c in text)


def gradebook_html(rows: Iterable[dict[str, Any]], *, title: str = "robokit batch",
                   links: dict[str, str] | None = None, base: Path | None = None) -> str:
    """The gradebook page. ``links``: a run's key -> the path of its replay or picture;
    shown relative to ``base`` (the report's folder)."""
    rows = list(rows)
    links = links or {}
    by_program: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_program.setdefault(str(row.get("program")), []).append(row)
    e = html.escape
    out = [f"<!doctype html><html><head><meta charset='utf-8'><title>{e(title)}</title>",
           "<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:"
           "collapse}td,th{padding:.2em .6em;border-bottom:1px solid #ddd;text-align:left}"
           ".ok{color:#176f2c}.bad{color:#b3261e}td.n{text-align:right}</style></head><body>",
           f"<h1>{e(title)}</h1>", "<table><tr><th>program</th><th>points</th>"
           "<th>checks passed</th><th>runs</th></tr>"]
    for program in sorted(by_program):
        runs = by_program[program]
        checks = [c for r in runs for c in r.get("checks") or []]
        points = sum(c["points"] for c in checks)
        of = sum(c["of"] for c in checks)
        passed = sum(1 for c in checks if c["passed"])
        ok = sum(1 for r in runs if _failure(r) is None)
        anchor = e(_anchor(program))
        out.append(f"<tr><td><a href='#{anchor}'>{e(program)}</a></td>"
                   f"<td class='n'>{points:g} / {of:g}</td><td class='n'>{passed} of "
                   f"{len(checks)}</td><td class='n'>{ok} of {len(runs)} ok</td></tr>")
    out.append("</table>")
    for program in sorted(by_program):
        out.append(f"<h2 id='{e(_anchor(program))}'>{e(program)}</h2><table><tr><th>run</th>"
                   "<th>status</th><th>distance</th><th>checks</th><th>error</th>"
                   "<th></th></tr>")
        for row in sorted(by_program[program], key=run_name):
            why = _failure(row)
            cls = "ok" if why is None else "bad"
            marks = ", ".join(("✔ " if c["passed"] else "✘ ") + str(c["name"])
                              for c in row.get("checks") or [])
            err = row.get("error") or {}
            link = links.get(str(row.get("key")))
            if link and base is not None:
                link = os.path.relpath(link, base)
            what = "replay" if link and link.endswith(".html") else "picture"
            cell = f"<a href='{e(link)}'>{what}</a>" if link else ""
            dist = "" if row.get("distance_mm") is None else f"{row['distance_mm']:.0f} mm"
            out.append(f"<tr class='{cls}'><td>{e(run_name(row))}</td>"
                       f"<td>{e(str(row.get('status')))}</td><td class='n'>{dist}</td>"
                       f"<td>{e(marks)}</td><td>{e(str(err.get('message', ''))[:300])}</td>"
                       f"<td>{cell}</td></tr>")
        out.append("</table>")
    out.append("</body></html>\n")
    return "\n".join(out)


def _anchor(program: str) -> str:
    return "p-" + "".join(c if c.isalnum() else "-" for c in program)
