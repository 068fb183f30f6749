# Pololu 3pi+ 2040 robot (Standard Edition: 30:1 MP micro metal gear motors).
# robokit board file: one dict literal, read by the board (import) and by the host
# (ast.literal_eval). Keys: docs/boards.md.
#
# Pins from Pololu's MicroPython library (github.com/pololu/pololu-3pi-2040-robot,
# micropython_demo/pololu_3pi_2040_robot): motors.py - right motor direction GP10 and
# PWM GP14, left motor direction GP11 and PWM GP15 (DRV8838-style phase/enable: direction
# 0 drives forward); encoders.py - left encoder GP12/GP13, right GP8/GP9 (the library
# counts them with PIO and flips the sign: "reverse"); buzzer.py - GP7; buttons.py -
# button C on GP0 (pulled up, pressed reads 0).
# What robokit does not support on this robot, honestly:
# - the five QTR line sensors and two bump sensors are RC-timed (charge the pin, time the
#   decay), not ADC: no "line" ports are offered;
# - button A (GP25, shared with the yellow LED, read through pad registers) and button B
#   (the BOOTSEL / QSPI pin) are not plain Pin inputs;
# - the 6 RGB LEDs are APA102 on SPI, not WS2812: no "leds";
# - the LSM6DSO IMU is on I2C (GP4/GP5): "imu" is described but not read by the kit HAL.
# 30:1 gearbox (29.86:1) with 12 counts per motor turn: 358.3 counts per wheel turn.
BOARD = {
    "name": "pololu_3pi_plus_2040",
    "title": "Pololu 3pi+ 2040 Robot",
    "mcu": "rp2040",
    "url": "https://www.pololu.com/product/5001",
    "source": "https://github.com/pololu/pololu-3pi-2040-robot",
    "ble": False,
    "battery_mv": 4800,
    "ports": {
        "A": {"type": "motor", "phase_enable": (11, 15), "freq": 20833,
              "encoder": (12, 13), "reverse": True, "counts_per_rev": 358.3,
              "model": "n20_hpcb_50"},
        "B": {"type": "motor", "phase_enable": (10, 14), "freq": 20833,
              "encoder": (8, 9), "reverse": True, "counts_per_rev": 358.3,
              "model": "n20_hpcb_50"},
    },
    "buttons": {"CENTER": {"pin": 0, "pull": "up", "active": 0}},
    "leds": None,
    "buzzer": {"pin": 7},
    "imu": {"type": "lsm6dso", "bus": "i2c", "sda": 4, "scl": 5, "supported": False},
    "geometry": {
        "left": "A",
        "right": "B",
        "wheel_diameter": 32.0,
        "axle_track": 85.0,
        "body": {"front": 48.0, "back": -48.0, "width": 97.0, "mass_g": 100.0},
        "sensors": {},
    },
}
