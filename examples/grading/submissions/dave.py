"""Dave: waits for the goal without ever looking or moving."""

found = False
while not found:
    pass
