#!/usr/bin/env pybricks-micropython
# The brick's screen, speaker, light, buttons and battery.
from pybricks.hubs import EV3Brick
from pybricks.media.ev3dev import Font, ImageFile, SoundFile
from pybricks.parameters import Button, Color
from pybricks.tools import wait

ev3 = EV3Brick()
ev3.screen.clear()
ev3.screen.set_font(Font(size=16, bold=True))
ev3.screen.draw_text(10, 20, "Hello EV3")
ev3.screen.print("volts", ev3.battery.voltage() > 6000)
ev3.screen.load_image(ImageFile.THUMBS_UP)
ev3.light.on(Color.ORANGE)
ev3.speaker.set_volume(80)
ev3.speaker.beep(440, 200)
ev3.speaker.play_notes(["C4/4", "E4/4", "G4/2"], tempo=120)
ev3.speaker.say("Hello")
ev3.speaker.play_file(SoundFile.HELLO)
while Button.CENTER not in ev3.buttons.pressed():
    wait(10)
ev3.light.off()
print("screen", ev3.screen.width, ev3.screen.height)
