# robokit boot module: what a board with robokit installed does at power-up. Portable
# MicroPython. `robokit install` stores it in the system slot (/robokit/sys/a or b) with
# the loader (robokit_loader.py), the file-system module (robokit_fs.py), settings.json
# and the board's support; the /main.py stub puts that slot on sys.path and calls
# main(slot). See docs/install.md.
#
# In order:
# 1. finish a pointer commit cut short by a power loss (/robokit/active, /robokit/sys/active:
#    on FAT a rename onto a file removes the old one first: robokit_fs.finish_commit);
# 2. start the Nordic UART bridge when the board has Bluetooth (settings "ble");
# 3. SAFE MODE when the board's button is held at power-up, or after SAFE_AFTER runs in a
#    row that did not end cleanly (the counter /robokit/crashes goes up before each run
#    started here; a clean or stopped run clears it): the program is not started, the REPL
#    is free, a note is printed (and the status light turns orange when there is one);
# 4. the stored program runs when autostart is on (settings "autostart");
# 5. with a button: a press starts the stored program, another press stops it (seen while
#    the program waits); Ctrl-C from the host ends this loop and gives the REPL back.
#    Without a button (no board support installed) main() returns: the REPL is free.
#
# Nothing here may let an exception other than Ctrl-C out: a board must reach its REPL.

import sys
import time

from robokit_fs import ROOT, SYS, crashes, finish_commit, read, set_crashes

SAFE_AFTER = 3
POLL_MS = 20


def settings(sysdir):
    """The settings `robokit install` stored in the system slot (a dict)."""
    import json

    try:
        s = json.loads(read(sysdir + "/settings.json") or b"")
    except ValueError:
        return {}
    return s if isinstance(s, dict) else {}


def _board():
    try:
        from robokit_board_config import BOARD
    except Exception:
        return {}
    return BOARD if isinstance(BOARD, dict) else {}


def find_button(board):
    """A function telling whether the board's button is pressed, or None (no button)."""
    buttons = board.get("buttons") or {}
    if not buttons:
        return None
    name = "CENTER" if "CENTER" in buttons else sorted(buttons)[0]
    spec = buttons[name]
    try:
        from machine import Pin

        pull = spec.get("pull")
        if pull == "up":
            pin = Pin(spec["pin"], Pin.IN, Pin.PULL_UP)
        elif pull == "down":
            pin = Pin(spec["pin"], Pin.IN, Pin.PULL_DOWN)
        else:
            pin = Pin(spec["pin"], Pin.IN)
        active = spec.get("active", 0 if pull == "up" else 1)
    except Exception as e:
        print("robokit: the button cannot be read (" + repr(e) + ")")
        return None

    def pressed():
        return pin.value() == active

    return pressed


def held(pressed, ms=60):
    """The button is held down for ``ms`` (no bounce)."""
    t = 0
    while t < ms:
        if not pressed():
            return False
        time.sleep_ms(POLL_MS)
        t += POLL_MS
    return True


def _light(board, rgb):
    leds = board.get("leds")
    if not leds:
        return
    try:
        import machine
        import neopixel

        np = neopixel.NeoPixel(machine.Pin(leds["pin"]), leds.get("count", 1))
        np[0] = rgb
        np.write()
    except Exception:
        pass


def safe_mode(version, why, board):
    _light(board, (255, 80, 0))
    print("robokit " + version + ": SAFE MODE (" + why + "): the stored program was not "
          "started; the REPL is free. `robokit install` or a clean `robokit run` clears it.")


def _press_to_stop(pressed):
    """stop() for the loader: true at the next press, once the one that started the
    program is released."""
    state = [pressed()]  # [still held since the start]

    def stop():
        now = pressed()
        if state[0]:
            state[0] = now
            return False
        return now

    return stop


def run_program(pressed=None):
    """Run the stored program once; True if it ended cleanly."""
    import robokit_loader as loader

    try:
        slot = loader.active_slot()
        manifest = loader.read_manifest(slot)
    except loader.LoaderError as e:
        print(str(e))
        return False
    print("robokit: running " + str(manifest.get("program", "?")) + " ("
          + str(manifest.get("digest", ""))[:12] + ", slot " + slot[-1] + ")")
    n = crashes()
    set_crashes(n + 1)  # cleared by the loader when the run ends cleanly
    try:
        loader.run(_press_to_stop(pressed) if pressed is not None else None)
    except loader.ButtonStop:
        print("robokit: stopped with the button")
        return True
    except loader.ProgramExit as e:
        # sys.exit(N), N not 0: the program's own end, said (with where it was called)
        # but not a crash (the loader cleared the counter)
        print(str(e).lstrip("\n"))
        return True
    except loader.LoaderError as e:
        set_crashes(n)  # the loader's problem, not a crash of the program
        print(str(e))
        return False
    except KeyboardInterrupt:
        raise  # Ctrl-C from the host: it wants the REPL
    except Exception as e:
        sys.print_exception(e)
        print("robokit: the program crashed (" + str(n + 1) + " in a row; safe mode after "
              + str(SAFE_AFTER) + ")")
        return False
    return True


def _wait(pressed, state):
    while pressed() != state:
        time.sleep_ms(POLL_MS)


def _main(sysdir):
    for folder in (SYS, ROOT):
        try:
            finish_commit(folder)
        except OSError:
            pass  # a read-only filesystem: the pointer's temporary name still works
    cfg = settings(sysdir)
    version = str(cfg.get("version", "?"))
    board = _board()
    if cfg.get("ble"):
        try:
            import nus_bridge

            nus_bridge.start(cfg.get("ble_name") or "robokit-board")
        except Exception as e:
            print("robokit: the Bluetooth bridge did not start (" + repr(e) + ")")
    pressed = find_button(board)
    if pressed is not None and held(pressed):
        safe_mode(version, "the button was held at power-up", board)
        return
    n = crashes()
    if n >= SAFE_AFTER:
        safe_mode(version, "the program crashed " + str(n) + " times in a row", board)
        return
    if cfg.get("autostart"):
        print("robokit " + version + ": autostart")
        run_program(pressed)
    if pressed is None:
        print("robokit " + version + ": ready (no button: start programs from the host)")
        return
    print("robokit " + version + ": ready: press the button to start the program")
    while True:
        _wait(pressed, True)  # the program starts as the button goes down
        if crashes() >= SAFE_AFTER:
            safe_mode(version, "the program crashed " + str(crashes()) + " times in a row",
                      board)
            return
        run_program(pressed)
        _wait(pressed, False)  # the press that stopped it is let go first


def main(sysdir):
    try:
        _main(sysdir)
    except KeyboardInterrupt:
        raise
    except Exception as e:
        print("robokit: SAFE MODE: the boot module failed (" + repr(e) + "); the REPL is "
              "free; run `robokit install` again")
