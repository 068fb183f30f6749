"""Fault injection for the simulated board (``SimBoard(faults=...)``, ``robokit sim serve
--fault``).

Every fault is one-shot and placed by a byte count: ``@K`` is the K-th byte (0-based) the
board has received from the host since it started serving (counted across reconnections),
or, for the ``-out`` kinds, the K-th byte it has sent to the host.

| spec | what happens |
| --- | --- |
| ``drop:N@K`` | the host's bytes K .. K+N-1 are lost on the way |
| ``corrupt@K`` | the host's byte K arrives with every bit flipped |
| ``stall:S@K`` | the board stops reading for S seconds before it takes byte K |
| ``disconnect@K`` | the link is cut before byte K (a pty closes for good, TCP closes) |
| ``reset@K`` | the board resets before byte K: the running code and interpreter are gone, |
|  | the filesystem is kept; the boot banner, then the friendly REPL. Bytes already |
|  | received but not yet read are lost. |
| ``corrupt-out@K`` | the board's output byte K is sent with every bit flipped |
| ``drop-out:N@K`` | the board's output bytes K .. K+N-1 are lost |
| ``power@K`` | the power fails during the K-th filesystem write (1-based; see below) |

``power@K`` is counted in filesystem writes, not bytes: every change the board's code
makes to its flash counts as one (a file created or truncated by ``open``, a store of
written bytes on flush or close, ``remove``, ``mkdir``, ``rmdir``, and ``rename``, which
counts twice when it replaces a file: FAT removes the old file first). The K-th write does
not happen, except a store, which leaves part of its bytes (flash cut mid-write); then the
board is off: the running code is gone, no clean-up runs, the link drops. The board counts
in ``SimBoard.stats["fs_writes"]``; ``SimBoard.boot()`` powers it on again.

``parse_faults(["corrupt@1500", "reset@40000"])`` builds a ``Faults``; ``Faults.parse``
takes one spec. The board's transport calls ``incoming``/``outgoing``; nothing here does
I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

KINDS = ("drop", "corrupt", "stall", "disconnect", "reset", "corrupt-out", "drop-out", "power")
EVENTS = ("stall", "disconnect", "reset")  # faults that happen *at* a byte, not *to* it
_SPEC = re.compile(r"^(?P<kind>[a-z-]+)(?::(?P<arg>[^@]*))?@(?P<at>[^@]*)$")


class FaultSpecError(ValueError):
    """A fault spec that cannot be parsed; the message says which and the accepted forms."""


class Fault:
    """One fault: ``kind`` (see ``KINDS``), at byte ``at``, with ``arg`` (bytes to drop,
    seconds to stall; 1 / 0 for the others). ``fired`` once it has happened."""

    def __init__(self, kind: str, at: int, arg: float = 0):
        if kind not in KINDS:
            raise FaultSpecError(f"unknown fault kind {kind!r}; known: {', '.join(KINDS)}")
        if at < 0:
            raise FaultSpecError(f"fault {kind}: the byte position must be >= 0, not {at}")
        if kind in ("drop", "drop-out"):
            if arg != int(arg) or arg < 1:
                raise FaultSpecError(f"fault {kind}: drop a whole number of bytes >= 1, "
                                     f"not {arg}")
            arg = int(arg)
        if kind == "stall" and not arg > 0:
            raise FaultSpecError(f"fault stall: the stall must last > 0 seconds, not {arg}")
        self.kind = kind
        self.at = at
        self.arg = arg
        self.fired = False

    @property
    def spec(self) -> str:
        """The compact form (``drop:3@900``)."""
        arg = f":{self.arg:g}" if self.kind in ("drop", "drop-out", "stall") else ""
        return f"{self.kind}{arg}@{self.at}"

    def __repr__(self) -> str:
        return f"Fault({self.spec!r}{', fired' if self.fired else ''})"


def parse_fault(spec: str) -> Fault:
    """One ``Fault`` from its compact form; ``FaultSpecError`` says what is wrong."""
    text = spec.strip()
    m = _SPEC.match(text)
    if not m:
        raise FaultSpecError(f"bad fault spec {spec!r}: write KIND@BYTE or KIND:ARG@BYTE, "
                             "e.g. corrupt@1500, drop:3@900, stall:0.5@2000, reset@40000, "
                             "disconnect@300, corrupt-out@50, power@12")
    kind, arg_text, at_text = m["kind"], m["arg"], m["at"]
    if kind not in KINDS:
        raise FaultSpecError(f"bad fault spec {spec!r}: unknown kind {kind!r}; known: "
                             f"{', '.join(KINDS)}")
    try:
        at = int(at_text)
    except ValueError:
        raise FaultSpecError(f"bad fault spec {spec!r}: the byte position {at_text!r} is not "
                             "a whole number") from None
    takes_arg = kind in ("drop", "drop-out", "stall")
    if arg_text is None:
        if kind == "stall":
            raise FaultSpecError(f"bad fault spec {spec!r}: say how long, e.g. stall:0.5@{at}")
        arg = 1.0 if takes_arg else 0.0
    elif not takes_arg:
        raise FaultSpecError(f"bad fault spec {spec!r}: {kind} takes no argument "
                             f"(write {kind}@{at})")
    else:
        try:
            arg = float(arg_text)
        except ValueError:
            raise FaultSpecError(f"bad fault spec {spec!r}: {arg_text!r} is not a number") \
                from None
    try:
        return Fault(kind, at, arg)
    except FaultSpecError as e:
        raise FaultSpecError(f"bad fault spec {spec!r}: {e}") from e


class Faults:
    """The one-shot faults of one board; the transport's byte counters.

    ``incoming(data)`` takes bytes as received from the host and returns
    ``(deliver, event, rest)``: the bytes the board gets now, then the fault that happens
    once it has read them (a stall, disconnect or reset ``Fault``; None), then the received
    bytes not yet looked at (hand them to ``incoming`` again after the event).
    ``outgoing(data)`` returns the board's output as it goes on the wire.
    """

    def __init__(self, faults: Iterable[Fault | str] = ()):
        self.faults: list[Fault] = [f if isinstance(f, Fault) else parse_fault(f)
                                    for f in faults]
        self.pos_in = 0  # bytes from the host looked at
        self.pos_out = 0  # bytes to the host
        self.fs_writes = 0  # filesystem writes the board made (power@K counts these)

    @classmethod
    def parse(cls, specs: Iterable[str]) -> Faults:
        return cls(parse_fault(s) for s in specs)

    def add(self, kind: str, at: int, arg: float = 0) -> Faults:
        self.faults.append(Fault(kind, at, arg))
        return self

    @property
    def pending(self) -> list[Fault]:
        return [f for f in self.faults if not f.fired]

    def __bool__(self) -> bool:
        return any(not f.fired for f in self.faults)

    def __repr__(self) -> str:
        return f"Faults({[f.spec for f in self.faults]!r})"

    def incoming(self, data: bytes) -> tuple[bytes, Fault | None, bytes]:
        start = self.pos_in
        end = start + len(data)
        # The first event inside this chunk splits it.
        event: Fault | None = None
        for f in self.faults:
            if (not f.fired and f.kind in EVENTS and start <= f.at < end
                    and (event is None or f.at < event.at)):
                event = f
        cut = end if event is None else event.at
        rest = data[cut - start:]
        out = self._damage(data[:cut - start], start, "corrupt", "drop")
        if event is not None:
            event.fired = True
        self.pos_in = cut
        return out, event, rest

    def outgoing(self, data: bytes) -> bytes:
        start = self.pos_out
        self.pos_out = start + len(data)
        return self._damage(data, start, "corrupt-out", "drop-out")

    def fs_write(self) -> Fault | None:
        """Count one filesystem write; the ``power`` fault placed at it, if any (fired)."""
        self.fs_writes += 1
        for f in self.faults:
            if not f.fired and f.kind == "power" and f.at == self.fs_writes:
                f.fired = True
                return f
        return None

    def _damage(self, data: bytes, start: int, corrupt: str, drop: str) -> bytes:
        """``data`` (bytes ``start``.. of one direction) with the ``corrupt`` and ``drop``
        faults that fall inside it applied; a drop reaching past the end fires later."""
        end = start + len(data)
        out = bytearray(data)
        drops = []
        for f in self.faults:
            if f.fired:
                continue
            if f.kind == corrupt and start <= f.at < end:
                out[f.at - start] ^= 0xFF
                f.fired = True
            elif f.kind == drop and f.at < end and f.at + int(f.arg) > start:
                drops.append(f)
        for f in sorted(drops, key=lambda f: f.at, reverse=True):  # backwards: positions hold
            lo, hi = max(f.at, start), min(f.at + int(f.arg), end)
            del out[lo - start:hi - start]
            if f.at + int(f.arg) <= end:
                f.fired = True
        return bytes(out)


def parse_faults(specs: Iterable[str]) -> Faults:
    """A ``Faults`` from compact specs (``["corrupt@1500", "drop:3@900"]``)."""
    return Faults.parse(specs)


__all__ = ["EVENTS", "KINDS", "Fault", "FaultSpecError", "Faults", "parse_fault",
           "parse_faults"]
