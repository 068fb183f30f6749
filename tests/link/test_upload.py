"""Uploading a bundle to a MicroPython board (robokit.targets.micropython.upload over
robokit.link.upload, and the board-side receiver), against the real SimBoard over a real
pty with the real RawRepl and SerialLink."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("serial")
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX ptys")

from robokit.compiler.bundle import Bundle  # noqa: E402
from robokit.compiler.compile import compile_program, find_compiler  # noqa: E402
from robokit.errors import BundleError  # noqa: E402
from robokit.link import LinkError  # noqa: E402
from robokit.link.rawrepl import RawRepl  # noqa: E402
from robokit.link.serial_link import SerialLink  # noqa: E402
from robokit.link.upload import (  # noqa: E402
    ABORT,
    COMMIT,
    DATA,
    END,
    FILE,
    KINDS,
    MAX_PAYLOAD,
    FrameError,
    UploadError,
    decode_frame,
    encode_frame,
    parse_ack,
    plan_frames,
)
from robokit.targets.micropython.upload import board_files, upload_bundle  # noqa: E402
from robokit.virtual.board import SimBoard  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
RECEIVER = ROOT / "firmware_templates" / "micropython" / "receiver.py"
TIMEOUT = 2.0


@pytest.fixture(scope="module")
def bundle() -> Bundle:
    return compile_program(ROOT / "examples" / "square.py", target="micropython")


class Conn:
    """A SimBoard served on a pty, with a SerialLink and a RawRepl on it."""

    def __init__(self, files: dict[str, bytes] | None = None, wrap=None, **board_opts):
        self.board = SimBoard(files=files, **board_opts)
        self.link = SerialLink(self.board.serve_pty())
        self.repl = RawRepl(wrap(self.link) if wrap else self.link)

    def close(self) -> None:
        self.link.close()
        self.board.close()


def connect(conns: list[Conn], files=None, wrap=None, **opts) -> Conn:
    c = Conn(files, wrap, **opts)
    conns.append(c)
    return c


def slot_files(files: dict[str, bytes], slot: str) -> dict[str, bytes]:
    prefix = f"/robokit/slots/{slot}/"
    return {k[len(prefix):]: v for k, v in files.items() if k.startswith(prefix)}


def expected(bundle: Bundle) -> dict[str, bytes]:
    return dict(board_files(bundle))


# -- uploads that work ------------------------------------------------------------------------


def test_upload_stores_every_module_byte_identical(conns, bundle):
    c = connect(conns)
    seen: list[tuple[int, int]] = []
    result = upload_bundle(c.repl, bundle, lambda s, t: seen.append((s, t)), timeout=TIMEOUT)
    files = expected(bundle)
    assert result.slot == "a"
    assert result.bytes == sum(len(v) for v in files.values())
    assert c.board.files["/robokit/active"] == b"a\n"
    assert slot_files(c.board.files, "a") == files
    mpy_names = {m.name for m in bundle.modules}
    assert {"main.mpy", "robokit/__init__.mpy", "robokit/devices/motors.mpy"} <= set(files)
    assert len(files) == len(mpy_names) + 1  # + manifest.json
    # Read back by the board's own code: SHA-256 of every file as the board sees it.
    out, _ = c.repl.exec(
        "import hashlib, binascii, json\n"
        "m = json.loads(open('/robokit/slots/a/manifest.json').read())\n"
        "for e in m['modules']:\n"
        "    h = hashlib.sha256(open('/robokit/slots/a/' + e['file'], 'rb').read())\n"
        "    print(e['file'], binascii.hexlify(h.digest()).decode())\n"
        "print('digest', m['digest'])\n", timeout=TIMEOUT)
    lines = dict(line.split(" ") for line in out.decode().splitlines())
    assert lines.pop("digest") == bundle.digest()
    assert lines == {p: hashlib.sha256(d).hexdigest() for p, d in files.items()
                     if p != "manifest.json"}
    # progress: from 0 to the data bytes of every file, never backwards
    assert seen[0] == (0, result.bytes) and seen[-1] == (result.bytes, result.bytes)
    assert [s for s, _ in seen] == sorted(s for s, _ in seen)


def test_second_upload_goes_to_the_other_slot_and_flips_the_pointer(conns, bundle):
    c = connect(conns)
    assert upload_bundle(c.repl, bundle, timeout=TIMEOUT).slot == "a"
    other = bundle.stripped()  # sources are not sent either way: the same .mpy bytes
    assert upload_bundle(c.repl, other, timeout=TIMEOUT).slot == "b"
    assert c.board.files["/robokit/active"] == b"b\n"
    assert slot_files(c.board.files, "a") == expected(bundle)
    assert slot_files(c.board.files, "b") == expected(other)
    assert upload_bundle(c.repl, bundle, timeout=TIMEOUT).slot == "a"
    assert c.board.files["/robokit/active"] == b"a\n"
    assert c.repl.exec("print(6*7)", timeout=TIMEOUT)[0] == b"42\r\n"  # the REPL is fine


def test_a_partial_slot_left_by_a_power_cut_is_replaced(conns, bundle):
    c = connect(conns)
    upload_bundle(c.repl, bundle, timeout=TIMEOUT)
    c.board.files["/robokit/slots/b/main.mpy"] = b"half a file"
    c.board.files["/robokit/slots/b/stale/old.mpy"] = b"junk"
    assert upload_bundle(c.repl, bundle, timeout=TIMEOUT).slot == "b"
    assert slot_files(c.board.files, "b") == expected(bundle)


def test_refuses_a_bundle_for_another_target(conns):
    c = connect(conns)
    sim_bundle = compile_program(ROOT / "examples" / "square.py", target="sim")
    with pytest.raises(BundleError, match="built for 'sim'.*--target micropython"):
        upload_bundle(c.repl, sim_bundle, timeout=TIMEOUT)
    assert c.board.stats["bytes_in"] == 0


# -- all or nothing -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def before(bundle) -> tuple[dict[str, bytes], int, int]:
    """The filesystem after one upload (slot a active), and, for a second upload on a fresh
    board over that filesystem: the bytes the host sends in all, and where the frames start."""
    first = Conn()
    try:
        upload_bundle(first.repl, bundle, timeout=TIMEOUT)
        files = dict(first.board.files)
    finally:
        first.close()
    second = Conn(files)
    try:
        upload_bundle(second.repl, bundle, timeout=TIMEOUT)
        total = second.board.stats["bytes_in"]
    finally:
        second.close()
    frames = sum(len(encode_frame(k, p)) for k, p in plan_frames(board_files(bundle)))
    return files, total, total - frames


def _frame_boundaries(bundle: Bundle, start: int) -> list[int]:
    ends = [start]
    for k, p in plan_frames(board_files(bundle)):
        ends.append(ends[-1] + len(encode_frame(k, p)))
    return ends


CUTS = ["5%", "25%", "50%", "90%", "frame 0", "frame 1", "frame 2", "half the frames",
        "before commit", "inside commit"]


@pytest.mark.parametrize("cut", CUTS)
def test_a_cut_link_leaves_the_previous_program(conns, bundle, before, cut):
    files, total, start = before
    ends = _frame_boundaries(bundle, start)
    if cut.endswith("%"):
        at = total * int(cut[:-1]) // 100
    elif cut.startswith("frame "):
        at = ends[int(cut.split()[1])]
    elif cut == "half the frames":
        at = ends[len(ends) // 2] + 3  # inside a frame's header
    elif cut == "before commit":
        at = ends[-2]
    else:
        at = ends[-1] - 10
    assert 0 < at < total
    c = connect(conns, files, disconnect_at=at)
    with pytest.raises(UploadError) as err:
        upload_bundle(c.repl, bundle, timeout=TIMEOUT)
    text = str(err.value)
    assert "failed" in text
    assert ("previous program is still" in text) or ("previous program or the new one" in text)
    assert isinstance(err.value, LinkError)
    assert c.board.wait(5.0)  # the board has finished (its receiver cleaned up)
    after = dict(c.board.files)
    assert after["/robokit/active"] == b"a\n"
    assert slot_files(after, "a") == slot_files(files, "a")
    assert "/robokit/active.tmp" not in after
    # Reconnect: a new board on the same filesystem; the next upload succeeds.
    again = connect(conns, after)
    assert upload_bundle(again.repl, bundle, timeout=TIMEOUT).slot == "b"
    assert slot_files(again.board.files, "b") == expected(bundle)
    assert again.board.files["/robokit/active"] == b"b\n"


# -- damaged frames ---------------------------------------------------------------------------


class CorruptingLink:
    """Forwards to a real link, flipping one bit in the first ``times`` data frames it
    writes (the CRC, computed before, no longer matches)."""

    def __init__(self, link: SerialLink, times: int = 1, kind: bytes = DATA):
        self.link = link
        self.times = times
        self.kind = kind
        self.flipped = 0

    def write(self, data: bytes) -> None:
        if data[:3] == b"RK" + self.kind and self.flipped < self.times:
            self.flipped += 1
            b = bytearray(data)
            b[len(b) // 2] ^= 0x10
            data = bytes(b)
        self.link.write(data)

    def read(self, n: int, timeout: float) -> bytes:
        return self.link.read(n, timeout)


def test_a_damaged_frame_is_detected_and_sent_again(conns, bundle):
    c = connect(conns, wrap=lambda link: CorruptingLink(link, times=3))
    assert upload_bundle(c.repl, bundle, timeout=TIMEOUT).slot == "a"
    assert c.repl.link.flipped == 3
    assert slot_files(c.board.files, "a") == expected(bundle)


def test_a_frame_damaged_every_time_fails_and_leaves_the_previous_program(conns, bundle):
    c = connect(conns)
    upload_bundle(c.repl, bundle, timeout=TIMEOUT)
    before = dict(c.board.files)
    noisy = CorruptingLink(c.link, times=4)
    c.repl.link = noisy
    with pytest.raises(UploadError, match="damaged 4 times.*previous program is still"):
        upload_bundle(c.repl, bundle, timeout=TIMEOUT, window=1)  # the same frame 4 times
    assert noisy.flipped == 4
    c.repl.link = c.link
    assert c.repl.exec("print('alive')", timeout=TIMEOUT)[0] == b"alive\r\n"
    assert c.board.files == before


def test_the_receiver_refuses_a_file_with_the_wrong_sha256(conns, bundle):
    c = connect(conns)
    upload_bundle(c.repl, bundle, timeout=TIMEOUT)
    before = dict(c.board.files)

    class WrongHash(CorruptingLink):
        def write(self, data: bytes) -> None:
            if data[:3] == b"RK" + END and not self.flipped:
                self.flipped = 1
                # a valid frame (its seq kept) with a wrong digest
                data = encode_frame(END, bytes(32), data[3])
            self.link.write(data)

    c.repl.link = WrongHash(c.link)
    with pytest.raises(UploadError, match="refused the upload: sha256 main.mpy.*still"):
        upload_bundle(c.repl, bundle, timeout=TIMEOUT)
    c.repl.link = c.link
    assert c.board.files == before
    assert upload_bundle(c.repl, bundle, timeout=TIMEOUT).slot == "b"


# -- the receiver is portable -------------------------------------------------------------------


@pytest.mark.parametrize("abi", ["6", "6.3"])
def test_the_receiver_compiles_with_mpy_cross(abi, tmp_path):
    comp = find_compiler(abi)
    out = tmp_path / "receiver.mpy"
    proc = subprocess.run([comp.path, "-o", str(out), str(RECEIVER)], capture_output=True,
                          text=True, timeout=20)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes()[:2] == b"\x4d\x06"


@pytest.mark.skipif(shutil.which("micropython") is None, reason="no MicroPython unix port")
def test_the_receiver_runs_in_micropython_unix_port(bundle, tmp_path):
    """What the host sends (compacted, CRC-guarded) run by real MicroPython, its ROOT moved
    into a temporary folder; the frames on stdin as a window of 2 sends them after a
    damaged frame: 1, 2, 3 damaged, 4 (dropped: out of sequence), 3, 4, 5, ..."""
    from robokit.targets.micropython.scripts import board_script, compact, guarded

    src = compact(board_script("receiver.py"))
    assert src.count('ROOT="/robokit"') == 1  # robokit_fs's, inlined
    code = guarded(src.replace('ROOT="/robokit"', f'ROOT="{tmp_path}/robokit"') + "receive()\n")
    files = board_files(bundle)
    frames = [encode_frame(k, p, n) for n, (k, p) in enumerate(plan_frames(files), 1)]
    bad = bytearray(frames[2])
    bad[12] ^= 0x01
    wire = b"".join(frames[:2]) + bytes(bad) + frames[3] + b"".join(frames[2:])
    proc = subprocess.run(["micropython", "-c", code], input=wire, capture_output=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr.decode()
    lines = proc.stdout.decode().split()
    assert proc.stdout.decode().splitlines()[:5] == ["ready a", "ok 1", "ok 2", "err crc 3",
                                                     "ok 3"]
    assert lines[-2:] == ["ok", str(len(frames))]
    stored = tmp_path / "robokit" / "slots" / "a"
    assert {str(f.relative_to(stored)): f.read_bytes() for f in stored.rglob("*")
            if f.is_file()} == dict(files)
    assert (tmp_path / "robokit" / "active").read_text() == "a\n"


# -- the framing, pure ---------------------------------------------------------------------------


frames_st = st.lists(st.tuples(st.sampled_from(KINDS), st.binary(max_size=MAX_PAYLOAD)),
                     min_size=1, max_size=6)


@settings(max_examples=80, deadline=None)
@given(frames=frames_st, cuts=st.lists(st.integers(min_value=0), max_size=8))
def test_frames_round_trip_in_any_chunking(frames, cuts):
    wire = b"".join(encode_frame(k, p) for k, p in frames)
    points = sorted({c % (len(wire) + 1) for c in cuts} | {len(wire)})
    buf, got, prev = b"", [], 0
    for point in points:
        buf += wire[prev:point]
        prev = point
        while (r := decode_frame(buf)) is not None:
            kind, payload, used = r
            got.append((kind, payload))
            buf = buf[used:]
    assert got == frames and buf == b""


@settings(max_examples=80, deadline=None)
@given(kind=st.sampled_from(KINDS), payload=st.binary(max_size=64), bit=st.integers(0, 10**6))
def test_a_flipped_bit_is_never_taken_for_a_frame(kind, payload, bit):
    frame = bytearray(encode_frame(kind, payload))
    bit %= len(frame) * 8
    frame[bit // 8] ^= 1 << (bit % 8)
    try:
        r = decode_frame(bytes(frame))
    except FrameError:
        return
    assert r is None  # a longer length: it waits for more, and the CRC will fail then


def test_frame_layout():
    f = encode_frame(DATA, b"\x00\x03\x04", seq=258)
    assert f[:6] == b"RKD\x02\x03\x00" and f[6:9] == b"\x00\x03\x04"
    assert f[9:] == zlib.crc32(b"D\x02\x03\x00\x00\x03\x04").to_bytes(4, "little")
    with pytest.raises(ValueError):
        encode_frame(b"X", b"")
    with pytest.raises(ValueError):
        encode_frame(DATA, bytes(MAX_PAYLOAD + 1))
    with pytest.raises(FrameError, match="bad frame start"):
        decode_frame(b"XX")


def test_plan_frames_and_digest(bundle):
    files = board_files(bundle)
    frames = plan_frames(files, 100)
    assert frames[0][0] == FILE and frames[-1][0] == COMMIT and ABORT not in {k for k, _ in frames}
    assert all(len(p) <= 100 for k, p in frames if k == DATA)
    whole = hashlib.sha256(b"".join(p for k, p in frames[:-1])).digest()
    assert frames[-1][1] == whole
    manifest = json.loads(files[-1][1])
    assert files[-1][0] == "manifest.json" and manifest["digest"] == bundle.digest()
    assert [m["file"] for m in manifest["modules"]] == [p for p, _ in files[:-1]]


def test_parse_ack():
    assert parse_ack(b"ok 12\r\n") == ("ok", "12")
    assert parse_ack(b"err crc\r\n") == ("err", "crc")
    assert parse_ack(b"err crc 7\r\n") == ("err", "crc 7")
    assert parse_ack(b"ready b\r\n") == ("ready", "b")
    with pytest.raises(UploadError, match="answered"):
        parse_ack(b"Traceback (most recent call last):\r\n")


def test_a_failed_first_upload_does_not_speak_of_a_previous_program(conns, bundle):
    """The board had no program: the message says so (the receiver names the active slot
    before it starts), and the board still has none."""
    c = connect(conns)
    noisy = CorruptingLink(c.link, times=4)
    c.repl.link = noisy
    with pytest.raises(UploadError) as err:
        upload_bundle(c.repl, bundle, timeout=TIMEOUT, window=1)
    text = str(err.value)
    assert "damaged 4 times" in text and "\n" not in text
    assert "previous program" not in text, text
    assert "no program before" in text, text
    assert "/robokit/active" not in c.board.files


def test_a_failed_upload_over_slot_b_speaks_of_the_previous_program(conns, bundle):
    """Two uploads made slot b active; the third writes slot a, as on a fresh board, but
    the board has a program, and the message says it is still there."""
    c = connect(conns)
    upload_bundle(c.repl, bundle, timeout=TIMEOUT)
    assert upload_bundle(c.repl, bundle, timeout=TIMEOUT).slot == "b"
    c.repl.link = CorruptingLink(c.link, times=4)
    with pytest.raises(UploadError, match="damaged 4 times.*previous program is still"):
        upload_bundle(c.repl, bundle, timeout=TIMEOUT, window=1)
    assert c.board.files["/robokit/active"] == b"b\n"
