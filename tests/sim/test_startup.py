"""Start-up: a world's raster tables come from the on-disk cache, numpy stays out of a run
that finds them there, and a damaged or racing cache entry never changes a reading."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from robokit.sim.brick import COLOR_FOOTPRINT_MM
from robokit.sim.world import World, load_world

ROOT = Path(__file__).resolve().parents[2]

#: Points of `oval` to read: on the line, on white, near the edge of the raster (the
#: general path), off the mat.
POINTS = [(0.0, -390.0), (-70.0, -390.0), (1.0, 2.0), (-1290.5, 333.3), (1499.0, -999.0),
          (5000.0, 0.0)]


def readings(world: World) -> list[list[float]]:
    s = world.surface
    sp = s.sampler(COLOR_FOOTPRINT_MM)
    return [[*sp.rgb(x, y), *s.rgb(x, y, 7.0)] for x, y in POINTS]


def entries(cache: Path) -> list[Path]:
    return sorted(p for p in (cache / "surface").rglob("*") if p.is_file())


def fresh(name: str = "oval") -> World:
    """A world loaded anew (load_world keeps built-in worlds: its surface would be kept)."""
    return World.from_dict(load_world(name).to_dict(), source=name)


def test_tables_are_cached_and_read_back_the_same(tmp_path, monkeypatch):
    monkeypatch.setenv("ROBOKIT_CACHE_DIR", str(tmp_path))
    built = readings(fresh())
    assert len(entries(tmp_path)) == 2  # the summed-area tables, and the footprint means
    again = readings(fresh())
    assert again == built
    monkeypatch.setenv("ROBOKIT_CACHE_DIR", "")  # no cache at all: the same numbers
    assert readings(fresh()) == built


def test_a_different_world_or_footprint_is_a_different_entry(tmp_path, monkeypatch):
    monkeypatch.setenv("ROBOKIT_CACHE_DIR", str(tmp_path))
    readings(fresh())
    d = load_world("oval").to_dict()
    d["lines"][0]["width"] = d["lines"][0]["width"] + 2
    readings(World.from_dict(d))
    fresh().surface.sampler(6.0)
    assert len(entries(tmp_path)) == 5


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty"])
def test_a_damaged_entry_is_a_miss_and_is_written_again(tmp_path, monkeypatch, damage):
    monkeypatch.setenv("ROBOKIT_CACHE_DIR", str(tmp_path))
    built = readings(fresh())
    whole = {p: p.read_bytes() for p in entries(tmp_path)}
    assert len(whole) == 2
    for p in whole:
        data = bytearray(p.read_bytes())
        if damage == "truncate":
            data = data[: len(data) // 2]
        elif damage == "flip":
            data[len(data) // 2] ^= 0x40
        elif damage == "garbage":
            data[:16] = b"not a cache file"
        else:
            data = bytearray()
        p.write_bytes(bytes(data))
    assert readings(fresh()) == built
    assert {p: p.read_bytes() for p in entries(tmp_path)} == whole  # written again, whole


def test_an_unwritable_cache_folder_is_skipped(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv("ROBOKIT_CACHE_DIR", str(blocker))
    assert readings(fresh()) == readings(fresh())


_CHILD = """
import json, sys
from robokit.sim.world import load_world
from robokit.sim.brick import COLOR_FOOTPRINT_MM
w = load_world("oval")
sp = w.surface.sampler(COLOR_FOOTPRINT_MM)
out = [list(sp.rgb(x, y)) for x, y in json.loads(sys.argv[1])]
print(json.dumps({"numpy": "numpy" in sys.modules, "rgb": out}))
"""


def child(cache: Path, n: int = 1) -> list[dict]:
    env = dict(os.environ, ROBOKIT_CACHE_DIR=str(cache))
    procs = [subprocess.Popen([sys.executable, "-c", _CHILD, json.dumps(POINTS)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                              text=True) for _ in range(n)]
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=120)
        assert p.returncode == 0, stderr
        out.append(json.loads(stdout))
    return out


def test_a_run_that_finds_the_tables_in_the_cache_does_not_import_numpy(tmp_path):
    first = child(tmp_path)[0]
    assert first["numpy"]  # built: numpy paints the raster
    second = child(tmp_path)[0]
    assert not second["numpy"]
    assert second["rgb"] == first["rgb"]


def test_runs_writing_the_same_entry_at_once_agree(tmp_path):
    results = child(tmp_path, n=3)
    assert all(r["rgb"] == results[0]["rgb"] for r in results)
    assert not [p for p in (tmp_path / "surface").rglob("*.tmp")]  # no torn temp files
    assert not child(tmp_path)[0]["numpy"]  # what they wrote reads back whole


_WALLS_CHILD = """
import json, sys
from robokit.sim.world import load_world
w = load_world(sys.argv[1])
w.prepare_walls()
probe = [w._clearance(x, y) for x in (-500.0, 0.0, 333.3) for y in (-50.0, 7.5)]
print(json.dumps({"numpy": "numpy" in sys.modules, "clear": w._clear, "probe": probe}))
"""


@pytest.mark.parametrize("world", ["maze", "arena"])
def test_a_wall_clearance_field_from_the_cache_is_the_same_and_needs_no_numpy(tmp_path, world):
    env = dict(os.environ, ROBOKIT_CACHE_DIR=str(tmp_path))

    def run() -> dict:
        p = subprocess.run([sys.executable, "-c", _WALLS_CHILD, world], capture_output=True,
                           text=True, env=env, timeout=120)
        assert p.returncode == 0, p.stderr
        return json.loads(p.stdout)

    built = run()
    assert built["numpy"] and built["clear"]
    again = run()
    assert not again["numpy"]
    assert again["clear"] == built["clear"] and again["probe"] == built["probe"]


def _python(code: str, cache: Path | None = None) -> str:
    """The standard output of ``python -c code`` (started in the checkout, robokit's cache
    in ``cache`` when given), which must end well."""
    env = dict(os.environ, ROBOKIT_CACHE_DIR=str(cache)) if cache is not None else None
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env=env, cwd=ROOT, timeout=120)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_robokit_run_imports_neither_numpy_nor_matplotlib_with_a_warm_cache(tmp_path):
    code = ("import sys\n"
            "from robokit.cli import main\n"
            f"sys.argv = ['robokit', 'run', {str(ROOT / 'examples' / 'line_follower.py')!r}]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('HEAVY', sorted(m for m in ('numpy', 'matplotlib') if m in sys.modules))\n")
    for _ in range(2):
        out = _python(code, tmp_path)
    assert "status     finished" in out
    assert out.splitlines()[-1] == "HEAVY []"


def test_the_robokit_command_skips_the_collections_at_exit_but_not_an_in_process_call():
    code = ("import gc, sys\n"
            "from robokit.cli import main\n"
            "sys.argv = ['robokit', 'worlds']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('FROZEN', gc.get_freeze_count() > 0)\n")
    out = _python(code)
    assert "oval" in out  # the command ran
    assert out.splitlines()[-1] == "FROZEN True"

    import gc

    from click.testing import CliRunner

    from robokit.cli import main

    before = gc.get_freeze_count()
    assert CliRunner().invoke(main, ["worlds"]).exit_code == 0
    assert gc.get_freeze_count() == before


def _counting_crc(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    import zlib

    calls: list[int] = []
    real = zlib.crc32

    def crc32(data, value=0):  # type: ignore[no-untyped-def]
        calls.append(len(data))
        return real(data, value)

    monkeypatch.setattr(zlib, "crc32", crc32)
    return calls


def test_an_entry_checked_once_is_read_again_without_summing_it(tmp_path, monkeypatch):
    from array import array

    from robokit.sim import surface

    monkeypatch.setenv("ROBOKIT_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(surface, "SETTLED_NS", 0)
    tables = [array("i", range(k, k + 1000)) for k in range(3)]
    surface.store_arrays("ab" * 32, tables)
    calls = _counting_crc(monkeypatch)
    first = surface.load_arrays("ab" * 32, "i", 1000, 3)
    assert calls and [list(t) for t in first] == [list(t) for t in tables]
    calls.clear()
    again = surface.load_arrays("ab" * 32, "i", 1000, 3)
    assert calls == [] and [list(t) for t in again] == [list(t) for t in tables]


def test_a_fresh_entry_is_summed_on_every_read(tmp_path, monkeypatch):
    """An entry changed less than SETTLED_NS ago gets no stamp: a write within the same
    tick of the file system's clock could leave its times as they were."""
    from array import array

    from robokit.sim import surface

    monkeypatch.setenv("ROBOKIT_CACHE_DIR", str(tmp_path))
    surface.store_arrays("ab" * 32, [array("i", range(1000))])
    calls = _counting_crc(monkeypatch)
    for _ in range(2):
        calls.clear()
        assert len(surface.load_arrays("ab" * 32, "i", 1000, 1)) == 1
        assert calls
    assert not (tmp_path / "surface-checked").exists()


