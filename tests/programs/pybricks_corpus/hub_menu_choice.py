# corpus: world=empty press=right@1s press=center@2s duration=5
# expect: output=chose 2
# hub_menu: step right once and choose.
from pybricks.hubs import PrimeHub
from pybricks.tools import hub_menu

hub = PrimeHub()
choice = hub_menu("1", "2", "3")
print("chose", choice)
