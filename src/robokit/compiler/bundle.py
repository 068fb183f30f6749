"""Bundles: one file holding a compiled program, its manifest and its checks.

A bundle (``.rkb``) carries every module a program needs as MicroPython ``.mpy``
bytecode, optionally each module's source, and a JSON manifest (program name,
entry module, target family, mpy ABI, compiler and robokit versions, the robot
configuration).  Every part is hashed (SHA-256) and the whole is digested; the
same inputs always give the same bytes.  The byte layout, the manifest schema and
the order of the verification steps are specified in ``docs/bundle-format.md``;
this module is the reference implementation.

Reading is safe on bytes from anyone: nothing is allocated from a size in the
file before that size is checked against the file's real length and the limits
below, JSON is parsed only after its length and SHA-256 are checked, and every
failure is a :class:`~robokit.errors.BundleError` whose message says what is
wrong (truncated, altered and where, another format version, unsafe content)
and what to do.
"""

from __future__ import annotations

import copy
import json
import math
import os
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from .._sha import sha256
from ..errors import BundleError

__all__ = [
    "FORMAT_VERSION",
    "MAGIC",
    "MAX_FILE_SIZE",
    "MAX_MANIFEST_SIZE",
    "MAX_MODULES",
    "MAX_NAME_LENGTH",
    "MAX_PATH_LENGTH",
    "SUFFIX",
    "TARGETS",
    "Bundle",
    "BundleModule",
    "check_module_name",
]

#: First 8 bytes of every bundle.  Like PNG's signature: a non-ASCII first byte,
#: then CR LF, ^Z and LF, so a text-mode copy or a truncated transfer is caught.
MAGIC = b"\x89RKB\r\n\x1a\n"
#: The only format version this robokit reads and writes.
FORMAT_VERSION = 1
#: Usual file name suffix.
SUFFIX = ".rkb"

#: Limits a reader enforces before it trusts anything (see docs/bundle-format.md).
MAX_FILE_SIZE = 64 * 1024 * 1024
MAX_MANIFEST_SIZE = 1024 * 1024
MAX_MODULES = 1000
MAX_NAME_LENGTH = 200
MAX_PATH_LENGTH = 255
MAX_TEXT_LENGTH = 200
MAX_JSON_DEPTH = 40
MAX_INT_DIGITS = 40

#: Target families a bundle may be built for.
TARGETS = ("sim", "micropython", "pybricks")

# magic, format version, manifest size, payload size, manifest SHA-256
_FIXED = struct.Struct("<8sIIQ32s")
_DIGEST_SIZE = 32
HEADER_SIZE = _FIXED.size + _DIGEST_SIZE  # + header SHA-256 = 88

_MANIFEST_KEYS = frozenset(
    {"abi", "entry", "modules", "mpy_cross_version", "program", "robokit_version", "robot",
     "target"}
)
_MODULE_KEYS = frozenset({"name", "path", "package", "mpy", "source"})
_BLOB_KEYS = frozenset({"size", "sha256"})

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_NAME_RE = re.compile(rf"{_IDENT}(?:\.{_IDENT})*", re.ASCII)
_ABI_RE = re.compile(r"([0-9]{1,2})(?:\.([0-9]{1,2}))?", re.ASCII)
_HEX_RE = re.compile(r"[0-9a-f]{64}", re.ASCII)
_TOKEN_RE = re.compile(r'\\.|["\[\]{}]', re.DOTALL)  # an escape, a quote or a bracket

_REBUILD = "Rebuild it with `robokit compile` (or copy it again)."
_FOREIGN = ("It was not written by a working robokit: rebuild it with `robokit compile`, "
            "and do not run bundles from an unknown source.")


class _Invalid(Exception):
    """A manifest or module breaks the format's rules (mapped to BundleError)."""


def check_module_name(name: object) -> str:
    """Return ``name`` if it is a safe dotted module name; raise BundleError if not.

    Safe means ASCII identifiers joined by single dots, at most 200 characters:
    no empty parts, no ``..``, ``/``, ``\\``, NUL or anything else a file system
    or a loader could read as a path.
    """
    try:
        return _check_name(name)
    except _Invalid as exc:
        raise BundleError(str(exc)) from exc


