#!/usr/bin/env pybricks-micropython
# Drive while the IR remote's left up button is held (channel 1), with the IR sensor.
from pybricks.ev3devices import InfraredSensor, Motor
from pybricks.hubs import EV3Brick
from pybricks.parameters import Button, Port
from pybricks.robotics import DriveBase
from pybricks.tools import StopWatch, wait

ev3 = EV3Brick()
robot = DriveBase(Motor(Port.B), Motor(Port.C), wheel_diameter=55.5, axle_track=104)
ir = InfraredSensor(Port.S4)

print("near", ir.distance(), "beacon", ir.beacon(1))
heard = []
watch = StopWatch()
while watch.time() < 5000:
    pressed = ir.buttons(1)
    for b in pressed:
        if b not in heard:
            heard.append(b)
    if Button.LEFT_UP in pressed:
        robot.drive(150, 0)
    else:
        robot.stop()
    if ir.buttons(2):
        print("channel 2 heard something")
    wait(10)
robot.stop()
print("heard", heard, "keypad", ir.keypad())
