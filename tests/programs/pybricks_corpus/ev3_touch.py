#!/usr/bin/env pybricks-micropython
# corpus: world=arena duration=20
# expect: output=touched
# EV3: drive until the touch sensor bumps the wall.
from pybricks.ev3devices import Motor, TouchSensor
from pybricks.hubs import EV3Brick
from pybricks.parameters import Port
from pybricks.robotics import DriveBase
from pybricks.tools import wait

ev3 = EV3Brick()
touch = TouchSensor(Port.S1)
robot = DriveBase(Motor(Port.B), Motor(Port.C), 55.5, 104)
robot.drive(150, 0)
while not touch.pressed():
    wait(10)
robot.stop()
print("touched")
