"""Writing a file robokit makes for the user (a bundle, a board file, a plot, telemetry)
without ever damaging what is already there.

One rule for every such file (:func:`write_output`):

- an empty path, or a folder, is refused;
- a path that is one of the command's own inputs (the program's sources, its robot.toml:
  the same file, by any name, links included) is refused: writing there would destroy it;
- a new path, or an existing regular file, is written whole under a temporary name of its
  own (unique per process and call, in the same folder) and then renamed onto the path, so
  a reader never sees half a file and parallel writers never share a temporary file;
- this process's own streams by name (``/dev/stdout``, ``/dev/stderr``, ``/dev/fd/N``) are
  written through that file descriptor, whatever it is connected to;
- an existing character device or pipe (``/dev/null``, a terminal, a FIFO) is written
  *through*, never renamed over: the device node stays what it was;
- anything else that exists (a block device, a socket) is refused.

Errors are :class:`~robokit.errors.RobokitError` with one line naming the path and what to
do. Library code: nothing is printed.

The whole-file write itself (:func:`replace_whole`) also serves the files robokit keeps for
itself: the compiler's cache and the worlds' raster tables.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import RobokitError

if TYPE_CHECKING:
    from typing_extensions import Buffer  # collections.abc.Buffer from Python 3.12

__all__ = ["check_output", "replace_whole", "stream_fd", "write_output"]

PathLike = str | os.PathLike[str]


def shown_path(path: PathLike) -> str:
    """``path`` as messages show it: relative to the working folder when inside it."""
    text = os.fspath(path)
    try:
        rel = os.path.relpath(text)
    except ValueError:  # another drive (Windows)
        return text
    return text if rel.startswith("..") else rel


def is_file(path: PathLike) -> bool:
    """``Path(path).is_file()``, but False for a name the system cannot look up (one too
    long, say) instead of an OSError: a user's setting that names no file."""
    try:
        return Path(path).is_file()
    except (OSError, ValueError):
        return False


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def check_output(path: PathLike, *, inputs: Iterable[PathLike] = (), what: str = "output",
                 overwrite: bool = True) -> os.stat_result | None:
    """Refuse ``path`` as the place to write ``what`` when :func:`write_output` would;
    return its ``os.stat`` (None for a new path). Cheap: callers may check before long work.
    """
    text = os.fspath(path)
    if not text.strip():
        raise RobokitError(f"no file name given for the {what}; name a file, e.g. -o out.rkb")
    try:
        st = os.stat(text)
    except FileNotFoundError:
        parent = os.path.dirname(os.path.abspath(text))
        if not os.path.isdir(parent):
            raise RobokitError(f"cannot write the {what} to {text}: the folder {parent} does "
                               "not exist; create it first or choose another path") from None
        st = None
    except OSError as exc:
        raise RobokitError(f"cannot write the {what} to {text}: "
                           f"{exc.strerror or exc}") from None
    if st is None:
        # A dangling symbolic link would be replaced by the rename: refuse it too.
        if os.path.islink(text):
            raise RobokitError(f"cannot write the {what} to {text}: it is a symbolic link to "
                               "a missing file; remove it or choose another path")
        return None
    if stat.S_ISDIR(st.st_mode):
        raise RobokitError(f"cannot write the {what} to {text}: it is a folder; give a file "
                           "name")
    for inp in inputs:
        try:
            if _same_file(st, os.stat(inp)):
                raise RobokitError(f"refusing to write the {what} to {text}: it is one of the "
                                   f"input files ({os.fspath(inp)}) and would be destroyed; "
                                   "choose another output path")
        except OSError:
            continue
    if not overwrite:
        raise RobokitError(f"{text} exists already; choose another name or path")
    if stat.S_ISREG(st.st_mode) or stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode):
        return st
    raise RobokitError(f"cannot write the {what} to {text}: it exists and is not a regular "
                       "file (a block device or socket); choose another path")


def write_output(path: PathLike, data: bytes | str, *, inputs: Iterable[PathLike] = (),
                 what: str = "output", overwrite: bool = True) -> None:
    """Write ``data`` (str: UTF-8) to ``path`` by the rules of this module.

    ``inputs``: the files the output was made from, which it must not replace.
    ``what``: how messages name the file ("bundle", "board file", ...). ``overwrite=False``
    refuses a path that exists already."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    text = os.fspath(path)
    st = check_output(text, inputs=inputs, what=what, overwrite=overwrite)
    try:
        fd = stream_fd(text)
        if fd is not None:
            _write_fd(fd, raw)
        elif st is not None and not stat.S_ISREG(st.st_mode):
            _write_through(text, raw)
        else:
            _write_replacing(text, raw, st)
    except OSError as exc:
        raise RobokitError(f"cannot write the {what} to {text}: "
                           f"{exc.strerror or exc}") from None


_FD_ALIAS = re.compile(r"/dev/(?:std(in|out|err)|fd/(\d+))|/proc/self/fd/(\d+)")


def stream_fd(path: PathLike) -> int | None:
    """The file descriptor ``path`` names when it is one of this process's own streams
    (``/dev/stdout``, ``/dev/stderr``, ``/dev/fd/N``, ``/proc/self/fd/N``), else None. Such
    a path is written through that descriptor, at its own position (a shell's ``>`` or
    ``>>`` file, a pipe or a terminal alike)."""
    found = _FD_ALIAS.fullmatch(os.fspath(path))
    if found is None or os.name != "posix":
        return None
    name, *numbers = found.groups()
    if name is not None:
        return ("in", "out", "err").index(name)
    return int(next(n for n in numbers if n is not None))


def _write_fd(fd: int, raw: Buffer) -> None:
    view = memoryview(raw).cast("B")  # a short write counts bytes, not an array's items
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _write_through(path: str, raw: bytes) -> None:
    """Into an existing device or pipe: opened as it is (never created, never renamed)."""
    fd = os.open(path, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
    try:
        _write_fd(fd, raw)
    finally:
        os.close(fd)


def _write_replacing(path: str, raw: bytes, st: os.stat_result | None) -> None:
    """Whole, under a temporary name of this process and call, then renamed onto the
    target (through a symbolic link to a regular file: onto the file it names); an
    existing file keeps its permissions."""
    target = Path(os.path.realpath(path)) if st is not None else Path(path)
    replace_whole(target, (raw,), mode=None if st is None else stat.S_IMODE(st.st_mode))


def replace_whole(target: Path, chunks: Iterable[Buffer], *, mode: int | None = None,
                  make_folder: bool = False) -> None:
    """Write ``chunks`` (bytes, arrays: anything with a buffer) one after another to
    ``target``, whole: under a temporary name of this process and call in the same
    folder, then renamed onto it, so a reader never sees half a file and parallel
    writers never share a temporary file.  ``mode``: the new file's permissions (else
    the default); ``make_folder``: create the missing folders first.  Errors are raised
    as they come (OSError), with no temporary file left behind.  Also for the files
    robokit keeps for itself (its caches), which give up quietly on an OSError."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(tmp, flags, 0o666)
    except FileNotFoundError:
        if not make_folder:
            raise
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, flags, 0o666)
    try:
        try:
            for chunk in chunks:
                _write_fd(fd, chunk)
            if mode is not None:
                os.chmod(tmp, mode)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
