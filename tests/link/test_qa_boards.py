"""Found by using robokit the way a hobbyist with a board does, following docs/bricks.md,
boards.md, install.md and upload.md against robokit's simulated board (a real pty, the
real CLI, MicroPython's unix port); each test failed before its fix."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import tomllib
from click.testing import CliRunner

from robokit.cli import main
from robokit.config import check_robot as check_config
from robokit.kits import check_robot, load_board
from robokit.virtual.board import SimBoard

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX ptys")
needs_vm = pytest.mark.skipif(shutil.which("micropython") is None,
                              reason="MicroPython's unix port is not installed")

KITRONIK = "kitronik_pico_robotics"


@pytest.fixture
def kit(tmp_path: Path) -> Iterator[tuple[SimBoard, str]]:
    """A simulated Kitronik kit with robokit and its board support installed (as
    boards.md's "No kit at hand?" steps do)."""
    board = SimBoard(vm="micropython", board=KITRONIK, world="oval")
    try:
        port = board.serve_pty()
        done = CliRunner().invoke(main, ["install", "--port", port, "--board", KITRONIK])
        assert done.exit_code == 0, done.output
        yield board, port
    finally:
        board.close()


def _slots(board: SimBoard) -> dict[str, bytes]:
    return {p: v for p, v in board.files.items() if p.startswith("/robokit/")
            and not p.startswith("/robokit/sys/")}


@needs_vm
def test_a_program_without_robot_toml_on_a_kit_is_told_how_to_get_the_kits_robot(
        kit: tuple[SimBoard, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A first program (print only) on an installed kit: it has no robot.toml, so it gets
    the standard rover, which the kit cannot be. The message said 'robot.toml:
    devices.left_motor ...' of a robot.toml the user does not have, and no command made
    one for the kit (`robokit robot KIT` did not know kits). Now it says what happened and
    the command that it names makes the program run."""
    board, port = kit
    monkeypatch.chdir(tmp_path)
    Path("hello.py").write_text("print('hello from the kit')\n")
    before = _slots(board)
    cli = CliRunner()
    r = cli.invoke(main, ["run", "hello.py", "--port", port])
    assert r.exit_code == 2, r.output
    line = r.output.strip().splitlines()[-1]
    assert line.startswith("robokit: run: hello.py has no robot.toml, so it gets the "
                           "standard rover, and Kitronik Autonomous Robotics Platform for "
                           "Pico cannot offer its left_motor (Motor on port A), ")
    assert f"`robokit robot {KITRONIK} > robot.toml`" in line
    assert line.endswith("nothing was uploaded")
    assert _slots(board) == before

    made = cli.invoke(main, ["robot", KITRONIK])
    assert made.exit_code == 0, made.output
    Path("robot.toml").write_text(made.output)
    robot = check_config(tomllib.loads(made.output), source="robot.toml")
    assert check_robot(load_board(KITRONIK), robot) == []
    r = cli.invoke(main, ["run", "hello.py", "--port", port])
    assert r.exit_code == 0, r.output
    assert "hello from the kit" in r.output


def test_kit_check_names_the_robot_file_given_and_lists_problems_in_port_order() -> None:
    """The first problem named depended on the order of robot.toml's devices as they came
    (a fresh compile kept the file's order, a cached bundle had them sorted by name, so
    the same command named 'left_motor' once and 'arm' the next time); and a robot given
    with --robot other.toml was called 'robot.toml'."""
    kit = load_board(KITRONIK)
    devices = {"arm": {"type": "Motor", "port": "F"},
               "left": {"type": "Motor", "port": "A"},
               "bump": {"type": "ForceSensor", "port": "E"}}
    robot = check_config({"devices": devices}, source="robot.toml")
    shuffled = check_config({"devices": dict(reversed(list(devices.items())))},
                            source="robot.toml")
    problems = check_robot(kit, robot, "other.toml")
    assert problems == check_robot(kit, shuffled, "other.toml")
    assert [p.split(" (")[0] for p in problems] == [
        "other.toml: devices.left", "other.toml: devices.bump", "other.toml: devices.arm"]
    assert problems[1].endswith("cannot offer a ForceSensor; remove it from other.toml")
    assert check_robot(kit, robot)[0].startswith("robot.toml: devices.left (Motor on port A)")


def test_robokit_robot_prints_a_kits_robot_and_suggests_kit_names() -> None:
    cli = CliRunner()
    r = cli.invoke(main, ["robot", "pimoroni_inventor2040w"])
    assert r.exit_code == 0, r.output
    robot = check_config(tomllib.loads(r.output), source="robot.toml")
    assert check_robot(load_board("pimoroni_inventor2040w"), robot) == []
    assert robot["drive_base"] is not None  # its motors have encoders
    typo = cli.invoke(main, ["robot", "kitronik_pico_robotic"])
    assert typo.exit_code == 2
    assert "(did you mean kitronik_pico_robotics?)" in typo.output
    assert len(typo.output.strip().splitlines()) == 1


def test_a_brick_traceback_keeps_a_message_of_several_lines_whole() -> None:
    """A message of several lines (a ValueError("a\\nb: c\\nd"), the kit HAL's list of
    problems) came back as its last line, taken for an exception of type 'd' (or
    'robot.toml', from a line 'robot.toml: devices...'): the real type and the first lines
    were lost. Frames of robokit's own code stored on the board (the kit HAL in the system
    slot) are left out, as the loader's are."""
    from robokit.targets.base import map_traceback

    text = ('Traceback (most recent call last):\r\n'
            '  File "<stdin>", line 210, in run\r\n'
            '  File "main.py", line 2, in <module>\r\n'
            'ValueError: first line\r\nsecond: part\r\nthird\r\n')
    shown, error = map_traceback(text, None, None)
    assert error == {"type": "ValueError", "message": "first line\nsecond: part\nthird",
                     "file": "main.py", "line": 2}
    assert shown.endswith("ValueError: first line\nsecond: part\nthird")

    text = ('Traceback (most recent call last):\n'
            '  File "<stdin>", line 208, in run\n'
            '  File "/robokit/sys/a/robokit_board.py", line 401, in hal\n'
            'ValueError: robokit board: robot.toml: devices.left (Motor on port A): no\n'
            'robot.toml: devices.arm (Motor on port F): no\n')
    shown, error = map_traceback(text, None, None)
    assert error["type"] == "ValueError" and error["file"] is None
    assert error["message"] == ("robokit board: robot.toml: devices.left (Motor on port A): "
                                "no\nrobot.toml: devices.arm (Motor on port F): no")
    assert "robokit_board.py" not in shown


@needs_vm
def test_a_kit_with_its_own_board_file_refuses_a_program_in_one_whole_message(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """bricks.md's "a kit robokit does not ship yet": `robokit board new`, then install
    with --board FILE. The host does not check the user's board file; the board's kit HAL
    does, and its refusal reached the user as 'robot.toml: devices.arm ...', an exception
    of type 'robot.toml' from robokit_board.py, one problem of five."""
    from robokit.kits import boards_dir

    monkeypatch.chdir(tmp_path)
    text = (boards_dir() / f"{KITRONIK}.py").read_text()
    Path("my_kit.py").write_text(text.replace(f'"name": "{KITRONIK}"', '"name": "my_kit"'))
    Path("hello.py").write_text("print('hello')\n")
    board = SimBoard(vm="micropython", board="my_kit.py")
    try:
        port = board.serve_pty()
        cli = CliRunner()
        done = cli.invoke(main, ["install", "--port", port, "--board", "my_kit.py"])
        assert done.exit_code == 0, done.output
        r = cli.invoke(main, ["run", "hello.py", "--port", port, "--json"])
    finally:
        board.close()
    assert r.exit_code == 1, r.output
    result = json.loads(r.stdout)
    assert result["status"] == "error"
    assert result["error"]["type"] == "ValueError"  # hello.py has no device API
    message = result["error"]["message"]
    assert message.startswith("robokit board: robot.toml: devices.")
    assert len(message.splitlines()) == 5  # each device the kit cannot offer
    assert "robokit_board.py" not in result["traceback"]


@pytest.mark.parametrize("at", [12, 300, 3000])
def test_a_board_that_resets_while_code_is_sent_is_said_to_have_reset(at: int) -> None:
    """A board that resets while robokit sends it code by raw-paste (the loader that
    starts a program, a brown-out as the motors start) prints its boot banner: robokit
    said 'raw-paste: unexpected byte from the board: b'M''. Now it says the board reset,
    and the next command on the same connection works."""
    from robokit.link.rawrepl import RawRepl, ReplError
    from robokit.link.serial_link import SerialLink

    code = "x = 1\n" * 800 + "print('done')\n"
    board = SimBoard(faults=[f"reset@{at}"])
    link = SerialLink(board.serve_pty())
    try:
        repl = RawRepl(link)
        with pytest.raises(ReplError) as caught:
            repl.exec(code, 2.0)
        message = str(caught.value)
        assert message.startswith("the board reset while robokit was sending it code (it "
                                  "printed its boot banner: 'MicroPython v")
        assert "check its power supply" in message
        assert repl.exec("print(6 * 7)", 2.0) == (b"42\r\n", b"")
    finally:
        link.close()
        board.close()


def _uf2_for(tmp_path: Path, family: int) -> Path:
    from robokit.firmware.uf2 import write_uf2

    f = tmp_path / "firmware-rp2350.uf2"
    f.write_bytes(write_uf2(bytes(range(256)) * 40, family=family))
    return f


def test_flashing_a_uf2_for_another_chip_with_port_leaves_the_board_running(
        tmp_path: Path) -> None:
    """firmware.md: `robokit flash firmware.uf2 --port PORT` restarts a board running
    MicroPython into its bootloader. With a UF2 for the RP2350 and an RP2040 board, robokit
    restarted the board first and then refused the file, naming it '<bytes>': the board
    was left in its bootloader, without MicroPython, until replugged. Now the file is
    checked against the chip the board names before it is restarted."""
    pytest.importorskip("termios")
    drive = tmp_path / "RPI-RP2"
    f = _uf2_for(tmp_path, 0xE48BFF59)  # RP2350 ARM-S
    board = SimBoard(vm="cpython", boot_drive=drive)  # "... with RP2040", as a Pico says
    try:
        port = board.serve_pty()
        r = CliRunner().invoke(main, ["flash", str(f), "--port", port, "--drive", str(drive),
                                      "--wait", "0"])
        assert r.exit_code == 2, r.output
        last = r.output.strip().splitlines()[-1]
        assert last == (f"robokit: flash: {f}: this UF2 is for RP2350 ARM-S (family "
                        "0xe48bff59) but the board is an RP2040: download the RP2040 build "
                        "of the firmware")
        assert "bootloader" not in board.stats and not drive.exists()
        # still MicroPython: the next command works
        assert CliRunner().invoke(main, ["stop", "--port", port]).exit_code == 0
    finally:
        board.close()


def test_a_uf2_for_another_chip_than_the_boot_drive_is_named_by_its_file(
        tmp_path: Path) -> None:
    drive = tmp_path / "RPI-RP2"
    drive.mkdir()
    (drive / "INFO_UF2.TXT").write_text("UF2 Bootloader v3.0\nModel: Raspberry Pi RP2\n"
                                        "Board-ID: RPI-RP2\n")
    f = _uf2_for(tmp_path, 0xE48BFF59)
    r = CliRunner().invoke(main, ["flash", str(f), "--drive", str(drive), "--wait", "0"])
    assert r.exit_code == 2, r.output
    assert r.output.strip().splitlines()[-1].startswith(f"robokit: flash: {f}: this UF2 is "
                                                        "for RP2350 ARM-S")
    assert sorted(p.name for p in drive.iterdir()) == ["INFO_UF2.TXT"]


def _board_file(tmp_path: Path, *changes: tuple[str, str]) -> Path:
    from robokit.kits import new_board_text

    text = new_board_text("my_bot")
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    f = tmp_path / "my_bot.py"
    f.write_text(text)
    return f


def _line_of(f: Path, needle: str) -> int:
    return next(n for n, line in enumerate(f.read_text().splitlines(), 1) if needle in line)


@pytest.mark.parametrize(("change", "needle", "message"), [
    (('"adc": 26', '"adc": 5'), '"adc": 5',
     "BOARD['ports']['C']['adc']: GP5 of the RP2040 has no ADC, and a line sensor needs one; "
     "use one of GP26, GP27, GP28, GP29"),
    (('"pwm": (20, 19)', '"pwm": (20, 40)'), '"pwm": (20, 40)',
     "BOARD['ports']['A']['pwm']: the RP2040 has no GP40; write a GPIO number 0..29"),
    (('"mcu": "rp2040"', '"mcu": "esp32c3"'), '"adc": 26',
     "BOARD['ports']['C']['adc']: the ESP32-C3 has no GP26; write a GPIO number 0..21"),
])
def test_board_check_refuses_pins_the_microcontroller_does_not_have(
        tmp_path: Path, change: tuple[str, str], needle: str, message: str) -> None:
    """`robokit board check` passed a line sensor on GP5 of an RP2040 (no ADC there) and
    a motor on GP40 (an RP2040 has GP0..GP29): the board refused them only when the
    program ran, in a traceback from the kit HAL."""
    f = _board_file(tmp_path, change)
    r = CliRunner().invoke(main, ["board", "check", str(f)])
    assert r.exit_code == 2, r.output
    assert r.output.strip() == f"robokit: board check: {f}:{_line_of(f, needle)}: {message}"


def test_the_kits_robokit_ships_use_pins_their_microcontroller_has() -> None:
    from robokit.kits import MCU_PINS, list_boards

    for name in list_boards():
        board = load_board(name)  # checked, with the pins of its mcu
        gpio, adc = MCU_PINS[board["mcu"]]
        for port in board["ports"].values():
            if port["type"] == "line":
                assert port["adc"] in adc


@pytest.mark.parametrize(("change", "needle", "shown"), [
    (('"wheel_diameter": 65.0', '"wheel_diameter": float("65")'), "wheel_diameter",
     "'float(\"65\")'"),
    (('"title": "My robot"', '"title": "My " + "robot"'), '"title"', "'\"My \" + \"robot\"'"),
])
def test_a_board_file_value_that_is_not_a_literal_is_named_at_its_line(
        tmp_path: Path, change: tuple[str, str], needle: str, shown: str) -> None:
    """A value that is not a literal was reported at BOARD's first line with Python's
    internals: 'malformed node or string on line 36: <ast.Call object at 0x7f...>'."""
    f = _board_file(tmp_path, change)
    r = CliRunner().invoke(main, ["board", "check", str(f)])
    assert r.exit_code == 2, r.output
    assert r.output.strip() == (
        f"robokit: board check: {f}:{_line_of(f, needle)}: BOARD may hold only literals "
        f"(numbers, strings, tuples, lists, dicts, True/False/None): {shown} is not one; "
        "write the value itself")


@pytest.mark.parametrize("command", [["stop"], ["run", "PROGRAM"]])
def test_a_board_whose_program_prints_and_ignores_ctrl_c_is_not_called_a_foreign_device(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]) -> None:
    """A program that turned Ctrl-C off and keeps printing, started earlier (at boot, by a
    `robokit start` that was killed): `robokit stop` (or run) said '... answered but not
    like a MicroPython board (got b'still going 39')'. Is it a MicroPython board?', of a
    MicroPython board. Now it says the board keeps printing and does not stop."""
    import robokit.targets
    import robokit.targets.micropython as mp
    from robokit.link.rawrepl import RawRepl
    from robokit.link.serial_link import SerialLink

    monkeypatch.setattr(robokit.targets, "CONNECT_TIMEOUT", 0.5)  # waits shortened
    monkeypatch.setattr(mp, "FIRST_ANSWER", 0.2)
    program = tmp_path / "hello.py"
    program.write_text("print('hello')\n")
    board = SimBoard()
    try:
        port = board.serve_pty()
        link = SerialLink(port)
        RawRepl(link).start("import micropython, time\nmicropython.kbd_intr(-1)\n"
                            "i = 0\nwhile True:\n    print('still going', i)\n"
                            "    i += 1\n    time.sleep(0.05)\n")
        seen = b""  # until it prints: Ctrl-C is off then (a busy machine starts it late)
        for _ in range(200):
            seen += link.read(64, 0.05)
            if b"still going" in seen:
                break
        assert b"still going" in seen
        link.close()  # the program goes on, as after a host that went away
        args = [str(program) if a == "PROGRAM" else a for a in command]
        r = CliRunner().invoke(main, [*args, "--port", port])
    finally:
        board.close()
    assert r.exit_code == 2, r.output
    last = r.output.strip().splitlines()[-1]
    assert last.startswith(f"robokit: {command[0]}: {port} keeps printing and does not stop "
                           "for Ctrl-C (it sent b'")
    assert "still going" in last and "micropython.kbd_intr(-1)" in last
    assert "reset button" in last


def test_robokit_robot_prints_the_robot_of_a_board_file(tmp_path: Path) -> None:
    """bricks.md's way for a kit robokit does not ship (`robokit board new my_car`, then
    install --board my_car.py) left no way to get a robot.toml that fits it."""
    f = _board_file(tmp_path)
    r = CliRunner().invoke(main, ["robot", str(f)])
    assert r.exit_code == 0, r.output
    robot = check_config(tomllib.loads(r.output), source="robot.toml")
    assert check_robot(load_board(f), robot) == []
    assert {d["port"] for d in robot["devices"].values()} == set(load_board(f)["ports"])


def test_ctrl_c_during_an_upload_stops_it_and_leaves_the_board_ready(tmp_path: Path) -> None:
    """Ctrl-C while `robokit upload` (a Brick) sends a program: the upload went on in its
    worker thread while the interrupted caller closed the port, writing Ctrl-B into the
    middle of a frame, so the board's upload receiver was left waiting inside a frame and
    the next command had to end it first. Now the upload stops at the next frame (never
    after the commit is sent), the receiver ends, and the board answers at once."""
    import os
    import signal

    import robokit
    from robokit.link.rawrepl import RawRepl
    from robokit.link.serial_link import SerialLink

    small = tmp_path / "small.py"
    small.write_text("print('the previous program')\n")
    big = tmp_path / "big.py"
    big.write_text("".join(f"def f{i}(x):\n    return x * {i * 7919} + {i}\n"
                           for i in range(400)) + "print('big')\n")
    board = SimBoard(baudrate=115200)  # a serial line's pace: the upload takes a while
    try:
        port = board.serve_pty()
        with robokit.connect(port) as brick:
            brick.upload(small)
        before = {p: v for p, v in board.files.items() if p.startswith("/robokit/")}
        fired: list[int] = []

        def progress(sent: int, total: int) -> None:
            if not fired and sent >= total // 3:
                fired.append(sent)
                os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C, as the terminal sends it

        with pytest.raises(KeyboardInterrupt), robokit.connect(port) as brick:
            brick.upload(big, progress)
        assert fired
        active = before["/robokit/active"].decode().strip()
        assert board.files["/robokit/active"] == before["/robokit/active"]
        assert {p: v for p, v in board.files.items()
                if p.startswith(f"/robokit/slots/{active}/")} == {
            p: v for p, v in before.items() if p.startswith(f"/robokit/slots/{active}/")}
        link = SerialLink(port)
        try:
            repl = RawRepl(link)
            repl.enter(timeout=1.0)  # no upload receiver left waiting inside a frame
            assert repl.exec("print(6 * 7)", 2.0) == (b"42\r\n", b"")
        finally:
            link.close()
    finally:
        board.close()


class _Recording:
    """A byte link that passes everything through and keeps what went each way."""

    def __init__(self, link: object) -> None:
        self.link = link
        self.sent: list[bytes] = []
        self.got = bytearray()
        self.acks_at_commit: list[int] = []

    def write(self, data: bytes) -> None:
        from robokit.link.upload import COMMIT, MAGIC

        if data.startswith(MAGIC) and data[2:3] == COMMIT:
            self.acks_at_commit.append(self.got.count(b"ok "))
        self.sent.append(data)
        self.link.write(data)  # type: ignore[attr-defined]

    def read(self, n: int, timeout: float) -> bytes:
        data: bytes = self.link.read(n, timeout)  # type: ignore[attr-defined]
        self.got += data
        return data


def _two_programs(tmp_path: Path):  # type: ignore[no-untyped-def]
    from robokit.compiler.compile import compile_program

    (tmp_path / "old.py").write_text("print('old')\n")
    (tmp_path / "new.py").write_text("".join(f"X{i} = {i * 7919}\n" for i in range(600))
                                     + "print('new')\n")
    return (compile_program(tmp_path / "old.py", target="micropython"),
            compile_program(tmp_path / "new.py", target="micropython"))


def test_the_commit_goes_alone_after_every_frame_before_it_is_stored(tmp_path: Path) -> None:
    """With frames sent ahead of their acknowledgements, the commit went out while the
    frames before it were still being stored, so a Ctrl-C (or cancel) that came then could
    no longer keep the old program. Now it is written once all of them are acknowledged."""
    from robokit.link.rawrepl import RawRepl
    from robokit.link.serial_link import SerialLink
    from robokit.link.upload import plan_frames
    from robokit.targets.micropython.upload import board_files, upload_bundle

    _, new = _two_programs(tmp_path)
    board = SimBoard()
    try:
        link = _Recording(SerialLink(board.serve_pty()))
        upload_bundle(RawRepl(link), new)
        frames = plan_frames(board_files(new), 2048)
        assert link.acks_at_commit == [len(frames) - 1]
    finally:
        link.link.close()  # type: ignore[attr-defined]
        board.close()


@pytest.mark.parametrize("stop_after", [1, 3, "commit"])
def test_a_cancelled_upload_keeps_the_previous_program_and_ends_the_receiver(
        tmp_path: Path, stop_after: int | str) -> None:
    """upload_bundle(cancel=): asked before each frame (a Brick sets it on Ctrl-C, from
    its other thread); the upload ends as a failure that is not retried, the previous
    program is untouched and the board's receiver has ended (its REPL answers at once)."""
    from robokit.errors import UploadError
    from robokit.link.rawrepl import RawRepl
    from robokit.link.serial_link import SerialLink
    from robokit.link.upload import COMMIT, MAGIC
    from robokit.targets.micropython.upload import upload_bundle

    old, new = _two_programs(tmp_path)
    board = SimBoard()
    try:
        link = _Recording(SerialLink(board.serve_pty()))
        repl = RawRepl(link)
        upload_bundle(repl, old)
        before = dict(board.files)
        link.sent.clear()

        def cancel() -> bool:
            if stop_after == "commit":  # just before the commit would go
                return _next_is_commit(link)
            return sum(1 for d in link.sent if d.startswith(MAGIC)) >= int(stop_after)

        with pytest.raises(UploadError) as caught:
            upload_bundle(repl, new, cancel=cancel)
        assert "the upload was interrupted" in str(caught.value)
        assert "The previous program is still on the board and still active." in str(
            caught.value)
        assert caught.value.attempts == 1
        assert not any(d.startswith(MAGIC) and d[2:3] == COMMIT for d in link.sent)
        assert board.files["/robokit/active"] == before["/robokit/active"]
        active = before["/robokit/active"].decode().strip()
        slot = f"/robokit/slots/{active}/"
        assert {p: v for p, v in board.files.items() if p.startswith(slot)} == {
            p: v for p, v in before.items() if p.startswith(slot)}
        fresh = RawRepl(link)
        fresh.enter(timeout=1.0)
        assert fresh.exec("print(6 * 7)", 2.0) == (b"42\r\n", b"")
    finally:
        link.link.close()  # type: ignore[attr-defined]
        board.close()


def _next_is_commit(link: _Recording) -> bool:
    """Whether every frame but the commit has gone out (the commit is the next)."""
    from robokit.link.upload import END, MAGIC

    ends = [d for d in link.sent if d.startswith(MAGIC) and d[2:3] == END]
    return len(ends) >= 2  # main.mpy's end and manifest.json's end: only the commit is left


def test_ctrl_c_in_the_thread_that_uploads_ends_the_receiver(tmp_path: Path) -> None:
    """Ctrl-C (KeyboardInterrupt) while upload_bundle runs in the caller's thread, as in
    `robokit install` or a script: the board's receiver, for which Ctrl-C is data, was
    left waiting for the rest of a frame, and the next command found a board answering
    'ok 4' instead of the raw REPL. Now it is made to end, as after a failure."""
    from robokit.link.rawrepl import RawRepl
    from robokit.link.serial_link import SerialLink
    from robokit.targets.micropython.upload import upload_bundle

    old, new = _two_programs(tmp_path)
    board = SimBoard()
    try:
        port = board.serve_pty()
        link = SerialLink(port)
        upload_bundle(RawRepl(link), old)
        before = dict(board.files)

        def progress(sent: int, total: int) -> None:
            if sent > 4000:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            upload_bundle(RawRepl(link), new, progress)
        link.close()
        assert board.files["/robokit/active"] == before["/robokit/active"]
        link = SerialLink(port)  # the next command
        repl = RawRepl(link)
        repl.enter(timeout=1.0)
        assert repl.exec("print(6 * 7)", 2.0) == (b"42\r\n", b"")
        link.close()
    finally:
        board.close()


@needs_vm
def test_a_board_is_asked_for_room_for_the_mpy_it_stores_not_for_the_sources(
        tmp_path: Path) -> None:
    """upload.md: only the .mpy bytes go to a MicroPython board. Yet `run --port` weighed
    the bundle with its sources against the board's free flash: a well-commented program
    (180 KB of source, 1 KB of .mpy) was refused on a board with 90 KB free, with advice
    (--strip-source) that `run` does not take. A program whose .mpy does not fit is still
    refused before anything is sent, by what the board would store."""
    commented = tmp_path / "commented.py"
    commented.write_text("".join(f"# comment line {i}: what the robot does here, at length\n"
                                 for i in range(3000)) + "print('commented ok')\n")
    big = tmp_path / "big.py"
    big.write_text("".join(f"def f{i}(x):\n    return x * {i * 7919} + {i}\n"
                           for i in range(400)) + "print('big')\n")
    # the simulated board's flash is 2 MiB: leave about 90 KB of it free
    board = SimBoard(files={"/data.bin": b"x" * (2 * 1024 * 1024 - 90_000)})
    try:
        port = board.serve_pty()
        cli = CliRunner()
        r = cli.invoke(main, ["run", str(commented), "--port", port])
        assert r.exit_code == 0, r.output
        assert "commented ok" in r.output
        board.files["/data2.bin"] = b"x" * 88_000  # now a few KB at most are free
        before = {p: v for p, v in board.files.items() if p.startswith("/robokit/")}
        r = cli.invoke(main, ["upload", str(big), "--port", port])
        assert r.exit_code == 2, r.output
        last = r.output.strip().splitlines()[-1]
        assert last.startswith("robokit: upload: 'big' needs ")
        assert f"bytes but {port} has " in last
        assert last.endswith(" bytes of flash free: delete files from the board or make the "
                             "program smaller")
        assert "--strip-source" not in last
        assert {p: v for p, v in board.files.items() if p.startswith("/robokit/")} == before
    finally:
        board.close()
