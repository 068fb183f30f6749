#!/usr/bin/env pybricks-micropython
# Turn in place until the gyro sensor reads 90 degrees.
from pybricks.ev3devices import GyroSensor, Motor
from pybricks.hubs import EV3Brick
from pybricks.parameters import Port
from pybricks.robotics import DriveBase
from pybricks.tools import wait

ev3 = EV3Brick()
left_motor = Motor(Port.B)
right_motor = Motor(Port.C)
gyro_sensor = GyroSensor(Port.S2)
robot = DriveBase(left_motor, right_motor, wheel_diameter=55.5, axle_track=104)

gyro_sensor.reset_angle(0)
robot.drive(0, 60)
fastest = 0
while gyro_sensor.angle() < 90:
    fastest = max(fastest, gyro_sensor.speed())
    wait(5)
robot.stop()
wait(500)
print("gyro", gyro_sensor.angle(), "fastest", fastest)
