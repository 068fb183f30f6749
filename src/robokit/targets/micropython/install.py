"""``robokit install``: put robokit's loader on a MicroPython board, so programs start
without a computer; and ``--check``: what is on a board, and is it current.

What goes where (docs/install.md):

    /main.py                    the boot stub (``firmware_templates/micropython/boot/main.py``
                                with the robokit_fs definitions it uses): small, stable,
                                never lets an exception out; it runs robokit_boot from the
                                active system slot
    /robokit/sys/a, /robokit/sys/b
                                system slots, one active: robokit_boot.py, robokit_loader.py,
                                robokit_fs.py, settings.json, install.json (this record), and
                                with --board the board support (robokit_board.py,
                                robokit_board_config.py) and, on boards with Bluetooth,
                                nus_bridge.py
    /robokit/sys/active         names the active system slot ("a" or "b")

Crash safety: the files travel as upload frames to the board-side receiver, the one way
robokit writes files to a board (``robokit.link.upload.send_frames``; CRC, acks, resends,
retries). ``receive_system()`` writes the inactive system slot, reads every file back
(size and SHA-256 on the board), and only then makes it active with the pointer commit of
``robokit_fs`` (the same as program uploads do with ``/robokit/active``); on FAT the
stub, the loader and the boot module then read the pointer's temporary name, and the
boot module (and the next install) finish the rename. The stub is written only when it
differs (a fresh install): ``receive_file()`` stores it as ``/robokit/main.tmp``, reads
it back, then renames it onto /main.py; a user's own main.py is kept as
``/robokit/main.py.orig``.

What the host asks the board (what it holds, file hashes) are board scripts
(``firmware_templates/micropython/scripts/``) run over the raw REPL. ``plan_install`` is
pure (files in, bytes out); ``install`` and ``check_install`` talk to a board. Nothing
here prints; progress goes to ``progress(done, total)`` in bytes.
"""

from __future__ import annotations

import ast
import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ...errors import InstallError, RobokitError
from ...link import LinkError, ReplError
from ...link.rawrepl import RawRepl
from ...link.upload import COMMITTED, COMMITTING, RETRIES, UploadError, plan_frames, send_frames
from .scripts import board_script, compact, guarded, inline_fs, template

ROOT = "/robokit"
SYS = ROOT + "/sys"
STUB = "/main.py"
STUB_TMP = ROOT + "/main.tmp"
USER_MAIN = ROOT + "/main.py.orig"
RECORD = "install.json"
STUB_MARK = b"# robokit boot stub"
MARGIN = 8192  # free flash an install leaves at least (FAT needs room for its own updates)
FORMAT = 1

ProgressFn = Callable[[int, int], None]


@dataclass
class InstallReport:
    """What ``install`` did."""

    slot: str  # the system slot now active ("a" or "b")
    version: str  # robokit's version installed
    board: str | None
    autostart: bool
    files: dict[str, int]  # path on the board -> size
    bytes: int  # bytes written
    seconds: float
    previous: str | None = None  # the robokit version installed before, if any
    stub_written: bool = False  # /main.py was (re)written
    user_main_kept: str | None = None  # where a user's own main.py was kept


#: Per-file states ``check_install`` reports.
CURRENT, OUTDATED, MISSING, DAMAGED = "current", "outdated", "missing", "damaged"


