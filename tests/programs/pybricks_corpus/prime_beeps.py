# corpus: world=empty
# expect: event=beep
# expect: event=note
# expect: output=done
# The speaker: a beep and a tune.
from pybricks.hubs import PrimeHub

hub = PrimeHub()
hub.speaker.volume(50)
hub.speaker.beep(880, 200)
hub.speaker.play_notes(["C4/4", "E4/4", "G4/2"], tempo=120)
print("done")
