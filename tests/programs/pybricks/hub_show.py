# Light, display and speaker of a SPIKE Prime hub; then switch it off.
from pybricks.hubs import PrimeHub
from pybricks.parameters import Color, Icon
from pybricks.tools import wait

hub = PrimeHub()
hub.light.on(Color.RED)
hub.display.icon(Icon.HEART)
hub.speaker.beep(880, 200)
wait(300)
print("battery ok", hub.battery.voltage() > 7000)
hub.system.shutdown()
print("never printed")
