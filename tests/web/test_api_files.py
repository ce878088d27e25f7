"""Uploads are streamed to the file store; every bad upload gets a clear error and leaves nothing behind."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp

from edge.app import Appliance
from tests.web.conftest import MAX_UPLOAD_MB
from tests.web.web_helpers import SMALL_PRINT, error_of, form, get_json, upload


async def test_upload_list_get_and_delete_a_file(api: aiohttp.ClientSession) -> None:
    stored = await upload(api, "cube.gcode", SMALL_PRINT)
    assert stored["name"] == "cube.gcode"
    assert stored["size"] == len(SMALL_PRINT)
    assert stored["analysis"]["layer_count"] == 2
    listed = await get_json(api, "/api/v1/files")
    assert [item["id"] for item in listed] == [stored["id"]]
    assert await get_json(api, f"/api/v1/files/{stored['id']}") == stored
    async with api.delete(f"/api/v1/files/{stored['id']}") as response:
        assert response.status == 204
    assert await get_json(api, "/api/v1/files") == []
    async with api.get(f"/api/v1/files/{stored['id']}") as response:
        assert response.status == 404


async def test_raw_body_upload_with_a_name_in_the_query(api: aiohttp.ClientSession) -> None:
    async with api.post("/api/v1/files", params={"name": "raw.gcode"}, data=SMALL_PRINT) as response:
        body = await response.json()
    assert response.status == 201, body
    assert body["name"] == "raw.gcode"
    assert body["size"] == len(SMALL_PRINT)


async def test_streamed_upload_without_a_length_is_stored(api: aiohttp.ClientSession) -> None:
    async def pieces() -> AsyncIterator[bytes]:
        for start in range(0, len(SMALL_PRINT), 10):
            yield SMALL_PRINT[start : start + 10]

    async with api.post("/api/v1/files", params={"name": "chunked.gcode"}, data=pieces()) as response:
        body = await response.json()
    assert response.status == 201, body
    assert body["size"] == len(SMALL_PRINT)


async def test_multipart_without_a_file_field_is_400_naming_the_fields_given(api: aiohttp.ClientSession) -> None:
    async with api.post("/api/v1/files", data=form("cube.gcode", SMALL_PRINT, field="upload")) as response:
        body = await error_of(response)
    assert response.status == 400
    assert body["error"] == "bad_request"
    assert '"file"' in body["message"] and "'upload'" in body["message"]


async def test_body_that_is_neither_multipart_nor_named_is_400(api: aiohttp.ClientSession) -> None:
    async with api.post("/api/v1/files", data=SMALL_PRINT) as response:
        body = await error_of(response)
    assert response.status == 400
    assert "?name=" in body["message"]


async def test_empty_file_is_422_and_the_stored_files_are_untouched(api: aiohttp.ClientSession) -> None:
    kept = await upload(api, "kept.gcode", SMALL_PRINT)
    async with api.post("/api/v1/files", data=form("empty.gcode", b"")) as response:
        body = await error_of(response)
    assert response.status == 422
    assert body["error"] == "file_rejected"
    assert "empty" in body["message"] and "empty.gcode" in body["message"]
    assert await get_json(api, "/api/v1/files") == [kept]


async def test_binary_file_is_422_naming_the_line(api: aiohttp.ClientSession) -> None:
    data = b"G28\nG1 X10\n\x89PNG\x00\x01\x02\n"
    async with api.post("/api/v1/files", data=form("image.gcode", data)) as response:
        body = await error_of(response)
    assert response.status == 422
    assert "binary" in body["message"] and "line 3" in body["message"]
    assert await get_json(api, "/api/v1/files") == []


async def test_over_long_line_is_422_naming_the_line(api: aiohttp.ClientSession) -> None:
    data = b"G28\nG1 X10 ; " + b"x" * 20 + b"\nG1 " + b"X1 " * 60 + b"\n"
    async with api.post("/api/v1/files", data=form("long.gcode", data)) as response:
        body = await error_of(response)
    assert response.status == 422
    assert "line 3" in body["message"]
    assert await get_json(api, "/api/v1/files") == []


async def test_file_name_without_a_gcode_extension_is_415(api: aiohttp.ClientSession) -> None:
    async with api.post("/api/v1/files", data=form("model.stl", SMALL_PRINT)) as response:
        body = await error_of(response)
    assert response.status == 415
    assert body["error"] == "unsupported_file_type"
    assert "model.stl" in body["message"] and ".gcode" in body["message"]


async def test_file_over_the_upload_limit_is_413(api: aiohttp.ClientSession) -> None:
    line = b"G1 X10 Y10 E0.1\n"
    data = line * (MAX_UPLOAD_MB * 1024 * 1024 // len(line) + 10)
    async with api.post("/api/v1/files", params={"name": "big.gcode"}, data=data) as response:
        body = await error_of(response)
    assert response.status == 413
    assert body["error"] == "file_too_large"
    assert str(MAX_UPLOAD_MB * 1024 * 1024) in body["message"]
    assert await get_json(api, "/api/v1/files") == []


async def test_streamed_file_over_the_upload_limit_is_413(api: aiohttp.ClientSession) -> None:
    line = b"G1 X10 Y10 E0.1\n"
    block = line * 4096

    async def pieces() -> AsyncIterator[bytes]:
        for _ in range(MAX_UPLOAD_MB * 1024 * 1024 // len(block) + 2):
            yield block

    async with api.post("/api/v1/files", params={"name": "big.gcode"}, data=pieces()) as response:
        body = await error_of(response)
    assert response.status == 413
    assert "received" in body["message"]
    assert await get_json(api, "/api/v1/files") == []


async def test_non_integer_file_id_is_400_naming_the_value(api: aiohttp.ClientSession) -> None:
    for method in ("GET", "DELETE"):
        async with api.request(method, "/api/v1/files/abc") as response:
            body = await error_of(response)
        assert response.status == 400
        assert "'abc'" in body["message"]


async def test_unknown_file_id_is_404_naming_the_id(api: aiohttp.ClientSession) -> None:
    for method in ("GET", "DELETE"):
        async with api.request(method, "/api/v1/files/999") as response:
            body = await error_of(response)
        assert response.status == 404
        assert body["error"] == "not_found"
        assert "999" in body["message"]


async def test_upload_aborted_by_the_client_leaves_nothing_behind(
    appliance: Appliance, api: aiohttp.ClientSession
) -> None:
    _, writer = await asyncio.open_connection("127.0.0.1", appliance.web.port)
    writer.write(
        b"POST /api/v1/files?name=cut.gcode HTTP/1.1\r\nHost: test\r\nContent-Length: 100000\r\n\r\n" + SMALL_PRINT
    )
    await writer.drain()
    await asyncio.sleep(0.2)
    writer.close()
    await writer.wait_closed()
    files_dir = appliance.data_dir / "files"
    for _ in range(100):
        if not any(files_dir.iterdir()):
            break
        await asyncio.sleep(0.05)
    assert list(files_dir.iterdir()) == []
    assert await get_json(api, "/api/v1/files") == []


async def test_a_file_that_heats_above_the_limits_is_refused_at_upload_naming_line_and_value(
    api: aiohttp.ClientSession,
) -> None:
    data = b"M140 S60\nM104 S210\nG28\nM104 S300\nG1 X10\n"
    async with api.post("/api/v1/files", data=form("hot.gcode", data)) as response:
        body = await error_of(response)
    assert response.status == 422
    assert body["error"] == "file_rejected"
    assert "line 4" in body["message"] and "300" in body["message"] and "285" in body["message"]
    assert await get_json(api, "/api/v1/files") == []
    async with api.post("/api/v1/files", data=form("hotbed.gcode", b"M190 S130\nG28\n")) as response:
        body = await error_of(response)
    assert response.status == 422 and "bed" in body["message"] and "130" in body["message"]


async def test_a_multipart_part_header_aiohttp_cannot_parse_is_400_and_nothing_is_stored(
    api: aiohttp.ClientSession,
) -> None:
    boundary = "b0undary"
    body = (
        f"--{boundary}\r\n".encode()
        + b'Content-Disposition: form-data; name="file"; filename="evil\x00.gcode"\r\n\r\n'
        + SMALL_PRINT
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    async with api.post("/api/v1/files", data=body, headers=headers) as response:
        error = await error_of(response)
        assert response.status == 400, error
    assert error["error"] == "malformed_body" and "malformed request body" in error["message"]
    assert await get_json(api, "/api/v1/files") == []
