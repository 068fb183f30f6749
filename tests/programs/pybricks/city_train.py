# A City hub train: a DC motor on port A, the light green while it runs.
from pybricks.hubs import CityHub
from pybricks.parameters import Color, Port
from pybricks.pupdevices import DCMotor
from pybricks.tools import wait

hub = CityHub()
train = DCMotor(Port.A)
hub.light.on(Color.GREEN)
train.dc(60)
wait(1000)
train.stop()
hub.light.off()
print("has imu", hasattr(hub, "imu"))
