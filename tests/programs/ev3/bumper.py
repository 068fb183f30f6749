#!/usr/bin/env pybricks-micropython
# Drive until the touch sensor on the front bumps into the wall, then back up.
from pybricks.ev3devices import Motor, TouchSensor
from pybricks.hubs import EV3Brick
from pybricks.parameters import Port
from pybricks.robotics import DriveBase
from pybricks.tools import wait

ev3 = EV3Brick()
left_motor = Motor(Port.B)
right_motor = Motor(Port.C)
touch_sensor = TouchSensor(Port.S1)
robot = DriveBase(left_motor, right_motor, wheel_diameter=55.5, axle_track=104)

robot.drive(200, 0)
while not touch_sensor.pressed():
    wait(10)
robot.stop()
ev3.speaker.beep(1000, 100)
bumped_at = robot.distance()
robot.straight(-100)
print("bumped", bumped_at)
