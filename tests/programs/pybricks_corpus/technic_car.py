# corpus: world=empty duration=10
# expect: output=car done
# expect: moved=250
# pybricks.robotics.Car: steer and drive a car.
from pybricks.hubs import TechnicHub
from pybricks.parameters import Direction, Port
from pybricks.pupdevices import Motor
from pybricks.robotics import Car
from pybricks.tools import wait

hub = TechnicHub()
steering = Motor(Port.C)
left = Motor(Port.A, Direction.COUNTERCLOCKWISE)
right = Motor(Port.B)
car = Car(steering, [left, right])
car.drive_power(60)
wait(1500)
car.steer(50)
wait(1500)
car.drive_power(0)
wait(500)
print("car done")