def _check_name(name: object) -> str:
    if not isinstance(name, str):
        raise _Invalid(f"a module name must be a string, not {type(name).__name__}")
    if len(name) > MAX_NAME_LENGTH:
        raise _Invalid(f"module name {name[:40]!r}... is {len(name)} characters long "
                       f"(at most {MAX_NAME_LENGTH})")
    if not _NAME_RE.fullmatch(name):
        raise _Invalid(f"module name {name!r} is not a dotted module name (ASCII letters, "
                       "digits and _, parts joined by single dots)")
    return name


def _check_path(path: object, name: str) -> str:
    if not isinstance(path, str):
        raise _Invalid(f"module {name!r}: path must be a string")
    bad = (
        not path
        or len(path) > MAX_PATH_LENGTH
        or any(not ch.isprintable() or ch in "\\:" for ch in path)
        or any(part in ("", ".", "..") for part in path.split("/"))
    )
    if bad:
        raise _Invalid(f"module {name!r}: path {path[:80]!r} is not a relative path "
                       "(forward slashes, no empty, '.' or '..' parts, printable characters, "
                       f"no '\\' or ':', at most {MAX_PATH_LENGTH} characters)")
    return path


def _check_text(value: object, key: str, *, empty: bool = False) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"manifest {key!r} must be a string")
    if (not value and not empty) or len(value) > MAX_TEXT_LENGTH or not value.isprintable():
        raise _Invalid(f"manifest {key!r} must be printable text of "
                       f"{0 if empty else 1} to {MAX_TEXT_LENGTH} characters")
    return value


def _abi_parts(abi: str) -> tuple[int, int | None]:
    match = _ABI_RE.fullmatch(abi)
    if match is None:
        raise _Invalid(f"manifest 'abi' {abi[:20]!r} is not an mpy version such as '6.3' or '5'")
    minor = match.group(2)
    return int(match.group(1)), None if minor is None else int(minor)


def _check_mpy_header(mpy: bytes, name: str, abi: str) -> None:
    """The .mpy must start with b"M" and the ABI's major version; a module with
    native code also records its sub-version, which must be the ABI's minor."""
    major, minor = _abi_parts(abi)
    if len(mpy) < 4 or mpy[0] != ord("M"):
        raise _Invalid(f"module {name!r} is not .mpy bytecode (its .mpy header does not "
                       "start with b'M')")
    if mpy[1] != major:
        raise _Invalid(f"module {name!r} is mpy version {mpy[1]} but the manifest's ABI is "
                       f"{abi}: the module was compiled for another ABI")
    if major >= 6 and mpy[2] >> 2 and minor is not None and mpy[2] & 3 != minor:
        raise _Invalid(f"module {name!r} holds native code for mpy {major}.{mpy[2] & 3} but the "
                       f"manifest's ABI is {abi}")


def _blob_ref(ref: object, name: str, what: str) -> tuple[int, str]:
    if not isinstance(ref, dict):
        raise _Invalid(f"module {name!r}: '{what}' must be an object with size and sha256")
    keys = set(ref)
    if keys != _BLOB_KEYS:
        raise _Invalid(f"module {name!r}: '{what}' must have exactly the keys size and sha256, "
                       f"not {sorted(keys)}")
    size, digest = ref["size"], ref["sha256"]
    if type(size) is not int or not 0 <= size <= MAX_FILE_SIZE:
        raise _Invalid(f"module {name!r}: '{what}' size {size!r} is not a whole number of "
                       f"bytes within the {MAX_FILE_SIZE} byte limit")
    if not isinstance(digest, str) or not _HEX_RE.fullmatch(digest):
        raise _Invalid(f"module {name!r}: '{what}' sha256 must be 64 lowercase hex digits")
    return size, digest


class _Entry:
    """One row of the module table, as checked.  (A plain class: a dataclass would compile
    its methods at every start-up, ~0.7 ms, for a row nobody compares or prints.)"""

    __slots__ = ("name", "path", "package", "mpy", "source")

    def __init__(self, name: str, path: str, package: bool, mpy: tuple[int, str],
                 source: tuple[int, str] | None) -> None:
        self.name = name
        self.path = path
        self.package = package
        self.mpy = mpy
        self.source = source


