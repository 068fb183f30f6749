# Follow the left edge of a black line (Pybricks' line follower for a driving base).
from pybricks.hubs import PrimeHub
from pybricks.parameters import Direction, Port
from pybricks.pupdevices import ColorSensor, Motor
from pybricks.robotics import DriveBase
from pybricks.tools import StopWatch, wait

hub = PrimeHub()
left_motor = Motor(Port.A, Direction.COUNTERCLOCKWISE)
right_motor = Motor(Port.B)
line_sensor = ColorSensor(Port.C)
robot = DriveBase(left_motor, right_motor, wheel_diameter=56, axle_track=112)

# Reflection on the black line and on the white table.
BLACK = 9
WHITE = 85
threshold = (BLACK + WHITE) / 2
DRIVE_SPEED = 150
PROPORTIONAL_GAIN = 1.2

watch = StopWatch()
while watch.time() < 20000:
    deviation = line_sensor.reflection() - threshold
    robot.drive(DRIVE_SPEED, PROPORTIONAL_GAIN * deviation)
    wait(10)
robot.stop()
print("driven", robot.distance())