@dataclass
class InstallStatus:
    """What ``check_install`` found on a board.

    ``files`` maps each path (on the board) to ``current`` (as this robokit installs it),
    ``outdated`` (intact as installed, but this robokit installs other bytes), ``missing``
    or ``damaged`` (not the bytes install.json records). ``current`` is True when robokit is
    installed, every file is current, and the version is this robokit's."""

    installed: bool
    version: str | None = None  # robokit version on the board
    ours: str = ""  # this robokit's version
    board: str | None = None
    board_file: str | None = None  # the user's own board file it was installed from
    autostart: bool | None = None
    slot: str | None = None
    files: dict[str, str] = field(default_factory=dict)
    crashes: int = 0  # the crash counter (safe mode at 3)
    current: bool = False

    def install_board(self) -> str | None:
        """What to give ``install(board=...)`` to install the same board again: the name
        of a board robokit ships, or the user's own board file while it is still where it
        was installed from (else its name, which install refuses with a clear message)."""
        if self.board_file and Path(self.board_file).is_file():
            return self.board_file
        return self.board

    def summary(self) -> str:
        """A few lines for a person (the CLI prints them)."""
        if not self.installed:
            return "robokit is not installed on this board (run `robokit install`)"
        head = (f"robokit {self.version} installed (system slot {self.slot}), board "
                f"{self.board or 'none'}, autostart {'on' if self.autostart else 'off'}")
        lines = [head]
        for path, state in sorted(self.files.items()):
            lines.append(f"  {state:9} {path}")
        if self.crashes:
            lines.append(f"  the stored program crashed {self.crashes} time(s) in a row"
                         + (" (safe mode at power-up)" if self.crashes >= 3 else ""))
        if self.current:
            lines.append(f"current: matches robokit {self.ours}")
        else:
            bad = sorted(p for p, s in self.files.items() if s != CURRENT)
            why = [f"version {self.version} (this is {self.ours})"] if self.version != self.ours \
                else []
            if bad:
                why.append(f"{len(bad)} file(s) not current")
            lines.append("not current: " + ", ".join(why) + "; run `robokit install`")
        return "\n".join(lines)


# -- the plan (pure) -----------------------------------------------------------------------


def _version() -> str:
    import robokit

    return str(robokit.__version__)


def _template(rel: str) -> bytes:
    data = template(rel)
    if data is None:
        raise InstallError(f"robokit's brick-side file firmware_templates/micropython/{rel} is "
                           "missing; reinstall robokit")
    return data


def _script(rel: str, call: str = "") -> str:
    try:
        return board_script(rel, call)
    except FileNotFoundError as e:
        raise InstallError(f"robokit's brick-side file {e.args[0]} is missing; reinstall "
                           "robokit") from e


def _stub() -> bytes:
    """The boot stub as installed: robokit_fs's definitions in place of its import."""
    _template("robokit_fs.py")
    return inline_fs(_template("boot/main.py").decode("utf-8")).encode("utf-8")


def _board_support(name: str) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The board file's settings and its support files, by their names on the board."""
    from ... import kits

    try:
        cfg = kits.load_board(name)
        files = kits.board_support_files(name)
    except RobokitError as e:  # ConfigError: unknown name, broken board file
        raise InstallError(f"--board {name}: {e}") from e
    return cfg, {PurePosixPath(path).name: data for path, data in files.items()}


def _board_file(board: str) -> str | None:
    """The absolute path of a user's own board file given as ``board`` (None for a board
    robokit ships, given by name)."""
    from ... import kits

    if board in kits.list_boards():
        return None
    return str(Path(board).resolve())


def plan_install(board: str | None = None, autostart: bool = False, *,
                 version: str | None = None) -> dict[str, bytes]:
    """Every file an install puts on a board: ``/main.py`` (the stub; absolute path) and
    the system slot's files by name (``robokit_boot.py``, ``robokit_loader.py``,
    ``robokit_fs.py``, ``settings.json``, the board's support, ``install.json`` last: the
    record of the others with their sizes and SHA-256). Same arguments, same bytes.
    ``version``: the robokit version to record (default: this one; tests make "older"
    installs with it)."""
    files: dict[str, bytes] = {
        STUB: _stub(),
        "robokit_boot.py": _template("robokit_boot.py"),
        "robokit_loader.py": _template("loader.py"),
        "robokit_fs.py": _template("robokit_fs.py"),
    }
    ble = False
    name = board_file = None
    if board is not None:
        cfg, support = _board_support(board)
        files.update(support)
        ble = bool(cfg.get("ble"))
        name, board_file = cfg["name"], _board_file(board)
    if ble:
        files["nus_bridge.py"] = _template("nus_bridge.py")
    version = version or _version()
    settings: dict[str, Any] = {"version": version, "board": name, "autostart": bool(autostart),
                                "ble": ble}
    if board_file is not None:
        settings["board_file"] = board_file  # where the user's own board file came from
    files["settings.json"] = json.dumps(settings, sort_keys=True).encode()
    record = {
        "format": FORMAT, "robokit": version, "board": name, "settings": settings,
        "files": {path: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                  for path, data in sorted(files.items())},
    }
    files[RECORD] = json.dumps(record, sort_keys=True, indent=1).encode()
    return files


