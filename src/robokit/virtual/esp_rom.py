"""A simulated ESP32-family ROM serial bootloader ("download mode"), served on a loopback socket.

Real esptool talks to it unchanged: open ``socket://127.0.0.1:PORT`` (pyserial's socket
URL; esptool does not toggle DTR/RTS over a socket, so its reset sequences are skipped and
the chip is taken to be in download mode already, as the simulated one always is).

What it speaks, as the chips' ROM loaders do (esptool's ``--no-stub`` mode):

- SLIP framing (``0xC0`` ends a packet, ``0xDB 0xDC`` / ``0xDB 0xDD`` escape ``0xC0`` /
  ``0xDB``); a request is ``00 op len16 chk32 data``, an answer ``01 op len16 val32 data``
  where ``data`` ends in four status bytes (status, error, 0, 0; status 1 = failed, error =
  the ROM's code: 0x05 invalid message, 0x06 failed to act, 0x07 bad checksum, 0x08 flash
  write error, 0x0B deflate error).
- ``SYNC`` (answered eight times, as the ROM does; nothing is answered before it),
  ``READ_REG`` / ``WRITE_REG`` on a register file (chip-detect magic at ``0x40001000`` for
  the ESP32, eFuses all zero = no security, no chip revision), with the SPI controller's
  "user command" emulated far enough for esptool to read the flash chip's JEDEC id (RDID
  ``0x9F``) and SFDP signature, ``GET_SECURITY_INFO`` (ESP32-S3 and later; the ESP32 ROM
  refuses it, which is how esptool tells the families apart), ``SPI_SET_PARAMS``,
  ``SPI_ATTACH``, ``FLASH_BEGIN/DATA/END``, ``FLASH_DEFL_BEGIN/DATA/END`` (zlib-compressed
  blocks), ``SPI_FLASH_MD5`` (32 hex digits, as the ROM answers), ``CHANGE_BAUDRATE``.
  Block sequence numbers and the XOR checksum (seed ``0xEF``) are checked like the ROM.
- The flash is ``flash`` (a bytearray, erased = ``0xFF``); ``FLASH_BEGIN`` erases the
  region up front, as the ROM does.

Not simulated: the flasher stub (``MEM_BEGIN/DATA/END`` are refused, so esptool must run
with the ROM loader), the chip's reset lines, ``READ_FLASH_SLOW``, secure download mode,
encrypted writes, the boot log a real chip prints after a reset.

Faults, for tests: ``no_sync=True`` (a chip that is not in download mode: it never
answers), ``fail_write_at_block=K`` (every write of data block K, counted from 0 in a
``FLASH_BEGIN``/``FLASH_DEFL_BEGIN`` session, answers "flash write error"),
``stuck_bytes={address: value}`` (flash cells that keep that value whatever is written:
the write "succeeds" but the MD5 of the region no longer matches).

``stats`` counts what happened: packets, commands by name, blocks written, bytes written.
"""

from __future__ import annotations

import hashlib
import socket
import struct
import threading
import zlib
from collections import Counter

__all__ = ["CHIPS", "EspRom", "EspRomServer"]

# Per chip: what esptool reads to tell chips apart and where the SPI controller sits.
#   magic: word at 0x40001000 (chips told apart by magic); chip_id: in GET_SECURITY_INFO
#   (None: the ROM has no such command); spi: base address and offsets of the USR, USR2 and
#   W0 registers of the flash SPI controller; ext_begin: FLASH_BEGIN takes a fifth word.
CHIPS: dict[str, dict] = {
    "ESP32": {
        "magic": 0x00F01D83,
        "chip_id": None,
        "spi": (0x3FF42000, 0x1C, 0x24, 0x80),
        "ext_begin": False,
        # RTC calibration and eFuse CK8M values so that esptool computes a 40 MHz crystal
        # when it changes the baud rate (ESP32 only).
        "regs": {0x3FF5F06C: 1280 << 7, 0x3FF5A010: 80},
    },
    "ESP32-S3": {
        "magic": 0,  # told apart by GET_SECURITY_INFO's chip id, not by this word
        "chip_id": 9,
        "spi": (0x60002000, 0x18, 0x20, 0x58),
        "ext_begin": True,
        "regs": {},
    },
    "ESP32-C3": {
        "magic": 0,
        "chip_id": 5,
        "spi": (0x60002000, 0x18, 0x20, 0x58),
        "ext_begin": True,
        "regs": {},
    },
}

