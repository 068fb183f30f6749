"""The upload frames robokit's board-side receiver reads, and the lines it answers: pure
layout, no I/O (``robokit.link.upload`` sends them; the receiver is
``firmware_templates/micropython/receiver.py``; docs/upload.md)::

    frame = b"RK" + kind (1 byte) + seq (1 byte) + u16 LE payload length + payload
            + u32 LE CRC-32 (the CRC covers kind + seq + length + payload)

    seq is the frame's number in the upload (1, 2, ...) modulo 256.

    F  file begin   u32 LE size + the path in the slot ("robokit/devices/motors.mpy")
    D  data         up to ``CHUNK`` bytes of the file
    E  file end     the file's SHA-256 (32 bytes)
    C  commit       the upload digest (32 bytes): SHA-256 over every F, D and E payload
    A  abort        nothing

The receiver answers with lines: ``ready NAME`` (it started; NAME is the slot it writes),
``ok N`` (N frames accepted), ``err crc S`` (the S-th frame it read was damaged) or
``err REASON`` (it gave up, removed what it had written and ended).
"""

from __future__ import annotations

import hashlib
import struct
import zlib

MAGIC = b"RK"
FILE, DATA, END, COMMIT, ABORT = b"F", b"D", b"E", b"C", b"A"
KINDS = (FILE, DATA, END, COMMIT, ABORT)
CHUNK = 2048  # data bytes per frame
MAX_PAYLOAD = 2048  # the receiver refuses longer frames (it holds one frame in RAM)
HEAD = struct.Struct("<2scBH")
CRC = struct.Struct("<I")
#: Zero bytes that end any frame a receiver may be stuck in, which then fails its magic
#: check (so it removes its partial files and returns to the raw REPL). Zero bytes are
#: harmless to a REPL.
FLUSH = b"\x00" * (HEAD.size + MAX_PAYLOAD + CRC.size + HEAD.size)
#: The receiver's refusals that mean the framing got out of step (bytes lost or added on
#: the link): an upload may start over. Other refusals (a wrong hash, a full filesystem)
#: are not transient.
OUT_OF_STEP = ("bad frame start", "frame too long", "bad frame kind", "input ended")
ANSWERS = ("ok", "err", "ready")


class BadFrame(ValueError):
    """Bytes that are not a valid frame (bad magic, kind, length or CRC)."""


def encode_frame(kind: bytes, payload: bytes = b"", seq: int = 0) -> bytes:
    """One frame's bytes (``seq``: its number in the upload, modulo 256)."""
    if kind not in KINDS:
        raise ValueError(f"unknown frame kind {kind!r}")
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"a frame carries at most {MAX_PAYLOAD} bytes, not {len(payload)}")
    body = HEAD.pack(MAGIC, kind, seq & 0xFF, len(payload))[2:] + payload
    return MAGIC + body + CRC.pack(zlib.crc32(body))


def decode_frame(data: bytes) -> tuple[bytes, bytes, int] | None:
    """(kind, payload, bytes used) of the frame at the start of ``data``; None if ``data``
    holds only part of one. Raises ``BadFrame`` for bytes that are not a frame."""
    if len(data) < HEAD.size:
        if not MAGIC.startswith(data[:2]):
            raise BadFrame(f"bad frame start {data[:2]!r}")
        return None
    magic, kind, _seq, n = HEAD.unpack_from(data)
    if magic != MAGIC:
        raise BadFrame(f"bad frame start {magic!r}")
    if kind not in KINDS:
        raise BadFrame(f"unknown frame kind {kind!r}")
    if n > MAX_PAYLOAD:
        raise BadFrame(f"frame length {n} exceeds {MAX_PAYLOAD}")
    end = HEAD.size + n + CRC.size
    if len(data) < end:
        return None
    (crc,) = CRC.unpack_from(data, end - CRC.size)
    if zlib.crc32(data[2:end - CRC.size]) != crc:
        raise BadFrame("frame CRC mismatch")
    return kind, bytes(data[HEAD.size:end - CRC.size]), end


def plan_frames(files: list[tuple[str, bytes]], chunk: int = CHUNK) -> list[tuple[bytes, bytes]]:
    """The (kind, payload) of every frame of an upload of ``files`` ((path, bytes) in
    order), commit included."""
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


def split_answer(line: bytes) -> tuple[str, str] | None:
    """``(word, rest)`` of one line from the receiver: ("ok", "N"), ("err", reason) or
    ("ready", name); None for a line that is none of those."""
    text = line.strip().decode("utf-8", "replace")
    word, _, rest = text.partition(" ")
    return (word, rest) if word in ANSWERS else None


__all__ = ["ABORT", "ANSWERS", "CHUNK", "COMMIT", "CRC", "DATA", "END", "FILE", "FLUSH", "HEAD",
           "KINDS", "MAGIC", "MAX_PAYLOAD", "OUT_OF_STEP", "BadFrame", "decode_frame",
           "encode_frame", "plan_frames", "split_answer"]
