# corpus: world=empty
# expect: event=display
# expect: output=half 50
# Icon constants are matrices: a heart at half brightness.
from pybricks.hubs import PrimeHub
from pybricks.parameters import Icon
from pybricks.tools import wait

hub = PrimeHub()
half = Icon.HEART / 2
hub.display.icon(half)
wait(200)
print("half", int(max(half[r, c] for r in range(5) for c in range(5))))
