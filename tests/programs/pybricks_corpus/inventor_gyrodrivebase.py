# corpus: world=empty
# expect: x=500+-5 y=0+-5
# expect: output=angle 0
# GyroDriveBase keeps straight with the hub's gyro.
from pybricks.hubs import InventorHub
from pybricks.parameters import Direction, Port
from pybricks.pupdevices import Motor
from pybricks.robotics import GyroDriveBase

hub = InventorHub()
base = GyroDriveBase(Motor(Port.A, Direction.COUNTERCLOCKWISE), Motor(Port.B), 56, 112)
base.straight(500)
print("angle", round(base.angle()))
