# Drive towards a wall and stop 30 cm before it (ultrasonic sensor facing forward).
from pybricks.hubs import PrimeHub
from pybricks.parameters import Direction, Port
from pybricks.pupdevices import Motor, UltrasonicSensor
from pybricks.robotics import DriveBase
from pybricks.tools import wait

hub = PrimeHub()
eyes = UltrasonicSensor(Port.F)
left = Motor(Port.E, Direction.COUNTERCLOCKWISE)
right = Motor(Port.A)
base = DriveBase(left, right, 56, 114)

eyes.lights.on(100)
base.drive(200, 0)
while eyes.distance() > 300:
    wait(10)
base.stop()
wait(500)
print("distance", eyes.distance())
