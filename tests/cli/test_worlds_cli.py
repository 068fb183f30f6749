"""``robokit worlds``: each built-in world with its one-line description, and
``--show NAME -o FILE.svg`` (or ``FILE.png``) drawing a world with the rover at its start
(issue 13)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import invoke

from robokit.sim.plot import START_COLOR
from robokit.sim.world import BUILTIN_WORLDS, color_hex, load_world
from robokit.sim.worldplot import WORLD_FIGSIZE_IN

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _image(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as img:
        return np.asarray(img.convert("RGB")) / 255.0


def _mask(img: np.ndarray, hex_colour: str, tol: float = 0.1) -> np.ndarray:
    rgb = np.array([int(hex_colour[i:i + 2], 16) / 255.0 for i in (1, 3, 5)])
    return np.all(np.abs(img - rgb) < tol, axis=2)


def test_every_builtin_world_has_a_one_line_description() -> None:
    for name in BUILTIN_WORLDS:
        text = load_world(name).description
        assert text and "\n" not in text and len(text) <= 80, name


def test_worlds_lists_each_with_its_description_and_start() -> None:
    result = invoke("worlds")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(BUILTIN_WORLDS)
    for name, line in zip(BUILTIN_WORLDS, lines, strict=True):
        w = load_world(name)
        assert w.description in line
        assert line.endswith(f"(start x={w.start[0]:.0f} y={w.start[1]:.0f} "
                             f"heading={w.start[2]:.0f})")


@pytest.mark.parametrize(("world", "side_x", "side_y"),
                         [("maze", "left", "low"), ("arena", "middle", "low"),
                          ("mat", "left", "middle")])
def test_show_draws_the_rover_at_the_start(tmp_path: Path, world: str, side_x: str,
                                           side_y: str) -> None:
    out = tmp_path / f"{world}.png"
    result = invoke("worlds", "--show", world, "-o", out)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"wrote {out}: world {world}")
    assert out.read_bytes()[:8] == PNG_SIGNATURE
    img = _image(out)
    assert img.shape[:2] == (WORLD_FIGSIZE_IN[1] * 100, WORLD_FIGSIZE_IN[0] * 100)
    # The rover outline and heading arrow: START_COLOR pixels, away from the legend
    # (upper right) and title (top).
    start = _mask(img, START_COLOR)
    start[:150, :] = False
    rows, cols = np.nonzero(start)
    assert len(rows) > 100
    h, w = start.shape
    cx, cy = cols.mean() / w, rows.mean() / h
    expect_x = {"left": (0.1, 0.35), "middle": (0.45, 0.65)}[side_x]
    expect_y = {"low": (0.65, 0.95), "middle": (0.4, 0.6)}[side_y]
    assert expect_x[0] < cx < expect_x[1], cx
    assert expect_y[0] < cy < expect_y[1], cy


def test_show_draws_the_mat_and_walls(tmp_path: Path) -> None:
    maze, empty = tmp_path / "maze.png", tmp_path / "empty.png"
    assert invoke("worlds", "--show", "maze", "-o", maze).exit_code == 0
    assert invoke("worlds", "--show", "empty", "-o", empty).exit_code == 0
    m, e = _image(maze), _image(empty)
    h, w = m.shape[:2]
    goal = _mask(m, color_hex("green"))  # the maze's green goal, upper right
    rows, cols = np.nonzero(goal)
    assert len(rows) > 1000
    assert cols.mean() > 0.65 * w and rows.mean() < 0.45 * h
    assert not _mask(e, color_hex("green")).any()
    grey = color_hex("gray")  # the walls' colour: none on the empty floor
    walls = _solid(_mask(m, grey, tol=0.05)).sum()
    assert walls > 5000 and _solid(_mask(e, grey, tol=0.05)).sum() < walls / 10


def _solid(mask: np.ndarray) -> np.ndarray:
    """The pixels of ``mask`` whose four neighbours are in it too: areas of a colour (a
    wall), not the anti-aliased edge of a thin line in another (the mat's border)."""
    inner = mask[1:-1, 1:-1] & mask[:-2, 1:-1] & mask[2:, 1:-1] & mask[1:-1, :-2] & mask[1:-1, 2:]
    return np.pad(inner, 1)


def test_show_takes_a_world_file_and_never_writes_over_it(tmp_path: Path) -> None:
    world = tmp_path / "mine.toml"
    world.write_text('name = "mine"\ndescription = "a red square"\nsize = [1000, 1000]\n'
                     '[[polygons]]\ncolor = "red"\n'
                     'points = [[-100, -100], [100, -100], [100, 100], [-100, 100]]\n')
    before = world.read_bytes()
    result = invoke("worlds", "--show", world, "-o", world)
    assert result.exit_code == 2
    assert world.read_bytes() == before
    out = tmp_path / "mine.png"
    result = invoke("worlds", "--show", world, "-o", out)
    assert result.exit_code == 0, result.stderr
    assert "world mine (a red square)" in result.stdout
    assert _mask(_image(out), color_hex("red")).sum() > 1000


@pytest.mark.parametrize(("args", "message"), [
    (("--show", "maze"), "--show maze: give the picture's file with -o FILE.svg or -o FILE.png"),
    (("-o", "x.png"), "-o/--output: give the world to draw with --show NAME"),
    (("--show", "mazee", "-o", "x.png"), "--show: 'mazee' is not a built-in world"),
])
def test_show_mistakes_are_one_line(tmp_path: Path, args: tuple[str, ...], message: str,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("worlds", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"robokit: worlds: {message}")
    assert len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "x.png").exists()


def test_show_draws_the_start_poses_of_several_robots_and_the_objects(tmp_path: Path) -> None:
    from robokit.sim.worldplot import ROBOT_COLORS

    out = tmp_path / "sumo.png"
    assert invoke("worlds", "--show", "sumo", "-o", out).exit_code == 0
    img = _image(out)
    second = _mask(img, ROBOT_COLORS[1])
    second[:150, :] = False  # not the legend
    rows, cols = np.nonzero(second)
    assert len(rows) > 100
    assert 0.55 < cols.mean() / img.shape[1] < 0.75  # robot 2 starts east of the middle
    can = tmp_path / "can.png"
    ring = Path(__file__).resolve().parents[2] / "examples" / "can_push" / "can_ring.toml"
    assert invoke("worlds", "--show", ring, "-o", can).exit_code == 0
    red = _mask(_image(can), color_hex("red"))
    assert red.sum() > 100  # the can


def test_show_writes_an_svg_and_the_png_is_that_svg_drawn(tmp_path: Path) -> None:
    from PIL import Image

    from robokit.config import standard_rover
    from robokit.sim.plot_data import outline
    from robokit.sim.svgraster import rasterize

    svg, png = tmp_path / "maze.svg", tmp_path / "maze.png"
    result = invoke("worlds", "--show", "maze", "-o", svg)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"wrote {svg}: world maze")
    root = ET.fromstring(svg.read_text(encoding="utf-8"))
    ns = {"s": "http://www.w3.org/2000/svg"}
    rover = root.find(".//s:polygon[@id='rover']", ns)
    assert rover is not None
    vals = [float(v) for v in rover.get("points", "").replace(",", " ").split()]
    expect = outline(load_world("maze").start, standard_rover()["body"])
    assert vals == pytest.approx([v for p in expect for v in p], abs=0.006)
    assert invoke("worlds", "--show", "maze", "-o", png).exit_code == 0
    with Image.open(png) as img:
        assert img.info["dpi"] == pytest.approx((100, 100), abs=0.01)
        written = np.asarray(img.convert("RGB"))
    drawn = np.asarray(rasterize(svg.read_text(encoding="utf-8")))
    assert np.array_equal(written, drawn)


