"""`robokit run` goes through the bundle: compile, verify, load, run; and runs .rkb files."""

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from robokit.compiler.bundle import Bundle
from robokit.compiler.compile import compile_program
from robokit.errors import BundleError
from robokit.sim import simulate

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def robokit(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "robokit.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=120)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_round_trip_every_example(example: Path, tmp_path: Path):
    # compile -> write -> inspect (read + verify) -> load -> run; same result as from source
    rkb = tmp_path / f"{example.stem}.rkb"
    compile_program(example, target="sim").write(rkb)
    info = robokit("inspect", rkb, "--json")
    assert info.returncode == 0, info.stderr
    manifest = json.loads(info.stdout)
    assert manifest["target"] == "sim"
    from_bundle = simulate(rkb, duration=20)
    from_source = simulate(example, duration=20)
    assert from_bundle.status == from_source.status
    assert from_bundle.output == from_source.output
    assert from_bundle.pose == from_source.pose
    assert from_bundle.telemetry.to_csv() == from_source.telemetry.to_csv()


def test_a_bundle_runs_without_its_source_files(tmp_path: Path):
    project = tmp_path / "project"
    write(project / "main.py", """\
        from robokit import wait
        from helpers.maths import halve
        wait(100)
        print("half of 9 is", halve(9))
        halve(None)
    """)
    write(project / "helpers" / "maths.py", """\
        def halve(x):
            return x / 2
    """)
    rkb = tmp_path / "elsewhere" / "project.rkb"
    rkb.parent.mkdir()
    compile_program(project, target="sim").write(rkb)
    shutil.rmtree(project)  # only the bundle is left
    proc = robokit("run", rkb, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "half of 9 is 4.5" in proc.stdout
    # The traceback names the program's own files and shows their lines, from the bundle.
    assert 'maths.py", line 2, in halve' in proc.stderr
    assert "return x / 2" in proc.stderr
    assert "TypeError" in proc.stderr
    assert "site-packages" not in proc.stderr and "robokit/sim" not in proc.stderr


def test_stripped_bundle_is_refused_by_the_simulator(tmp_path: Path):
    rkb = tmp_path / "hello.rkb"
    compile_program(ROOT / "examples" / "hello.py", target="sim", strip_source=True).write(rkb)
    with pytest.raises(BundleError, match="--strip-source"):
        simulate(rkb)
    proc = robokit("run", rkb)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "without --strip-source" in proc.stderr


def test_corrupt_bundle_is_refused_before_running(tmp_path: Path):
    rkb = tmp_path / "square.rkb"
    compile_program(ROOT / "examples" / "square.py", target="sim").write(rkb)
    data = bytearray(rkb.read_bytes())
    data[len(data) // 2] ^= 0xFF
    rkb.write_bytes(bytes(data))
    proc = robokit("run", rkb, "--json")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert json.loads(proc.stdout)["status"] == "invalid"
    assert "altered" in proc.stderr


def test_bundle_carries_its_robot(tmp_path: Path):
    project = tmp_path / "p"
    write(project / "robot.toml", """\
        name = "two-wheeler"
        [devices.l]
        type = "Motor"
        port = "A"
        positive_direction = "counterclockwise"
        [devices.r]
        type = "Motor"
        port = "B"
        [drive_base]
        left = "l"
        right = "r"
        wheel_diameter = 80
        axle_track = 150
    """)
    write(project / "main.py", """\
        from robokit import robot
        robot.drive_base.straight(200)
        print(sorted(robot.names()))
    """)
    rkb = tmp_path / "p.rkb"
    compile_program(project, target="sim").write(rkb)
    assert Bundle.read(rkb).robot["name"] == "two-wheeler"
    shutil.rmtree(project)
    r = simulate(rkb)
    assert r.status == "finished", r.traceback
    assert r.brick.robot["name"] == "two-wheeler"
    assert r.output.strip() == "['drive_base', 'hub', 'l', 'r']"
    assert r.pose[0] == pytest.approx(200, abs=2)


def test_program_is_checked_for_the_brick_before_it_runs(tmp_path: Path):
    prog = write(tmp_path / "uses_numpy.py", "import numpy\n")
    proc = robokit("run", prog)
    assert proc.returncode == 2
    assert "uses_numpy.py:1" in proc.stderr and "numpy" in proc.stderr
    assert "Traceback" not in proc.stderr
