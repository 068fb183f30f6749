"""Uploading a bundle to a MicroPython board: binary frames, acknowledged, all or nothing.

The host sends the board-side receiver (``firmware_templates/micropython/receiver.py``)
with raw-paste and then streams frames to it on the board's stdin::

    frame = b"RK" + kind (1 byte) + u32 LE payload length + payload + u32 LE CRC-32
            (the CRC covers kind + length + payload)

    F  file begin   u32 LE size + the path in the slot ("robokit/devices/motors.mpy")
    D  data         up to ``CHUNK`` bytes of the file
    E  file end     the file's SHA-256 (32 bytes)
    C  commit       the upload digest (32 bytes): SHA-256 over every F, D and E payload
    A  abort        nothing

The receiver answers each frame with a line: ``ok N`` (N frames accepted), ``err crc``
(the frame was damaged: the host sends it again, at most ``RESENDS`` times) or
``err REASON`` (the receiver gave up, removed the partial slot and ended). It writes into
the inactive slot only; the commit renames ``/robokit/active.tmp`` to ``/robokit/active``.
See docs/upload.md.

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
    from ..build.bundle import Bundle, BundleModule

MAGIC = b"RK"
FILE, DATA, END, COMMIT, ABORT = b"F", b"D", b"E", b"C", b"A"
KINDS = (FILE, DATA, END, COMMIT, ABORT)
CHUNK = 512  # data bytes per frame
MAX_PAYLOAD = 1024  # the receiver refuses longer frames
RESENDS = 3  # a frame the board says was damaged is sent again at most this often
ROOT = "/robokit"
_HEAD = struct.Struct("<2scI")
_CRC = struct.Struct("<I")
# Zero bytes that end any frame the receiver may be stuck in and then fail its magic check
# (so it removes the partial slot and returns to the raw REPL).
_FLUSH = b"\x00" * (_HEAD.size + MAX_PAYLOAD + _CRC.size + _HEAD.size)


class UploadError(LinkError):
    """An upload to a board failed; the message says what failed and what is on the board."""


class FrameError(UploadError):
    """Bytes that are not a valid upload frame (bad magic, kind, length or CRC)."""


@dataclass(frozen=True)
class UploadResult:
    """What an upload did: the slot now active, the bytes stored, the wall time taken."""

    slot: str
    bytes: int
    seconds: float


# -- frames (pure) --------------------------------------------------------------------------


def encode_frame(kind: bytes, payload: bytes = b"") -> bytes:
    """One frame's bytes."""
    if kind not in KINDS:
        raise ValueError(f"unknown frame kind {kind!r}")
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"a frame carries at most {MAX_PAYLOAD} bytes, not {len(payload)}")
    body = _HEAD.pack(MAGIC, kind, len(payload))[2:] + payload
    return MAGIC + body + _CRC.pack(zlib.crc32(body))


def decode_frame(data: bytes) -> tuple[bytes, bytes, int] | None:
    """(kind, payload, bytes used) of the frame at the start of ``data``; None if ``data``
    holds only part of one. Raises ``FrameError`` for bytes that are not a frame."""
    if len(data) < _HEAD.size:
        if not MAGIC.startswith(data[:2]):
            raise FrameError(f"bad frame start {data[:2]!r}")
        return None
    magic, kind, n = _HEAD.unpack_from(data)
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


def receiver_source() -> str:
    """The board-side receiver's source plus the call that runs it."""
    here = Path(__file__).resolve().parent.parent
    for root in (here / "firmware_templates", here.parent.parent / "firmware_templates"):
        f = root / "micropython" / "receiver.py"
        if f.is_file():
            return f.read_text(encoding="utf-8") + "\nreceive()\n"
    raise UploadError("robokit's upload receiver (firmware_templates/micropython/receiver.py) "
                      "is missing; reinstall robokit")


def _line(repl: RawRepl, timeout: float) -> tuple[str, str]:
    line = repl.read_line(timeout, "no answer from the board's upload receiver")
    if line is None:  # the receiver's code ended: its error text says why
        _, err = repl.finish(timeout)
        raise UploadError("the board's upload receiver stopped: "
                          + (err.decode("utf-8", "replace").strip().splitlines() or ["?"])[-1])
    return parse_ack(line)


