#!/usr/bin/env pybricks-micropython
# corpus: world=empty press=remote.left_plus@1s-2s duration=4
# expect: output=beacon button
# EV3: the infrared remote's buttons on channel 1.
from pybricks.ev3devices import InfraredSensor
from pybricks.hubs import EV3Brick
from pybricks.parameters import Button, Port
from pybricks.tools import wait

ev3 = EV3Brick()
ir = InfraredSensor(Port.S4)
while Button.LEFT_UP not in ir.buttons(1):
    wait(10)
print("beacon button")
