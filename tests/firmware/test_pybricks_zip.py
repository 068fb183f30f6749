"""robokit.firmware.pybricks_zip: reading and validating Pybricks firmware.zip files.

The zips are built here with the field sets real releases carry (metadata 1.0.0 and 1.1.0
from firmware v3.0 alphas/betas, 2.0.0 and 2.1.0 from v3.2 to v4.0, 3.0.0 from v4.1).
Where pybricksdev 2.3 can read them (1.x, 2.x) its image and checksum must equal ours.
"""

from __future__ import annotations

import asyncio
import json
import random
import struct
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pytest

from robokit.errors import RobokitError
from robokit.firmware import FirmwareError
from robokit.firmware.pybricks_zip import (
    HUBS,
    PybricksFirmwareError,
    crc32_stm32,
    hub_by_name,
    read_firmware_zip,
    sum_complement,
)

pbfw = pytest.importorskip("pybricksdev.firmware")
pbsum = pytest.importorskip("pybricksdev.tools.checksum")

LICENSE = "Pybricks licence text\n"


def _base(size: int, seed: int = 1) -> bytes:
    rnd = random.Random(seed)
    return bytes(rnd.randrange(256) for _ in range(size))


def _v100(**over: Any) -> dict[str, Any]:
    meta = {"metadata-version": "1.0.0", "firmware-version": "v3.0.0a5", "device-id": 0x40,
            "checksum-type": "sum", "mpy-abi-version": 5, "mpy-cross-options": ["-mno-unicode"],
            "user-mpy-offset": 3000, "max-firmware-size": 4096}
    meta.update(over)
    return meta


def _v110(**over: Any) -> dict[str, Any]:
    meta = _v100(**{"metadata-version": "1.1.0", "firmware-version": "v3.0.0b2",
                    "device-id": 0x81, "checksum-type": "crc32", "hub-name-offset": 64,
                    "max-hub-name-size": 16})
    meta.update(over)
    return meta


def _v200(**over: Any) -> dict[str, Any]:
    meta = {"metadata-version": "2.0.0", "firmware-version": "v3.2.0", "device-id": 0x83,
            "checksum-type": "crc32", "checksum-size": 8192, "hub-name-offset": 512,
            "hub-name-size": 16}
    meta.update(over)
    return meta


def _v210(**over: Any) -> dict[str, Any]:
    meta = _v200(**{"metadata-version": "2.1.0", "firmware-version": "v3.5.0",
                    "device-id": 0x41, "checksum-type": "sum"})
    meta.update(over)
    return meta


def _v300(**over: Any) -> dict[str, Any]:
    meta = _v210(**{"metadata-version": "3.0.0", "firmware-version": "v4.1.0b1",
                    "device-id": 0x80, "variants": ["default", "lite"]})
    meta.update(over)
    return meta


def _zip(tmp_path: Path, meta: Any, base: bytes | None = None, *, name: str = "fw.zip",
         license_text: str | None = LICENSE, main_py: str | None = None,
         raw_meta: bytes | None = None, drop: tuple[str, ...] = ()) -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        if "firmware-base.bin" not in drop:
            z.writestr("firmware-base.bin", _base(2000) if base is None else base)
        if "firmware.metadata.json" not in drop:
            z.writestr("firmware.metadata.json",
                       raw_meta if raw_meta is not None else json.dumps(meta, indent=4))
        if license_text is not None:
            z.writestr("ReadMe_OSS.txt", license_text)
        if main_py is not None:
            z.writestr("main.py", main_py)
    return path


def _pybricksdev_blob(path: Path) -> bytes:
    with warnings.catch_warnings():  # pybricksdev 2.3 calls the deprecated semver.compare
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        firmware, _meta, license_text = asyncio.run(pbfw.create_firmware_blob(str(path)))
    assert license_text == LICENSE
    return bytes(firmware)


def _refused(path: Path, *parts: str, expect_hub: int | str | None = None) -> str:
    with pytest.raises(PybricksFirmwareError) as info:
        read_firmware_zip(path, expect_hub=expect_hub)
    message = str(info.value)
    for part in parts:
        assert part in message, message
    assert isinstance(info.value, FirmwareError) and isinstance(info.value, RobokitError)
    return message


# --- checksums agree with pybricksdev's


