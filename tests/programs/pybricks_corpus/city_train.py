# corpus: world=empty
# expect: output=train stopped
# expect: event=light
# A City Hub runs a train motor (DCMotor) forward and back.
from pybricks.hubs import CityHub
from pybricks.parameters import Color, Port
from pybricks.pupdevices import DCMotor
from pybricks.tools import wait

hub = CityHub()
train = DCMotor(Port.A)
hub.light.on(Color.GREEN)
train.dc(50)
wait(2000)
train.dc(-50)
wait(1000)
train.stop()
hub.light.on(Color.RED)
print("train stopped")
