# robokit: world=arena duration=60
"""Wander the walled arena without touching a wall: look ahead with the ultrasonic sensor."""

from robokit import robot, wait

drive_base = robot.drive_base
eyes = robot.ultrasonic_sensor

SAFE_DISTANCE = 250  # mm: closer than this, turn away
turns = 0

while True:
    if eyes.distance() < SAFE_DISTANCE:
        drive_base.stop()
        # Turn right until the way ahead is clear, then a bit more.
        drive_base.drive(0, 120)
        while eyes.distance() < SAFE_DISTANCE * 1.6:
            wait(10)
        wait(150)
        turns += 1
        print("turned away from a wall,", turns, "so far")
    else:
        drive_base.drive(200, 0)
    wait(20)
