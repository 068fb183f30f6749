# robokit: world=oval duration=5
"""Asks for the oval world and a 5 s run in its first line."""
from robokit import wait

while True:
    wait(100)
