"""The objects' track (what the replay plays back of the objects) covers the whole run:
once full, it keeps every other place and keeps places half as often from then on, as
the telemetry does, instead of stopping where it filled up."""

from __future__ import annotations

from pathlib import Path

import pytest

from robokit.sim import floor, simulate

ROOT = Path(__file__).resolve().parents[2]
PUSH = ROOT / "examples" / "can_push" / "push_can.py"


@pytest.fixture(scope="module")
def whole():  # type: ignore[no-untyped-def]
    """The can pushed out of its ring, every place of the can kept (one each 20 ms)."""
    r = simulate(PUSH)
    assert r.status == "finished" and r.objects[0]["moved_mm"] > 100
    return r


def test_a_full_track_keeps_every_other_place_and_goes_on(whole, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    full = whole.brick.arena
    assert len(full.track_t) > 150
    assert full.track_t[1] - full.track_t[0] == floor.TRACK_PERIOD_US
    monkeypatch.setattr(floor, "MAX_TRACK", 40)
    thin = simulate(PUSH).brick.arena
    assert len(thin.track_t) < 40
    # It reaches the run's end, as the whole track does: the can's last moves are in it.
    period = thin.track_t[-1] - thin.track_t[-2]
    assert period > floor.TRACK_PERIOD_US
    assert full.track_t[-1] - thin.track_t[-1] < period
    assert thin.track[-1] != thin.track[len(thin.track) // 2]  # (the can moved late on)
    # Every place kept is the whole track's at that time, evenly spaced.
    at = dict(zip(full.track_t, full.track, strict=True))
    assert all(at[t] == places for t, places in zip(thin.track_t, thin.track, strict=True))
    gaps = {b - a for a, b in zip(thin.track_t, thin.track_t[1:], strict=False)}
    assert len(gaps) <= 2  # one spacing, and the next one from where the last halving began
