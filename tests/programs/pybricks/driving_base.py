# A SPIKE Prime driving base: straight, turn, straight (Pybricks' DriveBase example).
from pybricks.hubs import PrimeHub
from pybricks.parameters import Direction, Port
from pybricks.pupdevices import Motor
from pybricks.robotics import DriveBase

hub = PrimeHub()

# The left motor is mirrored, so it turns counterclockwise to drive forward.
left_motor = Motor(Port.A, Direction.COUNTERCLOCKWISE)
right_motor = Motor(Port.B)

drive_base = DriveBase(left_motor, right_motor, wheel_diameter=56, axle_track=112)

drive_base.straight(500)
drive_base.turn(90)
drive_base.straight(200)
print("distance", drive_base.distance(), "angle", drive_base.angle())
