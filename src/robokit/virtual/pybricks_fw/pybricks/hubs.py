# mypy: ignore-errors
"""Stand-in ``pybricks.hubs`` (robokit simulated hub): outputs are only recorded."""

from pybricks import _record
from pybricks.parameters import Axis, Side
from pybricks.tools import wait


class _Light:
    def on(self, color):
        _record("light.on", color)

    def off(self):
        _record("light.off")

    def blink(self, color, durations):
        _record("light.blink", color)

    def animate(self, colors, interval):
        _record("light.animate")


class _Display:
    def icon(self, icon):
        _record("display.icon", icon)

    def image(self, image):
        _record("display.image")

    def number(self, number):
        _record("display.number", number)

    def char(self, char):
        _record("display.char", char)

    def text(self, text, on=500, off=50):
        _record("display.text", text)

    def pixel(self, row, column, brightness=100):
        _record("display.pixel", (row, column, brightness))

    def off(self):
        _record("display.off")

    def orientation(self, up):
        pass

    def animate(self, matrices, interval):
        _record("display.animate")


class _Speaker:
    def volume(self, volume=None):
        return 100

    def beep(self, frequency=500, duration=100):
        _record("speaker.beep", frequency)
        return wait(duration)

    def play_notes(self, notes, tempo=120):
        _record("speaker.notes", len(notes))


class _Buttons:
    def pressed(self):
        return set()


class _IMU:
    def ready(self):
        return True

    def heading(self):
        return 0

    def reset_heading(self, angle):
        pass

    def angular_velocity(self, axis=None):
        return 0 if axis is not None else (0, 0, 0)

    def acceleration(self, axis=None):
        return 0 if axis is not None else (0, 0, 9810)

    def tilt(self):
        return (0, 0)

    def up(self):
        return Side.TOP

    def stationary(self):
        return True

    def settings(self, *args, **kwargs):
        pass


class _Battery:
    def voltage(self):
        return 8000

    def current(self):
        return 100


class _System:
    def name(self):
        return "Pybricks Hub"

    def set_stop_button(self, button):
        pass

    def reset_reason(self):
        return 0

    def shutdown(self):
        raise SystemExit


class PrimeHub:
    def __init__(self, top_side=Axis.Z, front_side=Axis.X, broadcast_channel=None,
                 observe_channels=()):
        self.light = _Light()
        self.display = _Display()
        self.speaker = _Speaker()
        self.buttons = _Buttons()
        self.imu = _IMU()
        self.battery = _Battery()
        self.system = _System()


class InventorHub(PrimeHub):
    pass


class EssentialHub(PrimeHub):
    pass


class TechnicHub(PrimeHub):
    pass


class CityHub(PrimeHub):
    pass


class MoveHub(PrimeHub):
    pass
