#!/usr/bin/env pybricks-micropython
# corpus: world=empty
# expect: output=color Color.WHITE
# EV3: the colour sensor sees the floor.
from pybricks.ev3devices import ColorSensor
from pybricks.hubs import EV3Brick
from pybricks.parameters import Port

ev3 = EV3Brick()
sensor = ColorSensor(Port.S3)
print("color", sensor.color())
print("reflection", sensor.reflection())