@pytest.mark.parametrize("damage", ["flip", "truncate", "flip and set the time back"])
def test_an_entry_damaged_after_its_check_is_a_miss(tmp_path, monkeypatch, damage):
    import time
    from array import array

    from robokit.sim import surface

    monkeypatch.setenv("ROBOKIT_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(surface, "SETTLED_NS", 0)
    surface.store_arrays("ab" * 32, [array("i", range(1000))])
    assert surface.load_arrays("ab" * 32, "i", 1000, 1)  # checked: stamped
    assert (tmp_path / "surface-checked").exists()
    (p,) = entries(tmp_path)
    st = p.stat()
    time.sleep(0.05)  # past a coarse file system clock's tick
    data = bytearray(p.read_bytes())
    if damage == "truncate":
        del data[-4:]
    else:
        data[len(data) // 2] ^= 0x40
    with open(p, "r+b") as f:  # in place: the same file, the same size when flipped
        f.write(data)
        f.truncate()
    if damage == "flip and set the time back":
        os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert surface.load_arrays("ab" * 32, "i", 1000, 1) == []


@pytest.mark.parametrize("press", [[], ["--press", "center@1s"]])
def test_robokit_run_imports_the_presses_module_only_for_a_run_with_presses(tmp_path, press):
    code = ("import sys\n"
            "from robokit.cli import main\n"
            f"sys.argv = ['robokit', 'run', {str(ROOT / 'examples' / 'line_follower.py')!r},"
            f" '--duration', '2', *{press!r}]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('PRESSES', 'robokit.sim.presses' in sys.modules)\n")
    assert _python(code, tmp_path).splitlines()[-1] == f"PRESSES {bool(press)}"


def test_simulate_imports_the_presses_module_only_for_a_run_with_presses(tmp_path):
    code = ("import sys\n"
            "from robokit.sim import simulate\n"
            f"prog = {str(ROOT / 'examples' / 'line_follower.py')!r}\n"
            "simulate(prog, world='oval', duration=0.5, press=[])\n"
            "print('PRESSES', 'robokit.sim.presses' in sys.modules)\n"
            "r = simulate(prog, world='oval', duration=0.5, press=['left@0.1s'])\n"
            "print('PRESSES', 'robokit.sim.presses' in sys.modules, r.status)\n")
    assert _python(code, tmp_path).splitlines()[-2:] == ["PRESSES False", "PRESSES True timeout"]
