# corpus: world=empty
# expect: output=settings (300, 600, 90, 270)
# expect: x=400+-4 y=0+-4
# Slower drive base settings, read back, and a straight move.
from pybricks.hubs import PrimeHub
from pybricks.parameters import Direction, Port
from pybricks.pupdevices import Motor
from pybricks.robotics import DriveBase

hub = PrimeHub()
drive_base = DriveBase(Motor(Port.A, Direction.COUNTERCLOCKWISE), Motor(Port.B), 56, 112)
drive_base.settings(straight_speed=300, straight_acceleration=600, turn_rate=90,
                    turn_acceleration=270)
print("settings", drive_base.settings())
drive_base.straight(400)
