# corpus: world=empty
# expect: output=up Side.TOP
# expect: output=tilt (0, 0)
# A BOOST Move Hub reads which side is up and its tilt.
from pybricks.hubs import MoveHub

hub = MoveHub()
print("up", hub.imu.up())
pitch, roll = hub.imu.tilt()
print("tilt", (round(pitch), round(roll)))
