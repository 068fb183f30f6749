"""Raises inside a function: the traceback must point here, at lines 8 and 11."""
from robokit import robot

robot.drive_base.straight(50)


def divide(a, b):
    return a / b  # line 8


divide(1, 0)  # line 11
