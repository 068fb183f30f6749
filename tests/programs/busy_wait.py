# robokit: world=arena duration=30
"""Turn to face the south wall (about 110 mm ahead), drive at it and poll the bumper in a
tight loop that never waits: only the cost of each device call moves simulated time."""
from robokit import robot

robot.drive_base.turn(180)
robot.drive_base.drive(200, 0)
polls = 0
while not robot.force_sensor.pressed():
    polls += 1
robot.drive_base.stop()
print("pressed after", polls, "polls")
