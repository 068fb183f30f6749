# Drive until the bumper (a force sensor at the front) is pressed.
from pybricks.hubs import InventorHub
from pybricks.parameters import Direction, Port
from pybricks.pupdevices import ForceSensor, Motor
from pybricks.robotics import DriveBase
from pybricks.tools import wait

hub = InventorHub()
bumper = ForceSensor(Port.D)
base = DriveBase(Motor(Port.C, Direction.COUNTERCLOCKWISE), Motor(Port.F), 56, 112)

base.drive(150, 0)
while not bumper.pressed():
    wait(10)
base.stop()
print("bumped", bumper.force())
