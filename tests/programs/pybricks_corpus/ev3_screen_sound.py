#!/usr/bin/env pybricks-micropython
# corpus: world=empty
# expect: event=screen
# expect: event=say
# expect: event=play_file
# EV3: the screen, speech and a sound file.
from pybricks.hubs import EV3Brick
from pybricks.media.ev3dev import Font, SoundFile

ev3 = EV3Brick()
ev3.screen.clear()
ev3.screen.set_font(Font(size=16, bold=True))
ev3.screen.draw_text(10, 10, "Hello")
ev3.speaker.say("Hello")
ev3.speaker.play_file(SoundFile.HELLO)
