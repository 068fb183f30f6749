"""A binary HAL call's value, decoded: the one decoder both ends of the wire use.

Portable code: the host imports it (``robokit.virtual.halwire``), and robokit's agent in
MicroPython's unix port (``mp_agent.py``) runs it with exec() into its own globals, beside
``mp_agent_wire.py``, so a value reads the same on both sides. The format is in
halwire.py's docstring: a tag byte and its data.
"""

import json
import struct

TYPE_CHECKING = False
if TYPE_CHECKING:  # (MicroPython has no typing)
    from typing import Any

_unpack_from = struct.unpack_from


def decode(p: bytes, i: int) -> "tuple[Any, int]":
    """The value at ``p[i:]`` and the index after it."""
    t = p[i]
    i += 1
    if t == 100:  # d
        return _unpack_from("<d", p, i)[0], i + 8
    if t == 105:  # i
        return _unpack_from("<q", p, i)[0], i + 8
    if t == 108:  # l
        n = _unpack_from("<I", p, i)[0]
        i += 4
        out = []
        for _ in range(n):
            v, i = decode(p, i)
            out.append(v)
        return out, i
    if t == 78:  # N
        return None, i
    if t == 84:  # T
        return True, i
    if t == 70:  # F
        return False, i
    n = _unpack_from("<I", p, i)[0]
    data = p[i + 4:i + 4 + n]
    if t == 115:  # s
        return data.decode("utf-8", "surrogateescape"), i + 4 + n
    if t == 98:  # b
        return bytes(data), i + 4 + n
    if t == 106:  # j
        return json.loads(data), i + 4 + n
    raise ValueError(f"a HAL call's value has an unknown tag {t!r}")
