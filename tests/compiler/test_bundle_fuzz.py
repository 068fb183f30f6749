"""Fuzzing the bundle reader: whatever the bytes, Bundle.from_bytes returns the
bundle they encode or raises BundleError, never anything else.

Four sources of input: random bytes; random bytes behind a valid magic and
version (to get past the first checks); mutations of a valid bundle (flips,
overwrites, insertions, deletions, truncations), which must be refused unless
they changed nothing; and mutated or generated manifests sealed with correct
hashes, which reach the JSON and schema checks a hash mismatch would stop.

Each test runs 150 examples (a few seconds in all); for a deeper run set
ROBOKIT_FUZZ_EXAMPLES, e.g.
``ROBOKIT_FUZZ_EXAMPLES=20000 pytest tests/compiler/test_bundle_fuzz.py``.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from robokit.compiler import Bundle, parse_pybricks
from robokit.compiler.bundle import HEADER_SIZE, MAGIC
from robokit.errors import BundleError

CORPUS = Path(__file__).resolve().parents[1] / "bundles"
VALID = (CORPUS / "valid.rkb").read_bytes()
ORIGINAL = Bundle.from_bytes(VALID)
(MANIFEST_SIZE,) = struct.unpack_from("<I", VALID, 12)
MANIFEST = VALID[HEADER_SIZE : HEADER_SIZE + MANIFEST_SIZE]
PAYLOAD = VALID[HEADER_SIZE + MANIFEST_SIZE : -32]

FUZZ = settings(max_examples=int(os.environ.get("ROBOKIT_FUZZ_EXAMPLES", "150")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


def read(data: bytes) -> Bundle | None:
    """Bundle.from_bytes, with BundleError as None; any other exception fails the test."""
    try:
        return Bundle.from_bytes(data, "fuzz.rkb")
    except BundleError as exc:
        assert str(exc).startswith("fuzz.rkb: ")
        return None


def seal(manifest: bytes, payload: bytes = PAYLOAD) -> bytes:
    fixed = struct.pack("<8sIIQ32s", MAGIC, 1, len(manifest), len(payload),
                        hashlib.sha256(manifest).digest())
    body = fixed + hashlib.sha256(fixed).digest() + manifest + payload
    return body + hashlib.sha256(body).digest()


def stable(bundle: Bundle) -> None:
    """A bundle the reader accepted writes and reads back as itself."""
    assert Bundle.from_bytes(bundle.to_bytes()) == bundle


@FUZZ
@given(st.binary(max_size=2048))
def test_random_bytes(data: bytes):
    assert read(data) is None


@FUZZ
@given(st.binary(max_size=2048))
def test_random_bytes_after_magic_and_version(tail: bytes):
    assert read(MAGIC + b"\x01\x00\x00\x00" + tail) is None


mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, len(VALID) - 1), st.integers(1, 255)),
    st.tuples(st.just("set"), st.integers(0, len(VALID) - 1), st.integers(0, 255)),
    st.tuples(st.just("insert"), st.integers(0, len(VALID)), st.binary(min_size=1, max_size=16)),
    st.tuples(st.just("delete"), st.integers(0, len(VALID) - 1), st.integers(1, 64)),
    st.tuples(st.just("truncate"), st.integers(0, len(VALID)), st.just(0)),
)


def mutate(data: bytes, op: tuple[str, int, Any]) -> bytes:
    kind, at, arg = op
    at = min(at, len(data))
    if kind == "flip" and at < len(data):
        return data[:at] + bytes([data[at] ^ arg]) + data[at + 1 :]
    if kind == "set" and at < len(data):
        return data[:at] + bytes([arg]) + data[at + 1 :]
    if kind == "insert":
        return data[:at] + arg + data[at:]
    if kind == "delete":
        return data[:at] + data[at + arg :]
    if kind == "truncate":
        return data[:at]
    return data


@FUZZ
@given(st.lists(mutation, min_size=1, max_size=4))
def test_mutated_bundle(ops: list[tuple[str, int, Any]]):
    data = VALID
    for op in ops:
        data = mutate(data, op)
    result = read(data)
    if data == VALID:
        assert result == ORIGINAL
    else:
        assert result is None


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(MANIFEST) - 1), st.integers(0, 255)),
                min_size=1, max_size=4))
def test_mutated_manifest_with_correct_hashes(edits: list[tuple[int, int]]):
    raw = bytearray(MANIFEST)
    for at, value in edits:
        raw[at] = value
    result = read(seal(bytes(raw)))
    if result is not None:
        stable(result)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=True)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
KEYS = ["program", "entry", "target", "abi", "mpy_cross_version", "robokit_version", "robot",
        "modules"]


@st.composite
def manifests(draw: st.DrawFn) -> bytes:
    """The valid manifest with some keys replaced by arbitrary JSON, some dropped, some
    added; module rows likewise."""
    m: dict[str, Any] = json.loads(MANIFEST)
    for key in draw(st.lists(st.sampled_from(KEYS), max_size=3)):
        m[key] = draw(json_values)
    for key in draw(st.lists(st.sampled_from(KEYS), max_size=1)):
        m.pop(key, None)
    if draw(st.booleans()) and isinstance(m.get("modules"), list) and m["modules"]:
        first = m["modules"][0]
        row = dict(first) if isinstance(first, dict) else {}
        field = draw(st.sampled_from(["name", "path", "package", "mpy", "source", "extra"]))
        row[field] = draw(json_values | st.fixed_dictionaries(
            {"size": st.integers(-5, 2**40), "sha256": st.text(max_size=70)}))
        m["modules"][0] = row
    return json.dumps(m).encode()


@FUZZ
@given(manifests())
def test_generated_manifest_with_correct_hashes(raw: bytes):
    result = read(seal(raw))
    if result is not None:
        stable(result)


@FUZZ
@given(st.binary(max_size=512))
def test_parse_pybricks_random(blob: bytes):
    try:
        records = parse_pybricks(blob)
    except BundleError:
        return
    reframed = b"".join(struct.pack("<I", len(mpy)) + name.encode() + b"\0" + mpy
                        for name, mpy in records)
    assert reframed == blob