def _recover(repl: RawRepl, receiver_ended: bool) -> None:
    """Best effort after a failure: make the receiver end, leave the REPL usable."""
    try:
        if not receiver_ended:
            repl.link.write(_FLUSH)
        repl.finish(0.5)
    except (LinkError, UploadError):
        pass
    repl.forget()  # the next command interrupts and re-enters the raw REPL


def upload_bundle(repl: RawRepl, bundle: Bundle,
                  progress: Callable[[int, int], None] | None = None, *,
                  chunk: int = CHUNK, timeout: float = 5.0) -> UploadResult:
    """Store ``bundle`` (its .mpy modules and a manifest) in the board's inactive program
    slot and make that slot active, all or nothing.

    ``progress(sent, total)`` is called as data bytes are acknowledged; ``timeout`` bounds
    each wait for the board. Raises ``BundleError`` for a bundle not built for MicroPython,
    ``UploadError`` (a ``LinkError``) when the upload fails: the previous program is then
    still on the board and still active (unless the link failed during the commit itself,
    which the message says).
    """
    if bundle.target != "micropython":
        raise BundleError(f"bundle {bundle.program!r} was built for {bundle.target!r}, not for a "
                          "MicroPython board: rebuild it with `robokit compile --target "
                          "micropython`")
    files = board_files(bundle)
    frames = plan_frames(files, chunk)
    total = sum(len(data) for _, data in files)
    t0 = time.monotonic()
    sent = 0
    committing = committed = False
    receiver_ended = True
    try:
        repl.start(receiver_source(), timeout)
        receiver_ended = False
        word, slot = _line(repl, timeout)
        if word != "ready" or slot not in ("a", "b"):
            receiver_ended = word == "err"
            raise UploadError(f"the board's upload receiver did not start ({word} {slot})")
        if progress is not None:
            progress(0, total)
        for kind, payload in frames:
            committing = kind == COMMIT
            frame = encode_frame(kind, payload)
            for _attempt in range(RESENDS + 1):
                repl.link.write(frame)
                word, rest = _line(repl, timeout)
                if (word, rest) != ("err", "crc"):
                    break
            else:
                raise UploadError(f"a frame arrived damaged {RESENDS + 1} times; is the "
                                  "link noisy?")
            if word == "err":
                receiver_ended = True
                committing = False  # refused: nothing was renamed
                raise UploadError(f"the board refused the upload: {rest}")
            if word != "ok":
                raise UploadError(f"the board's upload receiver answered {word} {rest}")
            if kind == DATA:
                sent += len(payload)
                if progress is not None:
                    progress(sent, total)
        committing, committed, receiver_ended = False, True, True
        _, err = repl.finish(timeout)
        if err:
            raise UploadError("the board's upload receiver failed after the commit: "
                              + err.decode("utf-8", "replace").strip())
    except (UploadError, ReplError, LinkError) as e:
        if committed:
            where = "The new program was stored and made active."
        elif committing:
            where = ("The link failed during the commit: the board holds the previous program "
                     "or the new one, intact; upload again to be sure.")
        else:
            where = "The previous program is still on the board and still active."
        _recover(repl, receiver_ended)
        reason = str(e)
        if not isinstance(e, UploadError):
            reason = f"the link failed: {reason}"
        raise UploadError(f"upload of {bundle.program!r} failed after {sent} of {total} bytes: "
                          f"{reason}. {where}") from None
    return UploadResult(slot=slot, bytes=total, seconds=time.monotonic() - t0)


__all__ = [
    "ABORT", "CHUNK", "COMMIT", "DATA", "END", "FILE", "MAGIC", "MAX_PAYLOAD", "RESENDS",
    "FrameError", "UploadError", "UploadResult", "board_files", "decode_frame", "encode_frame",
    "module_file", "parse_ack", "plan_frames", "receiver_source", "upload_bundle",
]
