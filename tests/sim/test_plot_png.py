"""The PNG a plot writes: exactly the SVG's drawing by svgraster, stored as opaque RGB at
100 dpi, and the garbage collector left as it was found; plot_figure's titles."""

from __future__ import annotations

import gc
import io
from pathlib import Path

import numpy as np
import pytest

from robokit.sim import simulate
from robokit.sim.plot import DPI, FIGSIZE_IN, plot_figure, plot_run
from robokit.sim.plot_data import scene
from robokit.sim.plot_svg import svg_text
from robokit.sim.svgraster import rasterize

ROOT = Path(__file__).resolve().parents[2]


def png_colour_type(data: bytes) -> int:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return data[25]  # 2: RGB, 6: RGBA


@pytest.fixture(scope="module")
def hello():  # type: ignore[no-untyped-def]
    result = simulate(ROOT / "examples" / "hello.py")
    assert result.status == "finished"
    return result


def test_the_png_is_the_svgs_pixels_as_rgb_at_100_dpi(hello, tmp_path: Path) -> None:
    from PIL import Image

    out = tmp_path / "hello.png"
    plot_run(hello, out)
    data = out.read_bytes()
    assert png_colour_type(data) == 2  # no alpha channel: the picture is opaque
    Image.open(io.BytesIO(data)).verify()  # its chunks' checksums
    png = Image.open(io.BytesIO(data))
    assert png.info["dpi"] == pytest.approx((DPI, DPI), abs=0.01)
    written = np.asarray(png)
    assert written.shape == (round(FIGSIZE_IN[1] * DPI), round(FIGSIZE_IN[0] * DPI), 3)
    drawn = np.asarray(rasterize(svg_text(scene(hello))))
    assert np.array_equal(written, drawn)
    assert len(np.unique(written.reshape(-1, 3), axis=0)) > 50  # a picture, not a blank


@pytest.mark.parametrize("enabled", [True, False])
def test_plotting_leaves_the_garbage_collector_as_it_was(hello, tmp_path: Path,
                                                         enabled: bool) -> None:
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        plot_run(hello, tmp_path / "p.png")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_the_titles_are_where_matplotlib_would_place_them(hello) -> None:  # type: ignore[no-untyped-def]
    """The axes' titles are placed at the top of their axes (y=1.0), which spares
    matplotlib's search for tick labels above each axes on every draw; nothing is above
    them, so the picture is the one the automatic placement draws."""
    result = simulate(ROOT / "examples" / "maze_solver.py")  # a band, traces, events
    for run in (hello, result):
        fig = plot_figure(run)
        fig.canvas.draw()
        placed = np.asarray(fig.canvas.buffer_rgba()).copy()
        for ax in fig.axes:
            ax._autotitlepos = True  # matplotlib's automatic placement
        fig.canvas.draw()
        assert np.array_equal(placed, np.asarray(fig.canvas.buffer_rgba()))
        assert all(ax._autotitlepos is False for ax in plot_figure(run).axes)
