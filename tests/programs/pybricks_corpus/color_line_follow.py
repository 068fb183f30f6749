# corpus: world=oval duration=15
# expect: output=followed
# expect: moved=1350
# expect: contacts=0
# expect: imu=-124+-10 x=830+-40 y=224+-40
# Follow a line with a proportional controller.  The oval's line: straights at y=+-400
# from x=-500 to 500, half circles of 400 mm round (+-500, 0).  From (-70, -390) heading
# east, 1433 mm (120 mm/s for 12 s less the start) are 570 mm of straight and 863 mm of
# the right-hand bend: 124 degrees round it (to the left), near (831, 224).
from pybricks.hubs import PrimeHub
from pybricks.parameters import Direction, Port
from pybricks.pupdevices import ColorSensor, Motor
from pybricks.robotics import DriveBase
from pybricks.tools import StopWatch, wait

hub = PrimeHub()
sensor = ColorSensor(Port.C)
base = DriveBase(Motor(Port.A, Direction.COUNTERCLOCKWISE), Motor(Port.B), 56, 112)
threshold = 47
watch = StopWatch()
while watch.time() < 12000:
    base.drive(120, 1.2 * (sensor.reflection() - threshold))
    wait(10)
base.stop()
print("followed", base.distance())