def _check_manifest(m: object) -> list[_Entry]:
    """Check the manifest's schema, names, limits and order; return the module table."""
    if not isinstance(m, dict):
        raise _Invalid("the manifest is not a JSON object")
    unknown = sorted(set(m) - _MANIFEST_KEYS)
    if unknown:
        raise _Invalid(f"unknown manifest key {unknown[0]!r} (format version {FORMAT_VERSION} "
                       "has no such key)")
    missing = sorted(_MANIFEST_KEYS - set(m))
    if missing:
        raise _Invalid(f"the manifest lacks {missing[0]!r}")
    _check_text(m["program"], "program")
    _check_text(m["mpy_cross_version"], "mpy_cross_version", empty=True)
    _check_text(m["robokit_version"], "robokit_version")
    if m["target"] not in TARGETS:
        raise _Invalid(f"target {str(m['target'])[:40]!r} is not one this robokit knows "
                       f"({', '.join(TARGETS)}): a newer robokit may know it")
    abi = _check_text(m["abi"], "abi")
    _abi_parts(abi)
    if not isinstance(m["robot"], dict):
        raise _Invalid("manifest 'robot' must be a JSON object")
    entry = _check_name(m["entry"])
    rows = m["modules"]
    if not isinstance(rows, list):
        raise _Invalid("manifest 'modules' must be a list")
    if len(rows) > MAX_MODULES:
        raise _Invalid(f"the bundle has {len(rows)} modules (at most {MAX_MODULES})")
    table: list[_Entry] = []
    for row in rows:
        if not isinstance(row, dict):
            raise _Invalid("each entry of manifest 'modules' must be an object")
        keys = set(row)
        if keys != _MODULE_KEYS:
            extra = sorted(keys - _MODULE_KEYS)
            raise _Invalid(f"unknown module key {extra[0]!r}" if extra else
                           f"a module lacks {sorted(_MODULE_KEYS - keys)[0]!r}")
        name = _check_name(row["name"])
        path = _check_path(row["path"], name)
        if not isinstance(row["package"], bool):
            raise _Invalid(f"module {name!r}: 'package' must be true or false")
        mpy = _blob_ref(row["mpy"], name, "mpy")
        source = None if row["source"] is None else _blob_ref(row["source"], name, "source")
        table.append(_Entry(name, path, row["package"], mpy, source))
    names = [e.name for e in table]
    if len(set(names)) != len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise _Invalid(f"module {twice!r} appears twice")
    if entry not in names:
        raise _Invalid(f"the entry module {entry!r} is not in the bundle")
    if table[names.index(entry)].package:
        raise _Invalid(f"the entry module {entry!r} is a package")
    if names != _ordered(names, entry):
        raise _Invalid("the module table is not in bundle order (the entry first, then by name)")
    return table


def _ordered(names: list[str], entry: str) -> list[str]:
    return sorted(names, key=lambda n: (n != entry, n))


# JSON that a manifest may hold: no NaN or infinities, no duplicate keys, no
# integers long enough to make int() slow.
def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key[:40]!r}")
        out[key] = value
    return out


def _no_constant(token: str) -> Any:
    raise ValueError(f"{token} is not allowed")


def _bounded_int(text: str) -> int:
    if len(text) > MAX_INT_DIGITS:
        raise ValueError(f"an integer of {len(text)} digits")
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:20]} is out of range")
    return value


def _json_depth(text: str) -> int:
    """Return how deep the JSON in ``text`` nests (or MAX_JSON_DEPTH + 1 if deeper),
    counting brackets outside strings in one linear pass: the json module recurses
    once per level."""
    depth = deepest = 0
    in_string = False
    for token in _TOKEN_RE.findall(text):
        if token == '"':
            in_string = not in_string
        elif in_string or len(token) == 2:  # inside a string, or an escape
            continue
        elif token in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_JSON_DEPTH:
                break
        else:
            depth -= 1
    return deepest


