# corpus: world=empty
# expect: event=datalog
# expect: output=logged 5
# DataLog rows of a motor's angle.
from pybricks.parameters import Port
from pybricks.pupdevices import Motor
from pybricks.tools import DataLog, wait

motor = Motor(Port.A)
log = DataLog("time", "angle", name="angles")
motor.run(360)
for i in range(5):
    wait(100)
    log.log(i * 100, motor.angle())
motor.stop()
print("logged", 5)
