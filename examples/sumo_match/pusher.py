# robokit: world=sumo duration=20
"""Sumo, robot 1 (a Pybricks program, as written for a SPIKE Prime hub): tell the other
robot our lucky number on channel 1, then drive at it and push it out of the ring.

    robokit run examples/sumo_match/pusher.py examples/sumo_match/listener.py
"""

from pybricks.hubs import PrimeHub
from pybricks.parameters import Direction, Port
from pybricks.pupdevices import Motor
from pybricks.robotics import DriveBase
from pybricks.tools import wait

hub = PrimeHub(broadcast_channel=1)
left = Motor(Port.A, Direction.COUNTERCLOCKWISE)
right = Motor(Port.B)
base = DriveBase(left, right, wheel_diameter=56, axle_track=112)

hub.ble.broadcast(42)
wait(500)  # give the message time to arrive (Pybricks advertises every 100 ms)
base.straight(600)  # through the middle and on: whatever stands there goes too
print("pushed for", base.distance(), "mm")
