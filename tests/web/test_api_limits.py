"""Temperature limits are checked when a job is queued too, not only at upload: limits can change."""

from __future__ import annotations

from pathlib import Path

from edge.app import Appliance
from tests.web.conftest import client, started
from tests.web.web_helpers import error_of, start_job, upload


async def test_a_file_stored_under_higher_limits_is_refused_when_queued(tmp_path: Path) -> None:
    hot = b"M104 S260\nG28\nG1 X10\n"
    app: Appliance = await started(tmp_path / "data", printer__limits__hotend_max_c="280")
    try:
        async with client(app) as api:
            stored = await upload(api, "hot.gcode", hot)
    finally:
        await app.stop()
    app = await started(tmp_path / "data", printer__limits__hotend_max_c="240")
    try:
        async with client(app) as api:
            async with api.post("/api/v1/jobs", json={"file_id": stored["id"]}) as response:
                body = await error_of(response)
            assert response.status == 422
            assert body["error"] == "print_refused"
            assert "line 1" in body["message"] and "260" in body["message"] and "240" in body["message"]
            assert await (await api.get("/api/v1/jobs")).json() == []
            cool = await upload(api, "cool.gcode", b"M104 S200\nG28\n")
            await start_job(api, cool["id"])
    finally:
        await app.stop()
