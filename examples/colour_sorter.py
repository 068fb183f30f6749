# robokit: world=mat duration=30
"""Drive along the mat and name each coloured zone the colour sensor passes over."""

from robokit import Color, robot, wait

drive_base = robot.drive_base
eye = robot.color_sensor

NAMES = {Color.RED: "red", Color.GREEN: "green", Color.BLUE: "blue", Color.YELLOW: "yellow"}
eye.detectable_colors([Color.RED, Color.GREEN, Color.BLUE, Color.YELLOW, Color.BLACK,
                       Color.WHITE, Color.NONE])

seen = []
drive_base.drive(150, 0)
while drive_base.distance() < 1400:
    color = eye.color()
    name = NAMES.get(color)
    if name is not None and (not seen or seen[-1] != name):
        seen.append(name)
        print("found", name, "at", round(drive_base.distance()), "mm")
    wait(10)
drive_base.stop()
print("zones in order:", ", ".join(seen))
