"""Scripted hub button presses for a simulated run: ``robokit run --press center@2s``.

A press is a hub button and when it is held down, in simulated seconds:

- ``center@2s`` (or ``center@2``): held from 2 s for :data:`DEFAULT_PRESS_S` (100 ms),
  as a quick tap by a finger;
- ``left@3s-4s`` (or ``left@3-4``): held from 3 s until 4 s.

Button names are the hub's (``robokit.devices.Button``: CENTER, LEFT, RIGHT, UP, DOWN,
BLUETOOTH, ...), in any case; ``centre`` is CENTER.  A name with the prefix ``remote.``
is a button of the Powered Up remote (``pybricks.pupdevices.Remote``):
``remote.left_plus@3s-4s``; its buttons are :data:`REMOTE_BUTTONS`.  With ``xbox.`` it is
an input of the Xbox controller (``pybricks.iodevices.XboxController``): a button
(``xbox.a@2s``, :data:`XBOX_BUTTONS`) or a stick or trigger held at a position in %
(``xbox.left_y=80@1s-3s``, :data:`XBOX_AXES`).  :func:`check_presses` also takes
``(button, start_s, end_s)`` tuples.  A bad press is a ProgramError that names the
setting and says what to write; so is a hub press on a button the robot's hub does not
have (:func:`check_press_buttons`: ``left@1s`` for a Technic hub, whose only button is
the centre one), which the program could never see.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..devices.parameters import Button, constants
from ..errors import ProgramError

#: How long a press given without an end lasts, in simulated seconds.
DEFAULT_PRESS_S = 0.1

#: The button names a press may use, as ``hub.buttons.pressed()`` reports them.
BUTTONS: tuple[str, ...] = tuple(c.name for c in constants(Button))

#: The buttons of the Powered Up remote, as ``remote.buttons.pressed()`` reports them.
REMOTE_BUTTONS: tuple[str, ...] = ("LEFT_PLUS", "LEFT", "LEFT_MINUS", "CENTER", "RIGHT_PLUS",
                                   "RIGHT", "RIGHT_MINUS")

#: What a remote button's name starts with in a press (and in the brick's held buttons).
REMOTE = "REMOTE."

#: The Xbox controller's buttons (UP, DOWN, LEFT, RIGHT: its direction pad).
XBOX_BUTTONS: tuple[str, ...] = ("A", "B", "X", "Y", "LB", "RB", "LJ", "RJ", "VIEW", "MENU",
                                 "GUIDE", "UPLOAD", "P1", "P2", "P3", "P4", "UP", "DOWN",
                                 "LEFT", "RIGHT")
#: The Xbox controller's sticks and triggers, with the positions they take, %.
XBOX_AXES: dict[str, tuple[int, int]] = {
    "LEFT_X": (-100, 100), "LEFT_Y": (-100, 100), "RIGHT_X": (-100, 100),
    "RIGHT_Y": (-100, 100), "LEFT_TRIGGER": (0, 100), "RIGHT_TRIGGER": (0, 100)}
#: What an Xbox input's name starts with in a press (and in the brick's held buttons).
XBOX = "XBOX."

_ALIASES = {"CENTRE": "CENTER"}

#: A press as text (compiled by ``re``'s cache when a press is first read: a run without
#: presses never pays for it).
_PRESS = (
    r"^\s*(?P<button>(?:(?:[Rr][Ee][Mm][Oo][Tt][Ee]|[Xx][Bb][Oo][Xx])\.)?[A-Za-z_0-9]+"
    r"(?:\s*=\s*[-+]?[0-9.]+)?)\s*@\s*"
    r"(?P<start>[0-9.eE+]+)\s*s?"
    r"(?:\s*-\s*(?P<end>[0-9.eE+]+)\s*s?)?\s*$")


@dataclass(frozen=True)
class Press:
    """``button`` (a name in :data:`BUTTONS`, or ``REMOTE.`` and one in
    :data:`REMOTE_BUTTONS`) held down from ``start_s`` until ``end_s``
    (simulated seconds; held at ``start_s``, released at ``end_s``)."""

    button: str
    start_s: float
    end_s: float

    def held_at(self, t_us: int) -> bool:
        """True when the button is held down at ``t_us`` µs of simulated time."""
        return int(round(self.start_s * 1e6)) <= t_us < int(round(self.end_s * 1e6))

    def __str__(self) -> str:
        return f"{self.button.lower()}@{self.start_s:g}s-{self.end_s:g}s"


def _how(setting: str) -> str:
    return (f"write {setting} BUTTON@SECONDS (held {DEFAULT_PRESS_S * 1000:.0f} ms) or "
            f"BUTTON@START-END, e.g. center@2s or remote.left_plus@3s-4s; BUTTON is one of "
            f"{', '.join(b.lower() for b in BUTTONS)}, or remote. and one of "
            f"{', '.join(b.lower() for b in REMOTE_BUTTONS)}, or xbox. and one of "
            f"{', '.join(b.lower() for b in XBOX_BUTTONS)}, or xbox.STICK=PERCENT@... with "
            f"STICK one of {', '.join(a.lower() for a in XBOX_AXES)}")


def _xbox(key: str, given: str, setting: str) -> str:
    """``XBOX.A`` or ``XBOX.LEFT_Y=80`` for the part after ``xbox.``."""
    if "=" in key:
        axis, _, value = key.partition("=")
        axis = axis.strip()
        if axis not in XBOX_AXES:
            raise ProgramError(f"{setting} {given}: the Xbox controller has no stick or trigger "
                               f"called {axis.lower()!r}; use one of "
                               f"{', '.join(a.lower() for a in XBOX_AXES)}")
        lo, hi = XBOX_AXES[axis]
        try:
            pct = float(value)
        except ValueError:
            pct = math.nan
        if not lo <= pct <= hi:  # NaN fails too
            raise ProgramError(f"{setting} {given}: {axis.lower()} takes a position from {lo} "
                               f"to {hi} (%), e.g. xbox.{axis.lower()}={hi}@1s-2s")
        return f"{XBOX}{axis}={pct:g}"
    if key in XBOX_AXES:
        lo, hi = XBOX_AXES[key]
        raise ProgramError(f"{setting} {given}: {key.lower()} is a stick or trigger: give its "
                           f"position ({lo} to {hi} %), e.g. xbox.{key.lower()}={hi}@1s-2s")
    if key not in XBOX_BUTTONS:
        raise ProgramError(f"{setting} {given}: the Xbox controller has no button called "
                           f"{key.lower()!r}; " + _how(setting))
    return XBOX + key


def _button(name: Any, given: str, setting: str) -> str:
    text = str(name).strip().upper()
    if text.startswith(XBOX):
        return _xbox(text[len(XBOX):].strip(), given, setting)
    if "=" in text:
        raise ProgramError(f"{setting} {given}: only an Xbox stick or trigger takes a position "
                           "(xbox.left_y=80@1s-3s); " + _how(setting))
    if text.startswith(REMOTE):
        key = text[len(REMOTE):].strip()
        key = _ALIASES.get(key, key)
        if key not in REMOTE_BUTTONS:
            raise ProgramError(f"{setting} {given}: the remote has no button called "
                               f"{key.lower()!r}; " + _how(setting))
        return REMOTE + key
    text = _ALIASES.get(text, text)
    if text not in BUTTONS:
        raise ProgramError(f"{setting} {given}: no hub button is called {str(name).strip()!r}; "
                           + _how(setting))
    return text


def parse_press(text: str, setting: str = "press") -> Press:
    """The press that ``text`` (``center@2s``, ``left@3s-4s``) describes; a ProgramError
    naming ``setting`` and what to write otherwise."""
    m = re.match(_PRESS, text)
    if m is None:
        raise ProgramError(f"{setting} {text}: not a button press; " + _how(setting))
    button = _button(m["button"], text, setting)
    try:
        start = float(m["start"])
        end = float(m["end"]) if m["end"] is not None else start + DEFAULT_PRESS_S
    except ValueError:
        raise ProgramError(f"{setting} {text}: not a button press; " + _how(setting)) from None
    return _checked(Press(button, start, end), text, setting)


def _checked(press: Press, given: str, setting: str) -> Press:
    if not (math.isfinite(press.start_s) and math.isfinite(press.end_s)) or press.start_s < 0:
        raise ProgramError(f"{setting} {given}: the time must be a number of simulated "
                           "seconds from 0; " + _how(setting))
    if press.end_s <= press.start_s:
        raise ProgramError(f"{setting} {given}: the press ends before it begins; give "
                           "START-END with END after START, e.g. left@3s-4s")
    return press


def check_presses(presses: Iterable[str | tuple[Any, ...] | Press] | str | None,
                  setting: str = "press") -> tuple[Press, ...]:
    """``presses`` (strings such as ``"center@2s"``, ``(button, start_s, end_s)`` tuples,
    or :class:`Press`) as Presses in the order they begin; ProgramError on a bad one."""
    if presses is None:
        return ()
    if isinstance(presses, (str, Press)):  # one press given alone
        presses = [presses]
    out = []
    for p in presses:
        if isinstance(p, Press):
            out.append(_checked(Press(_button(p.button, str(p), setting), p.start_s, p.end_s),
                                str(p), setting))
        elif isinstance(p, str):
            out.append(parse_press(p, setting))
        elif isinstance(p, (tuple, list)) and len(p) == 3:
            given = repr(tuple(p))
            try:
                start, end = float(p[1]), float(p[2])
            except (TypeError, ValueError):
                raise ProgramError(f"{setting} {given}: a tuple press is (button, start_s, "
                                   "end_s) with times in seconds, e.g. ('center', 2, 2.1)"
                                   ) from None
            out.append(_checked(Press(_button(p[0], given, setting), start, end), given,
                                setting))
        else:
            raise ProgramError(f"{setting} {p!r}: give a string such as 'center@2s' or a "
                               "tuple (button, start_s, end_s)")
    return tuple(sorted(out, key=lambda p: (p.start_s, p.end_s, p.button)))


def check_press_times(presses: tuple[Press, ...], duration_s: float) -> None:
    """ProgramError for a press that begins when the run is over (``center@2000``, meant
    as milliseconds, in a 60 s run): it could never be seen."""
    for p in presses:
        if p.start_s >= duration_s:
            raise ProgramError(
                f"press {p} begins at {p.start_s:g} s, when the run is over (it lasts "
                f"{duration_s:g} s); press earlier (times are in seconds), or give a "
                "longer --duration")


def hub_buttons(hub_type: str | None) -> tuple[str, ...] | None:
    """The buttons a hub of ``hub_type`` (robot.toml's ``[hub] type``) has, as its
    ``hub.buttons.pressed()`` reports them; None for a hub that may have any (robokit's
    own ``Hub``)."""
    from ..devices.pybricks.hubs import HUB_BUTTONS, ONE_BUTTON

    if hub_type in HUB_BUTTONS:
        return HUB_BUTTONS[hub_type]
    if hub_type in ONE_BUTTON:
        return ("CENTER",)
    return None


def _a(name: str | None) -> str:
    return ("an " if str(name)[:1] in "AEIOU" else "a ") + str(name)


def check_press_buttons(presses: tuple[Press, ...], hubs: list[Any]) -> None:
    """ProgramError for a hub press (not ``remote.`` nor ``xbox.``) on a button that no
    robot's hub has: no program could see it.  ``hubs``, one a robot: robot.toml's
    ``[hub] type``, or for a kit robot (``robokit run --board``) a :class:`KitButtons`.
    With several robots a press reaches them all, so it is refused only when none of
    them has that button."""
    have = [(t.what, t.names) if isinstance(t, KitButtons) else (t, hub_buttons(t))
            for t in hubs]
    kit = any(isinstance(t, KitButtons) for t in hubs)
    for p in presses:
        if p.button.startswith((REMOTE, XBOX)):
            continue
        if any(names is None or p.button in names for _, names in have):
            continue
        button = p.button.lower()
        if len(have) == 1:
            hub, names = have[0]
            assert names is not None
            theirs = ("it has none" if not names else
                      f"its only button is {names[0].lower()}: press that one"
                      if len(names) == 1 else
                      f"its buttons are {', '.join(n.lower() for n in names)}: press one "
                      "of those")
            what = hub if isinstance(hubs[0], KitButtons) else _a(hub)
            raise ProgramError(
                f"--press {p}: the robot's hub, {what}, has no button called {button}; "
                f"{theirs}, or " + ("add it to the board file's buttons" if kit else
                                    "give the robot another hub (robot.toml's [hub] type)"))
        each = "; ".join(f"robot {i + 1}'s {hub}: {', '.join(n.lower() for n in names or ())}"
                         for i, (hub, names) in enumerate(have))
        raise ProgramError(
            f"--press {p}: none of the robots' hubs has a button called {button} ({each}): "
            "press one of theirs, or " + ("add it to a board file's buttons" if kit else
                                          "give a robot another hub (robot.toml's [hub] type)"))


class KitButtons:
    """A kit robot's buttons (``robokit run --board``: the board file's ``buttons``), for
    :func:`check_press_buttons`."""

    def __init__(self, board: str, names: tuple[str, ...]):
        self.what = f"the {board} board"
        self.names = names
