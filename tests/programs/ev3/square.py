#!/usr/bin/env pybricks-micropython
# The EV3 educator vehicle drives a square (Pybricks 2.x, "Robot Educator" style).
from pybricks.ev3devices import Motor
from pybricks.hubs import EV3Brick
from pybricks.parameters import Port
from pybricks.robotics import DriveBase

ev3 = EV3Brick()
left_motor = Motor(Port.B)
right_motor = Motor(Port.C)
robot = DriveBase(left_motor, right_motor, wheel_diameter=55.5, axle_track=104)

for _side in range(4):
    robot.straight(300)
    robot.turn(90)
ev3.speaker.beep()
print("driven", robot.distance(), "turned", robot.angle())