CMD_NAMES = {
    0x02: "FLASH_BEGIN", 0x03: "FLASH_DATA", 0x04: "FLASH_END", 0x05: "MEM_BEGIN",
    0x06: "MEM_END", 0x07: "MEM_DATA", 0x08: "SYNC", 0x09: "WRITE_REG", 0x0A: "READ_REG",
    0x0B: "SPI_SET_PARAMS", 0x0D: "SPI_ATTACH", 0x0E: "READ_FLASH_SLOW",
    0x0F: "CHANGE_BAUDRATE", 0x10: "FLASH_DEFL_BEGIN", 0x11: "FLASH_DEFL_DATA",
    0x12: "FLASH_DEFL_END", 0x13: "SPI_FLASH_MD5", 0x14: "GET_SECURITY_INFO",
}  # fmt: skip

# ROM error codes (second status byte)
ERR_INVALID = 0x05  # received message is invalid (bad length, unknown command)
ERR_FAILED = 0x06  # message is fine but acting on it failed (e.g. no flash session)
ERR_CHECKSUM = 0x07
ERR_FLASH_WRITE = 0x08
ERR_DEFLATE = 0x0B

SYNC_DATA = b"\x07\x07\x12\x20" + b"\x55" * 32
CHIP_DETECT_MAGIC_REG = 0x40001000
SFDP_SIGNATURE = 0x50444653  # "SFDP"
SECTOR = 0x1000


class _RomError(Exception):
    def __init__(self, code: int):
        self.code = code


def _checksum(data: bytes) -> int:
    state = 0xEF
    for b in data:
        state ^= b
    return state


def _jedec_id(flash_size: int) -> int:
    """A Winbond-style RDID answer (manufacturer 0xEF, type 0x40, capacity 2**n bytes)."""
    capacity = flash_size.bit_length() - 1
    return 0xEF | (0x40 << 8) | (capacity << 16)


