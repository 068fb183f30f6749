"""Sumo, robot 2 (a Pybricks program): wait for the number robot 1 broadcasts on
channel 1, and say it.  Its motors are idle (coasting), so it rolls when pushed."""

from pybricks.hubs import PrimeHub
from pybricks.parameters import Direction, Port
from pybricks.pupdevices import Motor
from pybricks.robotics import DriveBase
from pybricks.tools import wait

hub = PrimeHub(observe_channels=[1])
base = DriveBase(Motor(Port.A, Direction.COUNTERCLOCKWISE), Motor(Port.B), 56, 112)

while True:
    data = hub.ble.observe(1)
    if data is not None:
        print("robot 1 says", data)
        break
    wait(10)
wait(5000)
