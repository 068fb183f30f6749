# corpus: world=empty
# expect: event=pf_motor
# expect: output=pf sent
# A Power Functions motor commanded through a Color and Distance Sensor.
from pybricks.parameters import Color, Port
from pybricks.pupdevices import ColorDistanceSensor, PFMotor
from pybricks.tools import wait

sensor = ColorDistanceSensor(Port.C)
pf = PFMotor(sensor, 1, Color.RED)
pf.dc(100)
wait(1000)
pf.brake()
print("pf sent")
