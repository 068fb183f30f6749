# corpus: world=empty
# expect: output=rotation 180
# expect: imu=180+-2
# hub.imu.rotation(-Axis.Z) counts a half turn to the right.
from pybricks.hubs import PrimeHub
from pybricks.parameters import Axis, Direction, Port
from pybricks.pupdevices import Motor
from pybricks.robotics import DriveBase

hub = PrimeHub()
base = DriveBase(Motor(Port.A, Direction.COUNTERCLOCKWISE), Motor(Port.B), 56, 112)
base.turn(180)
print("rotation", round(hub.imu.rotation(-Axis.Z) / 5) * 5)
