#!/usr/bin/env pybricks-micropython
# corpus: world=empty
# expect: x=0+-8 y=0+-8
# expect: event=beep
# The EV3 educator vehicle drives a square and beeps.
from pybricks.ev3devices import Motor
from pybricks.hubs import EV3Brick
from pybricks.parameters import Port
from pybricks.robotics import DriveBase

ev3 = EV3Brick()
left_motor = Motor(Port.B)
right_motor = Motor(Port.C)
robot = DriveBase(left_motor, right_motor, wheel_diameter=55.5, axle_track=104)
for _side in range(4):
    robot.straight(250)
    robot.turn(90)
ev3.speaker.beep()
