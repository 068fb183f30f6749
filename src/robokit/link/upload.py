"""Sending files to a MicroPython board's upload receiver: binary frames over a raw REPL,
acknowledged, resent when damaged, started over on a transient fault.

The frame layout is ``robokit.protocols.upload`` (pure); the receiver is board-side code
the caller passes in (``robokit.targets.micropython.upload`` reads it from
``firmware_templates``; this module knows nothing of bundles or robots). :func:`send_frames`
starts that code with raw-paste, waits for its ``ready NAME`` line, then streams the
frames on the board's stdin:

The receiver answers each frame with a line: ``ok N`` (N frames accepted), ``err crc S``
(the frame was damaged: the host goes back and sends it again, and the ones after it, at
most ``RESENDS`` times; the receiver drops frames whose seq is not the next one) or
``err REASON`` (the receiver gave up, removed what it had written and ended). Up to
``WINDOW`` frames' worth of bytes are in flight. Before its ``ready`` line, the receiver's
code may say ``note KEY VALUE`` lines (what it found on the board, e.g. ``note active a``);
:func:`send_frames` hands them to its caller. See docs/upload.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass

from ..errors import FrameError, LinkError, ReplError, UploadError
from ..protocols.upload import (
    ABORT,
    CHUNK,
    COMMIT,
    DATA,
    END,
    FILE,
    FLUSH,
    KINDS,
    MAGIC,
    MAX_PAYLOAD,
    OUT_OF_STEP,
    BadFrame,
    encode_frame,
    plan_frames,
    split_answer,
)
from ..protocols.upload import decode_frame as _decode_frame
from .rawrepl import RawRepl

RESENDS = 3  # a frame the board says was damaged is sent again at most this often
WINDOW = 2  # frames in flight: the next one is on the line while the board stores one
MAX_IN_FLIGHT = 16  # frames, however small (seq is modulo 256)
RETRIES = 2  # an upload that failed on a transient fault starts over at most this often
TIMEOUT = 5.0  # seconds each wait for the board may take
RECOVER = 0.5  # seconds the receiver gets to end after a failure

#: Where a failed transfer left the board: nothing was committed, the commit was on the
#: line when the link failed (either state), or the commit was made.
BEFORE, COMMITTING, COMMITTED = "before", "committing", "committed"


@dataclass(frozen=True)
class UploadResult:
    """What an upload did: the slot now active, the bytes stored, the wall time taken
    (every attempt included), and how many attempts it took (1: no fault)."""

    slot: str
    bytes: int
    seconds: float
    attempts: int = 1


def decode_frame(data: bytes) -> tuple[bytes, bytes, int] | None:
    """(kind, payload, bytes used) of the frame at the start of ``data``; None if ``data``
    holds only part of one. Raises ``FrameError`` for bytes that are not a frame."""
    try:
        return _decode_frame(data)
    except BadFrame as e:
        raise FrameError(str(e)) from e


def parse_ack(line: bytes) -> tuple[str, str]:
    """``(word, rest)`` of one line from the receiver: ("ok", "N"), ("err", reason) or
    ("ready", slot). Raises ``UploadError`` for anything else."""
    answer = split_answer(line)
    if answer is None:
        text = line.strip().decode("utf-8", "replace")
        raise UploadError(f"the board's upload receiver answered {text[:120]!r}")
    return answer


#: What a line before ``ready`` starts with to tell the host something: ``note KEY VALUE``.
NOTE = b"note "


def _line(repl: RawRepl, timeout: float,
          notes: dict[str, str] | None = None) -> tuple[str, str]:
    """The receiver's next answer; with ``notes``, ``note KEY VALUE`` lines before it are
    stored there."""
    while True:
        line = repl.read_line(timeout, "no answer from the board's upload receiver (it "
                              "stalled, or bytes were lost on the link)")
        if notes is None or line is None or not line.startswith(NOTE):
            break
        key, _, value = line[len(NOTE):].strip().decode("utf-8", "replace").partition(" ")
        notes[key] = value
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
        raise UploadError(str(e), transient=True) from e


def _recover(repl: RawRepl, receiver_ended: bool, wait: float) -> None:
    """Best effort after a failure: make the receiver end, leave the REPL usable."""
    try:
        if not receiver_ended:
            repl.link.write(FLUSH)
        repl.finish(wait)
    except (LinkError, UploadError):
        pass
    repl.forget()  # the next command interrupts and re-enters the raw REPL


class _Attempt:
    """One try at an upload: how far it got."""

    def __init__(self) -> None:
        self.sent = 0
        self.committing = False
        self.committed = False
        self.receiver_ended = True
        self.slot = ""

    @property
    def stage(self) -> str:
        return COMMITTED if self.committed else COMMITTING if self.committing else BEFORE

    def run(self, repl: RawRepl, code: str, frames: list[tuple[bytes, bytes]], total: int,
            progress: Callable[[int, int], None] | None, timeout: float,
            window: int, ready: Collection[str], notes: dict[str, str] | None = None,
            cancel: Callable[[], bool] | None = None) -> None:
        repl.start(code, timeout)
        self.receiver_ended = False
        word, slot = _line(repl, timeout, notes)
        if word == "err":  # it could not prepare (a full or read-only filesystem, ...)
            self.receiver_ended = True
            raise UploadError(f"the board refused the upload: {slot}",
                              transient=slot in OUT_OF_STEP)
        if word != "ready" or slot not in ready:
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
                if frames[sent][0] == COMMIT and sent != acked:
                    break  # the commit goes alone, once every frame before it is stored
                if cancel is not None and cancel():
                    raise UploadError("the upload was interrupted")
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


def send_frames(repl: RawRepl, code: str | Callable[[], str], frames: list[tuple[bytes, bytes]],
                progress: Callable[[int, int], None] | None = None, *,
                timeout: float = TIMEOUT, retries: int = RETRIES, window: int = WINDOW,
                ready: Collection[str] = ("a", "b"), recover: float | None = None,
                notes: dict[str, str] | None = None,
                cancel: Callable[[], bool] | None = None) -> UploadResult:
    """Run the receiver ``code`` on the board (a callable: asked each attempt) and send it
    ``frames`` (``robokit.protocols.upload.plan_frames``), all or nothing.

    The receiver's first line must be ``ready NAME`` with NAME in ``ready`` (the slot it
    writes: ``UploadResult.slot``). Up to ``window`` full frames' worth of bytes (and at most
    ``MAX_IN_FLIGHT`` frames) are sent ahead of their acknowledgements (1: stop and wait).
    ``progress(sent, total)`` is called as data bytes are acknowledged (from 0 again when
    an attempt starts over); ``timeout`` bounds each wait for the board, ``recover`` the
    wait for the receiver to end after a failure (default: ``RECOVER``, looked up at each
    call). A transient failure (no answer in time,
    the board reset, the framing out of step) starts over, at most ``retries`` times: the
    raw REPL is entered again and the receiver sent again. A link that is gone (the port
    vanished) is not retried; nor is a refusal (a wrong hash, a full filesystem) or a frame
    damaged on every resend.

    ``notes``: a dict that receives the ``note KEY VALUE`` lines the receiver's code says
    before ``ready`` (each attempt's override the last's); the caller can word its message
    from them (a program upload: which slot was active before, ``None`` for none).

    ``cancel``: asked before each frame is written (another thread sets what it reads);
    True ends the upload as a failure that is not retried ("the upload was interrupted").
    The commit frame is written alone, once every frame before it is acknowledged, so a
    cancel (or Ctrl-C) that comes before it leaves the board as it was. On Ctrl-C
    (``KeyboardInterrupt`` in this thread) the receiver is made to end, as after a
    failure, and the interrupt goes on.

    Raises ``UploadError`` with the last attempt's reason as its message and ``attempts``,
    ``sent`` and ``stage`` set (the caller words the final message)."""
    if retries < 0:
        raise ValueError("retries must be >= 0")
    if not 1 <= window <= 64:
        raise ValueError("window must be 1..64 frames")
    total = sum(len(payload) for kind, payload in frames if kind == DATA)
    t0 = time.monotonic()
    attempts = 0
    while True:
        attempts += 1
        state = _Attempt()
        try:
            state.run(repl, code() if callable(code) else code, frames, total, progress,
                      timeout, window, ready, notes, cancel)
        except KeyboardInterrupt:
            # The receiver (Ctrl-C is data to it) must end, removing the partial slot: the
            # board keeps what it had, and its REPL takes the next command.
            _recover(repl, state.receiver_ended, RECOVER if recover is None else recover)
            raise
        except (UploadError, ReplError, LinkError) as e:
            _recover(repl, state.receiver_ended, RECOVER if recover is None else recover)
            transient = isinstance(e, ReplError) or (isinstance(e, UploadError) and e.transient)
            if transient and not state.committed and attempts <= retries:
                continue
            reason = str(e) if isinstance(e, UploadError) else f"the link failed: {e}"
            raise UploadError(reason, attempts=attempts, sent=state.sent,
                              stage=state.stage) from e
        return UploadResult(slot=state.slot, bytes=total, seconds=time.monotonic() - t0,
                            attempts=attempts)


__all__ = [
    "ABORT", "BEFORE", "CHUNK", "COMMIT", "COMMITTED", "COMMITTING", "DATA", "END", "FILE",
    "FLUSH", "KINDS", "MAGIC", "MAX_PAYLOAD", "NOTE", "OUT_OF_STEP", "RESENDS", "RETRIES", "WINDOW",
    "FrameError", "UploadError", "UploadResult", "decode_frame", "encode_frame", "parse_ack",
    "plan_frames", "send_frames",
]
