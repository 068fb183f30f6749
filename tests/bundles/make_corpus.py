"""Write the corpus of bad (and two good) bundles, and expected.json.

    python tests/bundles/make_corpus.py [--out DIR]

Deterministic: the same script gives the same files.  It uses the standard
library only (not robokit), following docs/bundle-format.md: it is a second,
independent writer of the format, so a valid file here that robokit refuses, or
a bad one it accepts, is a bug in one of the two or in the spec.

expected.json maps each file to the fragment its BundleError message must
contain, or to null for a bundle that must load.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import struct
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MAGIC = b"\x89RKB\r\n\x1a\n"

# Real .mpy (mpy-cross 1.29, bytecode, mpy v6.3) of the two sources below, kept as
# bytes so the corpus does not change when mpy-cross does.
MAIN_PY = b'import helpers\n\nhelpers.greet("corpus")\n'
MAIN_MPY = bytes.fromhex(
    "4d06001f05000e6d61696e2e7079000f0e68656c70657273000a6772656574000c636f72707573"
    "0081281004014680511b0216021102140310043601595163"
)
HELPERS_PY = b'def greet(who):\n    print("hello", who)\n'
HELPERS_MPY = bytes.fromhex(
    "4d06001f06001468656c706572732e7079000f0a6772656574000a68656c6c6f000677686f0081"
    "774c0002013200160251630178190602042012051003b03402595163"
)
ROBOT = {"name": "standard rover", "hub": {"type": "PrimeHub"}, "wheel_diameter": 56.0}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def ref(blob: bytes | None) -> dict[str, Any] | None:
    return None if blob is None else {"size": len(blob), "sha256": sha(blob)}


def module(name: str, mpy: bytes, source: bytes | None, path: str,
           package: bool = False) -> dict[str, Any]:
    return {"name": name, "path": path, "package": package, "mpy": ref(mpy),
            "source": ref(source), "_blobs": [mpy] + ([] if source is None else [source])}


def modules(strip: bool = False) -> list[dict[str, Any]]:
    return [
        module("__main__", MAIN_MPY, None if strip else MAIN_PY, "main.py"),
        module("helpers", HELPERS_MPY, None if strip else HELPERS_PY, "helpers.py"),
    ]


def manifest(mods: list[dict[str, Any]], **changes: Any) -> dict[str, Any]:
    m = {
        "program": "corpus",
        "entry": "__main__",
        "target": "sim",
        "abi": "6.3",
        "mpy_cross_version": "MicroPython v1.29.0; mpy-cross emitting mpy v6.3",
        "robokit_version": "0.1.0",
        "robot": ROBOT,
        "modules": [{k: v for k, v in row.items() if k != "_blobs"} for row in mods],
    }
    m.update(changes)
    return m


def encode(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                      allow_nan=False).encode("ascii")


def seal(raw_manifest: bytes, blobs: list[bytes], *, version: int = 1,
         payload_size: int | None = None, manifest_size: int | None = None) -> bytes:
    """Frame a manifest and payload as docs/bundle-format.md says, hashes and all."""
    payload = b"".join(blobs)
    fixed = struct.pack(
        "<8sIIQ32s", MAGIC, version,
        len(raw_manifest) if manifest_size is None else manifest_size,
        len(payload) if payload_size is None else payload_size,
        hashlib.sha256(raw_manifest).digest(),
    )
    body = fixed + hashlib.sha256(fixed).digest() + raw_manifest + payload
    return body + hashlib.sha256(body).digest()


def bundle(mods: list[dict[str, Any]] | None = None, **changes: Any) -> bytes:
    mods = modules() if mods is None else mods
    blobs = [b for row in mods for b in row["_blobs"]]
    return seal(encode(manifest(mods, **changes)), blobs)


def sealed_manifest(raw: bytes) -> bytes:
    """A bundle whose manifest is ``raw`` (any bytes), the payload as usual."""
    return seal(raw, [b for row in modules() for b in row["_blobs"]])


def flip(data: bytes, offset: int) -> bytes:
    return data[:offset] + bytes([data[offset] ^ 0x01]) + data[offset + 1 :]


def with_module(**changes: Any) -> bytes:
    """A sealed bundle whose 'helpers' row has ``changes`` (hashes still match)."""
    mods = modules()
    mods[1] = {**mods[1], **changes}
    return bundle(mods)


def cases() -> dict[str, tuple[bytes, str | None]]:
    good = bundle()
    mlen = struct.unpack_from("<I", good, 12)[0]
    payload_at = 88 + mlen
    main_source_at = payload_at + len(MAIN_MPY)
    helpers_mpy_at = main_source_at + len(MAIN_PY)
    deep = {"a": 1}
    for _ in range(40):
        deep = {"a": deep}
    out: dict[str, tuple[bytes, str | None]] = {
        "valid.rkb": (good, None),
        "valid_stripped.rkb": (bundle(modules(strip=True)), None),
        # not a bundle at all
        "empty.rkb": (b"", "truncated: the file is empty"),
        "magic_prefix.rkb": (MAGIC[:5], "truncated"),
        "text_file.rkb": (b"print('hello')\n", "not a robokit bundle"),
        "mpy_file.rkb": (MAIN_MPY, "not a robokit bundle (a MicroPython .mpy file)"),
        "zip_file.rkb": (b"PK\x03\x04" + bytes(60), "not a robokit bundle"),
        # versions
        "version_2.rkb": (seal(encode(manifest(modules())), [MAIN_MPY, MAIN_PY, HELPERS_MPY,
                                                               HELPERS_PY], version=2),
                          "format version 2, this robokit reads format version 1"),
        "version_0.rkb": (seal(encode(manifest(modules())), [], version=0),
                          "format version 0"),
        # truncated
        "version_only.rkb": (good[:12], "truncated"),
        "header_half.rkb": (good[:50], "truncated"),
        "truncated_in_manifest.rkb": (good[: 88 + mlen // 2], "truncated"),
        "truncated_in_payload.rkb": (good[: helpers_mpy_at + 3], "truncated"),
        "truncated_last_byte.rkb": (good[:-1], "truncated"),
        # altered
        "trailing_bytes.rkb": (good + b"\n", "altered: 1 byte follows the end"),
        "header_altered.rkb": (flip(good, 16), "altered: the bundle header"),
        "manifest_altered.rkb": (flip(good, 88 + 10), "altered: the manifest"),
        "source_altered.rkb": (flip(good, main_source_at + 2),
                               "altered: module '__main__' (source)"),
        "mpy_altered.rkb": (flip(good, helpers_mpy_at + 7), "altered: module 'helpers' (.mpy)"),
        "digest_altered.rkb": (flip(good, len(good) - 1), "altered: the bundle digest"),
        # sizes that lie (hashes match: a crafted file)
        "payload_4gib.rkb": (seal(encode(manifest(modules())), [MAIN_MPY],
                                  payload_size=4 * 1024**3),
                             "declares a payload of 4294967296 bytes"),
        "manifest_4gib.rkb": (seal(b"{}", [], manifest_size=0xFFFFFFFF),
                              "declares a manifest of 4294967295 bytes"),
        "module_size_4gib.rkb": (with_module(mpy={"size": 4 * 1024**3,
                                                  "sha256": sha(HELPERS_MPY)}),
                                 "'mpy' size 4294967296"),
        "module_sizes_lie.rkb": (with_module(mpy={"size": 1000, "sha256": sha(HELPERS_MPY)}),
                                 "but the payload is"),
        "bool_size.rkb": (with_module(mpy={"size": True, "sha256": sha(HELPERS_MPY)}),
                          "'mpy' size True"),
        "bad_sha_hex.rkb": (with_module(mpy={"size": len(HELPERS_MPY),
                                             "sha256": sha(HELPERS_MPY).upper()}),
                            "64 lowercase hex digits"),
        # module names and paths
        "name_parent.rkb": (with_module(name="../x"), "module name '../x'"),
        "name_slash.rkb": (with_module(name="a/b"), "module name 'a/b'"),
        "name_backslash.rkb": (with_module(name="a\\b"), "is not a dotted module name"),
        "name_empty.rkb": (with_module(name=""), "module name ''"),
        "name_double_dot.rkb": (with_module(name="a..b"), "module name 'a..b'"),
        "name_leading_dot.rkb": (with_module(name=".helpers"), "module name '.helpers'"),
        "name_nul.rkb": (with_module(name="a\x00b"), "module name 'a\\x00b'"),
        "name_unicode.rkb": (with_module(name="m\u00f6dule"), "is not a dotted module name"),
        "name_too_long.rkb": (with_module(name="a" * 201), "is 201 characters long"),
        "name_not_string.rkb": (with_module(name=7), "must be a string, not int"),
        "path_parent.rkb": (with_module(path="../../etc/passwd.py"), "is not a relative path"),
        "path_absolute.rkb": (with_module(path="/etc/helpers.py"), "is not a relative path"),
        "path_windows.rkb": (with_module(path="C:\\helpers.py"), "is not a relative path"),
        # the module table
        "duplicate_module.rkb": (with_module(name="__main__", path="again.py"),
                                 "module '__main__' appears twice"),
        "no_entry.rkb": (bundle(entry="app"), "the entry module 'app' is not in the bundle"),
        "entry_package.rkb": (bundle([{**modules()[0], "package": True}, modules()[1]]),
                              "is a package"),
        "wrong_order.rkb": (bundle(modules()[::-1]), "not in bundle order"),
        "too_many_modules.rkb": (sealed_manifest(encode(manifest([], modules=[{}] * 1001))),
                                 "has 1001 modules (at most 1000)"),
        # the manifest's schema and JSON
        "unknown_key.rkb": (bundle(signature="trust me"), "unknown manifest key 'signature'"),
        "unknown_module_key.rkb": (with_module(native=True), "unknown module key 'native'"),
        "missing_key.rkb": (sealed_manifest(encode({k: v for k, v in manifest(modules()).items()
                                                    if k != "robot"})),
                            "the manifest lacks 'robot'"),
        "manifest_list.rkb": (sealed_manifest(b"[]"), "the manifest is not a JSON object"),
        "not_json.rkb": (sealed_manifest(b"{'program': 'corpus'}"), "is not valid JSON"),
        "not_utf8.rkb": (sealed_manifest(b'{"program": "\xff"}'), "is not UTF-8"),
        "nan.rkb": (sealed_manifest(encode(manifest(modules()))
                                    .replace(b'"wheel_diameter":56.0', b'"wheel_diameter":NaN')),
                    "NaN is not allowed"),
        "huge_number.rkb": (sealed_manifest(encode(manifest(modules()))
                                            .replace(b"56.0", b"1e999")),
                            "out of range"),
        "huge_int.rkb": (sealed_manifest(encode(manifest(modules()))
                                         .replace(b"56.0", b"9" * 5000)),
                         "an integer of 5000 digits"),
        "duplicate_json_key.rkb": (sealed_manifest(encode(manifest(modules()))
                                                   .replace(b'{"abi":"6.3",',
                                                            b'{"abi":"6.3","abi":"5",')),
                                   "duplicate key 'abi'"),
        "deep_json.rkb": (sealed_manifest(b'{"robot":' + b"[" * 100 + b"]" * 100 + b"}"),
                          "nests deeper than 40 levels"),
        "deep_robot.rkb": (bundle(robot=deep), "nests deeper than 40 levels"),
        "unknown_target.rkb": (bundle(target="ev3"), "target 'ev3' is not one this robokit knows"),
        "bad_abi.rkb": (bundle(abi="six"), "is not an mpy version"),
        "program_control_chars.rkb": (bundle(program="a\nb"), "'program' must be printable"),
        # .mpy contents
        "abi_mismatch.rkb": (bundle(abi="5"), "is mpy version 6 but the manifest's ABI is 5"),
        "not_mpy.rkb": (bundle([modules()[0], module("helpers", HELPERS_PY, None,
                                                      "helpers.py")]),
                        "module 'helpers' is not .mpy bytecode"),
    }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write into")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    expected: dict[str, str | None] = {}
    for name, (data, fragment) in sorted(cases().items()):
        (args.out / name).write_bytes(data)
        expected[name] = fragment
    text = json.dumps(expected, indent=2, sort_keys=True) + "\n"
    (args.out / "expected.json").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
