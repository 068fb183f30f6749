# corpus: world=empty
# expect: event=lwp3_hub
# expect: output=train at 40
# A hub drives a Duplo train over Bluetooth.
from pybricks.parameters import Color
from pybricks.pupdevices import DuploTrain
from pybricks.tools import wait

train = DuploTrain()
train.headlights(Color.GREEN)
train.sound("depart")
train.drive(40)
wait(1000)
print("train at", train.speed())
train.drive(0)
train.sound("brake")
