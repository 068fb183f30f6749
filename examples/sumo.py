# robokit: world=sumo duration=30
"""Sumo: find the opponent with the ultrasonic sensor and push, but never leave the ring.

The colour sensor watches for the ring's black rim; the bumper tells when we
are pushing.
"""

from robokit import robot, wait

drive_base = robot.drive_base
eyes = robot.ultrasonic_sensor
floor = robot.color_sensor
bumper = robot.force_sensor

RIM = 30  # reflection below this: the black rim, turn back
SEE = 450  # mm: an opponent closer than this is in the ring

pushes = 0
while True:
    if floor.reflection() < RIM:
        # At the edge: back off towards the middle and look elsewhere.
        drive_base.straight(-150)
        drive_base.turn(120)
    elif bumper.pressed():
        if pushes % 50 == 0:
            print("pushing, force", bumper.force(), "N")
        pushes += 1
        drive_base.drive(250, 0)
    elif eyes.distance() < SEE:
        drive_base.drive(250, 0)  # charge
    else:
        drive_base.drive(0, 90)  # spin and search
    wait(10)
