"""Relay, leg 2 (a Pybricks program): wait for "go" on channel 5, then run the next
300 mm."""

from pybricks.hubs import PrimeHub
from pybricks.parameters import Direction, Port
from pybricks.pupdevices import Motor
from pybricks.robotics import DriveBase
from pybricks.tools import StopWatch, wait

hub = PrimeHub(observe_channels=[5])
base = DriveBase(Motor(Port.A, Direction.COUNTERCLOCKWISE), Motor(Port.B), 56, 112)
watch = StopWatch()

while hub.ble.observe(5) != "go":
    wait(10)
print("got go after", watch.time(), "ms; signal", hub.ble.signal_strength(5), "dBm")
base.straight(300)
