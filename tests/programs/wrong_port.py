"""Asks for a colour sensor on Port.A, where the standard rover has its left motor."""
from robokit import ColorSensor, Port

eye = ColorSensor(Port.A)  # line 4
print("never printed", eye)
