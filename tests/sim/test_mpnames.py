"""MicroPython's own names in the simulator: umath and its kin resolve to working modules
ahead of site-packages, const() and the micropython module exist, random is seeded."""

from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path

from robokit.sim import simulate
from robokit.sim.mpnames import ALIASES


def run(tmp_path: Path, source: str, **options: object) -> str:
    prog = tmp_path / "p.py"
    prog.write_text(textwrap.dedent(source), encoding="utf-8")
    r = simulate(prog, **options)  # type: ignore[arg-type]
    assert r.status == "finished", r.traceback
    return r.output


def test_umath_and_kin_work_even_with_the_stub_package_installed(tmp_path: Path) -> None:
    # pybricksdev installs the pybricks documentation stubs, whose top-level umath and
    # friends return None from every function; a run must never get those.
    out = run(tmp_path, """\
        import umath, ustruct, ujson, uerrno, usys, uio, ubinascii, ure, uheapq
        print(round(umath.sin(1), 6), umath.pi > 3)
        print(ustruct.unpack("<h", ustruct.pack("<h", -2))[0], ujson.dumps({"a": [1]}))
        print(uerrno.ENOENT, usys.maxsize > 0, uio.StringIO("x").read())
        print(ubinascii.hexlify(b"AB"), ure.match("a+", "aab").group(0))
    """)
    assert out.splitlines() == ["0.841471 True", '-2 {"a": [1]}', "2 True x",
                                "b'4142' aa"]


def test_the_stub_package_would_shadow_them_without_robokit() -> None:
    # What the test above guards against, shown where the stubs are installed.
    spec = importlib.util.find_spec("umath")
    if spec is None or spec.origin is None:
        return  # not installed here: nothing shadows
    import umath  # type: ignore[import-not-found]

    assert umath.sin(1) is None  # the stub's "function" (robokit's run gives math.sin)


def test_every_alias_resolves_to_its_module(tmp_path: Path) -> None:
    lines = "\n".join(f"import {alias}\nprint({alias!r}, {alias}.__name__)"
                      for alias in ALIASES)
    out = run(tmp_path, lines + "\n")
    assert out.splitlines() == [f"{alias} {real}" for alias, real in ALIASES.items()]


def test_const_and_the_micropython_module(tmp_path: Path) -> None:
    out = run(tmp_path, """\
        from micropython import const
        import micropython
        A = const(3)
        B = const(A * 2)          # const() without the import too, as MicroPython allows

        def twice(x):
            return 2 * x

        twice = micropython.native(twice)  # (the decorator syntax needs an arch in mpy-cross)
        micropython.kbd_intr(-1)
        micropython.opt_level(2)
        print(A, B, twice(B), micropython.opt_level())
    """)
    assert out == "3 6 12 2\n"


def test_random_is_seeded_by_the_run(tmp_path: Path) -> None:
    source = """\
        import random, urandom
        print(random.randint(1, 10**9), urandom.getrandbits(30))
    """
    a = run(tmp_path, source, seed=7)
    assert a == run(tmp_path, source, seed=7)
    assert a != run(tmp_path, source, seed=8)
    assert run(tmp_path, source) == run(tmp_path, source)  # no seed: seed 0, repeatable
