# Kitronik Autonomous Robotics Platform for Raspberry Pi Pico (Kitronik 5335).
# robokit board file: one dict literal, read by the board (import) and by the host
# (ast.literal_eval). Keys: docs/boards.md.
#
# Pins from Kitronik's MicroPython library, PicoAutonomousRobotics.py
# (github.com/KitronikLtd/Kitronik-Pico-Autonomous-Robotics-Platform-MicroPython):
# motor 1 (left) forward GP20 / reverse GP19, motor 2 (right) forward GP6 / reverse GP7,
# both at 100 Hz on a DRV8833; line sensors ADC28 (left), ADC27 (centre), ADC26 (right),
# reading high over dark and low over light (about 5000..60000); front ultrasonic trigger
# GP14 / echo GP15 (the rear one, GP3 / GP2, is not mapped: ports are A-F); buzzer GP16;
# 4 ZIP (WS2812) LEDs on GP18; push button GP0 with a pull-down (pressed reads 1).
# The motors have no encoders: robot.toml uses DCMotor on A and B.
# Geometry (mm, g) is measured from product photos and is an estimate: measure your own.
BOARD = {
    "name": "kitronik_pico_robotics",
    "title": "Kitronik Autonomous Robotics Platform for Pico",
    "mcu": "rp2040",
    "url": "https://kitronik.co.uk/products/5335",
    "source": "https://github.com/KitronikLtd/"
              "Kitronik-Pico-Autonomous-Robotics-Platform-MicroPython",
    "ble": False,
    "battery_mv": 6000,
    "ports": {
        "A": {"type": "motor", "pwm": (20, 19), "freq": 100, "encoder": None,
              "model": "tt_gear_48"},
        "B": {"type": "motor", "pwm": (6, 7), "freq": 100, "encoder": None,
              "model": "tt_gear_48"},
        "C": {"type": "line", "adc": 28, "white": 5000, "black": 60000},
        "D": {"type": "line", "adc": 27, "white": 5000, "black": 60000},
        "E": {"type": "line", "adc": 26, "white": 5000, "black": 60000},
        "F": {"type": "ultrasonic", "trigger": 14, "echo": 15},
    },
    "buttons": {"CENTER": {"pin": 0, "pull": "down", "active": 1}},
    "leds": {"pin": 18, "count": 4},
    "buzzer": {"pin": 16},
    "imu": None,
    "geometry": {
        "left": "A",
        "right": "B",
        "wheel_diameter": 65.0,
        "axle_track": 120.0,
        "body": {"front": 90.0, "back": -60.0, "width": 140.0, "mass_g": 400.0},
        "sensors": {"C": (75.0, 12.0), "D": (75.0, 0.0), "E": (75.0, -12.0),
                    "F": (85.0, 0.0)},
    },
}
