#!/usr/bin/env pybricks-micropython
# corpus: world=arena duration=20
# expect: output=close True
# expect: contacts=0
# EV3: stop 200 mm from the wall.
from pybricks.ev3devices import Motor, UltrasonicSensor
from pybricks.hubs import EV3Brick
from pybricks.parameters import Port
from pybricks.robotics import DriveBase
from pybricks.tools import wait

ev3 = EV3Brick()
eyes = UltrasonicSensor(Port.S4)
robot = DriveBase(Motor(Port.B), Motor(Port.C), 55.5, 104)
robot.drive(150, 0)
while eyes.distance() > 200:
    wait(10)
robot.stop()
print("close", eyes.distance() <= 220)
