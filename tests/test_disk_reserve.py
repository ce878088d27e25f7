"""The disk reserve (health.min_free_mb) on a real small disk: uploads, models and text jobs are refused, nothing kept."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.test_full_disk import small_disk
from tests.web.conftest import client, started
from tests.web.web_helpers import SMALL_PRINT, error_of, form, get_json

RESERVE_MB = 100  # more than the whole 64 MB disk


async def test_below_the_reserve_uploads_models_and_text_jobs_are_refused_with_507(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk") as disk:
        app = await started(disk / "data", health__min_free_mb=str(RESERVE_MB))
        try:
            async with client(app) as api:
                async with api.post("/api/v1/files", data=form("cube.gcode", SMALL_PRINT)) as response:
                    body = await error_of(response)
                assert response.status == 507 and body["error"] == "disk_full"
                assert "100 MB safety margin" in body["message"] and "delete old files" in body["message"]
                async with api.post(
                    "/api/v1/jobs/model?name=part.stl", data=b"solid part\nendsolid part\n"
                ) as response:
                    body = await error_of(response)
                assert response.status == 507 and body["error"] == "disk_full" and "'part.stl'" in body["message"]
                async with api.post("/api/v1/jobs/text", json={"text": "a 20 mm cube"}) as response:
                    body = await error_of(response)
                assert response.status == 507 and body["error"] == "disk_full"
                assert await get_json(api, "/api/v1/files") == []
                assert await get_json(api, "/api/v1/jobs") == []
                uploads = disk / "data" / "work" / "uploads"
                assert not await asyncio.to_thread(lambda: uploads.exists() and any(uploads.iterdir())), "nothing kept"
                disk_check = await get_json(api, "/health/components/disk")
                assert disk_check["ok"] is False and "uploads and slicing are refused" in disk_check["detail"]
                async with api.get("/health") as response:
                    health = await response.json()
                assert response.status == 503 and health["components"]["host"]["ok"] is False
        finally:
            await app.stop()
