# corpus: world=empty
# expect: output=g 1.0
# The IMU's acceleration vector in g.
from pybricks.hubs import PrimeHub

hub = PrimeHub()
a = hub.imu.acceleration() / 9810
print("g", round(abs(a), 1))
