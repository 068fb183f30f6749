# Matrices as in Pybricks: a dimmed icon, vectors, a cross product, a rotation.
from pybricks.hubs import PrimeHub
from pybricks.parameters import Icon
from pybricks.tools import Matrix, cross, vector, wait

hub = PrimeHub()
hub.display.icon(Icon.HEART / 2)
wait(100)
hub.display.animate([Icon.HAPPY, Icon.HAPPY * 0.2], 100)
wait(250)

x = vector(1, 0, 0)
y = vector(0, 1, 0)
print("cross", list(cross(x, y)))
turn = Matrix([[0, -1], [1, 0]])  # 90 degrees counterclockwise
print("turned", list(turn * vector(2, 0)), abs(vector(3, 4)), turn.T.shape)
