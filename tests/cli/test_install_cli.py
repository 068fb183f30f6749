"""`robokit install` from the command line, the way a kit owner uses it: a bare simulated
Kitronik kit (MicroPython only, simulated at pin level) cannot run a robokit program until
robokit and its board support are installed; then `--check` says current, the example
follows the line, and a damaged file is reported."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from robokit.cli import main
from robokit.virtual.board import SimBoard

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX ptys"),
    pytest.mark.skipif(shutil.which("micropython") is None,
                       reason="MicroPython's unix port is not installed"),
]

KITRONIK = "kitronik_pico_robotics"
FOLLOWER = Path(__file__).resolve().parents[2] / "examples" / "kits" / "kitronik_line_follower"


@pytest.fixture
def bare_kit() -> Iterator[tuple[SimBoard, str]]:
    board = SimBoard(vm="micropython", board=KITRONIK, world="oval")
    try:
        yield board, board.serve_pty()
    finally:
        board.close()


def test_a_bare_kit_is_set_up_by_install_and_then_runs_the_example(
        bare_kit: tuple[SimBoard, str]) -> None:
    board, port = bare_kit
    cli = CliRunner()

    before = cli.invoke(main, ["run", str(FOLLOWER), "--port", port])
    assert before.exit_code == 1, before.output  # the program raised on the board
    assert "has no robokit board support" in before.output
    assert "robokit install --port PORT --board NAME" in before.output

    check = cli.invoke(main, ["install", "--port", port, "--check"])
    assert check.exit_code == 1 and "robokit is not installed" in check.output

    done = cli.invoke(main, ["install", "--port", port, "--board", KITRONIK])
    assert done.exit_code == 0, done.output
    assert f"board {KITRONIK}, autostart off" in done.output

    check = cli.invoke(main, ["install", "--port", port, "--check"])
    assert check.exit_code == 0, check.output
    assert f"board {KITRONIK}" in check.output and "current: matches robokit" in check.output

    run = cli.invoke(main, ["run", str(FOLLOWER), "--port", port])
    assert run.exit_code == 0, run.output
    assert "followed the line for" in run.output
    assert board.brick is not None and board.brick.distance_mm > 1000.0

    # a second install keeps the board and turns autostart on
    again = cli.invoke(main, ["install", "--port", port, "--autostart"])
    assert again.exit_code == 0, again.output
    assert f"board {KITRONIK}, autostart on" in again.output and "(was " in again.output

    slot = board.files["/robokit/sys/active"].decode().strip()
    hal = f"/robokit/sys/{slot}/robokit_board.py"
    board.files[hal] = board.files[hal][:-10] + b"# damaged\n"
    check = cli.invoke(main, ["install", "--port", port, "--check"])
    assert check.exit_code == 1
    assert "damaged" in check.output and "run `robokit install`" in check.output


def test_install_needs_a_board_to_talk_to() -> None:
    r = CliRunner().invoke(main, ["install", "--board", KITRONIK])
    assert r.exit_code == 2 and r.output.startswith("robokit: install: which brick?")


def test_install_refuses_an_unknown_kit_before_connecting() -> None:
    r = CliRunner().invoke(main, ["install", "--port", "/dev/nonexistent", "--board", "nope"])
    assert r.exit_code == 2
    assert r.output.startswith("robokit: install: --board: ")
    assert len(r.output.strip().splitlines()) == 1


def test_a_program_that_asks_more_than_the_kit_has_is_refused_before_uploading(
        bare_kit: tuple[SimBoard, str], tmp_path: Path) -> None:
    """Once the kit is known (installed), robokit checks robot.toml against its board file
    on the computer: a Motor where the Kitronik has no encoder is one line, exit 2, and the
    board's program slots are not touched."""
    board, port = bare_kit
    cli = CliRunner()
    done = cli.invoke(main, ["install", "--port", port, "--board", KITRONIK])
    assert done.exit_code == 0, done.output
    project = tmp_path / "wants_a_servo"
    project.mkdir()
    (project / "robot.toml").write_text((FOLLOWER / "robot.toml").read_text().replace(
        'type = "DCMotor"\nport = "A"', 'type = "Motor"\nport = "A"'))
    (project / "main.py").write_text("from robokit import robot\n"
                                     "robot.left_motor.run_angle(500, 90)\n")
    slots = {p: v for p, v in board.files.items() if p.startswith("/robokit/slots/")}
    r = cli.invoke(main, ["run", str(project), "--port", port])
    assert r.exit_code == 2, r.output
    line = r.output.strip().splitlines()[-1]
    assert line.startswith("robokit: run: robot.toml: devices.left_motor (Motor on port A): ")
    assert "has no encoder" in line and "nothing was uploaded" in line
    assert {p: v for p, v in board.files.items() if p.startswith("/robokit/slots/")} == slots


