# A program with a misspelt robokit directive on line 2:
# robokit: world=oval speed=5
print("never runs")
