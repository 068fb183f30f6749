"""The hub's stop button: :class:`StopButtonHAL`, a part of
:class:`~robokit.sim.brick.SimBrick`.

On a LEGO hub with Pybricks, pressing the stop button ends the running program (the
firmware raises ``SystemExit`` in it, so its ``finally`` blocks run): the centre button,
unless the program chose others with ``hub.system.set_stop_button(...)`` (several: all
of them held together) or none with ``set_stop_button(None)``.  So here: a scripted
press (``robokit run --press center@2s``) that completes the stop combination ends the
program at that moment, with the status ``finished`` and a ``stopped`` event.  A program
that waits for the centre button to start thus stops in the simulator as on the hub,
instead of passing here and failing there.

The hubs with a stop button are :data:`STOP_BUTTON_HUBS`; the EV3, a generic ``Hub`` and
a kit's board (``robokit run --board``) have none here (a MicroPython board's button
stops only the program it started at power-up)."""

from __future__ import annotations  # (robokit.virtual.rom drops it for MicroPython)

from .brickstate import BrickState

TYPE_CHECKING = False
if TYPE_CHECKING:  # (portable code: MicroPython runs it too, robokit.sim.vmbrick)
    from typing import Any

    from .recorder import Recorder

#: The robot.toml hub types whose firmware stops a program with a button.
STOP_BUTTON_HUBS = ("PrimeHub", "InventorHub", "EssentialHub", "TechnicHub", "CityHub",
                    "MoveHub")


class StopButton(SystemExit):
    """The hub's stop button was pressed: the program ends as on the hub."""


class StopButtonHAL(BrickState):
    """The stop button's part of a SimBrick: which buttons stop the program, and when the
    scripted presses first hold all of them."""

    robot: dict[str, Any]
    recorder: Recorder
    kit_buttons: Any
    _presses: tuple[Any, ...]

    def _stop_init(self) -> None:
        hub = self.robot.get("hub") or {}
        #: Whether the hub has a stop button (see STOP_BUTTON_HUBS).
        self._has_stop = hub.get("type", "PrimeHub") in STOP_BUTTON_HUBS
        #: The buttons that stop the program together (none: nothing stops it).
        self._stop_buttons: tuple[str, ...] = ("CENTER",) if self._has_stop else ()
        #: When the presses next complete that combination, µs (None: never).
        self._stop_at: int | None = None
        #: The stop came during the clock's advance: the program ends when it returns.
        self._stop_due = False

    def set_stop_buttons(self, names: Any) -> None:
        """The program's ``hub.system.set_stop_button``: the button names (an empty list
        for None), from the device API's ``stop_button`` event."""
        if self._has_stop:
            self._stop_buttons = tuple(str(n) for n in names)
            self._plan_stop()

    def _plan_stop(self) -> None:
        """Find the first press, after now, whose start completes the stop combination."""
        want = self._stop_buttons if self.kit_buttons is None else ()
        at = None
        if want:
            for p in self._presses:
                t = int(round(p.start_s * 1e6))
                if t <= self.now or (at is not None and t >= at):
                    continue
                held = [q.button for q in self._presses if q.held_at(t)]
                for b in want:
                    if b not in held:
                        break
                else:
                    at = t
        self._stop_at = at
        self._update_next_event()

    def _stop_now(self, t: int) -> None:
        """The presses complete the stop combination at ``t`` (an event of the clock): the
        program ends when the clock's advance returns to it."""
        self._stop_due = True
        self.recorder.event(t, "stopped", {"by": "stop button",
                                           "buttons": list(self._stop_buttons)})
        self._plan_stop()  # (a program that catches the SystemExit may be stopped again)

    def _stop_if_due(self) -> None:
        """Raise :class:`StopButton` in the program when the clock's advance it asked for
        met the stop (called in the program's thread, as the advance returns)."""
        if self._stop_due:
            self._stop_due = False
            raise StopButton()