@pytest.mark.parametrize("size", [0, 4, 8, 1000, 1003])
def test_sum_complement_matches_pybricksdev(size):
    import io
    data = _base(size, seed=size)
    ours = sum_complement(data, 4096)
    assert ours == pbsum.sum_complement(io.BytesIO(data), 4096)
    # the bootloader's check: all words, padding 0xFFFFFFFF, plus the checksum sum to 0
    padded = data + bytes(-len(data) % 4)
    total = sum(struct.unpack(f"<{len(padded) // 4}I", padded)) + ours
    total += 0xFFFFFFFF * ((4096 - 4 - len(padded)) // 4)
    assert total & 0xFFFFFFFF == 0


@pytest.mark.parametrize("size", [0, 4, 8, 1000, 4096])
def test_crc32_matches_pybricksdev(size):
    import io
    data = _base(size, seed=size)
    ours = crc32_stm32(data)
    assert ours == pbsum.crc32_checksum(io.BytesIO(data), size + 8)
    # appending the CRC word leaves a zero remainder, as the STM32 CRC unit checks it
    assert crc32_stm32(data + struct.pack("<I", ours)) == 0


# --- reading, cross-checked with pybricksdev where it can read


@pytest.mark.parametrize("make, hub, checksum_type", [
    (_v100, "Move Hub", "sum"),
    (_v110, "Prime Hub", "crc32"),
    (_v200, "Essential Hub", "crc32"),
    (_v210, "City Hub", "sum"),
])
def test_v1_v2_image_and_checksum_equal_pybricksdev(tmp_path, make, hub, checksum_type):
    path = _zip(tmp_path, make())
    fw = read_firmware_zip(path)
    blob = _pybricksdev_blob(path)
    assert fw.image == blob
    assert fw.checksum == struct.unpack("<I", blob[-4:])[0]
    assert fw.hub_type == hub and fw.device_id == make()["device-id"]
    assert fw.checksum_type == checksum_type
    assert fw.metadata_version == make()["metadata-version"]
    assert fw.firmware_version == make()["firmware-version"]
    assert fw.base == _base(2000)
    assert fw.license_text == LICENSE
    assert fw.variants is None
    assert fw.build_image() == fw.image


def test_v1_fields(tmp_path):
    fw = read_firmware_zip(_zip(tmp_path, _v110()))
    assert fw.mpy_abi_version == 5
    assert fw.mpy_cross_options == ("-mno-unicode",)
    assert fw.user_mpy_offset == 3000
    assert fw.max_firmware_size == fw.checksum_size == 4096
    assert (fw.hub_name_offset, fw.hub_name_size) == (64, 16)
    # the image: base, zeros to user-mpy-offset, a zero program length, the checksum
    assert fw.image[:2000] == fw.base and fw.image[2000:3000] == bytes(1000)
    assert fw.image[3000:3004] == struct.pack("<I", 0) and len(fw.image) == 3008
    assert read_firmware_zip(_zip(tmp_path, _v100(), name="a.zip")).hub_name_offset is None


def test_v1_program_appended_like_pybricksdev(tmp_path, monkeypatch):
    """A 1.x zip with main.py: pybricksdev compiles it into the image; robokit keeps the
    source and builds the same image from the compiled program it is given."""
    mpy = b"M\x05\x00\x1ffake compiled program"

    async def fake_compile(proj_dir, proj_path, abi, options):
        assert (abi, options) == (5, ["-mno-unicode"])
        return mpy

    monkeypatch.setattr(pbfw, "save_script", lambda text: str(tmp_path / "main.py"))
    monkeypatch.setattr(pbfw, "compile_file", fake_compile)
    path = _zip(tmp_path, _v100(), main_py="print('hi')\n")
    fw = read_firmware_zip(path)
    assert fw.main_py == "print('hi')\n"
    assert fw.build_image(mpy) == _pybricksdev_blob(path)
    assert fw.image == fw.build_image(b"")


def test_v2_fields_and_legacy_hub_without_checksum(tmp_path):
    fw = read_firmware_zip(_zip(tmp_path, _v210()))
    assert fw.mpy_abi_version is None and fw.user_mpy_offset is None
    assert fw.max_firmware_size == fw.checksum_size == 8192
    assert len(fw.image) == 2004 and fw.image[:2000] == fw.base
    nxt = _v210(**{"device-id": 0xE1, "checksum-type": "none", "checksum-size": 0,
                   "hub-name-offset": 0, "hub-name-size": 0})
    path = _zip(tmp_path, nxt, name="nxt.zip")
    fw = read_firmware_zip(path)
    assert (fw.hub_type, fw.checksum, fw.image) == ("NXT", None, fw.base)
    assert fw.max_firmware_size is None and fw.hub_name_offset is None
    assert fw.image == _pybricksdev_blob(path)


def test_v3_read(tmp_path):
    path = _zip(tmp_path, _v300())
    with pytest.raises(ValueError, match="unsupported metadata version: 3.0.0"):
        _pybricksdev_blob(path)  # pybricksdev 2.3 cannot: robokit can
    fw = read_firmware_zip(path, expect_hub="Technic Hub")
    assert fw.metadata_version == "3.0.0" and fw.firmware_version == "v4.1.0b1"
    assert fw.hub.slug == "technichub" and fw.variants == ("default", "lite")
    assert fw.checksum == sum_complement(fw.base, 8192)
    assert fw.image == fw.base + struct.pack("<I", fw.checksum)
    assert fw.metadata["variants"] == ["default", "lite"]
    no_variants = {k: v for k, v in _v300().items() if k != "variants"}
    assert read_firmware_zip(_zip(tmp_path, no_variants, name="b.zip")).variants is None


def test_expect_hub_matches_by_id_or_name(tmp_path):
    path = _zip(tmp_path, _v210())
    for hub in (0x41, "City Hub", "cityhub", "city"):
        assert read_firmware_zip(path, expect_hub=hub).hub_type == "City Hub"
    assert hub_by_name("SPIKE Prime") is HUBS[0x81] is hub_by_name("inventor hub")
    with pytest.raises(PybricksFirmwareError, match="unknown hub 'duplo'"):
        hub_by_name("duplo")
    with pytest.raises(PybricksFirmwareError, match="device id 0x42 is not a hub"):
        hub_by_name(0x42)


# --- refusals, one clear message each


def test_refuses_missing_file(tmp_path):
    _refused(tmp_path / "nope.zip", "no such file")


def test_refuses_not_a_zip(tmp_path):
    path = tmp_path / "fw.zip"
    path.write_bytes(b"this is not a zip file at all")
    _refused(path, "not a zip file", "pybricks-micropython/releases")


@pytest.mark.parametrize("drop, says", [
    (("firmware-base.bin",), "it lacks firmware-base.bin"),
    (("firmware.metadata.json",), "it lacks firmware.metadata.json"),
    (("firmware-base.bin", "firmware.metadata.json"),
     "lacks firmware-base.bin and firmware.metadata.json"),
])
def test_refuses_zip_without_pybricks_files(tmp_path, drop, says):
    _refused(_zip(tmp_path, _v210(), drop=drop), "not a Pybricks firmware zip", says)


def test_refuses_malformed_json(tmp_path):
    _refused(_zip(tmp_path, None, raw_meta=b'{"metadata-version": "2.1.0",'),
             "firmware.metadata.json is not valid JSON")
    _refused(_zip(tmp_path, ["2.1.0"], name="b.zip"), "is not a JSON object but list")


@pytest.mark.parametrize("version, says", [
    ("4.0.0", "firmware metadata version 4.0.0 is not one robokit reads (it reads 1.x, 2.x, "
              "3.x)"),
    ("0.9.0", "version 0.9.0 is not one robokit reads"),
    ("2.1", "metadata-version '2.1' is not a version like"),
    (2, "metadata-version 2 is not a version like"),
])
def test_refuses_unknown_metadata_version(tmp_path, version, says):
    _refused(_zip(tmp_path, _v210(**{"metadata-version": version})), says)


def test_refuses_missing_metadata_version(tmp_path):
    meta = {k: v for k, v in _v210().items() if k != "metadata-version"}
    _refused(_zip(tmp_path, meta), "lacks metadata-version")


@pytest.mark.parametrize("make, drop, says", [
    (_v100, ("user-mpy-offset",), "(metadata 1.0.0) lacks required field user-mpy-offset:"),
    (_v110, ("hub-name-offset", "max-hub-name-size"),
     "lacks required fields hub-name-offset, max-hub-name-size"),
    (_v210, ("checksum-size",), "(metadata 2.1.0) lacks required field checksum-size"),
    (_v300, ("device-id", "firmware-version"), "(metadata 3.0.0) lacks required fields "
                                               "firmware-version, device-id"),
])
def test_refuses_missing_fields(tmp_path, make, drop, says):
    meta = {k: v for k, v in make().items() if k not in drop}
    _refused(_zip(tmp_path, meta), says)


@pytest.mark.parametrize("over, says", [
    ({"device-id": "0x41"}, "field device-id is '0x41', not a non-negative integer"),
    ({"checksum-size": -4}, "field checksum-size is -4, not a non-negative integer"),
    ({"hub-name-size": True}, "field hub-name-size is True"),
    ({"firmware-version": 3}, "field firmware-version is 3, not a string"),
    ({"checksum-type": "md5"}, "checksum-type 'md5' is not one metadata 2.1.0 allows"),
    ({"device-id": 0x42}, "device-id 0x42 is not a hub robokit knows"),
    ({"variants": "default"}, None),  # ignored before 3.x
])
def test_refuses_mistyped_fields(tmp_path, over, says):
    path = _zip(tmp_path, _v210(**over))
    if says is None:
        assert read_firmware_zip(path).variants is None
    else:
        _refused(path, says)


def test_refuses_bad_v1_and_v3_specifics(tmp_path):
    _refused(_zip(tmp_path, _v100(**{"mpy-cross-options": ["-O2", 3]})),
             "field mpy-cross-options is ['-O2', 3], not a list of strings")
    _refused(_zip(tmp_path, _v200(**{"checksum-type": "none"}), name="b.zip"),
             "checksum-type 'none' is not one metadata 2.0.0 allows (sum, crc32)")
    _refused(_zip(tmp_path, _v300(variants={"a": 1}), name="c.zip"),
             "field variants is {'a': 1}, not a list")


def test_refuses_wrong_hub(tmp_path):
    path = _zip(tmp_path, _v300())
    message = _refused(path, expect_hub="City Hub")
    assert message.endswith(
        "this firmware is for the Technic Hub but the hub found is a City Hub: download the "
        "City Hub firmware (pybricks-cityhub-v*.zip) from "
        "https://github.com/pybricks/pybricks-micropython/releases")
    _refused(path, "for the Technic Hub but the hub found is a Prime Hub", expect_hub=0x81)


@pytest.mark.parametrize("make, base_size, says", [
    (_v210, 8192, "image is 8196 bytes with its checksum, larger than max-firmware-size 8192"),
    (_v200, 8190, "image is 8196 bytes with its checksum, larger than max-firmware-size 8192"),
    (_v100, 2000, None),  # fits: base + pad + length word + checksum = 3008 <= 4096
])
def test_refuses_oversize(tmp_path, make, base_size, says):
    path = _zip(tmp_path, make(), base=_base(base_size))
    if says is None:
        read_firmware_zip(path)
    else:
        _refused(path, says)


def test_refuses_v1_program_area_too_small(tmp_path):
    path = _zip(tmp_path, _v100(**{"user-mpy-offset": 4092}), base=_base(4000))
    _refused(path, "larger than max-firmware-size 4096")
    fw = read_firmware_zip(_zip(tmp_path, _v100(), name="b.zip"))
    with pytest.raises(PybricksFirmwareError, match="larger than max-firmware-size 4096"):
        fw.build_image(bytes(2000))  # a program that does not fit


def test_refuses_inconsistent_sizes(tmp_path):
    _refused(_zip(tmp_path, _v100(), base=_base(3500)),
             "firmware-base.bin is 3500 bytes but user-mpy-offset is 3000")
    _refused(_zip(tmp_path, _v210(**{"hub-name-offset": 1990}), name="b.zip"),
             "hub name field (offset 1990, 16 bytes) lies past the end of the 2000-byte")
    _refused(_zip(tmp_path, _v200(), base=_base(2001), name="c.zip"),
             "firmware-base.bin is 2001 bytes, not a whole number of 32-bit words")


def test_refuses_damaged_member_by_zip_crc(tmp_path):
    """The zip carries a CRC-32 of each member: a flipped byte in the firmware is caught."""
    base = _base(2000)
    path = _zip(tmp_path, _v210(), base=base)
    data = bytearray(path.read_bytes())
    at = data.index(base[100:140]) + 20
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))
    _refused(path, "firmware-base.bin is damaged: its CRC-32 does not match the zip's")


def test_build_image_refuses_program_for_v2(tmp_path):
    fw = read_firmware_zip(_zip(tmp_path, _v210()))
    with pytest.raises(PybricksFirmwareError, match="has no room for a program"):
        fw.build_image(b"M\x06")
