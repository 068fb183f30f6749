"""Faults injected into the simulated board (robokit.virtual.faults) and what an upload does
about them: a cut link at every frame boundary and inside frames, damaged, lost and delayed
bytes, a board reset mid-upload; bounded retries; the fault-spec parser."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

pytest.importorskip("serial")
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX ptys")

from robokit.compiler.bundle import Bundle  # noqa: E402
from robokit.compiler.compile import compile_program  # noqa: E402
from robokit.link import LinkError  # noqa: E402
from robokit.link.rawrepl import RawRepl  # noqa: E402
from robokit.link.serial_link import SerialLink  # noqa: E402
from robokit.link.upload import COMMIT, UploadError, encode_frame, plan_frames  # noqa: E402
from robokit.targets.micropython.upload import board_files, upload_bundle  # noqa: E402
from robokit.virtual.board import SimBoard  # noqa: E402
from robokit.virtual.faults import Fault, Faults, FaultSpecError, parse_fault  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 1.0  # generous: a loaded CI machine must not time out a healthy upload
RECOVER = 0.2  # after a failure, the wait for the receiver to end (production: 0.5 s)
CHUNK = 512  # small frames: more of them, and files of several frames


def _small_bundle() -> Bundle:
    """Five modules (the entry, a package, three modules of 1 to 2.5 KB) of a real build."""
    full = compile_program(ROOT / "examples" / "square.py", target="micropython")
    keep = {full.entry, "robokit", "robokit.devices._hal", "robokit.devices.robot",
            "robokit.devices.tools"}
    return dataclasses.replace(full, modules=[m for m in full.modules if m.name in keep])


BUNDLE = _small_bundle()
FRAMES = [encode_frame(k, p) for k, p in plan_frames(board_files(BUNDLE), CHUNK)]
EVERY = 4  # a cut inside every EVERY-th frame


class Conn:
    """A SimBoard on a pty (no baud throttling) with a SerialLink and RawRepl on it."""

    def __init__(self, files: dict[str, bytes] | None = None, **opts: object):
        opts.setdefault("window", 512)  # raw-paste window: fewer round trips, a quicker test
        self.board = SimBoard(files=files, **opts)  # type: ignore[arg-type]
        self.link = SerialLink(self.board.serve_pty())
        self.repl = RawRepl(self.link)

    def upload(self, **opts: object):
        opts.setdefault("timeout", TIMEOUT)
        opts.setdefault("recover", RECOVER)
        return upload_bundle(self.repl, BUNDLE, chunk=CHUNK, **opts)  # type: ignore[arg-type]

    def close(self) -> None:
        self.link.close()
        self.board.close()


def connect(conns: list[Conn], files=None, **opts) -> Conn:
    c = Conn(files, **opts)
    conns.append(c)
    return c


def slot(files: dict[str, bytes], name: str) -> dict[str, bytes]:
    prefix = f"/robokit/slots/{name}/"
    return {k[len(prefix):]: v for k, v in files.items() if k.startswith(prefix)}


EXPECTED = dict(board_files(BUNDLE))


@pytest.fixture(scope="module")
def before() -> tuple[dict[str, bytes], int]:
    """The filesystem after one upload (slot a active), and where the frames start in the
    bytes the host sends for a second upload on a fresh board over that filesystem."""
    first = Conn()
    try:
        first.upload()
        files = dict(first.board.files)
    finally:
        first.close()
    second = Conn(files)
    try:
        second.upload()
        total = second.board.stats["bytes_in"]
    finally:
        second.close()
    assert total > sum(map(len, FRAMES))
    return files, total - sum(map(len, FRAMES))


def _ends(start: int) -> list[int]:
    ends = [start]
    for f in FRAMES:
        ends.append(ends[-1] + len(f))
    return ends


def assert_previous_intact(files: dict[str, bytes], after: dict[str, bytes]) -> None:
    assert after["/robokit/active"] == b"a\n"
    assert slot(after, "a") == slot(files, "a") == EXPECTED
    assert "/robokit/active.tmp" not in after


def assert_one_line(err: UploadError, *phrases: str) -> str:
    text = str(err)
    assert "\n" not in text and "\r" not in text
    assert text.startswith(f"upload of {BUNDLE.program!r} failed")
    for p in phrases:
        assert p in text, text
    return text


# -- a cut link, everywhere ---------------------------------------------------------------------

# (id, frame, offset in it); frame None: offset in all the bytes the host sends.
CUTS = ([("entering the raw REPL", None, 2), ("sending the receiver", None, 400)]
        + [(f"before frame {i}", i, 0) for i in range(len(FRAMES))]
        + [(f"inside frame {i}", i, len(FRAMES[i]) // 2) for i in range(0, len(FRAMES), EVERY)]
        + [("inside the commit's CRC", len(FRAMES) - 1, len(FRAMES[-1]) - 2)])


def test_the_cut_cases_cover_every_frame():
    n = len(FRAMES)
    assert n >= 25  # several files of several frames each
    assert plan_frames(board_files(BUNDLE), CHUNK)[-1][0] == COMMIT
    assert len(CUTS) == 2 + n + (n + EVERY - 1) // EVERY + 1
    assert len({(i, off) for _, i, off in CUTS[2:]}) == len(CUTS) - 2


@pytest.mark.parametrize(("frame", "offset"), [c[1:] for c in CUTS], ids=[c[0] for c in CUTS])
def test_a_link_cut_anywhere_leaves_the_previous_program(conns, before, frame, offset):
    files, start = before
    assert start > 400
    at = offset if frame is None else _ends(start)[frame] + offset
    c = connect(conns, files, faults=[f"disconnect@{at}"])
    with pytest.raises(UploadError) as err:
        c.upload()
    assert isinstance(err.value, LinkError)
    text = assert_one_line(err.value, "the link failed", "lost the connection")
    assert err.value.attempts == 1  # a port that vanished is not retried
    assert c.board.wait(5.0)
    after = dict(c.board.files)
    if after["/robokit/active"] == b"b\n":  # the commit completed before the cut
        assert "previous program or the new one" in text
        assert slot(after, "b") == EXPECTED
    else:
        assert ("previous program is still" in text) or ("previous program or the new" in text)
        assert_previous_intact(files, after)
    # Plugged in again: a board over the same flash; the next upload succeeds.
    again = connect(conns, after)
    result = again.upload()
    assert result.attempts == 1
    assert slot(again.board.files, result.slot) == EXPECTED
    assert again.board.files["/robokit/active"] == f"{result.slot}\n".encode()


# -- transient faults: retried ------------------------------------------------------------------


def _at(before, frame: int, offset: int) -> int:
    return _ends(before[1])[frame] + offset


FRAME = 10  # a data frame in the middle of the upload


def test_a_corrupted_byte_in_a_frame_is_resent_without_starting_over(conns, before):
    files, _ = before
    c = connect(conns, files, faults=[f"corrupt@{_at(before, FRAME, 20)}"])
    result = c.upload()
    assert result.attempts == 1 and result.slot == "b"
    assert slot(c.board.files, "b") == EXPECTED
    assert not c.board.faults  # it fired


def test_a_corrupted_frame_start_desynchronises_and_the_upload_starts_over(conns, before):
    files, _ = before
    c = connect(conns, files, faults=[f"corrupt@{_at(before, FRAME, 0)}"])
    result = c.upload()
    assert result.attempts == 2 and result.slot == "b"
    assert slot(c.board.files, "b") == EXPECTED and c.board.files["/robokit/active"] == b"b\n"


def test_corrupt_frame_start_without_retries_fails_in_one_line(conns, before):
    files, _ = before
    c = connect(conns, files, faults=[f"corrupt@{_at(before, FRAME, 1)}"])
    with pytest.raises(UploadError) as err:
        c.upload(retries=0)
    assert_one_line(err.value, "refused the upload: bad frame start",
                    "previous program is still")
    assert_previous_intact(files, c.board.files)
    assert c.upload().slot == "b"  # the next upload, same board and link


RETRIED = [(f, w) for f in ("drop:3@{}", "stall:1.6@{}", "reset@{}", "corrupt@{}")
           for w in ("header", "payload", "commit", "receiver source")
           if (f, w) != ("stall:1.6@{}", "header")]  # a stall is a stall, wherever it is


@pytest.mark.parametrize(("fault", "where"), RETRIED)
def test_transient_faults_are_retried(conns, before, fault, where):
    files, start = before
    at = {"header": _at(before, FRAME, 4), "payload": _at(before, FRAME, 200),
          "commit": _at(before, len(FRAMES) - 1, 9), "receiver source": start // 2}[where]
    c = connect(conns, files, faults=[fault.format(at)])
    result = c.upload()
    if fault.startswith("corrupt") and where in ("payload", "commit"):
        assert result.attempts == 1  # a damaged frame: sent again ("err crc")
    elif fault.startswith("corrupt") and where == "header":
        assert result.attempts == 2  # a damaged length: the framing is out of step
    elif fault.startswith("corrupt"):
        assert result.attempts in (1, 2)  # a flipped byte of a comment is harmless
    else:
        assert result.attempts == 2
    assert not c.board.faults
    assert c.board.files["/robokit/active"] == f"{result.slot}\n".encode()
    assert slot(c.board.files, result.slot) == EXPECTED
    if where == "commit" and fault.startswith("stall"):
        # The host gave up waiting for the commit's "ok"; the board then committed, so the
        # next attempt went to the other slot: the new program is in both.
        assert result.slot == "a" and slot(c.board.files, "b") == EXPECTED
    else:
        assert result.slot == "b" and slot(c.board.files, "a") == EXPECTED  # untouched
    assert c.repl.exec("print(6*7)", timeout=TIMEOUT)[0] == b"42\r\n"


@pytest.mark.parametrize(("fault", "phrase"), [
    # the next frame (in flight) completes the short one: its CRC fails, then the next
    # header is not one
    ("drop:3@{}", "the board refused the upload: bad frame start"),
    ("stall:1.6@{}", "no answer from the board's upload receiver"),
    ("reset@{}", "the board reset during the upload (it printed its boot banner)"),
])
def test_transient_faults_without_retries_fail_in_one_line(conns, before, fault, phrase):
    files, _ = before
    c = connect(conns, files, faults=[fault.format(_at(before, FRAME, 100))])
    with pytest.raises(UploadError) as err:
        c.upload(retries=0)
    assert err.value.attempts == 1
    assert_one_line(err.value, phrase, "previous program is still on the board")
    assert_previous_intact(files, c.board.files)
    result = c.upload(retries=0)  # the next upload succeeds
    assert result.slot == "b" and slot(c.board.files, "b") == EXPECTED


def test_lost_bytes_when_nothing_follows_are_a_timeout(conns, before):
    files, _ = before
    c = connect(conns, files, faults=[f"drop:3@{_at(before, len(FRAMES) - 1, 9)}"])  # commit
    with pytest.raises(UploadError) as err:
        c.upload(retries=0)
    assert_one_line(err.value, "no answer from the board's upload receiver (it stalled, or "
                    "bytes were lost on the link) within 1 s",
                    "the board holds the previous program or the new one")
    assert_previous_intact(files, c.board.files)
    assert c.upload().slot == "b"


def test_a_stall_shorter_than_the_timeout_costs_nothing_but_time(conns, before):
    files, _ = before
    c = connect(conns, files, faults=[f"stall:0.2@{_at(before, FRAME, 100)}"])
    assert c.upload(timeout=2.0).attempts == 1
    assert c.board.stats["stalls"] == 1


def test_a_damaged_acknowledgement_is_retried(conns, before):
    files, _ = before
    clean = connect(conns, files)
    clean.upload()
    total_out = clean.board.stats["bytes_out"]  # ... "ok 30\r\nok 31\r\n\x04\x04>"
    c = connect(conns, files, faults=[f"corrupt-out@{total_out - 20}"])  # in an "ok N"
    result = c.upload()
    assert result.attempts == 2 and slot(c.board.files, "b") == EXPECTED
    assert not c.board.faults


def test_retries_are_bounded(conns, before):
    files, start = before
    resets = [f"reset@{_at(before, FRAME, 0) + k * (start + 9000)}" for k in range(3)]
    c = connect(conns, files, faults=resets)
    with pytest.raises(UploadError) as err:
        c.upload(retries=1)
    assert err.value.attempts == 2
    assert_one_line(err.value, "(2 attempts, each started over)", "the board reset",
                    "previous program is still")
    assert c.board.stats["resets"] == 2
    assert_previous_intact(files, c.board.files)


def test_a_refusal_is_not_retried(conns, before):
    files, _ = before
    c = connect(conns, files)

    class WrongHash:
        def __init__(self, link):
            self.link = link

        def write(self, data):
            if data[:3] == b"RKE":
                data = encode_frame(b"E", bytes(32), data[3])
            self.link.write(data)

        def read(self, n, timeout):
            return self.link.read(n, timeout)

    c.repl.link = WrongHash(c.link)
    with pytest.raises(UploadError) as err:
        c.upload()
    assert err.value.attempts == 1
    assert_one_line(err.value, "refused the upload: sha256 main.mpy", "still active")
    assert_previous_intact(files, c.board.files)


# -- the board's reset -----------------------------------------------------------------------


def test_a_reset_keeps_the_files_and_forgets_the_interpreter(conns):
    c = connect(conns, {"/keep.txt": b"kept"})
    c.repl.exec("x = 41\nf = open('/new.txt', 'w')\nf.write('new')\nf.close()", timeout=1.0)
    assert c.repl.exec("print(x + 1)", timeout=1.0)[0] == b"42\r\n"
    c.board.faults.add("reset", c.board.stats["bytes_in"] + 10)
    with pytest.raises(LinkError):
        c.repl.exec("import time\nprint('never')\n" + "#" * 300, timeout=1.0)
    c.repl.forget()
    out, err = c.repl.exec_raw("print(x)", timeout=1.0)
    assert b"NameError" in err  # the interpreter started afresh
    assert c.board.files["/keep.txt"] == b"kept" and c.board.files["/new.txt"] == b"new"
    assert c.board.stats["resets"] == 1


def test_a_reset_mid_upload_leaves_the_partial_slot_as_flash_would(conns, before):
    files, _ = before
    c = connect(conns, files, faults=[f"reset@{_at(before, FRAME, 100)}"])
    with pytest.raises(UploadError):
        c.upload(retries=0)
    # No clean-up ran on the board (a reset runs no code): the inactive slot holds part of
    # the upload, the active one and the pointer are as before.
    partial = slot(c.board.files, "b")
    assert partial and partial != EXPECTED
    assert_previous_intact(files, c.board.files)
    assert c.upload().slot == "b" and slot(c.board.files, "b") == EXPECTED


def test_old_disconnect_at_argument_still_works(conns, before):
    files, start = before
    c = connect(conns, files, disconnect_at=start + 100)
    assert [f.spec for f in c.board.faults.faults] == [f"disconnect@{start + 100}"]
    with pytest.raises(UploadError, match="lost the connection"):
        c.upload()
    assert_previous_intact(files, c.board.files)


# -- the fault specs -----------------------------------------------------------------------------


@pytest.mark.parametrize(("spec", "kind", "at", "arg"), [
    ("corrupt@1500", "corrupt", 1500, 0), ("reset@40000", "reset", 40000, 0),
    ("drop:3@900", "drop", 900, 3), ("drop@5", "drop", 5, 1),
    ("stall:0.5@2000", "stall", 2000, 0.5), ("disconnect@0", "disconnect", 0, 0),
    ("corrupt-out@7", "corrupt-out", 7, 0), ("drop-out:2@9", "drop-out", 9, 2),
    (" stall:2@1 ", "stall", 1, 2.0),
])
def test_parse_fault(spec, kind, at, arg):
    f = parse_fault(spec)
    assert (f.kind, f.at, f.arg, f.fired) == (kind, at, arg, False)
    assert parse_fault(f.spec).spec == f.spec


@pytest.mark.parametrize(("spec", "message"), [
    ("corrupt", "write KIND@BYTE"), ("corrupt@", "not a whole number"),
    ("corrupt@x", "'x' is not a whole number"), ("explode@3", "unknown kind 'explode'"),
    ("drop:0@3", "drop a whole number of bytes >= 1"), ("drop:1.5@3", "whole number"),
    ("stall@3", "say how long"), ("stall:0@3", "> 0 seconds"), ("stall:soon@3", "not a number"),
    ("reset:2@3", "reset takes no argument"), ("corrupt@-1", "must be >= 0"),
    ("corrupt@1@2", "write KIND@BYTE"), ("", "write KIND@BYTE"),
])
def test_bad_fault_specs_say_what_is_wrong(spec, message):
    with pytest.raises(FaultSpecError, match="bad fault spec") as err:
        parse_fault(spec)
    assert message in str(err.value)
    assert isinstance(err.value, ValueError)


def test_byte_faults_apply_across_chunks():
    f = Faults(["drop:4@3", "corrupt@8", "stall:1@10", "corrupt-out@1", "drop-out:2@3"])
    deliver, event, rest = f.incoming(b"012345")
    assert (deliver, event, rest) == (b"012", None, b"")
    deliver, event, rest = f.incoming(b"6789abcdef")
    assert deliver == b"7" + bytes([ord("8") ^ 0xFF]) + b"9"
    assert event is not None and event.kind == "stall" and rest == b"abcdef"
    assert f.incoming(rest) == (b"abcdef", None, b"")
    assert f.outgoing(b"hello") == b"h" + bytes([ord("e") ^ 0xFF]) + b"l"
    assert f.outgoing(b"!") == b"!"
    assert not f and all(x.fired for x in f.faults)


def test_fault_objects():
    with pytest.raises(FaultSpecError):
        Fault("melt", 3)
    assert repr(Faults(["reset@3"])) == "Faults(['reset@3'])"
    assert Faults().add("stall", 5, 0.25).faults[0].spec == "stall:0.25@5"


def test_sim_serve_refuses_a_bad_fault_spec():
    from click.testing import CliRunner

    from robokit.cli import main

    r = CliRunner().invoke(main, ["sim", "serve", "--pty", "--fault", "corrupt@1500",
                                  "--fault", "explode@3"])
    assert r.exit_code != 0
    assert "robokit: sim serve: --fault: bad fault spec 'explode@3': unknown kind" in r.output
    assert "Traceback" not in r.output


class DamagingLink:
    """Flips a bit in the frame with seq ``seq`` the first ``times`` times it is written."""

    def __init__(self, link, seq: int, times: int):
        self.link, self.seq, self.times, self.damaged = link, seq, times, 0

    def write(self, data: bytes) -> None:
        if data[:2] == b"RK" and data[3] == self.seq and self.damaged < self.times:
            self.damaged += 1
            data = data[:-1] + bytes([data[-1] ^ 0x01])
        self.link.write(data)

    def read(self, n: int, timeout: float) -> bytes:
        return self.link.read(n, timeout)


@pytest.mark.parametrize("window", [1, 2, 4])
def test_go_back_resends_a_damaged_frame_in_any_window(conns, before, window):
    files, _ = before
    c = connect(conns, files)
    c.repl.link = DamagingLink(c.link, seq=5, times=3)
    result = c.upload(window=window)
    assert result.attempts == 1 and c.repl.link.damaged == 3
    assert slot(c.board.files, "b") == EXPECTED
    c.repl.link = DamagingLink(c.link, seq=5, times=4)
    with pytest.raises(UploadError) as err:
        c.upload(window=window, retries=0)
    assert_one_line(err.value, "a frame arrived damaged 4 times; is the link noisy?")
    assert c.board.files["/robokit/active"] == b"b\n"
    assert slot(c.board.files, "b") == EXPECTED