# -- talking to the board ------------------------------------------------------------------

def _as_repl(target: Any) -> RawRepl:
    if isinstance(target, RawRepl):
        return target
    repl = getattr(target, "repl", None)
    if isinstance(repl, RawRepl):  # a MicroPythonBoard
        return repl
    if hasattr(target, "write") and hasattr(target, "read"):
        return RawRepl(target)
    raise TypeError("install needs a RawRepl, a MicroPythonBoard or a byte link "
                    f"(write/read), not {type(target).__name__}")


def _board_failure(text: str) -> str:
    """What a board-side error means, in one line, from its traceback text (or the
    receiver's "board: ..." refusal)."""
    last = (text.strip().splitlines() or ["?"])[-1].strip()
    if "ENOSPC" in last or "Errno 28" in last or last.endswith("OSError: 28"):
        return ("the board's filesystem is full; delete files from it (mpremote fs rm) "
                "and install again")
    if "EROFS" in last or "Errno 30" in last or last.endswith("OSError: 30"):
        return ("the board's filesystem is read-only (is it mounted as a USB drive, or "
                "made read-only in boot.py?); make it writable and install again")
    return f"the board failed: {last}"


class _Session:
    def __init__(self, repl: RawRepl, timeout: float):
        self.repl = repl
        self.timeout = timeout

    def enter(self) -> None:
        if self.repl.in_raw_repl:
            return
        try:
            self.repl.enter(timeout=self.timeout)
        except ReplError as e:
            raise InstallError(
                "no MicroPython REPL answered"
                + (f" (got {e.received[-60:]!r})" if e.received else "")
                + ": is it a MicroPython board, and is no other program (mpremote, Thonny, "
                "a serial monitor) using the port? Flash MicroPython first (`robokit flash`)."
            ) from e

    def run(self, code: str, what: str) -> str:
        try:
            out, err = self.repl.exec_raw(code, self.timeout)
        except LinkError as e:
            raise InstallError(f"{what}: the link to the board failed: {e}") from e
        if err:
            raise _BoardFailed(_board_failure(err.decode("utf-8", "replace")))
        return out.decode("utf-8", "replace")

    def value(self, code: str, what: str) -> Any:
        out = self.run(code, what)
        try:
            return ast.literal_eval(out.strip().splitlines()[-1])
        except (ValueError, SyntaxError, IndexError) as exc:
            raise InstallError(f"{what}: the board answered {out[-120:]!r}, not what robokit "
                               "expected; is it running MicroPython?") from exc

    def probe(self) -> dict[str, Any]:
        impl, free, slot, main_head, main_size, crashes = self.value(
            _script("scripts/probe.py", "probe()"), "asking the board what it holds")
        if impl != "micropython":
            raise InstallError(f"the board runs {impl}, not MicroPython; robokit installs on "
                               "MicroPython boards only (flash MicroPython first)")
        return {"free": free, "slot": slot, "main_head": main_head, "main_size": main_size,
                "crashes": crashes}

    def hashes(self, paths: list[str]) -> dict[str, tuple[int, str] | None]:
        got = self.value(_script("scripts/files.py", f"hashes({paths!r})"),
                         "reading files back from the board")
        return dict(zip(paths, got, strict=True))

    def read(self, path: str) -> bytes | None:
        """A (small) file's bytes, None when the board has no such file."""
        value = self.value(_script("scripts/files.py", f"show({path!r})"), f"reading {path}")
        return value if isinstance(value, bytes) else None

    def send(self, call: str, files: list[tuple[str, bytes]], ready: tuple[str, ...],
             progress: ProgressFn | None, retries: int) -> str:
        """Send ``files`` to the board's receiver, run as ``call``; the name it said it was
        ready with (the slot)."""
        code = guarded(compact(_script("receiver.py", call)))
        return send_frames(self.repl, code, plan_frames(files), progress, ready=ready,
                           timeout=self.timeout, retries=retries).slot


