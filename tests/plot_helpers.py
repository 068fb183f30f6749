"""What the tests check of a written plot: robokit.testing's artifacts, and the PNG drawn
by robokit against resvg's drawing of the same SVG."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

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


# -- the PNG against resvg (tests/sim/test_plot_raster.py, test_world_svg.py) --------------

def pixels(svg: str) -> Any:
    """``svg`` drawn by robokit (robokit.sim.svgraster), as an int array (h, w, 3)."""
    import numpy as np

    from robokit.sim.svgraster import rasterize

    return np.asarray(rasterize(svg)).astype(int)


def resvg(svg: str) -> Any:
    """The picture as resvg (resvg-py, the test extra's independent SVG renderer) draws it,
    with DejaVu Sans and its bold face and no other font, as an int array (h, w, 3)."""
    import numpy as np
    import pytest
    from PIL import Image

    from robokit.sim.svgraster import font_path

    resvg_py = pytest.importorskip("resvg_py")
    fonts = [font_path(), font_path(bold=True)]
    assert None not in fonts, "matplotlib's DejaVu Sans: installed with robokit's dependencies"
    data = resvg_py.svg_to_bytes(svg_string=svg, skip_system_fonts=True,
                                 font_files=[str(p) for p in fonts], background="#ffffff")
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


def difference(a: Any, b: Any) -> tuple[float, int, float]:
    """How far two pictures are apart: the mean absolute difference per channel; and on
    both shrunk 4 times by averaging (a glyph's edges and a line's anti-aliasing drawn a
    little differently mostly average out there, a missing line or label does not) the
    largest difference of a channel and the fraction of pixels differing by more than 40."""
    import numpy as np
    from PIL import Image

    mean = float(np.abs(a - b).mean())
    small = [np.asarray(Image.fromarray(x.astype(np.uint8)).reduce(4)).astype(int)
             for x in (a, b)]
    coarse = np.abs(small[0] - small[1]).max(axis=2)
    return mean, int(coarse.max()), float((coarse > 40).mean())


def assert_alike(a: Any, b: Any, most: float = 0.0025) -> None:
    """Bounds measured on the examples' run pictures (mean <= 1.9, coarse largest <= 64,
    coarse fraction <= 0.08 %) and the worlds' (<= 0.93, <= 53, <= 0.015 %): mean < 2.5,
    coarse largest < 100, coarse fraction < ``most`` (0.25 %). A missing path, title,
    panel, outline, arrow, legend or number gives a coarse largest of 124 or more."""
    mean, largest, fraction = difference(a, b)
    assert mean < 2.5 and largest < 100 and fraction < most, (mean, largest, fraction)


def assert_sees_missing(svg: str, cut: str) -> None:
    """The comparison's bounds are not so loose that ``svg`` without the part the regular
    expression ``cut`` finds passes as resvg's picture of the whole."""
    import pytest

    missing = re.sub(cut, "", svg, count=1, flags=re.S)
    assert len(missing) < len(svg)
    with pytest.raises(AssertionError):
        assert_alike(pixels(missing), resvg(svg))
