"""A content-addressed cache of compiled modules, in the user's cache folder.

Entries are keyed by a SHA-256 over everything that decides the compiler's
output (the source bytes, the mpy-cross version, the flags and the source name
embedded in the .mpy), so an entry never goes stale: a changed input is a
different key.  The folder is ``platformdirs.user_cache_dir("robokit")``; the
environment variable ``ROBOKIT_CACHE_DIR`` overrides it (tests point it at a
temporary folder; an empty value turns the cache off).

Writes are atomic (a temporary file, then ``os.replace``), so parallel builds
and a build killed half-way never leave a torn entry.  Each entry carries the
SHA-256 of its bytes (``HEADER``, the hash, the bytes), checked on every read:
an entry cut short or altered on disk (a full disk, a crash, a careless
clean-up) is a miss, and the build that missed writes it again.  A read that
fails for any reason is a miss; a cache folder that cannot be written is
skipped, and the build goes on without it.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from .._files import replace_whole
from .._sha import sha256

ENV_VAR = "ROBOKIT_CACHE_DIR"
#: What every entry starts with (format 1: then the SHA-256 of the payload, then it).
HEADER = b"RKC\x01"
_HASH = 32


def default_cache_dir() -> Path | None:
    """The cache folder: ``$ROBOKIT_CACHE_DIR`` if set (empty: no cache), else the
    platform's user cache folder for robokit."""
    env = os.environ.get(ENV_VAR)
    if env is not None:
        return Path(env) if env.strip() else None
    xdg = _xdg_cache_dir()
    if xdg is not None:
        return xdg
    from platformdirs import user_cache_dir  # ~6 ms (it imports tempfile, shutil, ...)

    return Path(user_cache_dir("robokit", appauthor=False))


def _xdg_cache_dir() -> Path | None:
    """On Linux and the BSDs, the folder platformdirs would give, found as the XDG base
    directory spec says (``$XDG_CACHE_HOME`` when it is an absolute path, else
    ``$HOME/.cache``) without importing platformdirs, which costs every run ~6 ms.
    None elsewhere (macOS, Windows, Android) or with no absolute ``$HOME``:
    platformdirs decides."""
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")) or (
            os.environ.get("ANDROID_DATA") == "/data"
            and os.environ.get("ANDROID_ROOT") == "/system") or hasattr(
            sys, "getandroidapilevel"):
        return None
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not base.startswith("/"):
        home = os.environ.get("HOME", "")
        if not home.startswith("/"):
            return None
        base = os.path.join(home, ".cache")
    return Path(base, "robokit")


def make_key(*parts: bytes | str) -> str:
    """A hex SHA-256 over ``parts``, each length-prefixed (so no two part lists collide)."""
    h = sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


_T = TypeVar("_T")


def analysed(cache: Cache | None, key_parts: tuple[bytes | str, ...],
             compute: Callable[[], Any], load: Callable[[Any], _T]) -> _T:
    """A source analysis (a check of one module): ``load(data)``, where ``data`` is
    ``compute()``'s (JSON-able) result, or the same as stored in ``cache``'s "analysis"
    entries when the same ``key_parts`` (a format, the source, ...) were analysed
    before.  A stored entry ``load`` cannot read (ValueError, TypeError, KeyError,
    IndexError) is computed again."""
    key = ""
    if cache is not None and cache.enabled:
        key = make_key(*key_parts)
        raw = cache.get("analysis", key)
        if raw is not None:
            try:
                return load(json.loads(raw))
            except (ValueError, TypeError, KeyError, IndexError):
                pass
    data = compute()
    if key and cache is not None:
        cache.put("analysis", key, json.dumps(data).encode())
    return load(data)


class Cache:
    """Bytes stored under hex keys in ``root/<kind>/<first two hex>/<key>``.

    ``root=None`` is a cache that stores nothing (every ``get`` misses).
    """

    def __init__(self, root: Path | str | None = None, *, use_default: bool = True):
        if root is None and use_default:
            root = default_cache_dir()
        self.root = Path(root) if root is not None else None
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.root is not None

    def path(self, kind: str, key: str) -> Path | None:
        if self.root is None:
            return None
        return self.root / kind / key[:2] / key

    def get(self, kind: str, key: str) -> bytes | None:
        p = self.path(kind, key)
        if p is None:
            self.misses += 1
            return None
        try:
            raw = p.read_bytes()
        except OSError:
            self.misses += 1
            return None
        start = len(HEADER) + _HASH
        data = raw[start:]
        if raw[:len(HEADER)] != HEADER or sha256(data).digest() != raw[len(HEADER):start]:
            self.misses += 1  # torn, altered or of an older format: the caller rewrites it
            return None
        self.hits += 1
        return data

    def put(self, kind: str, key: str, data: bytes) -> None:
        """Store ``data``; a cache that cannot be written is silently skipped."""
        p = self.path(kind, key)
        if p is None:
            return
        # A name of our own per process and call, then an atomic rename: readers
        # never see a torn entry, and racing writers of one key write the same bytes.
        try:
            replace_whole(p, (HEADER, sha256(data).digest(), data), make_folder=True)
        except OSError:
            pass

    def clear(self) -> None:
        """Remove every entry (the folder itself stays)."""
        if self.root is None or not self.root.is_dir():
            return
        import shutil

        for child in self.root.iterdir():
            if child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
            else:
                try:
                    child.unlink()
                except OSError:
                    pass
