"""The simulated board's file system: ``board.files`` (absolute path -> bytes) and
``board.dirs`` seen through MicroPython's ``os`` module and ``open()``.

:class:`VirtualOS` is the board's ``os``/``uos`` (listdir, stat, statvfs, mkdir, rename...),
:func:`open_file` its ``open()``, :class:`VFile` an open file.  Every write goes through
``board._fs_write`` first, where a ``power`` fault can cut it short or a read-only mount
refuse it; errors are MicroPython's ``OSError`` with the errno's name (:func:`oserror`).
Both executors use these: the CPython one directly, MicroPython's unix port through its
requests to the host.  Imports nothing of robokit at run time.
"""

from __future__ import annotations

import errno
import io
import os
import posixpath
import types
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .board import SimBoard

__all__ = ["S_IFDIR", "S_IFREG", "VFile", "VirtualOS", "open_file", "oserror"]

S_IFDIR = 0x4000
S_IFREG = 0x8000


def oserror(code: int) -> OSError:
    # MicroPython prints these as "OSError: [Errno 2] ENOENT"; mpremote looks for the name.
    return OSError(code, errno.errorcode.get(code, str(code)))


class VFile(io.BytesIO):
    """A file of the board's filesystem; written files are stored on flush and close."""

    def __init__(self, board: SimBoard, path: str, data: bytes, writable: bool, append: bool):
        super().__init__(data)
        self._board = board
        self._path = path
        self._writable = writable
        self._dirty = False  # written bytes not stored yet (a power cut counts stores)
        if append:
            self.seek(0, io.SEEK_END)

    def writable(self) -> bool:
        return self._writable

    def write(self, b: Any) -> int:
        if not self._writable:
            raise oserror(errno.EBADF)
        self._dirty = True
        return super().write(b)

    def flush(self) -> None:
        if self._writable and not self.closed:
            if self._dirty:  # bytes not stored yet: one flash write
                self._board._fs_write("store", self._path, self.getvalue())
                self._dirty = False
            self._board.files[self._path] = self.getvalue()

    def close(self) -> None:
        if not self.closed:
            self.flush()
        super().close()


class VirtualOS(types.ModuleType):
    """The board's ``os`` / ``uos`` module, over ``board.files`` and ``board.dirs``."""

    def __init__(self, board: SimBoard, name: str):
        super().__init__(name)
        self._b = board
        self.sep = "/"

    def getcwd(self) -> str:
        return self._b.cwd

    def chdir(self, path: str) -> None:
        p = self._b.path(path)
        if p not in self._b.all_dirs():
            raise oserror(errno.ENOENT)
        self._b.cwd = p

    def ilistdir(self, path: str = "") -> Iterator[tuple[str, int, int, int]]:
        b = self._b
        p = b.path(path or b.cwd)
        dirs = b.all_dirs()
        if p not in dirs:
            raise oserror(errno.ENOENT if p not in b.files else errno.ENOTDIR)
        prefix = p.rstrip("/") + "/"
        entries: list[tuple[str, int, int, int]] = []
        for d in sorted(dirs):
            if d != p and d.startswith(prefix) and "/" not in d[len(prefix):]:
                entries.append((d[len(prefix):], S_IFDIR, 0, 0))
        for f in sorted(b.files):
            if f.startswith(prefix) and "/" not in f[len(prefix):]:
                entries.append((f[len(prefix):], S_IFREG, 0, len(b.files[f])))
        return iter(entries)

    def listdir(self, path: str = "") -> list[str]:
        return [e[0] for e in self.ilistdir(path)]

    def stat(self, path: str) -> tuple[int, ...]:
        b = self._b
        p = b.path(path)
        if p in b.all_dirs():
            return (S_IFDIR, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        if p in b.files:
            return (S_IFREG, 0, 0, 0, 0, 0, len(b.files[p]), 0, 0, 0)
        raise oserror(errno.ENOENT)

    def statvfs(self, path: str = "/") -> tuple[int, ...]:
        used = sum(len(v) for v in self._b.files.values()) // 4096 + 1
        total = 2 * 1024 * 1024 // 4096
        return (4096, 4096, total, total - used, total - used, 0, 0, 0, 0, 255)

    def remove(self, path: str) -> None:
        p = self._b.path(path)
        if p in self._b.all_dirs():
            raise oserror(errno.EISDIR)
        if p not in self._b.files:
            raise oserror(errno.ENOENT)
        self._b._fs_write("remove", p)
        del self._b.files[p]

    unlink = remove

    def mkdir(self, path: str) -> None:
        b = self._b
        p = b.path(path)
        dirs = b.all_dirs()
        if p in dirs or p in b.files:
            raise oserror(errno.EEXIST)
        if posixpath.dirname(p) not in dirs:
            raise oserror(errno.ENOENT)
        b._fs_write("mkdir", p)
        b.dirs.add(p)

    def rmdir(self, path: str) -> None:
        b = self._b
        p = b.path(path)
        if p not in b.all_dirs() or p == "/":
            raise oserror(errno.ENOENT if p not in b.files else errno.ENOTDIR)
        prefix = p + "/"
        if any(x.startswith(prefix) for x in (*b.dirs, *b.files)):
            raise oserror(errno.EACCES)
        b._fs_write("rmdir", p)
        b.dirs.discard(p)

    def rename(self, old: str, new: str) -> None:
        b = self._b
        o, n = b.path(old), b.path(new)
        if o in b.files:
            if n in b.all_dirs():
                raise oserror(errno.EISDIR)
            if n in b.files and n != o:
                # FAT (MicroPython's vfs_fat.c) cannot rename onto a file: it removes the
                # file first, then renames; power can fail in between.
                b._fs_write("remove", n)
                del b.files[n]
            b._fs_write("rename", o)
            b.files[n] = b.files.pop(o)
        elif o in b.all_dirs():
            raise oserror(errno.EPERM)
        else:
            raise oserror(errno.ENOENT)

    def uname(self) -> tuple[str, ...]:
        return (self._b.platform, self._b.platform, self._b.release, self._b.version_text,
                self._b.machine)

    def urandom(self, n: int) -> bytes:
        return os.urandom(n)

    def sync(self) -> None:
        pass


def open_file(board: SimBoard, file: str, mode: str = "r",
              encoding: str | None = None) -> Any:
    """``open()`` in the board's code: a file of ``board.files`` (binary, or text that lets
    bytes that are not UTF-8 through, as MicroPython does)."""
    p = board.path(file)
    dirs = board.all_dirs()
    if p in dirs:
        raise oserror(errno.EISDIR)
    if posixpath.dirname(p) not in dirs:
        raise oserror(errno.ENOENT)
    writing = any(ch in mode for ch in "wax+")
    if "w" in mode:
        data = b""
    elif "a" in mode:
        data = board.files.get(p, b"")
    elif "x" in mode:
        if p in board.files:
            raise oserror(errno.EEXIST)
        data = b""
    elif p in board.files:
        data = board.files[p]
    else:
        raise oserror(errno.ENOENT)
    f = VFile(board, p, data, writing, "a" in mode)
    if writing:
        if board.files.get(p) != data:  # created or truncated: one flash write
            board._fs_write("open", p)
        board.files[p] = data
    if "b" in mode:
        return f
    # MicroPython does not check UTF-8: bytes that are not valid text pass through.
    return io.TextIOWrapper(f, encoding=encoding or "utf-8", errors="surrogateescape",
                            newline="")
