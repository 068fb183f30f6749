# corpus: world=empty
# expect: output=driven 800
# expect: x=0+-6 y=0+-6
# A SPIKE Prime driving base drives a square of 200 mm sides.
from pybricks.hubs import PrimeHub
from pybricks.parameters import Direction, Port
from pybricks.pupdevices import Motor
from pybricks.robotics import DriveBase

hub = PrimeHub()
left_motor = Motor(Port.A, Direction.COUNTERCLOCKWISE)
right_motor = Motor(Port.B)
drive_base = DriveBase(left_motor, right_motor, wheel_diameter=56, axle_track=112)

for _side in range(4):
    drive_base.straight(200)
    drive_base.turn(90)

print("driven", drive_base.distance())
