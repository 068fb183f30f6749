#!/usr/bin/env pybricks-micropython
# Drive towards the wall and stop 200 mm before it (EV3 ultrasonic sensor).
from pybricks.ev3devices import Motor, UltrasonicSensor
from pybricks.hubs import EV3Brick
from pybricks.parameters import Port
from pybricks.robotics import DriveBase
from pybricks.tools import wait

ev3 = EV3Brick()
left_motor = Motor(Port.B)
right_motor = Motor(Port.C)
obstacle_sensor = UltrasonicSensor(Port.S4)
robot = DriveBase(left_motor, right_motor, wheel_diameter=55.5, axle_track=104)

print("start", obstacle_sensor.distance())
robot.drive(200, 0)
while obstacle_sensor.distance() > 200:
    wait(10)
robot.stop()
wait(300)
print("stopped", obstacle_sensor.distance())