class EspRom:
    """The ROM loader of one chip: packets in, answer packets out (no I/O of its own)."""

    def __init__(
        self,
        chip: str = "ESP32",
        flash_size: int = 4 * 1024 * 1024,
        *,
        no_sync: bool = False,
        fail_write_at_block: int | None = None,
        stuck_bytes: dict[int, int] | None = None,
    ):
        chip = chip.upper()
        if chip not in CHIPS:
            raise ValueError(f"unknown chip {chip!r}: one of {', '.join(CHIPS)}")
        if flash_size & (flash_size - 1) or flash_size < 0x40000:
            raise ValueError("flash_size must be a power of two of at least 256 KB")
        self.chip = chip
        self.info = CHIPS[chip]
        self.flash = bytearray(b"\xff" * flash_size)
        self.no_sync = no_sync
        self.fail_write_at_block = fail_write_at_block
        self.stuck_bytes = dict(stuck_bytes or {})
        self.synced = False
        self.baudrate = 115200
        self.regs: dict[int, int] = dict(self.info["regs"])
        self.regs[CHIP_DETECT_MAGIC_REG] = self.info["magic"]
        self.spi_params: tuple[int, ...] | None = None
        self.attached = False
        self.left_loader = False  # FLASH_END / FLASH_DEFL_END asked the ROM to run the app
        self._session: dict | None = None
        self.stats: Counter[str] = Counter()

    # -- flash -------------------------------------------------------------------------
    def _erase(self, offset: int, size: int) -> None:
        start = offset - offset % SECTOR
        end = min(len(self.flash), -(-(offset + size) // SECTOR) * SECTOR)
        self.flash[start:end] = b"\xff" * (end - start)
        self._apply_stuck(start, end)

    def _program(self, address: int, data: bytes) -> None:
        if address + len(data) > len(self.flash):
            raise _RomError(ERR_FLASH_WRITE)
        # NOR flash programming can only clear bits
        old = self.flash[address : address + len(data)]
        self.flash[address : address + len(data)] = bytes(
            a & b for a, b in zip(old, data, strict=True)
        )
        self._apply_stuck(address, address + len(data))
        self.stats["bytes_written"] += len(data)

    def _apply_stuck(self, start: int, end: int) -> None:
        for addr, value in self.stuck_bytes.items():
            if start <= addr < end:
                self.flash[addr] = value

    # -- packets -----------------------------------------------------------------------
    def handle(self, packet: bytes) -> list[bytes]:
        """Answer one request packet (SLIP already removed); returns answer packets."""
        self.stats["packets"] += 1
        if self.no_sync or self.left_loader or len(packet) < 8 or packet[0] != 0:
            return []
        _, op, size, chk = struct.unpack_from("<BBHI", packet)
        data = packet[8:]
        name = CMD_NAMES.get(op, f"0x{op:02x}")
        self.stats[name] += 1
        if op == 0x08:
            if data != SYNC_DATA:
                return []
            self.synced = True
            return [self._answer(op, 0x20120707)] * 8
        if not self.synced:
            return []
        if size != len(data):
            return [self._answer(op, 0, ERR_INVALID)]
        try:
            val, body = self._command(op, data, chk)
        except _RomError as e:
            return [self._answer(op, 0, e.code)]
        return [self._answer(op, val, 0, body)]

    def _answer(self, op: int, val: int, error: int = 0, body: bytes = b"") -> bytes:
        status = bytes([1 if error else 0, error, 0, 0])
        data = body + status
        return struct.pack("<BBHI", 1, op, len(data), val) + data

    def _command(self, op: int, data: bytes, chk: int) -> tuple[int, bytes]:
        if op == 0x0A:  # READ_REG
            (addr,) = self._unpack("<I", data)
            return self.regs.get(addr, 0), b""
        if op == 0x09:  # WRITE_REG: one or more (addr, value, mask, delay_us)
            if not data or len(data) % 16:
                raise _RomError(ERR_INVALID)
            for i in range(0, len(data), 16):
                addr, value, mask, _delay = struct.unpack_from("<IIII", data, i)
                self.regs[addr] = (self.regs.get(addr, 0) & ~mask | value & mask) & 0xFFFFFFFF
                self._spi_hook(addr)
            return 0, b""
        if op == 0x14:  # GET_SECURITY_INFO
            if self.info["chip_id"] is None:
                raise _RomError(ERR_INVALID)
            body = struct.pack("<IB7BII", 0, 0, *([0] * 7), self.info["chip_id"], 0)
            return 0, body
        if op == 0x0B:  # SPI_SET_PARAMS: id, total size, block, sector, page, status mask
            self.spi_params = self._unpack("<IIIIII", data)
            return 0, b""
        if op == 0x0D:  # SPI_ATTACH
            self._unpack("<II", data)
            self.attached = True
            return 0, b""
        if op == 0x0F:  # CHANGE_BAUDRATE: new, old (0 from the ROM's point of view)
            new, _old = self._unpack("<II", data)
            if new <= 0:
                raise _RomError(ERR_INVALID)
            self.baudrate = new
            return 0, b""
        if op in (0x02, 0x10):  # FLASH_BEGIN, FLASH_DEFL_BEGIN
            fmt = "<IIIII" if self.info["ext_begin"] else "<IIII"
            erase_size, blocks, block_size, offset = self._unpack(fmt, data)[:4]
            if offset % SECTOR or offset + erase_size > len(self.flash) or block_size == 0:
                raise _RomError(ERR_FAILED)
            self._erase(offset, erase_size)
            self._session = {
                "offset": offset,
                "end": min(len(self.flash), -(-(offset + erase_size) // SECTOR) * SECTOR),
                "blocks": blocks,
                "block_size": block_size,
                "seq": 0,
                "pos": offset,
                "inflate": zlib.decompressobj() if op == 0x10 else None,
            }
            return 0, b""
        if op in (0x03, 0x11):  # FLASH_DATA, FLASH_DEFL_DATA
            return self._flash_data(op, data, chk)
        if op in (0x04, 0x12):  # FLASH_END, FLASH_DEFL_END: 0 = reboot, 1 = run user code
            (_run,) = self._unpack("<I", data)
            if self._session is None:
                raise _RomError(ERR_FAILED)
            self._session = None
            self.left_loader = True
            return 0, b""
        if op == 0x13:  # SPI_FLASH_MD5: address, size, 0, 0 -> 32 hex digits
            addr, size, _, _ = self._unpack("<IIII", data)
            if addr + size > len(self.flash):
                raise _RomError(ERR_FAILED)
            digest = hashlib.md5(self.flash[addr : addr + size]).hexdigest()
            return 0, digest.encode()
        raise _RomError(ERR_INVALID)  # MEM_*, READ_FLASH_SLOW, stub commands, unknown

    def _flash_data(self, op: int, data: bytes, chk: int) -> tuple[int, bytes]:
        s = self._session
        if s is None or (op == 0x11) != (s["inflate"] is not None):
            raise _RomError(ERR_FAILED)
        if len(data) < 16:
            raise _RomError(ERR_INVALID)
        length, seq, _, _ = struct.unpack_from("<IIII", data)
        payload = data[16:]
        if length != len(payload):
            raise _RomError(ERR_INVALID)
        if _checksum(payload) != chk & 0xFF:
            raise _RomError(ERR_CHECKSUM)
        if seq != s["seq"] or seq >= s["blocks"]:
            raise _RomError(ERR_INVALID)
        if self.fail_write_at_block is not None and seq == self.fail_write_at_block:
            raise _RomError(ERR_FLASH_WRITE)
        if s["inflate"] is not None:
            try:
                chunk = s["inflate"].decompress(payload)
            except zlib.error:
                raise _RomError(ERR_DEFLATE) from None
        else:
            chunk = payload
        room = max(0, s["end"] - s["pos"])
        if chunk[room:].strip(b"\xff"):
            raise _RomError(ERR_FLASH_WRITE)  # data past the erased region
        self._program(s["pos"], chunk[:room])
        s["pos"] += len(chunk)
        s["seq"] += 1
        self.stats["blocks_written"] += 1
        return 0, b""

    def _unpack(self, fmt: str, data: bytes) -> tuple[int, ...]:
        if len(data) != struct.calcsize(fmt):
            raise _RomError(ERR_INVALID)
        return struct.unpack(fmt, data)

    # -- the SPI controller's user command (what esptool's run_spiflash_command drives) --
    def _spi_hook(self, addr: int) -> None:
        base, usr_offs, usr2_offs, w0_offs = self.info["spi"]
        spi_usr_bit = 1 << 18
        if addr != base or not self.regs.get(base, 0) & spi_usr_bit:
            return
        command = self.regs.get(base + usr2_offs, 0) & 0xFF
        address = self.regs.get(base + 0x04, 0) >> 8  # 24-bit address sent MSB first
        result = 0
        if command == 0x9F:  # RDID
            result = _jedec_id(len(self.flash))
        elif command == 0x5A:  # read SFDP
            table = struct.pack("<I", SFDP_SIGNATURE) + bytes(28)
            result = int.from_bytes(table[address : address + 4].ljust(4, b"\0"), "little")
        elif command in (0x05, 0x35, 0x15):  # status registers: idle, unprotected
            result = 0
        self.regs[base + w0_offs] = result
        self.regs[base] &= ~spi_usr_bit  # done


class _Slip:
    """SLIP decoding of a byte stream into packets."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._in_packet = False
        self._escape = False

    def feed(self, data: bytes) -> list[bytes]:
        packets = []
        for b in data:
            if b == 0xC0:
                if self._in_packet and self._buf:
                    packets.append(bytes(self._buf))
                self._buf.clear()
                self._in_packet = True
                self._escape = False
            elif not self._in_packet:
                continue  # noise between packets
            elif self._escape:
                self._escape = False
                if b == 0xDC:
                    self._buf.append(0xC0)
                elif b == 0xDD:
                    self._buf.append(0xDB)
                else:  # invalid escape: drop the packet
                    self._buf.clear()
                    self._in_packet = False
            elif b == 0xDB:
                self._escape = True
            else:
                self._buf.append(b)
        return packets


def slip_encode(packet: bytes) -> bytes:
    return b"\xc0" + packet.replace(b"\xdb", b"\xdb\xdd").replace(b"\xc0", b"\xdb\xdc") + b"\xc0"


class EspRomServer:
    """Serve an ``EspRom`` on ``socket://127.0.0.1:PORT`` (one connection at a time).

    ``with EspRomServer(EspRom("ESP32-S3")) as server: flash_esp(..., server.url)``.
    """

    def __init__(self, rom: EspRom | None = None, host: str = "127.0.0.1"):
        self.rom = rom or EspRom()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((host, 0))
        self._listener.listen(1)
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self.url = f"socket://{host}:{self.port}"
        self.connections = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, name="esp-rom-sim", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            with conn:
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                conn.settimeout(0.1)
                slip = _Slip()
                while not self._stop.is_set():
                    try:
                        data = conn.recv(65536)
                    except TimeoutError:
                        continue
                    except OSError:
                        break
                    if not data:
                        break
                    out = b""
                    with self._lock:
                        for packet in slip.feed(data):
                            out += b"".join(slip_encode(a) for a in self.rom.handle(packet))
                    if out:
                        try:
                            conn.sendall(out)
                        except OSError:
                            break

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        self._thread.join(timeout=5)

    def __enter__(self) -> EspRomServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
