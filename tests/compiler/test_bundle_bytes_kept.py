"""A bundle keeps the bytes it made (compiling checks its size, then a run verifies the
same bytes: made once) and never hands out stale ones after any field changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from robokit.compiler.bundle import Bundle, BundleModule
from robokit.compiler.compile import compile_program
from robokit.errors import BundleError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compiled() -> Bundle:
    return compile_program(ROOT / "examples" / "hello.py", target="sim")


def fresh(b: Bundle) -> bytes:
    """The bytes a bundle of the same fields makes from scratch."""
    return Bundle(b.program, b.entry, b.target, b.abi, b.mpy_cross_version,
                  b.robokit_version, dict(b.robot), list(b.modules)).to_bytes()


def test_the_bytes_are_made_once(compiled: Bundle) -> None:
    assert compiled.to_bytes() is compiled.to_bytes()
    assert Bundle.from_bytes(compiled.to_bytes()) == compiled


def test_a_changed_field_gives_new_bytes(compiled: Bundle) -> None:
    b = Bundle.from_bytes(compiled.to_bytes())
    before = b.to_bytes()
    b.program = "renamed"
    assert b.to_bytes() != before and b.to_bytes() == fresh(b)


def test_a_robot_changed_in_place_gives_new_bytes(compiled: Bundle) -> None:
    b = Bundle.from_bytes(compiled.to_bytes())
    before = b.to_bytes()
    b.robot["name"] = "another name"
    assert b.to_bytes() != before and b.to_bytes() == fresh(b)
    b.robot["devices"]["left_motor"]["port"] = "C"  # deep inside too
    assert Bundle.from_bytes(b.to_bytes()).robot["devices"]["left_motor"]["port"] == "C"


def test_a_module_added_or_replaced_gives_new_bytes(compiled: Bundle) -> None:
    b = Bundle.from_bytes(compiled.to_bytes())
    before = b.to_bytes()
    b.modules.append(BundleModule("extra", b.modules[0].mpy, b"x = 1\n"))
    assert b.to_bytes() != before and b.to_bytes() == fresh(b)
    b.modules[-1] = BundleModule("extra", b.modules[0].mpy, b"x = 2\n")
    assert Bundle.from_bytes(b.to_bytes()).module("extra").source == b"x = 2\n"


def test_a_bundle_that_cannot_be_written_still_says_so_each_time(compiled: Bundle) -> None:
    b = Bundle.from_bytes(compiled.to_bytes())
    b.to_bytes()
    b.robot["bad"] = {1, 2}  # not JSON
    for _ in range(2):
        with pytest.raises(BundleError):
            b.to_bytes()
