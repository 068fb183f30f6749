"""A binary HAL call's value, encoded and decoded: the one coding both ends of the wire use.

Portable code: the host imports it (``robokit.virtual.halwire``), and robokit's agent in
MicroPython's unix port (``mp_agent.py``) runs it with exec() into its own globals, beside
``mp_agent_wire.py``, so a value is written and read the same on both sides. The format is
in halwire.py's docstring: a tag byte and its data.
"""

import json
import math
import struct

TYPE_CHECKING = False
if TYPE_CHECKING:  # (MicroPython has no typing)
    from typing import Any

_pack = struct.pack
_unpack_from = struct.unpack_from
_INT_LIMIT = 1 << 62


def encode(v: "Any", out: bytearray) -> None:
    """Append value ``v`` to ``out``."""
    t = type(v)
    if t is float:
        out += b"d"
        out += _pack("<d", v)
    elif t is int and -_INT_LIMIT < v < _INT_LIMIT:
        out += b"i"
        out += _pack("<q", v)
    elif t is tuple or t is list:
        out += b"l"
        out += _pack("<I", len(v))
        for x in v:
            encode(x, out)
    elif v is None:
        out += b"N"
    elif t is bool:
        out += b"T" if v else b"F"
    elif t is str:
        data = v.encode("utf-8", "surrogateescape")
        out += b"s"
        out += _pack("<I", len(data))
        out += data
    elif t is bytes or t is bytearray:
        out += b"b"
        out += _pack("<I", len(v))
        out += v
    elif isinstance(v, float):  # a float subclass (numpy's float64)
        encode(float(v), out)
    elif isinstance(v, int) and not isinstance(v, bool) and -_INT_LIMIT < v < _INT_LIMIT:
        encode(int(v), out)
    else:
        data = json.dumps(jsonable(v), separators=(",", ":")).encode()
        out += b"j"
        out += _pack("<I", len(data))
        out += data


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


def jsonable(value: "Any") -> "Any":
    """``value`` with floats JSON (and MicroPython's json) can carry: NaN -> None,
    infinities -> +-1e308."""
    if isinstance(value, float):
        if value != value:
            return None
        if value in (math.inf, -math.inf):
            return math.copysign(1e308, value)
        return value
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value
