# corpus: world=empty
# expect: output=level
# A WeDo tilt sensor on a flat floor.
from pybricks.parameters import Port
from pybricks.pupdevices import TiltSensor

tilt = TiltSensor(Port.F)
pitch, roll = tilt.tilt()
print("level" if (pitch, roll) == (0, 0) else "tilted")