class _BoardFailed(Exception):
    """Board-side code raised: the message is what it means (full, read-only, ...)."""


def _record(data: bytes | None) -> dict[str, Any] | None:
    if data is None:
        return None
    try:
        rec = json.loads(data)
    except ValueError:
        return None
    return rec if isinstance(rec, dict) and isinstance(rec.get("files"), dict) else None


def _failure(e: UploadError, stage: str) -> InstallError:
    """The InstallError for a failed send: what failed, and what the board holds now."""
    reason = str(e).rstrip(".")
    word = "the board refused the upload: "
    if reason.startswith(word):
        why = reason[len(word):]
        if why.startswith("readback "):
            stage = "checking"
            reason = (f"{why[len('readback '):]} reads back differently from what was sent "
                      "(damaged on the link or in flash)")
        elif why.startswith("board: "):
            reason = _board_failure(why[len("board: "):])
    if stage == "stub":
        where = ("The new system slot was made active; /main.py may still be the previous "
                 "one: install again.")
    elif e.stage == COMMITTED:
        where = "The new system slot was made active."
    elif e.stage == COMMITTING:
        stage = "committing"
        where = ("The link failed while the new system slot was being made active: the "
                 "board holds the previous installation or the new one, intact; install "
                 "again to be sure.")
    else:
        where = "The previous installation (if any) is still the active one."
    tries = f" ({e.attempts} attempts, each started over)" if e.attempts > 1 else ""
    return InstallError(" ".join(f"installing robokit failed while {stage}{tries}: {reason}. "
                                 f"{where}".split()))


def install(target: Any, *, board: str | None = None, autostart: bool = False,
            progress: ProgressFn | None = None, timeout: float = 5.0,
            plan: Mapping[str, bytes] | None = None, retries: int = RETRIES) -> InstallReport:
    """Install robokit's loader on the MicroPython board behind ``target`` (a ``RawRepl``,
    a ``MicroPythonBoard`` or a byte link), all or nothing.

    ``board``: a board name (``robokit.kits``) whose support is installed too;
    ``autostart``: run the stored program at power-up. ``plan`` replaces
    ``plan_install(board, autostart)`` (tests install older or altered files with it).
    ``progress(done, total)`` gets bytes written. ``timeout`` bounds each wait for the
    board; a transient failure (no answer in time, the board reset, bytes lost) starts the
    writing over, at most ``retries`` times. Raises ``InstallError`` (no MicroPython REPL, a
    full or read-only filesystem, an unknown board, the link failing): the message says
    whether the previous installation is still the active one."""
    files = dict(plan) if plan is not None else plan_install(board, autostart)
    stub = files.pop(STUB, None)
    if RECORD not in files:
        raise ValueError(f"an install plan needs {RECORD}")
    settings = json.loads(files.get("settings.json", b"{}"))
    session = _Session(_as_repl(target), timeout)
    t0 = time.monotonic()
    session.enter()
    state = session.probe()
    previous = None
    if state["slot"] is not None:
        rec = _record(session.read(f"{SYS}/{state['slot']}/{RECORD}"))
        previous = str(rec.get("robokit")) if rec else "unknown"
    need = sum(map(len, files.values())) + (len(stub) if stub else 0)
    if 0 <= state["free"] < need + MARGIN:
        raise InstallError(f"the board's filesystem is full: the install needs {need:,} bytes "
                           f"(and {MARGIN:,} spare) but {state['free']:,} are free; delete "
                           "files from the board (mpremote fs rm) and install again. Nothing "
                           "was changed.")
    total = need
    done = 0
    stub_written = False
    kept = None

    def step(offset: int) -> ProgressFn | None:
        report = progress
        if report is None:
            return None
        return lambda sent, _: report(offset + sent, total)

    order = sorted(p for p in files if p != RECORD) + [RECORD]
    stage = "writing"
    try:
        slot = session.send("receive_system()", [(n, files[n]) for n in order], ("a", "b"),
                            step(0), retries)
        done = sum(map(len, files.values()))
        stage = "stub"
        if stub is not None:
            current = session.hashes([STUB])[STUB]
            if current is None or current[1] != hashlib.sha256(stub).hexdigest():
                head = state["main_head"]
                if head is not None and not head.startswith(STUB_MARK):
                    kept = USER_MAIN  # a user's own main.py: kept (once) before the stub
                session.send(f"receive_file({STUB!r}, {kept or ''!r})",
                             [(STUB_TMP[len(ROOT) + 1:], stub)], ("file",), step(done), retries)
                stub_written = True
            done += len(stub)
        if progress is not None:
            progress(total, total)
    except UploadError as e:
        raise _failure(e, stage) from e
    except _BoardFailed as e:
        where = ("The new system slot was made active; /main.py may still be the previous "
                 "one: install again." if stage == "stub" else
                 "The previous installation (if any) is still the active one.")
        raise InstallError(f"installing robokit failed while {stage}: {e}. {where}") from e
    folder = f"{SYS}/{slot}"
    sizes = {f"{folder}/{n}": len(d) for n, d in files.items()}
    if stub is not None:
        sizes[STUB] = len(stub)
    return InstallReport(slot=slot, version=str(settings.get("version", _version())),
                         board=settings.get("board"), autostart=bool(settings.get("autostart")),
                         files=sizes, bytes=done, seconds=time.monotonic() - t0,
                         previous=previous, stub_written=stub_written, user_main_kept=kept)


