# Drive a square with the gyro steering the drive base; read the tilt in g.
from pybricks.hubs import PrimeHub
from pybricks.parameters import Axis, Direction, Port
from pybricks.pupdevices import Motor
from pybricks.robotics import GyroDriveBase

hub = PrimeHub(top_side=Axis.Z, front_side=Axis.X)
left = Motor(Port.C, Direction.COUNTERCLOCKWISE)
right = Motor(Port.D)
base = GyroDriveBase(left, right, wheel_diameter=56, axle_track=120)

for _side in range(4):
    base.straight(300)
    base.turn(90)

gravity = hub.imu.acceleration() / 9810
print("up", round(gravity[2], 1), "heading", round(hub.imu.heading()))
