"""The raw REPL client (robokit.link.rawrepl) against the simulated board over a real pty
(pyserial on our side), and the pure protocol pieces byte by byte."""

from __future__ import annotations

import os
import struct
import sys
import time
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from robokit.errors import RobokitError
from robokit.link import LinkError, RemoteError, ReplError
from robokit.link.rawrepl import (
    RAW_BANNER,
    RAW_PASTE_REQUEST,
    PasteWindow,
    RawRepl,
    ResultParser,
    parse_window,
)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX ptys")


@pytest.fixture
def board_factory() -> Iterator:
    from robokit.link.serial_link import SerialLink
    from robokit.virtual.board import SimBoard

    made: list = []

    def make(**options):
        board = SimBoard(**options)
        made.append(board)
        link = SerialLink(board.serve_pty())
        made.append(link)
        return board, link, RawRepl(link)

    try:
        yield make
    finally:
        for thing in reversed(made):
            thing.close()


# -- against the simulated board -------------------------------------------------------------


def test_exec_returns_output_and_keeps_the_namespace(board_factory):
    board, link, repl = board_factory()
    repl.enter(timeout=3)
    assert repl.exec("print(1+1)", timeout=3) == (b"2\r\n", b"")
    repl.exec("x = 20", timeout=3)
    assert repl.exec("print(x + 1)\nprint('ok')", timeout=3)[0] == b"21\r\nok\r\n"
    import_check = "import sys\nprint(sys.implementation.name, sys.implementation._mpy & 0xff)"
    assert repl.exec(import_check, timeout=3)[0] == b"micropython 6\r\n"


def test_remote_exception_raises_remote_error_with_the_traceback(board_factory):
    board, link, repl = board_factory()
    repl.enter(timeout=3)
    with pytest.raises(RemoteError) as info:
        repl.exec("print('before')\n\nundefined_name", timeout=3)
    assert isinstance(info.value, RobokitError)
    assert info.value.stdout == b"before\r\n"
    assert info.value.traceback == (
        'Traceback (most recent call last):\r\n  File "<stdin>", line 3, in <module>\r\n'
        "NameError: name 'undefined_name' isn't defined\r\n")
    # the board is still usable afterwards
    assert repl.exec("print(3)", timeout=3)[0] == b"3\r\n"


def test_raw_paste_is_used_with_window_flow_control(board_factory):
    board, link, repl = board_factory(window=32)
    repl.enter(timeout=3)
    code = "s = 0\n" + "".join(f"s += {i}\n" for i in range(400)) + "print(s)\n"
    assert len(code) > 20 * 32
    assert repl.exec(code, timeout=5)[0] == f"{sum(range(400))}\r\n".encode()
    assert board.stats["raw_paste"] == 1
    assert board.stats["raw_exec"] == 0
    assert repl.raw_paste_used == 1


def test_falls_back_to_plain_raw_repl_when_raw_paste_is_refused(board_factory):
    board, link, repl = board_factory(raw_paste=False)
    repl.enter(timeout=3)
    assert repl.exec("print('a' * 3)", timeout=3)[0] == b"aaa\r\n"
    assert repl.exec("print(len('" + "b" * 700 + "'))", timeout=3)[0] == b"700\r\n"
    assert board.stats["raw_paste"] == 0
    assert board.stats["raw_exec"] == 2
    assert repl.use_raw_paste is False


def test_soft_reset_clears_the_namespace(board_factory):
    board, link, repl = board_factory()
    repl.enter(timeout=3)
    repl.exec("y = 1", timeout=3)
    repl.enter(soft_reset=True, timeout=3)
    with pytest.raises(RemoteError, match="isn't defined"):
        repl.exec("y", timeout=3)
    assert board.stats["soft_reset"] == 1


def test_ctrl_c_interrupts_running_code(board_factory):
    board, link, repl = board_factory()
    repl.enter(timeout=3)
    link.write(b"while True:\n    pass\n\x04")
    deadline = time.monotonic() + 3
    got = b""
    while b"OK" not in got and time.monotonic() < deadline:
        got += link.read(10, 0.2)
    assert got == b"OK"
    repl.interrupt()
    parser = ResultParser()
    rest = None
    while rest is None and time.monotonic() < deadline:
        rest = parser.feed(link.read(100, 0.2))
    assert rest is not None, "the board did not stop the loop"
    assert parser.stderr.endswith(b"KeyboardInterrupt: \r\n")
    assert board.stats["interrupts"] == 1


def test_friendly_repl_echo_and_back_from_raw(board_factory):
    board, link, repl = board_factory()
    repl.enter(timeout=3)
    repl.exit()
    link.write(b"1+2\r")
    deadline = time.monotonic() + 3
    got = b""
    while not got.endswith(b"3\r\n>>> ") and time.monotonic() < deadline:
        got += link.read(100, 0.2)
    assert got.endswith(b">>> 1+2\r\n3\r\n>>> ")


def test_over_a_tcp_socket_url():
    from robokit.link.serial_link import SerialLink
    from robokit.virtual.board import SimBoard

    board = SimBoard()
    link = None
    try:
        port = board.serve_tcp()
        link = SerialLink(f"socket://127.0.0.1:{port}")
        repl = RawRepl(link)
        repl.enter(timeout=3)
        assert repl.exec("print(7*6)", timeout=3)[0] == b"42\r\n"
    finally:
        if link is not None:
            link.close()
        board.close()