def check_install(target: Any, *, board: str | None = None, autostart: bool | None = None,
                  timeout: float = 5.0) -> InstallStatus:
    """What robokit installation the board behind ``target`` holds, file by file, compared
    with what it records (``install.json``: missing, damaged) and with what this robokit
    installs with the same settings (outdated). ``board`` / ``autostart`` compare with
    those settings instead of the recorded ones. Reads only; writes nothing."""
    session = _Session(_as_repl(target), timeout)
    session.enter()
    state = session.probe()
    ours = _version()
    status = InstallStatus(installed=False, ours=ours, crashes=state["crashes"])
    if state["slot"] is None:
        return status
    folder = f"{SYS}/{state['slot']}"
    raw = session.read(f"{folder}/{RECORD}")
    rec = _record(raw)
    status.installed = True
    status.slot = state["slot"]
    if rec is None:
        status.files[f"{folder}/{RECORD}"] = MISSING if raw is None else DAMAGED
        return status
    settings: dict[str, Any] = rec.get("settings") or {}
    if not isinstance(settings, dict):
        settings = {}
    status.version = str(rec.get("robokit"))
    status.board = rec.get("board")
    status.board_file = settings.get("board_file")
    status.autostart = bool(settings.get("autostart"))
    want_board = board if board is not None else status.install_board()
    want_auto = autostart if autostart is not None else status.autostart
    partial = False  # the plan could not include the board: its files are judged as recorded
    try:
        plan = plan_install(want_board, want_auto)
    except InstallError:  # a board file no longer on this computer: compare the rest
        plan = {n: d for n, d in plan_install(None, want_auto).items() if n != "settings.json"}
        partial = True
    plan_hash = {(n if n.startswith("/") else f"{folder}/{n}"): hashlib.sha256(d).hexdigest()
                 for n, d in plan.items() if n != RECORD}
    recorded = {(n if n.startswith("/") else f"{folder}/{n}"): v
                for n, v in rec["files"].items()}
    paths = sorted(set(recorded) | set(plan_hash))
    got = session.hashes(paths)
    for path in paths:
        on_board = got[path]
        entry = recorded.get(path)
        if on_board is None:
            status.files[path] = MISSING
        elif entry is not None and tuple(on_board) != (entry.get("size"), entry.get("sha256")):
            status.files[path] = DAMAGED
        elif path not in plan_hash:
            # this robokit would not install it, unless the plan could not say
            status.files[path] = CURRENT if partial else OUTDATED
        elif plan_hash[path] != on_board[1]:
            status.files[path] = OUTDATED
        else:
            status.files[path] = CURRENT
    status.current = (status.version == ours
                      and all(s == CURRENT for s in status.files.values()))
    return status


__all__ = ["CURRENT", "DAMAGED", "MISSING", "OUTDATED", "InstallError", "InstallReport",
           "InstallStatus", "check_install", "install", "plan_install"]
