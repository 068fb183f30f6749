# robokit upload receiver: runs on a MicroPython board, sent by the host with raw-paste
# (robokit.link.upload), which appends the call "receive()". Portable MicroPython.
#
# It writes a program into the inactive slot (/robokit/slots/a or b), checks every file's
# SHA-256 and the whole upload's, and only then makes the slot active by renaming
# /robokit/active.tmp to /robokit/active. On any failure the partial slot is removed and
# /robokit/active is left as it was. Frames and acks: docs/upload.md.
#
# Importing this module does nothing; receive() does the work.

import hashlib
import os
import struct
import sys

try:
    from binascii import crc32 as _crc32
except ImportError:  # a port built without binascii.crc32
    _crc32 = None

ROOT = "/robokit"
MAGIC = b"RK"
MAX_PAYLOAD = 2048  # one frame is held in RAM; the host sends at most this
MAX_CRC_ERRORS = 16


class _Abort(Exception):
    pass


def _crc(data, start=0):
    if _crc32 is not None:
        return _crc32(data, start) & 0xFFFFFFFF
    crc = start ^ 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0xEDB88320 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def _exists(path):
    try:
        os.stat(path)
        return True
    except OSError:
        return False


def _makedirs(path):
    p = ""
    for part in path.split("/"):
        if not part:
            continue
        p += "/" + part
        if not _exists(p):
            os.mkdir(p)


def _rmtree(path):
    try:
        entries = list(os.ilistdir(path))
    except OSError:
        return
    for e in entries:
        child = path + "/" + e[0]
        if e[1] & 0x4000:
            _rmtree(child)
        else:
            os.remove(child)
    try:
        os.rmdir(path)
    except OSError as e:
        if e.args[0] != 2:  # ENOENT: gone already (a directory only implied by its files)
            raise


def _read_active():
    # As the loader reads it: after a power cut between FAT's remove and rename only
    # active.tmp names the slot in use, and writing into that slot would destroy it.
    for path in (ROOT + "/active", ROOT + "/active.tmp"):
        try:
            with open(path) as f:
                name = f.read().strip()
        except OSError:
            continue
        return name if name in ("a", "b") else ""
    return ""


def _say(text):
    sys.stdout.write(text + "\n")


class _Receiver:
    def __init__(self, stdin, slot):
        self.stdin = stdin
        self.slot = slot
        self.dir = ROOT + "/slots/" + slot
        self.accepted = 0
        self.seen = 0  # frames read, damaged and dropped ones included
        self.crc_errors = 0
        self.whole = hashlib.sha256()
        self.file = None
        self.path = ""
        self.size = 0
        self.written = 0
        self.hash = None

    def read(self, n):
        data = b""
        while len(data) < n:
            chunk = self.stdin.read(n - len(data))
            if not chunk:
                raise _Abort("input ended")
            data += chunk
        return data

    def frame(self):
        # "RK", kind, seq, u16 LE length, payload, u32 LE CRC-32 of kind..payload
        head = self.read(6)
        if head[:2] != MAGIC:
            raise _Abort("bad frame start")
        n = struct.unpack("<H", head[4:6])[0]
        if n > MAX_PAYLOAD:
            raise _Abort("frame too long")
        payload = self.read(n)
        crc = struct.unpack("<I", self.read(4))[0]
        self.seen += 1
        if _crc(payload, _crc(head[2:6])) != crc:
            return None, 0, b""
        return head[2:3], head[3], payload

    def begin(self, payload):
        if self.file is not None or len(payload) < 5:
            raise _Abort("bad file frame")
        size = struct.unpack("<I", payload[:4])[0]
        path = payload[4:].decode()
        for part in path.split("/"):
            if part in ("", ".", "..") or "\\" in part:
                raise _Abort("bad path")
        full = self.dir + "/" + path
        _makedirs(full[:full.rfind("/")])
        self.file = open(full, "wb")
        self.path = path
        self.size = size
        self.written = 0
        self.hash = hashlib.sha256()
        self.whole.update(payload)

    def data(self, payload):
        if self.file is None or self.written + len(payload) > self.size:
            raise _Abort("data out of place")
        self.file.write(payload)
        self.hash.update(payload)
        self.whole.update(payload)
        self.written += len(payload)

    def end(self, payload):
        if self.file is None:
            raise _Abort("end out of place")
        self.file.close()
        self.file = None
        if self.written != self.size:
            raise _Abort("size " + self.path)
        if self.hash.digest() != payload:
            raise _Abort("sha256 " + self.path)
        self.whole.update(payload)

    def commit(self, payload):
        if self.file is not None:
            raise _Abort("commit inside a file")
        if self.whole.digest() != payload:
            raise _Abort("upload digest")
        if not _exists(self.dir + "/manifest.json"):
            raise _Abort("no manifest")
        with open(ROOT + "/active.tmp", "w") as f:
            f.write(self.slot + "\n")
        os.rename(ROOT + "/active.tmp", ROOT + "/active")

    def run(self):
        while True:
            kind, seq, payload = self.frame()
            if kind is None:
                self.crc_errors += 1
                if self.crc_errors > MAX_CRC_ERRORS:
                    raise _Abort("too many crc errors")
                _say("err crc " + str(self.seen))
                continue
            if seq != (self.accepted + 1) & 0xFF:
                # Sent before the host heard of a damaged frame; it sends it again.
                continue
            if kind == b"F":
                self.begin(payload)
            elif kind == b"D":
                self.data(payload)
            elif kind == b"E":
                self.end(payload)
            elif kind == b"C":
                self.commit(payload)
                self.accepted += 1
                _say("ok " + str(self.accepted))
                return True
            elif kind == b"A":
                raise _Abort("aborted by the host")
            else:
                raise _Abort("bad frame kind")
            self.accepted += 1
            _say("ok " + str(self.accepted))


def receive():
    import micropython

    stdin = getattr(sys.stdin, "buffer", sys.stdin)
    active = _read_active()
    slot = "b" if active == "a" else "a"
    r = _Receiver(stdin, slot)
    done = False
    micropython.kbd_intr(-1)  # the frames are binary: 0x03 is data, not Ctrl-C
    try:
        _makedirs(ROOT + "/slots")
        _rmtree(r.dir)
        _makedirs(r.dir)
        _say("ready " + slot)
        done = r.run()
    except _Abort as e:
        _say("err " + str(e.args[0]))
    except Exception as e:  # a full or failing filesystem: say so, then clean up
        _say("err board: " + type(e).__name__ + " " + str(e))
    finally:
        micropython.kbd_intr(3)
        if not done:
            if r.file is not None:
                r.file.close()
            _rmtree(r.dir)
            try:
                os.remove(ROOT + "/active.tmp")
            except OSError:
                pass
