# robokit: world=empty duration=10
"""Hello, robot: print, beep, light and display on the hub."""

from robokit import Color, robot, wait

hub = robot.hub

print("Hello from robokit!")
hub.light.on(Color.GREEN)
hub.speaker.beep(880, 200)
hub.display.text("HI")
wait(300)
hub.light.off()
print("Battery:", hub.battery.voltage(), "mV")
