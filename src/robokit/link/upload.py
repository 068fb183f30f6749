"""Uploading a bundle to a MicroPython board: binary frames, acknowledged, all or nothing.

The host sends the board-side receiver (``firmware_templates/micropython/receiver.py``)
with raw-paste and then streams frames to it on the board's stdin::

    frame = b"RK" + kind (1 byte) + seq (1 byte) + u16 LE payload length + payload
            + u32 LE CRC-32 (the CRC covers kind + seq + length + payload)

    seq is the frame's number in the upload (1, 2, ...) modulo 256.

    F  file begin   u32 LE size + the path in the slot ("robokit/devices/motors.mpy")
    D  data         up to ``CHUNK`` bytes of the file
    E  file end     the file's SHA-256 (32 bytes)
    C  commit       the upload digest (32 bytes): SHA-256 over every F, D and E payload
    A  abort        nothing

The receiver answers each frame with a line: ``ok N`` (N frames accepted), ``err crc``
(the frame was damaged: the host goes back and sends it again, and the ones after it, at
most ``RESENDS`` times; the receiver drops frames whose seq is not the next one) or
``err REASON`` (the receiver gave up, removed the partial slot and ended). Up to
``WINDOW`` frames are in flight. It writes into the inactive slot only; the commit renames
``/robokit/active.tmp`` to ``/robokit/active``. See docs/upload.md.

The framing (``encode_frame``, ``decode_frame``, ``board_files``, ``plan_frames``,
``parse_ack``) does no I/O; ``upload_bundle`` drives it over a ``RawRepl``.
"""

from __future__ import annotations

import hashlib
import json
import struct
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import BundleError
from . import LinkError, ReplError
from .rawrepl import RawRepl

if TYPE_CHECKING:
    from ..compiler.bundle import Bundle, BundleModule

MAGIC = b"RK"
FILE, DATA, END, COMMIT, ABORT = b"F", b"D", b"E", b"C", b"A"
KINDS = (FILE, DATA, END, COMMIT, ABORT)
CHUNK = 2048  # data bytes per frame
MAX_PAYLOAD = 2048  # the receiver refuses longer frames (it holds one frame in RAM)
RESENDS = 3  # a frame the board says was damaged is sent again at most this often
WINDOW = 2  # frames in flight: the next one is on the line while the board stores one
MAX_IN_FLIGHT = 16  # frames, however small (seq is modulo 256)
RETRIES = 2  # an upload that failed on a transient fault starts over at most this often
# The receiver's refusals that mean the framing got out of step (bytes lost or added on the
# link): the upload is started over. Other refusals (a wrong hash, a full filesystem) are
# not transient.
OUT_OF_STEP = ("bad frame start", "frame too long", "bad frame kind", "input ended")
ROOT = "/robokit"
_HEAD = struct.Struct("<2scBH")
_CRC = struct.Struct("<I")
# Zero bytes that end any frame the receiver may be stuck in and then fail its magic check
# (so it removes the partial slot and returns to the raw REPL).
_FLUSH = b"\x00" * (_HEAD.size + MAX_PAYLOAD + _CRC.size + _HEAD.size)
#: For a host that finds a board not answering: ends a receiver left waiting mid-frame by a
#: host that vanished (it then fails the frame, removes its partial slot and returns to
#: the raw REPL). Zero bytes are harmless to a REPL.
FLUSH = _FLUSH


class UploadError(LinkError):
    """An upload to a board failed; the message says what failed and what is on the board.

    ``transient``: the failure may pass if the upload starts over (a timeout, a reset, a
    desynchronised framing); ``attempts``: how many were made (on the final error)."""

    def __init__(self, message: str, *, transient: bool = False, attempts: int = 1):
        super().__init__(message)
        self.transient = transient
        self.attempts = attempts


class FrameError(UploadError):
    """Bytes that are not a valid upload frame (bad magic, kind, length or CRC)."""


@dataclass(frozen=True)
class UploadResult:
    """What an upload did: the slot now active, the bytes stored, the wall time taken
    (every attempt included), and how many attempts it took (1: no fault)."""

    slot: str
    bytes: int
    seconds: float
    attempts: int = 1


# -- frames (pure) --------------------------------------------------------------------------


def encode_frame(kind: bytes, payload: bytes = b"", seq: int = 0) -> bytes:
    """One frame's bytes (``seq``: its number in the upload, modulo 256)."""
    if kind not in KINDS:
        raise ValueError(f"unknown frame kind {kind!r}")
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"a frame carries at most {MAX_PAYLOAD} bytes, not {len(payload)}")
    body = _HEAD.pack(MAGIC, kind, seq & 0xFF, len(payload))[2:] + payload
    return MAGIC + body + _CRC.pack(zlib.crc32(body))


