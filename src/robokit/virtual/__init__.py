"""Virtual hardware: simulated bricks that speak the real protocols."""
