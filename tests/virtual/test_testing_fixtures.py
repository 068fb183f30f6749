"""robokit.testing's fixtures for users' tools: a simulated board on a pty and a virtual
Bluetooth radio, used from a fresh pytest session through the installed entry point."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

USER_TESTS = '''\
import asyncio

import serial
from bleak import BleakScanner

from robokit.virtual.ble_board import NusBoard


def test_a_tool_talks_to_the_board_over_its_port(robokit_board):
    board, port = robokit_board(vm="cpython")
    link = serial.Serial(port, timeout=2)
    link.write(b"\\x03\\x01")          # Ctrl-C, then Ctrl-A: the raw REPL
    seen = link.read_until(b"raw REPL; CTRL-B to exit\\r\\n>")
    assert seen.endswith(b"raw REPL; CTRL-B to exit\\r\\n>"), seen
    link.write(b"print(6 * 7)\\x04")
    answer = link.read_until(b"\\x04>")
    assert answer == b"OK42\\r\\n\\x04\\x04>", answer
    link.close()
    pytest_board.append(board)


pytest_board = []


def test_the_board_is_closed_after_its_test():
    assert pytest_board and not pytest_board[0].serving


def test_a_tool_finds_a_board_on_the_radio(robokit_radio):
    robokit_radio.add(NusBoard(name="kit-7"))
    found = asyncio.run(BleakScanner.discover(0.2))
    assert [d.name for d in found] == ["kit-7"]


def test_the_radio_is_gone_after_its_test():
    import bleak

    client_type, backend_id = bleak.get_platform_client_backend_type()
    assert backend_id != "robokit-virtual-radio"
'''


@pytest.mark.slow
def test_board_and_radio_fixtures_in_a_fresh_pytest_session(tmp_path: Path,
                                                           fresh_pytest) -> None:
    (tmp_path / "test_tool.py").write_text(textwrap.dedent(USER_TESTS))
    proc = fresh_pytest(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "4 passed" in proc.stdout
