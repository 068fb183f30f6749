# robokit: world=empty duration=20
"""Relay, leg 1 (a Pybricks program): drive the first 300 mm, then tell robot 2 "go"
on channel 5.

    robokit run examples/relay/first.py examples/relay/second.py
"""

from pybricks.hubs import PrimeHub
from pybricks.parameters import Direction, Port
from pybricks.pupdevices import Motor
from pybricks.robotics import DriveBase
from pybricks.tools import wait

hub = PrimeHub(broadcast_channel=5)
base = DriveBase(Motor(Port.A, Direction.COUNTERCLOCKWISE), Motor(Port.B), 56, 112)

base.straight(300)
hub.ble.broadcast("go")
print("sent go")
wait(2000)  # keep broadcasting a while (it stops when the program ends)