def decode_frame(data: bytes) -> tuple[bytes, bytes, int] | None:
    """(kind, payload, bytes used) of the frame at the start of ``data``; None if ``data``
    holds only part of one. Raises ``FrameError`` for bytes that are not a frame."""
    if len(data) < _HEAD.size:
        if not MAGIC.startswith(data[:2]):
            raise FrameError(f"bad frame start {data[:2]!r}")
        return None
    magic, kind, _seq, n = _HEAD.unpack_from(data)
    if magic != MAGIC:
        raise FrameError(f"bad frame start {magic!r}")
    if kind not in KINDS:
        raise FrameError(f"unknown frame kind {kind!r}")
    if n > MAX_PAYLOAD:
        raise FrameError(f"frame length {n} exceeds {MAX_PAYLOAD}")
    end = _HEAD.size + n + _CRC.size
    if len(data) < end:
        return None
    (crc,) = _CRC.unpack_from(data, end - _CRC.size)
    if zlib.crc32(data[2:end - _CRC.size]) != crc:
        raise FrameError("frame CRC mismatch")
    return kind, bytes(data[_HEAD.size:end - _CRC.size]), end


def module_file(module: BundleModule, entry: str) -> str:
    """Where a module's .mpy goes in a slot: ``pkg.sub`` → ``pkg/sub.mpy``, package ``pkg``
    → ``pkg/__init__.mpy``, the entry → ``main.mpy``."""
    if module.name == entry:
        return "main.mpy"
    stem = module.name.replace(".", "/")
    return stem + ("/__init__.mpy" if module.is_package else ".mpy")


def board_files(bundle: Bundle) -> list[tuple[str, bytes]]:
    """(path in the slot, bytes) of everything an upload stores: each module's .mpy, then
    ``manifest.json`` (program, entry, ABI, bundle digest, the robot configuration, each
    file's size and SHA-256)."""
    files = [(module_file(m, bundle.entry), m.mpy) for m in bundle.modules]
    manifest = {
        "format": 1,
        "program": bundle.program,
        "entry": "main.mpy",
        "abi": bundle.abi,
        "digest": bundle.digest(),
        "robot": bundle.robot,
        "modules": [{"name": m.name, "file": path, "size": len(data),
                     "sha256": hashlib.sha256(data).hexdigest()}
                    for m, (path, data) in zip(bundle.modules, files, strict=True)],
    }
    raw = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
    return [*files, ("manifest.json", raw)]


def plan_frames(files: list[tuple[str, bytes]], chunk: int = CHUNK) -> list[tuple[bytes, bytes]]:
    """The (kind, payload) of every frame of an upload of ``files``, commit included."""
    if not 0 < chunk <= MAX_PAYLOAD:
        raise ValueError(f"chunk must be 1..{MAX_PAYLOAD} bytes")
    frames: list[tuple[bytes, bytes]] = []
    whole = hashlib.sha256()
    for path, data in files:
        begin = struct.pack("<I", len(data)) + path.encode()
        if len(begin) > MAX_PAYLOAD:
            raise ValueError(f"path too long: {path!r}")
        frames.append((FILE, begin))
        whole.update(begin)
        for i in range(0, len(data), chunk):
            frames.append((DATA, data[i:i + chunk]))
            whole.update(data[i:i + chunk])
        digest = hashlib.sha256(data).digest()
        frames.append((END, digest))
        whole.update(digest)
    frames.append((COMMIT, whole.digest()))
    return frames


def parse_ack(line: bytes) -> tuple[str, str]:
    """``(word, rest)`` of one line from the receiver: ("ok", "N"), ("err", reason) or
    ("ready", slot). Raises ``UploadError`` for anything else."""
    text = line.strip().decode("utf-8", "replace")
    word, _, rest = text.partition(" ")
    if word not in ("ok", "err", "ready"):
        raise UploadError(f"the board's upload receiver answered {text[:120]!r}")
    return word, rest


# -- the upload ---------------------------------------------------------------------------


def _compact(source: str) -> str:
    """The same program in fewer bytes on the wire: no comments, blank lines or spaces that
    are not needed, one space per indentation level, bracketed lines joined."""
    import io
    import tokenize

    words = (tokenize.NAME, tokenize.NUMBER, tokenize.STRING)
    lines: list[str] = []
    line: list[str] = []
    depth = 0
    prev: tokenize.TokenInfo | None = None
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.INDENT:
            depth += 1
        elif tok.type == tokenize.DEDENT:
            depth -= 1
        elif tok.type == tokenize.NEWLINE:
            lines.append(" " * depth + "".join(line))
            line, prev = [], None
        elif tok.type in (*words, tokenize.OP):
            if prev is not None and prev.type in words and tok.type in words:
                line.append(" ")
            line.append(tok.string)
            prev = tok
    return "\n".join(lines) + "\n"


