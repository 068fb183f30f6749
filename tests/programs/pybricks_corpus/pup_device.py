# corpus: world=empty
# expect: output=id 48
# expect: output=position (90,)
# PUPDevice reads a motor's position by mode number.
from pybricks.iodevices import PUPDevice
from pybricks.parameters import Port
from pybricks.pupdevices import Motor

motor = Motor(Port.A)
device = PUPDevice(Port.A)
print("id", device.info()["id"])
motor.run_angle(300, 90)
print("position", device.read(2))
