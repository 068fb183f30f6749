# corpus: world=empty
# expect: event=port_light
# expect: event=light_matrix
# expect: output=lit
# A Powered Up light and the SPIKE 3x3 colour light matrix.
from pybricks.parameters import Color, Port
from pybricks.pupdevices import ColorLightMatrix, Light
from pybricks.tools import wait

light = Light(Port.A)
matrix = ColorLightMatrix(Port.B)
for brightness in (20, 60, 100):
    light.on(brightness)
    wait(100)
matrix.on([Color.RED, Color.GREEN, Color.BLUE] * 3)
wait(200)
matrix.off()
light.off()
print("lit")