def test_install_over_bluetooth_puts_the_nus_bridge_on_a_kit_with_bluetooth() -> None:
    """`robokit install --ble NAME`: over the Nordic UART service on the virtual radio
    (bleak's real client), onto a simulated Inventor 2040 W (a Pico W: Bluetooth), whose
    board file brings the NUS bridge along."""
    from robokit.virtual.ble_board import NusBoard
    from robokit.virtual.radio import Radio, installed

    radio = Radio(connect_wait=0.3)
    board = SimBoard(vm="micropython", board="pimoroni_inventor2040w")
    nus = NusBoard(board, name="rover-w")
    radio.add(nus)
    try:
        with installed(radio):
            cli = CliRunner()
            done = cli.invoke(main, ["install", "--ble", "rover-w", "--board",
                                     "pimoroni_inventor2040w", "--autostart"])
            assert done.exit_code == 0, done.output
            check = cli.invoke(main, ["install", "--ble", "rover-w", "--check"])
    finally:
        nus.close()
    assert check.exit_code == 0, check.output
    assert "current: matches robokit" in check.output and "autostart on" in check.output
    slot = board.files["/robokit/sys/active"].decode().strip()
    bridge = Path(__file__).resolve().parents[2] / "firmware_templates" / "micropython" \
        / "nus_bridge.py"
    assert board.files[f"/robokit/sys/{slot}/nus_bridge.py"] == bridge.read_bytes()


def test_install_takes_the_users_own_board_file(tmp_path: Path) -> None:
    """A kit robokit does not ship: `robokit board new`, then `install --board FILE`
    stores that file as the board's support, and `--check` names it."""
    board = SimBoard(vm="micropython")
    cli = CliRunner()
    own = tmp_path / "my_esp32_car.py"
    assert cli.invoke(main, ["board", "new", "my_esp32_car", "-o", str(own)]).exit_code == 0
    try:
        port = board.serve_pty()
        done = cli.invoke(main, ["install", "--port", port, "--board", str(own)])
        assert done.exit_code == 0, done.output
        check = cli.invoke(main, ["install", "--port", port, "--check"])
    finally:
        board.close()
    assert check.exit_code == 0, check.output
    assert "board my_esp32_car," in check.output
    slot = board.files["/robokit/sys/active"].decode().strip()
    assert board.files[f"/robokit/sys/{slot}/robokit_board_config.py"] == own.read_bytes()


def test_reinstalling_without_board_keeps_the_users_board_file(tmp_path: Path) -> None:
    """A second `install` without --board installs the user's board file again (from
    where it came); once that file is gone it says so instead of dropping the kit."""
    board = SimBoard(vm="micropython")
    cli = CliRunner()
    own = tmp_path / "my_esp32_car.py"
    cli.invoke(main, ["board", "new", "my_esp32_car", "-o", str(own)])
    try:
        port = board.serve_pty()
        assert cli.invoke(main, ["install", "--port", port, "--board", str(own)]).exit_code == 0
        own.write_text(own.read_text().replace('"My robot"', '"My ESP32 car"'))
        stale = cli.invoke(main, ["install", "--port", port, "--check"])
        again = cli.invoke(main, ["install", "--port", port, "--autostart"])
        own.unlink()
        gone = cli.invoke(main, ["install", "--port", port])
        check = cli.invoke(main, ["install", "--port", port, "--check"])
    finally:
        board.close()
    assert stale.exit_code == 1 and "outdated" in stale.output  # the file changed since
    assert again.exit_code == 0, again.output
    assert "board my_esp32_car, autostart on" in again.output
    slot = board.files["/robokit/sys/active"].decode().strip()
    assert b'"My ESP32 car"' in board.files[f"/robokit/sys/{slot}/robokit_board_config.py"]
    assert gone.exit_code == 2
    assert gone.output.startswith("robokit: install: --board my_esp32_car: no board named")
    # the installed files are still intact, and judged as recorded
    assert check.exit_code == 0, check.output
