"""robokit._files.replace_whole: the one whole-file write behind a user's output files,
the compiler's cache and the worlds' raster tables."""

from __future__ import annotations

import os
from array import array
from pathlib import Path

import pytest

from robokit._files import replace_whole, write_output
from robokit.compiler.cache import HEADER, Cache
from robokit.sim.surface import load_arrays, store_arrays


def test_chunks_of_bytes_and_arrays_are_written_whole_and_in_order(tmp_path: Path) -> None:
    wide = array("q", [1, -2, 3 << 40])  # items of 8 bytes: written as bytes, all of them
    floats = array("f", [0.5, 2.25])
    target = tmp_path / "entry"
    target.write_bytes(b"an older entry, longer than the new one")
    replace_whole(target, [b"head", wide, floats])
    assert target.read_bytes() == b"head" + wide.tobytes() + floats.tobytes()
    assert os.listdir(tmp_path) == ["entry"]


def test_a_missing_folder_is_made_only_when_asked(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "entry"
    with pytest.raises(FileNotFoundError):
        replace_whole(target, [b"x"])
    assert not (tmp_path / "a").exists()
    replace_whole(target, [b"x"], make_folder=True)
    assert target.read_bytes() == b"x"


def test_a_failed_write_raises_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.mkdir()
    (target / "inside").write_bytes(b"")  # a folder that is not empty: no rename onto it
    with pytest.raises(OSError):
        replace_whole(target, [b"data"])
    assert sorted(os.listdir(tmp_path)) == ["taken"]
    with pytest.raises(TypeError):  # a chunk with no buffer: stops half-way, cleans up
        replace_whole(tmp_path / "half", [b"data", "text"])  # type: ignore[list-item]
    assert sorted(os.listdir(tmp_path)) == ["taken"]


def test_a_new_file_gets_the_mode_asked_for_and_write_output_keeps_an_old_one(
        tmp_path: Path) -> None:
    if os.name != "posix":
        pytest.skip("file modes are POSIX")
    replace_whole(tmp_path / "new", [b"x"], mode=0o600)
    assert (tmp_path / "new").stat().st_mode & 0o777 == 0o600
    old = tmp_path / "old"
    old.write_bytes(b"before")
    old.chmod(0o640)
    write_output(old, b"after")
    assert old.read_bytes() == b"after" and old.stat().st_mode & 0o777 == 0o640


def test_the_compiler_cache_writes_an_entry_and_skips_a_folder_it_cannot_write(
        tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    cache.put("mpy", "cd" * 32, b"payload")
    entry = cache.path("mpy", "cd" * 32)
    assert entry is not None and entry.read_bytes().startswith(HEADER)
    assert cache.get("mpy", "cd" * 32) == b"payload"
    blocked = tmp_path / "a file"
    blocked.write_bytes(b"")
    Cache(blocked).put("mpy", "cd" * 32, b"payload")  # a file where the folder should be
    assert Cache(blocked).get("mpy", "cd" * 32) is None
    assert sorted(os.listdir(tmp_path)) == ["a file", "cache"]


def test_the_surface_cache_stores_its_arrays_whole(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROBOKIT_CACHE_DIR", str(tmp_path))
    tables = [array("q", range(i, i + 5)) for i in (0, 1 << 40, -7)]
    store_arrays("test-key", tables)
    back = load_arrays("test-key", "q", 5, 3)
    assert [list(t) for t in back] == [list(t) for t in tables]
    folder = tmp_path / "surface" / "te"
    assert os.listdir(folder) == ["test-key"]  # no temporary file left