def _parse_manifest(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
        if _json_depth(text) > MAX_JSON_DEPTH:
            raise _Invalid(f"the manifest's JSON nests deeper than {MAX_JSON_DEPTH} levels")
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant,
                          parse_int=_bounded_int, parse_float=_finite_float)
    except UnicodeDecodeError as exc:
        raise _Invalid(f"the manifest is not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    except RecursionError:
        raise _Invalid("the manifest's JSON nests too deeply") from None
    except ValueError as exc:
        raise _Invalid(f"the manifest is not valid JSON ({str(exc)[:120]})") from exc


def _canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                      allow_nan=False).encode("ascii")


def _sha256(data: bytes | memoryview) -> str:
    return sha256(data).hexdigest()


def _ref(blob: bytes) -> dict[str, Any]:
    return {"size": len(blob), "sha256": _sha256(blob)}


@dataclass(frozen=True)
class BundleModule:
    """One module of a bundle: its ``.mpy`` bytes and, unless stripped, its source.

    ``name`` is the dotted module name (``"__main__"`` for the entry, ``"pkg"`` for
    ``pkg/__init__.py``, ``"pkg.sub"``); ``path`` is the source file relative to the
    project root with forward slashes (``"main.py"``, ``"<robokit>/devices/motors.py"``
    for robokit's own), used in tracebacks.  An empty ``path`` is filled in from the
    name (``pkg/sub.py``, ``pkg/__init__.py``).
    """

    name: str
    mpy: bytes
    source: bytes | None = None
    is_package: bool = False
    path: str = ""

    def __post_init__(self) -> None:
        if not self.path:
            stem = self.name.replace(".", "/")
            object.__setattr__(self, "path", stem + ("/__init__.py" if self.is_package else ".py"))


