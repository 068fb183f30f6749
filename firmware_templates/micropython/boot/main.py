# robokit boot stub 1. Installed as /main.py by `robokit install`; portable MicroPython.
# It changes as rarely as possible: everything else lives in robokit's system slot
# (/robokit/sys/a or b, named by /robokit/sys/active), replaced whole on each install.
# It never lets an exception out: a board must always reach its REPL.
# The install puts robokit_fs's definitions it uses in place of the import below (the
# module itself is in the system slot this stub is looking for).
import sys

from robokit_fs import SYS, active

_s = active(SYS)
if _s is None:
    print("robokit: not installed on this board (run `robokit install`)")
else:
    _s = SYS + "/" + _s
    sys.path.insert(0, _s)
    try:
        import robokit_boot
    except Exception as e:  # a damaged system slot: say so, leave the REPL free
        print("robokit: safe mode: cannot load robokit (" + repr(e) + "); run `robokit install`")
    else:
        robokit_boot.main(_s)
del _s
