"""/api/files: list, look up, download, select and delete by name; every bad upload leaves nothing behind."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import pytest

from edge.app import Appliance
from tests.web.octoprint.octo_helpers import (
    octo_upload,
    prusaslicer_body,
    prusaslicer_head,
    raw_request,
    refused,
    wait_for_octo_state,
)
from tests.web.web_helpers import SMALL_PRINT, get_json, slow_print, upload


def stored_files(appliance: Appliance) -> list[Path]:
    return sorted((appliance.data_dir / "files").iterdir())


async def test_uploaded_file_is_listed_looked_up_downloaded_and_deleted_by_name(
    appliance: Appliance, api: aiohttp.ClientSession
) -> None:
    status, body = await octo_upload(api, "cube.gcode", SMALL_PRINT)
    assert status == 201
    local = body["files"]["local"]
    assert (local["name"], local["path"], local["display"], local["origin"]) == (
        "cube.gcode",
        "cube.gcode",
        "cube.gcode",
        "local",
    )
    assert local["refs"]["resource"] == f"{appliance.web.url}/api/files/local/cube.gcode"
    assert body["effectivePrint"] is False and body["effectiveSelect"] is False
    listing = await get_json(api, "/api/files")
    assert listing == await get_json(api, "/api/files/local")
    assert listing["free"] > 0 and listing["total"] >= listing["free"]
    [info] = listing["files"]
    assert info["type"] == "machinecode" and info["typePath"] == ["machinecode", "gcode"]
    assert info["size"] == len(SMALL_PRINT) and isinstance(info["date"], int)
    assert info["gcodeAnalysis"]["filament"]["tool0"]["length"] == 2.0
    assert await get_json(api, "/api/files/local/cube.gcode") == info
    async with api.get("/downloads/files/local/cube.gcode") as response:
        assert response.status == 200 and await response.read() == SMALL_PRINT
    async with api.delete("/api/files/local/cube.gcode") as response:
        assert response.status == 204
    assert (await get_json(api, "/api/files"))["files"] == []
    assert stored_files(appliance) == []
    async with api.get("/api/files/local/cube.gcode") as response:
        assert "'cube.gcode'" in (await refused(response, 404))["message"]


async def test_the_newest_file_of_a_name_is_the_one_listed_and_delete_removes_all_of_that_name(
    api: aiohttp.ClientSession,
) -> None:
    await octo_upload(api, "cube.gcode", SMALL_PRINT)
    status, _ = await octo_upload(api, "cube.gcode", SMALL_PRINT + b"G1 X1\n")
    assert status == 201
    [info] = (await get_json(api, "/api/files"))["files"]
    assert info["size"] == len(SMALL_PRINT) + 6
    async with api.delete("/api/files/local/cube.gcode") as response:
        assert response.status == 204
    assert await get_json(api, "/api/v1/files") == []


@pytest.mark.parametrize(
    ("param", "says"),
    [
        (b'filename="../../etc/passwd"', "outside the upload folder"),
        (b'filename="../../etc/evil.gcode"', "outside the upload folder"),
        (b"filename*=UTF-8''%2Fetc%2Fcron.d%2Fevil.gcode", "absolute path"),
        (b'filename="C:/Windows/evil.gcode"', "absolute path"),
        (b'filename="sub/dir/part.gcode"', "contains a folder"),
        (b"filename*=UTF-8''evil%00.gcode", "control character"),
        (b'filename="evil\x00.gcode"', "malformed multipart"),
    ],
)
async def test_an_upload_name_that_is_a_path_is_400_and_nothing_is_stored(
    appliance: Appliance, api: aiohttp.ClientSession, param: bytes, says: str
) -> None:
    kept = await upload(api, "kept.gcode", SMALL_PRINT)
    # Raw bytes: aiohttp's own client would percent-encode the name or refuse the NUL before sending.
    body = prusaslicer_body("", SMALL_PRINT, print_after=True, filename_param=param)
    response = await raw_request(appliance.web.port, prusaslicer_head(appliance, len(body)), body)
    error = json.loads(response.body)
    assert response.status == 400, error
    assert says in error["message"]
    assert await get_json(api, "/api/v1/files") == [kept]
    assert [path.name for path in stored_files(appliance)] == [kept["stored_name"]]
    assert await get_json(api, "/api/v1/jobs") == []


async def test_a_folder_field_that_leaves_the_store_is_400_even_after_the_file(
    appliance: Appliance, api: aiohttp.ClientSession
) -> None:
    status, body = await octo_upload(api, "part.gcode", SMALL_PRINT, path="../../etc")
    assert status == 400 and "'../../etc'" in body["message"]
    assert await get_json(api, "/api/v1/files") == []
    assert stored_files(appliance) == []
    status, body = await octo_upload(api, "part.gcode", SMALL_PRINT, path="prints/")
    assert status == 201 and body["files"]["local"]["path"] == "part.gcode"


async def test_an_upload_without_a_file_is_400_naming_the_fields_given(api: aiohttp.ClientSession) -> None:
    body = aiohttp.FormData()
    body.add_field("print", "true")
    body.add_field("upload", SMALL_PRINT, filename="cube.gcode")
    async with api.post("/api/files/local", data=body) as response:
        error = await refused(response, 400)
    assert '"file"' in error["message"] and "'print'" in error["message"] and "'upload'" in error["message"]
    async with api.post("/api/files/local", json={"file": "cube.gcode"}) as response:
        assert "multipart/form-data" in (await refused(response, 400))["message"]
    assert await get_json(api, "/api/v1/files") == []


async def test_a_file_that_is_not_gcode_is_refused_and_nothing_is_stored(
    appliance: Appliance, api: aiohttp.ClientSession
) -> None:
    status, body = await octo_upload(api, "model.stl", b"solid cube\nendsolid cube\n", print="true")
    assert status == 415 and "'model.stl'" in body["message"]
    status, body = await octo_upload(api, "image.gcode", b"G28\n\x89PNG\x00\x01\n", print="true")
    assert status == 422 and "binary" in body["message"]
    assert await get_json(api, "/api/v1/files") == []
    assert stored_files(appliance) == []
    assert await get_json(api, "/api/v1/jobs") == []


async def test_deleting_the_file_that_prints_is_409_and_it_keeps_printing(ready_api: aiohttp.ClientSession) -> None:
    status, _ = await octo_upload(ready_api, "slow.gcode", slow_print(), print="true")
    assert status == 201
    await wait_for_octo_state(ready_api, "Printing")
    async with ready_api.delete("/api/files/local/slow.gcode") as response:
        body = await refused(response, 409)
    assert body["error"] == "file_in_use" and "'slow.gcode'" in body["message"]
    assert [info["name"] for info in (await get_json(ready_api, "/api/files"))["files"]] == ["slow.gcode"]
    assert (await get_json(ready_api, "/api/job"))["state"] == "Printing"


async def test_select_command_with_print_starts_the_file(ready_api: aiohttp.ClientSession) -> None:
    await octo_upload(ready_api, "cube.gcode", SMALL_PRINT)
    async with ready_api.post("/api/files/local/cube.gcode", json={"command": "select", "print": True}) as response:
        assert response.status == 204
    jobs = await get_json(ready_api, "/api/v1/jobs")
    assert [j["file_name"] for j in jobs] == ["cube.gcode"]
    async with ready_api.post("/api/files/local/nothing.gcode", json={"command": "select"}) as response:
        await refused(response, 404)
    async with ready_api.post("/api/files/local/cube.gcode", json={"command": "slice"}) as response:
        assert "'slice'" in (await refused(response, 400))["message"]