def test_throttled_board_still_works(board_factory):
    board, link, repl = board_factory(baudrate=1_000_000)
    repl.enter(timeout=3)
    assert repl.exec("print('x' * 100)", timeout=3)[0] == b"x" * 100 + b"\r\n"


def test_disconnect_mid_transfer_raises_a_link_error(board_factory):
    board, link, repl = board_factory(disconnect_at=60)
    repl.enter(timeout=3)
    with pytest.raises(LinkError):
        repl.exec("print(1)\n" * 100, timeout=2)
    assert board.wait(3), "the board should be unplugged"


def test_silent_port_times_out_with_a_clear_message():
    from robokit.link.serial_link import SerialLink

    master, slave = os.openpty()
    link = None
    try:
        link = SerialLink(os.ttyname(slave))
        with pytest.raises(ReplError) as info:
            RawRepl(link).enter(timeout=0.5)
        assert str(info.value) == (
            "no answer from the board within 0.5 s after Ctrl-A: is it running MicroPython, "
            "and is another program using the port?")
        assert info.value.received == b""
    finally:
        if link is not None:
            link.close()
        os.close(master)
        os.close(slave)


def test_missing_port_is_a_link_error_naming_it():
    from robokit.link.serial_link import SerialLink

    with pytest.raises(LinkError, match="cannot open /dev/robokit-no-such-port"):
        SerialLink("/dev/robokit-no-such-port")


# -- the pure protocol pieces ----------------------------------------------------------------


def test_parse_window():
    assert parse_window(b"\x80\x00") == 128
    assert parse_window(b"\x00\x01") == 256
    with pytest.raises(ReplError):
        parse_window(b"\x80")
    with pytest.raises(ReplError):
        parse_window(b"\x00\x00")


def test_paste_window_accounting():
    w = PasteWindow(8)
    assert w.allowed() == 8
    w.sent(8)
    assert w.allowed() == 0
    with pytest.raises(ValueError):
        w.sent(1)
    assert w.feed(b"\x01\x01") is False
    assert w.allowed() == 16
    assert w.feed(b"\x04") is True and w.aborted
    with pytest.raises(ReplError):
        PasteWindow(8).feed(b"x")


def test_result_parser_framing_across_chunks():
    p = ResultParser()
    assert p.feed(b"hel") is None
    assert p.feed(b"lo\r\n\x04Trace") is None
    assert p.feed(b"back\x04>") == b">"
    assert p.done and p.stdout == b"hello\r\n" and p.stderr == b"Traceback"
    q = ResultParser()
    assert q.feed(b"\x04\x04") == b""
    assert q.stdout == b"" and q.stderr == b""


class _FakeDevice:
    """A scripted raw-paste board in memory: consumes received bytes in steps chosen by the
    test, grants a window per window consumed (as MicroPython does), and checks that the
    host never sends more than it was granted."""

    def __init__(self, window: int, steps: list[int]):
        self.window = window
        self.steps = steps or [1]
        self.step = 0
        self.tx = bytearray()
        self.state = "idle"
        self.rx = bytearray()
        self.payload = bytearray()
        self.unconsumed = 0
        self.consumed = 0
        self.granted = 0

    def write(self, data: bytes) -> None:
        if self.state == "idle":
            self.rx += data
            if self.rx.endswith(b"\r\x01"):
                self.tx += RAW_BANNER + b">"
                self.state, self.rx = "prompt", bytearray()
        elif self.state == "prompt":
            self.rx += data
            if bytes(self.rx) == RAW_PASTE_REQUEST:
                self.tx += b"R\x01" + struct.pack("<H", self.window) + b"\x01"
                self.granted = 2 * self.window
                self.state = "paste"
        elif self.state == "paste":
            if data == b"\x04":
                self.tx += b"\x04" + b"done\x04\x04>"
                self.state = "prompt"
                self.rx = bytearray()
                return
            assert b"\x04" not in data
            self.payload += data
            self.unconsumed += len(data)
            assert len(self.payload) <= self.granted, "the host sent past its window"

    def _consume(self, k: int) -> None:
        k = min(k, self.unconsumed)
        for _ in range(k):
            self.unconsumed -= 1
            self.consumed += 1
            if self.consumed % self.window == 0:
                self.tx += b"\x01"
                self.granted += self.window

    def read(self, n: int, timeout: float) -> bytes:
        if self.state == "paste":
            self._consume(self.steps[self.step % len(self.steps)])
            self.step += 1
            if not self.tx and timeout > 0:
                self._consume(self.unconsumed)
        data = bytes(self.tx[:n])
        del self.tx[:n]
        return data


@settings(max_examples=60, deadline=None)
@given(payload=st.binary(min_size=1, max_size=2000).filter(lambda b: b"\x04" not in b),
       window=st.integers(min_value=1, max_value=300),
       steps=st.lists(st.integers(min_value=0, max_value=400), max_size=8))
def test_raw_paste_respects_any_window(payload, window, steps):
    device = _FakeDevice(window, steps)
    repl = RawRepl(device)
    repl.enter(timeout=1)
    out, err = repl.exec(payload, timeout=1)
    assert (out, err) == (b"done", b"")
    assert bytes(device.payload) == payload
