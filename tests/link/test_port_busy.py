"""A serial port another program holds (issue 13: ``robokit stop --port P`` while ``robokit
run --port P`` held P blamed the cable): the open says the port is in use, by whom when
/proc tells, and what to do."""

from __future__ import annotations

import os
import subprocess
import sys
import tty
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import invoke

from robokit.errors import LinkError
from robokit.link.serial_link import SerialLink, port_holders

pytestmark = pytest.mark.skipif(not hasattr(os, "openpty") or not os.path.isdir("/proc/self"),
                                reason="needs pseudo-terminals and /proc (Linux)")

HOLDER = (
    "import sys, time\n"
    "from robokit.link.serial_link import SerialLink\n"
    "link = SerialLink(sys.argv[1])\n"
    "print('holding', flush=True)\n"
    "sys.stdin.read()\n"  # until the test closes our stdin
)


@pytest.fixture
def pty_port() -> Iterator[str]:
    master, slave = os.openpty()
    tty.setraw(master)
    name = os.ttyname(slave)
    os.close(slave)
    yield name
    os.close(master)


@pytest.fixture
def held(pty_port: str, tmp_path: Path) -> Iterator[tuple[str, int]]:
    """The port, held (exclusively, as robokit run holds it) by another process."""
    script = tmp_path / "board_holder.py"
    script.write_text(HOLDER)
    proc = subprocess.Popen([sys.executable, str(script), pty_port],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdin is not None
    assert proc.stdout.readline() == "holding\n"
    yield pty_port, proc.pid
    proc.stdin.close()
    proc.wait(timeout=30)
    proc.stdout.close()


def test_a_port_held_by_another_program_is_named_busy(held: tuple[str, int]) -> None:
    port, pid = held
    with pytest.raises(LinkError) as info:
        SerialLink(port)
    text = str(info.value)
    assert text.startswith(f"{port} is in use by another program: ")
    assert f"(pid {pid})" in text
    assert f"board_holder.py {port} (pid {pid})" in text  # its command line
    assert "plugged in" not in text and "port name" not in text
    assert "close that one first" in text


def test_holders_are_the_lockers_not_every_opener(held: tuple[str, int]) -> None:
    port, pid = held
    fd = os.open(port, os.O_RDWR | os.O_NOCTTY)  # open, but no lock: not a holder
    try:
        holders = port_holders(port)
    finally:
        os.close(fd)
    assert len(holders) == 1 and holders[0].endswith(f"(pid {pid})")


def test_held_by_this_process_is_busy_too(pty_port: str) -> None:
    with SerialLink(pty_port), pytest.raises(LinkError, match="is in use by another program"):
        SerialLink(pty_port)


def test_a_missing_port_still_says_check_the_name() -> None:
    with pytest.raises(LinkError, match="Check the port name"):
        SerialLink("/dev/robokit-no-such-port")
    assert port_holders("/dev/robokit-no-such-port") == []


def test_robokit_stop_on_a_held_port_says_who_holds_it(held: tuple[str, int]) -> None:
    port, pid = held
    result = invoke("stop", "--port", port)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"robokit: stop: {port} is in use by another program: ")
    assert f"(pid {pid})" in result.stderr
    assert len(result.stderr.splitlines()) == 1
