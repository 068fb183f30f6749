"""Uploading a bundle to a MicroPython board: the program's files in the inactive slot,
made active all or nothing.

What goes on the board is decided here: each module's .mpy and ``manifest.json`` (program,
ABI, digest, the robot configuration, each file's size and SHA-256), in a slot of
``/robokit/slots``. They travel as upload frames (``robokit.protocols.upload``) through
``robokit.link.upload.send_frames`` to the board-side receiver
(``firmware_templates/micropython/receiver.py``), which checks every file's SHA-256 and
the whole upload's before it renames the slot's pointer into place. ``robokit install``
writes its files the same way (``.install``). See docs/upload.md.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from ...errors import BundleError
from ...link.upload import (
    CHUNK,
    COMMITTED,
    COMMITTING,
    RETRIES,
    TIMEOUT,
    WINDOW,
    UploadError,
    UploadResult,
    plan_frames,
    send_frames,
)
from .scripts import board_script, compact, guarded

if TYPE_CHECKING:
    from ...compiler.bundle import Bundle, BundleModule
    from ...link.rawrepl import RawRepl


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


def receiver_source(call: str = "receive()") -> str:
    """What the host runs on the board: the receiver's source (robokit_fs inlined,
    compacted) plus ``call``, as a string literal that is run only if its length and CRC-32
    match (a receiver damaged on the link must not run: it might write into the active
    slot)."""
    try:
        code = board_script("receiver.py", call)
    except FileNotFoundError as exc:
        raise UploadError("robokit's upload receiver (firmware_templates/micropython/"
                          "receiver.py) is missing; reinstall robokit") from exc
    return guarded(compact(code))


#: What a program upload runs: first a note of the slot active before (``None``: the board
#: has no program), which words the message if the upload fails, then the receiver.
UPLOAD_CALL = "_say('note active '+str(active(ROOT)))\nreceive()"


def _before(notes: dict[str, str]) -> bool | None:
    """Whether the board had a program before the upload (None: not known, the receiver
    did not get as far as saying)."""
    if "active" not in notes:
        return None
    return notes["active"] in ("a", "b")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def upload_bundle(repl: RawRepl, bundle: Bundle,
                  progress: Callable[[int, int], None] | None = None, *,
                  chunk: int = CHUNK, timeout: float = TIMEOUT,
                  retries: int = RETRIES, window: int = WINDOW,
                  recover: float | None = None,
                  cancel: Callable[[], bool] | None = None) -> UploadResult:
    """Store ``bundle`` (its .mpy modules and a manifest) in the board's inactive program
    slot and make that slot active, all or nothing.

    Up to ``window`` full frames' worth of bytes are sent ahead of their acknowledgements
    (1: stop and wait). ``progress(sent, total)`` is called as data bytes are acknowledged
    (from 0 again when an attempt starts over); ``timeout`` bounds each wait for the board,
    ``recover`` the wait for the receiver to end after a failure
    (``robokit.link.upload.RECOVER`` when None). A transient failure (no answer in time, the
    board reset, the framing out of step) starts the upload over, at most ``retries`` times:
    the raw REPL is entered again, the receiver sent again, the inactive slot emptied and
    written again. A link that is gone (the port vanished) is not retried; nor is a refusal
    (a wrong hash, a full filesystem) or a frame damaged on every resend.
    ``UploadResult.attempts`` says how many it took. ``cancel``: see
    ``robokit.link.upload.send_frames`` (a cancel before the commit leaves the board's
    program as it was: an ``UploadError`` saying the upload was interrupted).

    Raises ``BundleError`` for a bundle not built for MicroPython, ``UploadError`` (a
    ``LinkError``) when the upload fails: the message is one line; the previous program is
    then still on the board and still active (unless the link failed during the commit
    itself, which the message says). The message says "previous program" only when the
    board had one (the receiver first says which slot was active; "Any previous program"
    when it failed before saying).
    """
    if bundle.target != "micropython":
        raise BundleError(f"bundle {bundle.program!r} was built for {bundle.target!r}, not for a "
                          "MicroPython board: rebuild it with `robokit compile --target "
                          "micropython`")
    files = board_files(bundle)
    frames = plan_frames(files, chunk)
    total = sum(len(data) for _, data in files)
    notes: dict[str, str] = {}
    try:
        return send_frames(repl, lambda: receiver_source(UPLOAD_CALL), frames, progress,
                           timeout=timeout, retries=retries, window=window, recover=recover,
                           notes=notes, cancel=cancel)
    except UploadError as failure:
        had = _before(notes)
        if failure.stage == COMMITTED:
            where = "The new program was stored and made active."
        elif failure.stage == COMMITTING:
            where = ("The link failed during the commit: the board holds the previous program "
                     "or the new one, intact; upload again to be sure." if had is not False else
                     "The link failed during the commit: the board holds the new program, "
                     "intact, or still none; upload again to be sure.")
        elif had is None:  # it failed before the board said what it held
            where = "Any previous program is still on the board and still active."
        elif had:
            where = "The previous program is still on the board and still active."
        else:
            where = "The board had no program before and still has none."
        attempts = failure.attempts
        tries = f" ({attempts} attempts, each started over)" if attempts > 1 else ""
        reason = str(failure).rstrip(".")
        reason += " " if reason.endswith(("?", "!")) else ". "
        raise UploadError(_one_line(
            f"upload of {bundle.program!r} failed after {failure.sent} of {total} bytes"
            f"{tries}: {reason}{where}"), attempts=attempts,
            sent=failure.sent, stage=failure.stage) from failure


__all__ = ["UPLOAD_CALL", "board_files", "module_file", "receiver_source", "upload_bundle"]