@dataclass
class Bundle:
    """A compiled program: manifest fields plus modules, kept in bundle order.

    Bundle order is the entry module first, then the others sorted by name (as
    ASCII); the constructor sorts ``modules`` into it, so the order of the list it
    is given does not matter.  Bundles compare equal when every field is equal.
    """

    program: str
    entry: str
    target: str
    abi: str
    mpy_cross_version: str
    robokit_version: str
    robot: dict[str, Any]
    modules: list[BundleModule] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.modules = sorted(self.modules, key=lambda m: (m.name != self.entry, m.name))

    # -- writing -----------------------------------------------------------------

    def _table(self) -> list[dict[str, Any]]:
        return [
            {
                "name": m.name,
                "path": m.path,
                "package": m.is_package,
                "mpy": _ref(m.mpy),
                "source": None if m.source is None else _ref(m.source),
            }
            for m in _ordered_modules(self.modules, self.entry)
        ]

    def _stored_manifest(self) -> dict[str, Any]:
        return {
            "program": self.program,
            "entry": self.entry,
            "target": self.target,
            "abi": self.abi,
            "mpy_cross_version": self.mpy_cross_version,
            "robokit_version": self.robokit_version,
            "robot": self.robot,
            "modules": self._table(),
        }

    def to_bytes(self) -> bytes:
        """Return the bundle file's bytes: the same bundle always gives the same bytes.

        Raises BundleError if the bundle would not pass a reader's checks (a bad
        module name or path, .mpy bytes of another ABI, a robot configuration that
        is not plain JSON, a limit exceeded).

        The bytes are kept with the bundle while none of its fields changes (its size
        checked when compiled, then the bytes a run verifies: made once, not twice).
        """
        kept = self._kept()
        if kept is not None:
            return kept[2]
        data = self._make_bytes()
        self.__dict__["_kept_bytes"] = (self._fields_key(), copy.deepcopy(self.robot), data,
                                        False)
        return data

    def keep_bytes(self, data: bytes) -> None:
        """Keep ``data``, the verified bytes this bundle was read from, as its
        :meth:`to_bytes` (a bundle read from bytes does not make them again)."""
        self.__dict__["_kept_bytes"] = (self._fields_key(), copy.deepcopy(self.robot), data,
                                        True)

    def read_bytes(self) -> bytes | None:
        """The verified bytes this bundle was read from (:meth:`from_bytes`, :meth:`read`),
        while none of its fields has changed since; None for a bundle made or changed
        here, whose bytes no reader has checked yet."""
        kept = self._kept()
        return kept[2] if kept is not None and kept[3] else None

    def _kept(self) -> tuple[Any, ...] | None:
        """The kept bytes' record, when none of the fields they stand for changed."""
        kept = self.__dict__.get("_kept_bytes")
        if kept is not None and kept[0] == self._fields_key() and kept[1] == self.robot:
            return kept
        return None

    def _fields_key(self) -> tuple[Any, ...]:
        """The fields kept bytes stand for (with ``robot``, compared on its own): when one
        of them changes, :meth:`to_bytes` makes the bytes again."""
        return (self.program, self.entry, self.target, self.abi, self.mpy_cross_version,
                self.robokit_version, tuple(self.modules))

    def _make_bytes(self) -> bytes:
        manifest = self._stored_manifest()
        try:
            raw = _canonical_json(manifest)
        except (TypeError, ValueError) as exc:
            raise BundleError(f"cannot write bundle {self.program!r}: the robot configuration "
                              f"is not plain JSON ({exc})") from exc
        try:
            parsed = _parse_manifest(raw)
            if parsed != manifest:
                raise _Invalid("the robot configuration does not survive JSON (use dicts with "
                               "string keys, lists, strings, numbers, booleans and None)")
            _check_manifest(parsed)
            for m in self.modules:
                _check_mpy_header(m.mpy, m.name, self.abi)
        except _Invalid as exc:
            raise BundleError(f"cannot write bundle {self.program!r}: {exc}") from exc
        if len(raw) > MAX_MANIFEST_SIZE:
            raise BundleError(f"cannot write bundle {self.program!r}: its manifest is {len(raw)} "
                              f"bytes (at most {MAX_MANIFEST_SIZE})")
        blobs: list[bytes] = []
        for m in _ordered_modules(self.modules, self.entry):
            blobs.append(m.mpy)
            if m.source is not None:
                blobs.append(m.source)
        data = _seal(raw, blobs)
        if len(data) > MAX_FILE_SIZE:
            raise BundleError(f"cannot write bundle {self.program!r}: it would be {len(data)} "
                              f"bytes (at most {MAX_FILE_SIZE})")
        return data

    def write(self, path: str | os.PathLike[str]) -> None:
        """Write the bundle to ``path`` atomically (a reader never sees half a file), by the
        rules of :func:`robokit._files.write_output`: under a temporary name of this
        process, then renamed; a device or pipe is written through, never replaced.
        Raises ``RobokitError`` (one line) when ``path`` cannot be written."""
        from .._files import write_output

        write_output(path, self.to_bytes(), what="bundle")

    # -- reading -----------------------------------------------------------------

    @classmethod
    def from_bytes(cls, data: bytes, source: str = "<bytes>") -> Bundle:
        """Return the bundle in ``data`` after verifying all of it.

        Raises BundleError naming ``source`` and saying what is wrong: truncated,
        altered (the header, the manifest, which module, or the digest), another
        format version, not a bundle, or content that breaks the format's rules.
        """
        data = bytes(data)
        bundle = _read(data, source)
        bundle.keep_bytes(data)
        return bundle

    @classmethod
    def from_stored_bytes(cls, data: bytes, source: str = "<bytes>") -> Bundle:
        """Return the bundle in ``data``: bytes that passed :meth:`from_bytes` before and
        that the caller has just found unchanged since, byte for byte (the compile cache:
        a SHA-256 over all of them, taken when they were stored).  The format's checks
        run, except its SHA-256 digests: they would hash the same bytes twice more (a
        stored bundle is the bulk of what a run reads, ~200 KB).  Anything else: use
        :meth:`from_bytes`."""
        data = bytes(data)
        bundle = _read(data, source, digests=False)
        bundle.keep_bytes(data)
        return bundle

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> Bundle:
        """Return the bundle in the file at ``path``, verified; BundleError names the file."""
        name = str(path)
        try:
            with open(path, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                if size > MAX_FILE_SIZE:
                    raise BundleError(f"{name}: the file is {size} bytes, more than a bundle may "
                                      f"be ({MAX_FILE_SIZE} bytes). {_FOREIGN}")
                data = f.read(MAX_FILE_SIZE + 1)
        except FileNotFoundError as exc:
            raise BundleError(f"{name}: no such file. Build one with `robokit compile`.") from exc
        except OSError as exc:
            raise BundleError(f"{name}: cannot read it: {exc.strerror or exc}") from exc
        bundle = _read(data, name)
        bundle.keep_bytes(data)
        return bundle

    # -- using -------------------------------------------------------------------

    def digest(self) -> str:
        """Return the bundle digest: hex SHA-256 over the whole file as stored, up to
        the digest itself (the last 32 bytes of :meth:`to_bytes`)."""
        return self.to_bytes()[-_DIGEST_SIZE:].hex()

    def stripped(self) -> Bundle:
        """Return the same bundle without sources (smaller; tracebacks keep file:line)."""
        return replace(self, modules=[replace(m, source=None) for m in self.modules])

    def module(self, name: str) -> BundleModule:
        """Return the module called ``name``; KeyError if the bundle has none."""
        for m in self.modules:
            if m.name == name:
                return m
        raise KeyError(name)

    def manifest(self) -> dict[str, Any]:
        """Return everything but the bytes: the stored manifest (each module with the
        size and SHA-256 of its .mpy and source) plus ``format``, ``size`` (bytes of
        the file), ``digest`` and ``sources`` ("all", "none" or "some")."""
        data = self.to_bytes()
        with_source = sum(m.source is not None for m in self.modules)
        sources = ("all" if with_source == len(self.modules) else
                   "none" if with_source == 0 else "some")
        return {
            "format": FORMAT_VERSION,
            "size": len(data),
            "digest": data[-_DIGEST_SIZE:].hex(),
            "sources": sources,
            **self._stored_manifest(),
        }

    def verify(self) -> None:
        """Check the bundle would pass a reader's checks; BundleError if not."""
        self.to_bytes()


def _ordered_modules(modules: Iterable[BundleModule], entry: str) -> list[BundleModule]:
    return sorted(modules, key=lambda m: (m.name != entry, m.name))


def _seal(manifest: bytes, blobs: list[bytes]) -> bytes:
    """Frame a manifest and payload blobs as a bundle file (no checks)."""
    payload_size = sum(len(b) for b in blobs)
    fixed = _FIXED.pack(MAGIC, FORMAT_VERSION, len(manifest), payload_size,
                        sha256(manifest).digest())
    body = b"".join([fixed, sha256(fixed).digest(), manifest, *blobs])
    return body + sha256(body).digest()


def _read(data: bytes, source: str, digests: bool = True) -> Bundle:
    """The bundle in ``data``, after the format's checks in its order; ``digests=False``
    leaves out its four SHA-256 comparisons (for bytes known to be unchanged since they
    passed them all: :meth:`Bundle.from_stored_bytes`)."""
    n = len(data)

    def truncated(what: str) -> BundleError:
        return BundleError(f"{source}: truncated: {what}. {_REBUILD}")

    def altered(what: str) -> BundleError:
        return BundleError(f"{source}: altered: {what}; the file was changed after it was "
                           f"built. {_REBUILD}")

    def invalid(what: str) -> BundleError:
        return BundleError(f"{source}: refused: {what}. {_FOREIGN}")

    # 1. magic
    if n < len(MAGIC) and MAGIC.startswith(data):
        raise truncated("the file is empty" if n == 0 else
                        f"the file ends after {n} bytes, inside the bundle header")
    if data[: len(MAGIC)] != MAGIC:
        what = ("a MicroPython .mpy file" if data[:1] == b"M" and data[1:2] in (b"\x05", b"\x06")
                else "a file that does not start with the bundle magic")
        raise BundleError(f"{source}: not a robokit bundle ({what}). Give a .rkb file "
                          "made by `robokit compile`.")
    # 2. format version
    if n < len(MAGIC) + 4:
        raise truncated(f"the file ends after {n} bytes, inside the bundle header")
    (version,) = struct.unpack_from("<I", data, len(MAGIC))
    if version != FORMAT_VERSION:
        if version > FORMAT_VERSION:
            advice = ("Upgrade robokit (pip install -U robokit) to read it, or rebuild it with "
                      "this robokit (`robokit compile`).")
        else:
            advice = "No robokit writes that version: the file is damaged. " + _REBUILD
        raise BundleError(f"{source}: format version {version}, this robokit reads "
                          f"format version {FORMAT_VERSION}. {advice}")
    # 3. the rest of the header, and its own SHA-256
    if n < HEADER_SIZE:
        raise truncated(f"the file ends after {n} bytes, inside the {HEADER_SIZE}-byte "
                        "bundle header")
    _, _, manifest_size, payload_size, manifest_sha = _FIXED.unpack_from(data)
    if digests and sha256(data[: _FIXED.size]).digest() != data[_FIXED.size : HEADER_SIZE]:
        raise altered("the bundle header does not match its SHA-256")
    # 4. limits, before any size is trusted
    if manifest_size > MAX_MANIFEST_SIZE:
        raise invalid(f"the header declares a manifest of {manifest_size} bytes "
                      f"(at most {MAX_MANIFEST_SIZE})")
    total = HEADER_SIZE + manifest_size + payload_size + _DIGEST_SIZE
    if total > MAX_FILE_SIZE:
        raise invalid(f"the header declares a payload of {payload_size} bytes, a "
                      f"{total}-byte bundle (at most {MAX_FILE_SIZE})")
    # 5. the length of the file
    if n < total:
        raise truncated(f"the file has {n} bytes but the bundle is {total} bytes "
                        f"({total - n} missing)")
    if n > total:
        extra = "1 byte follows" if n - total == 1 else f"{n - total} bytes follow"
        raise BundleError(f"{source}: altered: {extra} the end of the bundle ({total} bytes). "
                          f"{_REBUILD}")
    # 6. the manifest: SHA-256, then JSON, then schema
    manifest_end = HEADER_SIZE + manifest_size
    raw = data[HEADER_SIZE:manifest_end]
    if digests and sha256(raw).digest() != manifest_sha:
        raise altered("the manifest does not match its SHA-256")
    try:
        manifest = _parse_manifest(raw)
        table = _check_manifest(manifest)
        # 7. the module table accounts for the payload exactly
        declared = sum(e.mpy[0] + (e.source[0] if e.source else 0) for e in table)
        if declared != payload_size:
            raise _Invalid(f"the module table declares {declared} bytes of modules but the "
                   f"payload is {payload_size} bytes")
    except _Invalid as exc:
        raise invalid(str(exc)) from exc
    # 8. every module's bytes, in table order
    view = memoryview(data)
    pos = manifest_end
    modules: list[BundleModule] = []
    for e in table:
        mpy_end = pos + e.mpy[0]
        if digests and _sha256(view[pos:mpy_end]) != e.mpy[1]:
            raise altered(f"module {e.name!r} (.mpy) does not match its SHA-256")
        src: bytes | None = None
        src_end = mpy_end
        if e.source is not None:
            src_end = mpy_end + e.source[0]
            if digests and _sha256(view[mpy_end:src_end]) != e.source[1]:
                raise altered(f"module {e.name!r} (source) does not match its SHA-256")
            src = data[mpy_end:src_end]
        modules.append(BundleModule(e.name, data[pos:mpy_end], src, e.package, e.path))
        pos = src_end
    # 9. the .mpy headers against the ABI
    try:
        for m in modules:
            _check_mpy_header(m.mpy, m.name, manifest["abi"])
    except _Invalid as exc:
        raise invalid(str(exc)) from exc
    # 10. the digest over the whole
    if digests and (sha256(view[: total - _DIGEST_SIZE]).digest()
                    != data[total - _DIGEST_SIZE :]):
        raise altered("the bundle digest (its last 32 bytes) does not match the bundle")
    return Bundle(
        program=manifest["program"],
        entry=manifest["entry"],
        target=manifest["target"],
        abi=manifest["abi"],
        mpy_cross_version=manifest["mpy_cross_version"],
        robokit_version=manifest["robokit_version"],
        robot=manifest["robot"],
        modules=modules,
    )
