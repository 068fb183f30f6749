#!/usr/bin/env pybricks-micropython
# Follow the edge of a black line with the EV3 colour sensor (Pybricks 2.x line follower).
from pybricks.ev3devices import ColorSensor, Motor
from pybricks.hubs import EV3Brick
from pybricks.parameters import Color, Port
from pybricks.robotics import DriveBase
from pybricks.tools import StopWatch, wait

ev3 = EV3Brick()
left_motor = Motor(Port.B)
right_motor = Motor(Port.C)
line_sensor = ColorSensor(Port.S3)
robot = DriveBase(left_motor, right_motor, wheel_diameter=55.5, axle_track=104)

BLACK = 9
WHITE = 85
threshold = (BLACK + WHITE) / 2
DRIVE_SPEED = 100
PROPORTIONAL_GAIN = 1.2

watch = StopWatch()
while watch.time() < 20000:
    deviation = line_sensor.reflection() - threshold
    robot.drive(DRIVE_SPEED, PROPORTIONAL_GAIN * deviation)
    wait(10)
robot.stop()
print("driven", robot.distance())

# Look around: turning on the spot, the sensor sweeps over the line and the table.
seen = []
robot.drive(0, 90)
watch.reset()
while watch.time() < 4000:
    color = line_sensor.color()
    if color not in seen:
        seen.append(color)
    wait(10)
robot.stop()
print("black", Color.BLACK in seen, "white", Color.WHITE in seen, "kinds", len(seen))
