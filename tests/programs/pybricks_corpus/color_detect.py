# corpus: world=empty
# expect: output=color Color.WHITE
# expect: output=hsv ok
# A colour sensor sees the floor.
from pybricks.parameters import Color, Port
from pybricks.pupdevices import ColorSensor

sensor = ColorSensor(Port.C)
sensor.detectable_colors([Color.RED, Color.GREEN, Color.WHITE, Color.NONE])
print("color", sensor.color())
h = sensor.hsv()
print("hsv", "ok" if 0 <= h.v <= 100 else "bad")
sensor.lights.on([100, 50, 0])