@pytest.mark.parametrize("name", ["maze.jpg", "maze.pdf", "maze.svg.txt"])
def test_another_suffix_is_one_line_before_the_world_is_read(tmp_path: Path, name: str,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    monkeypatch.chdir(tmp_path)
    stem = Path(name).stem
    result = invoke("worlds", "--show", "no-such-world", "-o", name)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"robokit: worlds: -o {name}: a world's picture is an SVG")
    assert result.stderr.rstrip().endswith(f"name the file {stem}.svg or {stem}.png")
    assert len(result.stderr.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_show_png_imports_neither_matplotlib_nor_numpy(tmp_path: Path) -> None:
    """With robokit's cache empty (nothing of the world's tables kept): loading a world
    needs none of its tables, and its picture is drawn without matplotlib and numpy."""
    out = tmp_path / "arena.png"
    code = textwrap.dedent(f"""\
        import sys
        from robokit.cli import main
        try:
            main(["worlds", "--show", "arena", "-o", {str(out)!r}])
        except SystemExit as e:
            assert e.code in (0, None), e.code
        print(sorted({{"matplotlib", "numpy"}} & set(sys.modules)))
    """)
    cache = tmp_path / "cache"
    cache.mkdir()
    env = {**os.environ, "ROBOKIT_CACHE_DIR": str(cache)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"
    assert out.read_bytes()[:8] == PNG_SIGNATURE


def test_show_to_stdout_writes_the_svg_alone_there(tmp_path: Path) -> None:
    """A name with no suffix (a device, a pipe) gets the SVG; what was written is said on
    stderr, not in the middle of the picture."""
    proc = subprocess.run([sys.executable, "-c", "from robokit.cli import command; command()",
                           "worlds", "--show", "sumo", "-o", "/dev/stdout"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    root = ET.fromstring(proc.stdout)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert proc.stderr.startswith("wrote /dev/stdout: world sumo")
