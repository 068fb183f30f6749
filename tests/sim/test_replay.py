"""The HTML replay (robokit.sim.replay), read as a file: self-contained, carrying the run it
came from, and written only where it may be. The page in a browser: test_replay_browser.py."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import pytest

from robokit.errors import RobokitError
from robokit.sim import simulate
from robokit.sim.replay import MAX_FRAMES, replay_data, replay_html, write_replay

DRIVE = """\
from robokit import robot, wait
hub = robot.hub
print("off we go")
hub.speaker.beep(440, 100)
robot.drive_base.drive(150, 40)
wait(1500)
hub.display.text("OK")
robot.drive_base.stop()
print("done")
"""


def _page_data(html: str) -> dict:
    found = re.search(r'<script id="robokit-data" type="application/json">(.*?)</script>',
                      html, re.S)
    assert found, "the page has no robokit-data script"
    return json.loads(found.group(1))


@pytest.fixture(scope="module")
def drive_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("drive")
    prog = folder / "drive.py"
    prog.write_text(DRIVE)
    return prog, simulate(prog, duration=3)


def test_the_page_needs_no_network(drive_run, tmp_path):
    prog, result = drive_run
    out = tmp_path / "run.html"
    write_replay(result, out, inputs=[prog])
    html = out.read_text("utf-8")
    # nothing is fetched: no src/href to anywhere, no stylesheet link, no script file
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert not re.search(r"<link\b|<script[^>]*\bsrc=|@import|url\(\s*['\"]?https?:", html, re.I)
    assert html.count("<script") == 2  # the data and the player, both inline


def test_the_embedded_data_is_the_run(drive_run):
    prog, result = drive_run
    data = _page_data(replay_html(result))
    rec = result.telemetry.to_dict()
    assert len(rec["rows"]) < MAX_FRAMES  # a short run: every row kept
    assert data["telemetry"]["columns"] == rec["columns"]
    assert data["telemetry"]["rows"] == rec["rows"]
    assert data["t"] == [row[0] / 1000.0 for row in rec["rows"]]
    # the robot moved: the poses are not all the same
    assert len({(row[1], row[2]) for row in rec["rows"]}) > 50
    assert data["end_pose"] == pytest.approx(list(result.pose))
    # every event, and every printed line as a "print" event at its simulated time
    events = [e for e in data["events"] if e["kind"] != "print"]
    assert events == result.events
    kinds = {e["kind"] for e in events}
    assert {"beep", "display"} <= kinds
    prints = [(e["t_ms"], e["text"]) for e in data["events"] if e["kind"] == "print"]
    assert prints == [(t / 1000.0, text) for t, text in result.telemetry.output]
    assert [text for _, text in prints] == ["off we go", "done"]
    assert [e["t_ms"] for e in data["events"]] == sorted(e["t_ms"] for e in data["events"])
    body = result.brick.robot["body"]
    assert data["robot"]["body"] == {k: body[k] for k in ("front", "back", "width")}


def test_a_long_run_keeps_at_most_max_frames_rows_evenly(drive_run):
    _, result = drive_run
    rows = result.telemetry.to_dict()["rows"]
    data = replay_data(result, max_frames=40)
    kept = data["telemetry"]["rows"]
    assert len(kept) <= 40
    assert kept[0] == rows[0] and kept[-1] == rows[-1]
    positions = [rows.index(r) for r in kept]
    steps = {b - a for a, b in zip(positions[:-1], positions[1:], strict=True)}
    assert len(steps - {max(steps)}) <= 1  # evenly: one step (and a shorter last one)
    assert data["telemetry"]["source_rows"] == len(rows)
    for trace in data["traces"]:
        for line in trace["lines"]:
            assert len(line["values"]) == len(kept)


def test_the_mat_is_embedded_as_a_png_of_the_surface(tmp_path):
    from matplotlib.image import imread

    from robokit.sim.replay import MAT_PIXELS
    from robokit.sim.surface import render

    prog = tmp_path / "still.py"
    prog.write_text("from robokit import wait\nwait(100)\n")
    result = simulate(prog, world="oval", duration=1)
    mat = replay_data(result)["world"]["mat"]
    assert mat.startswith("data:image/png;base64,")
    picture = imread(io.BytesIO(base64.b64decode(mat.split(",", 1)[1])), format="png")
    x0, y0, x1, y1 = result.world.bounds
    expected = render(result.world, mm_per_px=max(x1 - x0, y1 - y0) / MAT_PIXELS)
    assert picture.shape[:2] == expected.shape[:2]
    assert ((picture[..., :3] * 255).round().astype("uint8") == expected).all()


def test_what_the_program_prints_cannot_break_out_of_the_page(tmp_path):
    nasty = "</script><script>alert(1)</script><!--"
    prog = tmp_path / "nasty.py"
    prog.write_text(f"print({nasty!r})\n")
    result = simulate(prog, duration=1)
    html = replay_html(result)
    assert html.count("</script>") == 2
    assert "<!--" not in html
    texts = [e["text"] for e in _page_data(html)["events"] if e["kind"] == "print"]
    assert texts == [nasty]


def test_refuses_to_write_over_the_program(drive_run):
    prog, result = drive_run
    before = prog.read_bytes()
    with pytest.raises(RobokitError, match=r"refusing to write the replay to .*drive\.py: it "
                       r"is one of the input files"):
        write_replay(result, prog, inputs=[prog])
    assert prog.read_bytes() == before


def test_a_missing_folder_is_named(drive_run, tmp_path):
    _, result = drive_run
    target = tmp_path / "nowhere" / "run.html"
    with pytest.raises(RobokitError, match=r"cannot write the replay to .*run\.html: the folder "
                       r".*nowhere does not exist"):
        write_replay(result, target)
    assert not Path(target).exists()


def test_the_page_template_ships_with_the_package():
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib

    root = Path(__file__).resolve().parents[2]
    config = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))
    assert "sim/replay_page.html" in config["tool"]["setuptools"]["package-data"]["robokit"]
    assert (root / "src" / "robokit" / "sim" / "replay_page.html").is_file()


def test_robokit_run_replay_and_simulate_replay_write_the_run(tmp_path):
    from cli_helpers import invoke

    prog = tmp_path / "p.py"
    prog.write_text("from robokit import robot\nrobot.drive_base.straight(200)\nprint('hi')\n",
                    encoding="utf-8")
    page = tmp_path / "run.html"
    r = invoke("run", prog, "--replay", page)
    assert r.exit_code == 0, r.output
    assert f"replay     {page}" in r.stdout
    data = _page_data(page.read_text(encoding="utf-8"))
    direct = simulate(prog, replay=tmp_path / "direct.html")
    assert direct.status == "finished"
    other = _page_data((tmp_path / "direct.html").read_text(encoding="utf-8"))
    data.pop("program"), other.pop("program")  # as given: a path, either way
    assert data == other  # the same run, the same page data
    assert abs(data["distance_mm"] - 200) < 2
    # refused before the run: the program itself, or a name that is not a web page
    for bad, message in ((prog, "*.html"), (tmp_path / "x.png", "*.html")):
        r = invoke("run", prog, "--replay", bad)
        assert r.exit_code == 2 and message in r.stderr
    with pytest.raises(RobokitError, match="input files"):
        simulate(prog, replay=prog)
    assert prog.read_text(encoding="utf-8").startswith("from robokit")