def guarded(code: str) -> str:
    """``code`` as a string literal, run (``exec``) on the board only if its length and
    CRC-32 are as sent; else it raises ValueError there."""
    return (f"_s={code!r}\n"
            "try:\n from binascii import crc32 as _c\nexcept ImportError:\n _c=None\n"
            f"if len(_s)!={len(code)} or _c and _c(_s.encode())&0xFFFFFFFF!="
            f"{zlib.crc32(code.encode('utf-8'))}:\n"
            " raise ValueError('the receiver was damaged on the link')\n"
            "exec(_s)\n")


def receiver_source() -> str:
    """What the host runs on the board: the receiver's source (compacted) plus the call
    that runs it, as a string literal that is run only if its length and CRC-32 match (a
    receiver damaged on the link must not run: it might write into the active slot)."""
    here = Path(__file__).resolve().parent.parent
    for root in (here / "firmware_templates", here.parent.parent / "firmware_templates"):
        f = root / "micropython" / "receiver.py"
        if f.is_file():
            return guarded(_compact(f.read_text(encoding="utf-8")) + "receive()\n")
    raise UploadError("robokit's upload receiver (firmware_templates/micropython/receiver.py) "
                      "is missing; reinstall robokit")


def _line(repl: RawRepl, timeout: float) -> tuple[str, str]:
    line = repl.read_line(timeout, "no answer from the board's upload receiver (it stalled, "
                          "or bytes were lost on the link)")
    if line is None:  # the receiver's code ended: its error text says why
        _, err = repl.finish(timeout)
        raise UploadError("the board's upload receiver stopped: "
                          + (err.decode("utf-8", "replace").strip().splitlines() or ["?"])[-1],
                          transient=True)
    if line.lstrip().startswith(b"MicroPython ") or b"soft reboot" in line:
        raise UploadError("the board reset during the upload (it printed its boot banner)",
                          transient=True)
    try:
        return parse_ack(line)
    except UploadError as e:
        raise UploadError(str(e), transient=True) from None


def _recover(repl: RawRepl, receiver_ended: bool) -> None:
    """Best effort after a failure: make the receiver end, leave the REPL usable."""
    try:
        if not receiver_ended:
            repl.link.write(_FLUSH)
        repl.finish(0.5)
    except (LinkError, UploadError):
        pass
    repl.forget()  # the next command interrupts and re-enters the raw REPL


def _one_line(text: str) -> str:
    return " ".join(text.split())


class _Attempt:
    """One try at an upload: how far it got."""

    def __init__(self) -> None:
        self.sent = 0
        self.committing = False
        self.committed = False
        self.receiver_ended = True
        self.slot = ""

    def run(self, repl: RawRepl, frames: list[tuple[bytes, bytes]], total: int,
            progress: Callable[[int, int], None] | None, timeout: float,
            window: int) -> None:
        repl.start(receiver_source(), timeout)
        self.receiver_ended = False
        word, slot = _line(repl, timeout)
        if word != "ready" or slot not in ("a", "b"):
            self.receiver_ended = word == "err"
            raise UploadError(f"the board's upload receiver did not start ({word} {slot})",
                              transient=True)
        self.slot = slot
        if progress is not None:
            progress(0, total)
        wire = [encode_frame(kind, payload, number)
                for number, (kind, payload) in enumerate(frames, 1)]
        acked = sent = 0  # frames acknowledged, frames written (the next to write)
        resends = 0  # of the frame after the acknowledged ones
        written = barrier = 0  # frames written in all; written when we last went back
        # In flight: at most `window` frames' worth of bytes (full data frames), so small
        # frames (a file's end, the next one's begin) do not leave the line idle.
        budget = 0 if window == 1 else window * max(map(len, wire))  # 1: stop and wait
        while acked < len(frames):
            while sent < len(frames) and (sent == acked or (
                    sent - acked < MAX_IN_FLIGHT
                    and sum(map(len, wire[acked:sent + 1])) <= budget)):
                repl.link.write(wire[sent])
                self.committing = self.committing or frames[sent][0] == COMMIT
                sent += 1
                written += 1
            word, rest = _line(repl, timeout)
            if word == "err" and rest.split(" ")[0] == "crc":
                # "err crc S": the S-th frame the receiver read was damaged. Go back to the
                # first unacknowledged frame and send it and the ones after it again (the
                # receiver drops frames out of sequence). A damaged frame written before
                # the last going back is covered by it already.
                seen = rest[4:]
                if seen.isdigit() and int(seen) <= barrier:
                    continue
                resends += 1
                if resends > RESENDS:
                    raise UploadError(f"a frame arrived damaged {resends} times; is the "
                                      "link noisy?")
                sent, barrier = acked, written
                continue
            if word == "err":
                self.receiver_ended = True
                self.committing = False  # refused: nothing was renamed
                raise UploadError(f"the board refused the upload: {rest}",
                                  transient=rest in OUT_OF_STEP)
            if word != "ok" or rest != str(acked + 1):
                raise UploadError(f"the board's upload receiver answered {word} {rest} to frame "
                                  f"{acked + 1}: the framing is out of step", transient=True)
            kind, payload = frames[acked]
            acked += 1
            resends = 0
            if kind == DATA:
                self.sent += len(payload)
                if progress is not None:
                    progress(self.sent, total)
        self.committing, self.committed, self.receiver_ended = False, True, True
        _, err = repl.finish(timeout)
        if err:
            raise UploadError("the board's upload receiver failed after the commit: "
                              + err.decode("utf-8", "replace").strip())


