"""Waits forever: only --duration ends it (status: timeout)."""
from robokit import wait

print("waiting")
while True:
    wait(100)
