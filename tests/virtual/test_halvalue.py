"""One coding of a binary HAL call's value (robokit/virtual/halvalue.py) serves both ends
of the --exact wire: the host imports it, and MicroPython's unix port runs the very file the
way mp_agent.py does (exec into its globals). Both read a value the host encoded alike, and
the VM writes it back byte for byte as the host wrote it."""

from __future__ import annotations

import json
import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest

from robokit.virtual import halvalue, halwire
from robokit.virtual.mpvm import micropython_path

HALVALUE = Path(halvalue.__file__)

VALUES: list[Any] = [0.1 + 0.2, 90.1, -0.0, 1e-310, float("inf"), 2**62 - 1, -(2**62) + 1,
                     2**70, "A", "é ∆", b"\x00\xff", None, True, False,
                     [1.5, ["x", 3, [None, False]]], (1, 2), {"k": [1, 2]}, []]

# Run in the VM: the file as the agent runs it, then each payload decoded and printed as
# JSON, floats as the hex of their 8 bytes (so nothing rounds on the way out), with the
# index after it and the value encoded again (hex).
_VM_SCRIPT = r"""
import json, struct, binascii
with open(%r) as f:
    exec(f.read(), globals())
def plain(v):
    if isinstance(v, float):
        return ["d", binascii.hexlify(struct.pack("<d", v)).decode()]
    if isinstance(v, bytes):
        return ["b", binascii.hexlify(v).decode()]
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v
for h in %r:
    p = binascii.unhexlify(h)
    v, end = decode(p, 0)
    again = bytearray()
    encode(v, again)
    print(json.dumps([plain(v), end, binascii.hexlify(again).decode()]))
try:
    decode(b"?\0\0\0\0", 0)
except ValueError as e:
    print(json.dumps(str(e)))
"""


def _plain(v: Any) -> Any:
    if isinstance(v, float):
        return ["d", struct.pack("<d", v).hex()]
    if isinstance(v, bytes):
        return ["b", v.hex()]
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return v


def _payloads() -> list[bytes]:
    out = []
    for v in VALUES:
        b = bytearray()
        halwire.encode(v, b)
        out.append(bytes(b))
    return out


def test_the_host_decodes_with_halvalue() -> None:
    assert halwire.decode is halvalue.decode
    for v, p in zip(VALUES, _payloads(), strict=True):
        back, end = halwire.decode(p, 0)
        assert end == len(p)
        assert _plain(back) == _plain(list(v) if isinstance(v, tuple) else v)
    with pytest.raises(ValueError, match="a HAL call's value has an unknown tag 63"):
        halwire.decode(b"?\0\0\0\0", 0)


@pytest.mark.skipif(micropython_path() is None, reason="needs MicroPython's unix port")
def test_the_vm_decodes_and_encodes_every_value_as_the_host_does() -> None:
    payloads = _payloads()
    script = _VM_SCRIPT % (str(HALVALUE), [p.hex() for p in payloads])
    exe = micropython_path()
    assert exe is not None
    proc = subprocess.run([exe, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(lines) == len(payloads) + 1
    for p, (vm_value, vm_end, vm_again) in zip(payloads, lines[:-1], strict=True):
        host_value, host_end = halwire.decode(p, 0)
        assert (vm_value, vm_end) == (_plain(host_value), host_end)
        assert bytes.fromhex(vm_again) == p
    assert lines[-1] == "a HAL call's value has an unknown tag 63"
