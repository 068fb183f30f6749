"""Pybricks' multi-file program format: what pybricksdev uploads to a hub.

The layout (pybricksdev ``compile_multi_file``, Pybricks firmware 3.2 and later)
is one record per module, with nothing before, between or after the records::

    u32 LE  size of the .mpy
    bytes   module name, ASCII, NUL-terminated ("__main__" for the entry)
    bytes   the .mpy (size bytes)

The entry module comes first, named ``__main__``; a package's ``__init__`` goes
under the package's name (``pkg``), a submodule under its dotted name
(``pkg.sub``).  There is no manifest, no source and no checksum: the hub checks
only the total size.  Details in ``docs/bundle-format.md``.
"""

from __future__ import annotations

import struct

from ..errors import BundleError
from .bundle import MAX_FILE_SIZE, MAX_MODULES, MAX_NAME_LENGTH, Bundle, check_module_name

__all__ = ["export_pybricks", "parse_pybricks"]

_SIZE = struct.Struct("<I")
MAIN = "__main__"


def export_pybricks(bundle: Bundle) -> bytes:
    """Return ``bundle`` as a Pybricks multi-file blob: the entry first as
    ``__main__``, then the other modules in bundle order (sorted by name)."""
    entry = bundle.module(bundle.entry)
    parts: list[bytes] = []
    for m in [entry] + [m for m in bundle.modules if m is not entry]:
        name = MAIN if m is entry else check_module_name(m.name)
        if m is not entry and name == MAIN:
            raise BundleError(f"cannot export {bundle.program!r} for Pybricks: the entry is "
                              f"{bundle.entry!r} and another module is called __main__")
        parts += [_SIZE.pack(len(m.mpy)), name.encode("ascii") + b"\0", m.mpy]
    return b"".join(parts)


def parse_pybricks(blob: bytes) -> list[tuple[str, bytes]]:
    """Return the (name, .mpy bytes) records of a Pybricks multi-file blob, in order.

    Raises BundleError if the blob is empty, truncated (a size or name running past
    its end), or holds a name that is not printable ASCII without ``/`` and ``\\``.
    Names are not otherwise checked: pybricksdev keeps the leading dots of relative
    imports in them.
    """
    n = len(blob)
    if n == 0:
        raise BundleError("Pybricks program: empty")
    if n > MAX_FILE_SIZE:
        raise BundleError(f"Pybricks program: {n} bytes (at most {MAX_FILE_SIZE})")
    records: list[tuple[str, bytes]] = []
    pos = 0
    while pos < n:
        if len(records) >= MAX_MODULES:
            raise BundleError(f"Pybricks program: more than {MAX_MODULES} modules")
        if n - pos < _SIZE.size:
            raise BundleError(f"Pybricks program: truncated: {n - pos} bytes at offset {pos} "
                              "are too few for a module's size")
        (size,) = _SIZE.unpack_from(blob, pos)
        name_start = pos + _SIZE.size
        nul = blob.find(b"\0", name_start, name_start + MAX_NAME_LENGTH + 1)
        if nul < 0:
            what = ("truncated: the blob ends inside" if n - name_start <= MAX_NAME_LENGTH
                    else "no NUL ends")
            raise BundleError(f"Pybricks program: {what} the module name at offset {name_start}")
        raw_name = blob[name_start:nul]
        if not raw_name or any(not 0x20 <= c <= 0x7E or c in b"/\\" for c in raw_name):
            raise BundleError(f"Pybricks program: module name {raw_name!r} at offset "
                              f"{name_start} is not a module name")
        start = nul + 1
        if size > n - start:
            raise BundleError(f"Pybricks program: truncated: module {raw_name.decode()!r} "
                              f"declares {size} bytes but {n - start} remain")
        records.append((raw_name.decode("ascii"), blob[start : start + size]))
        pos = start + size
    return records
