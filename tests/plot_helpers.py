"""What the tests of robokit.testing's artifacts check of a written plot."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

SVG = "{http://www.w3.org/2000/svg}"


def is_plot(path: Path) -> bool:
    """``path`` is one of robokit's SVG plots: it parses, and draws the run's path (a
    polyline or path of more than a few points) under a title."""
    root = ET.fromstring(path.read_text(encoding="utf-8"))
    if root.tag != f"{SVG}svg":
        return False
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    lines = [e for e in root.iter() if e.tag in (f"{SVG}polyline", f"{SVG}path")]
    longest = max((len((e.get("points") or e.get("d") or "").split()) for e in lines),
                  default=0)
    return bool(texts) and longest > 10
