# Cytron Maker Pi RP2040.
# robokit board file: one dict literal, read by the board (import) and by the host
# (ast.literal_eval). Keys: docs/boards.md.
#
# Pins from Cytron's examples (github.com/CytronTechnologies/MAKER-PI-RP2040,
# Examples/MicroPython): motor 1 on GP8 / GP9 and motor 2 on GP10 / GP11 (MX1508 H-bridge;
# "forward" in the examples is GP9 / GP11 high, both high brakes), buttons GP20 and GP21
# (pressed reads 0), 2 WS2812 LEDs on GP18, piezo buzzer GP22. The ultrasonic port uses the
# wiring of Cytron's HC-SR04P example (trigger GP3, echo GP2, Grove 2); line sensors are
# analog sensors on the Grove ports with ADC (GP26, GP27, GP28). No encoders: DCMotor.
# battery_mv: VIN from 4 AA cells (the board takes 3.6-6 V on VIN, or one 3.7 V LiPo cell;
# with the LiPo, set 3700). Loadable and checked, not simulated end to end by robokit's
# tests.
BOARD = {
    "name": "cytron_maker_pi_rp2040",
    "title": "Cytron Maker Pi RP2040",
    "mcu": "rp2040",
    "url": "https://www.cytron.io/p-maker-pi-rp2040",
    "source": "https://github.com/CytronTechnologies/MAKER-PI-RP2040",
    "ble": False,
    "battery_mv": 6000,
    "ports": {
        "A": {"type": "motor", "pwm": (9, 8), "freq": 1000, "encoder": None,
              "model": "tt_gear_48"},
        "B": {"type": "motor", "pwm": (11, 10), "freq": 1000, "encoder": None,
              "model": "tt_gear_48"},
        "C": {"type": "line", "adc": 26, "white": 5000, "black": 60000},
        "D": {"type": "line", "adc": 27, "white": 5000, "black": 60000},
        "E": {"type": "line", "adc": 28, "white": 5000, "black": 60000},
        "F": {"type": "ultrasonic", "trigger": 3, "echo": 2},
    },
    "buttons": {
        "LEFT": {"pin": 20, "pull": "up", "active": 0},
        "RIGHT": {"pin": 21, "pull": "up", "active": 0},
    },
    "leds": {"pin": 18, "count": 2},
    "buzzer": {"pin": 22},
    "imu": None,
    "geometry": {
        "left": "A",
        "right": "B",
        "wheel_diameter": 65.0,
        "axle_track": 130.0,
        "body": {"front": 100.0, "back": -70.0, "width": 150.0, "mass_g": 450.0},
        "sensors": {"C": (80.0, 12.0), "D": (80.0, 0.0), "E": (80.0, -12.0),
                    "F": (95.0, 0.0)},
    },
}
