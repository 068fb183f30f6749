# robokit boot stub 1. Installed as /main.py by `robokit install`; portable MicroPython.
# It changes as rarely as possible: everything else lives in robokit's system slot
# (/robokit/sys/a or b, named by /robokit/sys/active), replaced whole on each install.
# It never lets an exception out: a board must always reach its REPL.
import sys


def _robokit_sys():
    # /robokit/sys/active names the slot; active.tmp is the new name while a commit
    # renames it into place (on FAT the old pointer is removed first).
    for name in ("/robokit/sys/active", "/robokit/sys/active.tmp"):
        try:
            with open(name) as f:
                slot = f.read().strip()
        except OSError:
            continue
        if slot in ("a", "b"):
            return "/robokit/sys/" + slot
    return None


_d = _robokit_sys()
if _d is None:
    print("robokit: not installed on this board (run `robokit install`)")
else:
    sys.path.insert(0, _d)
    try:
        import robokit_boot
    except Exception as e:  # a damaged system slot: say so, leave the REPL free
        print("robokit: safe mode: cannot load robokit (" + repr(e) + "); run `robokit install`")
    else:
        robokit_boot.main(_d)
del _d