def upload_bundle(repl: RawRepl, bundle: Bundle,
                  progress: Callable[[int, int], None] | None = None, *,
                  chunk: int = CHUNK, timeout: float = 5.0,
                  retries: int = RETRIES, window: int = WINDOW) -> UploadResult:
    """Store ``bundle`` (its .mpy modules and a manifest) in the board's inactive program
    slot and make that slot active, all or nothing.

    Up to ``window`` full frames' worth of bytes (and at most ``MAX_IN_FLIGHT`` frames)
    are sent ahead of their acknowledgements (1: stop and wait).
    ``progress(sent, total)`` is called as data bytes are acknowledged (from 0 again when
    an attempt starts over); ``timeout`` bounds each wait for the board. A transient
    failure (no answer in time, the board reset, the framing out of step) starts the
    upload over, at most ``retries`` times: the raw REPL is entered again, the receiver
    sent again, the inactive slot emptied and written again. A link that is gone (the port
    vanished) is not retried; nor is a refusal (a wrong hash, a full filesystem) or a frame
    damaged on every resend. ``UploadResult.attempts`` says how many it took.

    Raises ``BundleError`` for a bundle not built for MicroPython, ``UploadError`` (a
    ``LinkError``) when the upload fails: the message is one line; the previous program is
    then still on the board and still active (unless the link failed during the commit
    itself, which the message says).
    """
    if bundle.target != "micropython":
        raise BundleError(f"bundle {bundle.program!r} was built for {bundle.target!r}, not for a "
                          "MicroPython board: rebuild it with `robokit compile --target "
                          "micropython`")
    if retries < 0:
        raise ValueError("retries must be >= 0")
    if not 1 <= window <= 64:
        raise ValueError("window must be 1..64 frames")
    files = board_files(bundle)
    frames = plan_frames(files, chunk)
    total = sum(len(data) for _, data in files)
    t0 = time.monotonic()
    attempts = 0
    while True:
        attempts += 1
        state = _Attempt()
        try:
            state.run(repl, frames, total, progress, timeout, window)
        except (UploadError, ReplError, LinkError) as e:
            _recover(repl, state.receiver_ended)
            transient = isinstance(e, ReplError) or (isinstance(e, UploadError) and e.transient)
            if transient and not state.committed and attempts <= retries:
                continue
            failure = e
            break
        return UploadResult(slot=state.slot, bytes=total, seconds=time.monotonic() - t0,
                            attempts=attempts)
    if state.committed:
        where = "The new program was stored and made active."
    elif state.committing:
        where = ("The link failed during the commit: the board holds the previous program "
                 "or the new one, intact; upload again to be sure.")
    else:
        where = "The previous program is still on the board and still active."
    reason = str(failure)
    if not isinstance(failure, UploadError):
        reason = f"the link failed: {reason}"
    tries = f" ({attempts} attempts, each started over)" if attempts > 1 else ""
    raise UploadError(_one_line(f"upload of {bundle.program!r} failed after {state.sent} of "
                                f"{total} bytes{tries}: {reason.rstrip('.')}. {where}"),
                      attempts=attempts) from None


__all__ = [
    "ABORT", "CHUNK", "COMMIT", "DATA", "END", "FILE", "FLUSH", "MAGIC", "MAX_PAYLOAD",
    "OUT_OF_STEP", "RESENDS", "RETRIES", "WINDOW",
    "FrameError", "UploadError", "UploadResult", "board_files", "decode_frame", "encode_frame",
    "module_file", "parse_ack", "plan_frames", "receiver_source", "upload_bundle",
]
