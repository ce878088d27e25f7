"""The device identity: made once, kept across restarts, never silently replaced when damaged."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from edge.core.errors import DeviceIdentityError
from edge.store.identity import ID_FILE, DeviceIdentity, load_identity


async def test_the_first_start_makes_a_short_readable_id_and_keeps_it(tmp_path: Path) -> None:
    identity = await load_identity(tmp_path / "data", "Workshop")
    assert re.fullmatch(r"pe-[0-9a-f]{12}", identity.id)
    assert identity.name == "Workshop"
    assert (tmp_path / "data" / ID_FILE).read_text() == f"{identity.id}\n"
    assert sorted(entry.name for entry in (tmp_path / "data").iterdir()) == [ID_FILE]  # no temporary file left


async def test_the_id_survives_a_restart_and_the_name_follows_the_config(tmp_path: Path) -> None:
    first = await load_identity(tmp_path, "Workshop")
    again = await load_identity(tmp_path, "Garage")
    assert again == DeviceIdentity(id=first.id, name="Garage")


async def test_two_devices_get_different_ids(tmp_path: Path) -> None:
    a = await load_identity(tmp_path / "a", "x")
    b = await load_identity(tmp_path / "b", "x")
    assert a.id != b.id


async def test_a_provisioned_id_is_kept_as_written(tmp_path: Path) -> None:
    (tmp_path / ID_FILE).write_text("farm-printer_07\n")
    assert (await load_identity(tmp_path, "x")).id == "farm-printer_07"


async def test_an_empty_id_file_is_an_error_naming_the_file_and_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / ID_FILE).write_bytes(b"\n")
    with pytest.raises(DeviceIdentityError) as caught:
        await load_identity(tmp_path, "x")
    assert caught.value.message.startswith(f"device id file {tmp_path / ID_FILE} is empty; restore it from a backup")
    assert (tmp_path / ID_FILE).read_bytes() == b"\n"


async def test_a_corrupted_id_file_is_an_error_showing_what_it_holds(tmp_path: Path) -> None:
    (tmp_path / ID_FILE).write_bytes(b"pe-3f9a\x00\x17garbage/+#")
    with pytest.raises(DeviceIdentityError, match=rf"{ID_FILE} is corrupted \(got 'pe-3f9a.*garbage/\+#'"):
        await load_identity(tmp_path, "x")
    assert (tmp_path / ID_FILE).read_bytes() == b"pe-3f9a\x00\x17garbage/+#"


async def test_an_unreadable_id_file_is_an_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / ID_FILE).mkdir()
    with pytest.raises(
        DeviceIdentityError, match=rf"{ID_FILE} cannot be read \(Is a directory\); check that it is a file"
    ):
        await load_identity(tmp_path, "x")


async def test_an_id_that_cannot_be_written_says_what_to_check(tmp_path: Path) -> None:
    (tmp_path / f".{ID_FILE}.tmp").mkdir()  # where the new id would be written first
    with pytest.raises(
        DeviceIdentityError, match=r"cannot be written \(Is a directory\); check that the data directory"
    ):
        await load_identity(tmp_path, "x")
    assert not (tmp_path / ID_FILE).exists()


def test_the_identity_is_frozen_and_json_ready() -> None:
    identity = DeviceIdentity(id="pe-000000000001", name="Workshop")
    assert identity.to_dict() == {"id": "pe-000000000001", "name": "Workshop"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        identity.name = "Garage"  # type: ignore[misc]
