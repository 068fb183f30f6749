# corpus: world=arena duration=20
# expect: output=near True
# expect: contacts=0
# A Color and Distance Sensor watches the way ahead.
from pybricks.parameters import Color, Direction, Port
from pybricks.pupdevices import ColorDistanceSensor, Motor
from pybricks.robotics import DriveBase
from pybricks.tools import wait

sensor = ColorDistanceSensor(Port.D)
base = DriveBase(Motor(Port.A, Direction.COUNTERCLOCKWISE), Motor(Port.B), 56, 112)
sensor.light.on(Color.BLUE)
base.drive(150, 0)
while sensor.distance() > 50:
    wait(10)
base.stop()
print("near", sensor.distance() <= 50)
