#!/usr/bin/env pybricks-micropython
# corpus: world=oval duration=12
# expect: output=followed
# expect: moved=1000
# expect: contacts=0
# expect: imu=-89+-10 x=900+-40 y=-7+-40
# An EV3 follows the line with an NXT light sensor.  From (-70, -390) heading east,
# about 1190 mm (120 mm/s for 10 s) are 570 mm of the oval's straight and 620 mm of its
# right-hand bend (400 mm round (500, 0)): 89 degrees round it, near (900, -7).
from pybricks.ev3devices import Motor
from pybricks.hubs import EV3Brick
from pybricks.nxtdevices import LightSensor
from pybricks.parameters import Port
from pybricks.robotics import DriveBase
from pybricks.tools import StopWatch, wait

ev3 = EV3Brick()
light = LightSensor(Port.S3)
robot = DriveBase(Motor(Port.B), Motor(Port.C), wheel_diameter=55.5, axle_track=104)
threshold = 47
watch = StopWatch()
while watch.time() < 10000:
    robot.drive(120, 1.2 * (light.reflection() - threshold))
    wait(10)
robot.stop()
print("followed", robot.distance())
