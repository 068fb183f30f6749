# corpus: world=empty
# expect: event=light
# expect: event=display
# expect: output=pressed? False
# The hub's light, display and buttons.
from pybricks.hubs import PrimeHub
from pybricks.parameters import Color, Icon
from pybricks.tools import wait

hub = PrimeHub()
hub.light.on(Color.RED)
hub.display.icon(Icon.HAPPY)
wait(500)
hub.display.number(42)
wait(500)
hub.light.off()
print("pressed?", len(hub.buttons.pressed()) > 0)
