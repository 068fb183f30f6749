#!/usr/bin/env pybricks-micropython
# corpus: world=empty
# expect: output=gyro 90
# expect: imu=90+-3
# EV3: turn by the gyro sensor.
from pybricks.ev3devices import GyroSensor, Motor
from pybricks.hubs import EV3Brick
from pybricks.parameters import Port
from pybricks.robotics import DriveBase
from pybricks.tools import wait

ev3 = EV3Brick()
gyro = GyroSensor(Port.S2)
robot = DriveBase(Motor(Port.B), Motor(Port.C), 55.5, 104)
gyro.reset_angle(0)
robot.drive(0, 45)
while gyro.angle() < 90:
    wait(5)
robot.stop()
wait(200)
print("gyro", round(gyro.angle() / 10) * 10)
