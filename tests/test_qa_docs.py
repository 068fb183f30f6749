"""What docs/getting-started.md, docs/worlds.md and docs/replay.md show is what robokit does,
run as a teacher would run it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cli_helpers import invoke

from robokit.errors import WorldError
from robokit.sim.world import load_world

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _block_after(text: str, marker: str) -> str:
    """The first fenced block after ``marker`` in ``text``."""
    at = text.index(marker)
    m = re.compile(r"```[a-z]*\n(.*?)```", re.S).search(text, at)
    assert m is not None, marker
    return m.group(1)


def _file(head: list[str], tail: list[str], line: int, at: int) -> str:
    """head, comment lines, then tail, so that tail[at] is on line ``line``."""
    pad = line - len(head) - at - 1
    assert pad >= 0
    return "\n".join(head + ["# ..."] * pad + tail) + "\n"


#: A world file that makes each message of worlds.md's "Mistakes", by its file name.
MISTAKES = {
    "arena2.toml": (["size = [2400, 2400]", "[[walls]]", "points = [[-900, -900], [900, -900]]"],
                    ["[[walls]]", "points = [[900, -900], [900, 900]]", "thicknes = 20"], 2),
    "oval2.toml": (["size = [3000, 2000]"],
                   ["[[lines]]", "points = [[-500, -400], [500, -400]]", "width = -5"], 2),
    "mat2.toml": (["size = [2000, 1000]", "[[polygons]]", "points = [[0, 0], [90, 0], [0, 90]]",
                   "[[polygons]]", "points = [[200, 0], [290, 0], [200, 90]]"],
                  ["[[polygons]]", "points = [[400, 0], [490, 0], [400, 90]]",
                   'color = "pink"'], 2),
    "sumo2.toml": (["size = [1200, 1200]", "[[boxes]]", "center = [170, 0]", "size = [100, 100]",
                    "[[robots]]", "x = -170", "y = 0"],
                   ["[[robots]]", "x = 170", "y = 0", "heading = 180"], 1),
    "lines3.toml": (["size = [2000, 2000]", "[[lines]]", "points = [[0, 0], [100, 0]]"],
                    ["points = [[0, 100], [100, 100]]"], 0),
    "bad.toml": (["size = [2000, 2000]"], ["[[lines]", "points = [[0, 0], [100, 0]]"], 0),
}


def test_every_mistake_in_worlds_md_is_what_robokit_says(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    shown = _block_after((DOCS / "worlds.md").read_text(encoding="utf-8"), "**Mistakes**")
    lines = [ln for ln in shown.splitlines() if ln.strip()]
    monkeypatch.chdir(tmp_path)
    seen = set()
    for said in lines:
        m = re.match(r"(\w+\.toml):(\d+): ", said)
        if m is None:  # the built-in world's name mistyped
            name: str = re.match(r"'(\w+)'", said).group(1)  # type: ignore[union-attr]
        else:
            name = m.group(1)
            head, tail, at = MISTAKES[name]
            Path(name).write_text(_file(head, tail, int(m.group(2)), at), encoding="utf-8")
        seen.add(name)
        with pytest.raises(WorldError) as info:
            load_world(name)
        assert str(info.value) == said
    assert seen == set(MISTAKES) | {"ovall"}


def test_worlds_md_full_example_loads_and_reads_as_described() -> None:
    text = (DOCS / "worlds.md").read_text(encoding="utf-8")
    example = _block_after(text, "## The file format")
    from robokit.sim.world import parse_world

    world = parse_world(example, "demo.toml")
    assert world.name == "demo" and world.bounds == (-1500.0, -1000.0, 1500.0, 1000.0)
    assert (len(world.robots), len(world.objects), len(world.boxes)) == (2, 1, 1)
    assert load_world("oval").surface.rgb(0, -400, 4.0) == (4.0, 4.0, 4.0)


def test_getting_started_summary_is_what_the_line_follower_prints(
        monkeypatch: pytest.MonkeyPatch) -> None:
    text = (DOCS / "getting-started.md").read_text(encoding="utf-8")
    shown = _block_after(text, "then a summary:").rstrip("\n").splitlines()
    monkeypatch.chdir(ROOT)
    result = invoke("run", "examples/line_follower.py")
    assert result.exit_code == 0
    got = result.stdout.rstrip("\n").splitlines()
    assert len(got) == len(shown)
    for want, have in zip(shown, got, strict=True):
        if want.startswith("sim time"):  # the wall time differs from run to run
            want, have = want.split("wall")[0], have.split("wall")[0]
        assert have == want


@pytest.mark.parametrize("name", ["square.html", "square.htm"])
def test_replay_md_names_every_suffix_run_takes(name: str, tmp_path: Path) -> None:
    out = tmp_path / name
    result = invoke("run", ROOT / "examples" / "hello.py", "--replay", out)
    assert result.exit_code == 0 and out.read_text(encoding="utf-8").startswith("<!DOCTYPE")
    guide = (DOCS / "replay.md").read_text(encoding="utf-8")
    said = re.search(r"a name that is not (.*?),", guide)
    assert said is not None and f"`{out.suffix}`" in said.group(1)
    refused = invoke("run", ROOT / "examples" / "hello.py", "--replay", tmp_path / "x.txt")
    assert refused.exit_code == 2 and not (tmp_path / "x.txt").exists()
