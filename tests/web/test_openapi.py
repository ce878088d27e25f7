"""The OpenAPI document and the docs page: valid OpenAPI 3.1, every route in it, inputs checked by the models."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
from openapi_spec_validator import OpenAPIV31SpecValidator

from edge.app import Appliance
from edge.web.schema.endpoint import OPERATIONS, Access
from edge.web.security import PUBLIC
from tests.web.web_helpers import SMALL_PRINT, error_of, get_json, upload

HUGE_ID = 2**70  # past SQLite's 64-bit integers


async def document(api: aiohttp.ClientSession) -> dict[str, Any]:
    """The served OpenAPI document."""
    body: dict[str, Any] = await get_json(api, "/api/v1/openapi.json")
    return body


async def test_document_is_valid_openapi_3_1(api: aiohttp.ClientSession) -> None:
    doc = await document(api)
    assert doc["openapi"].startswith("3.1")
    OpenAPIV31SpecValidator(doc).validate()


async def test_every_api_route_of_the_app_is_in_the_document(appliance: Appliance, api: aiohttp.ClientSession) -> None:
    paths = (await document(api))["paths"]
    routes = {
        (route.method.lower(), route.resource.canonical)
        for route in appliance.web.app.router.routes()
        if route.resource is not None and route.resource.canonical.startswith("/api/v1/") and route.method != "HEAD"
    }
    assert len(routes) > 30
    missing = sorted(f"{method.upper()} {path}" for method, path in routes if method not in paths.get(path, {}))
    assert not missing, f"routes without a declared operation: {missing}"


async def test_public_operations_are_the_ones_the_security_middleware_lets_through(
    api: aiohttp.ClientSession,
) -> None:
    doc = await document(api)
    documented_public = {
        (method.upper(), path)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if not op["security"]
    }
    declared_public = {(op.method, op.path) for op in OPERATIONS.values() if op.access is Access.PUBLIC}
    assert documented_public == declared_public
    assert declared_public <= PUBLIC


async def test_every_operation_documents_the_error_body_and_credentials_errors(api: aiohttp.ClientSession) -> None:
    doc = await document(api)
    assert set(doc["components"]["schemas"]["Error"]["required"]) == {"error", "message"}
    schemes = doc["components"]["securitySchemes"]
    assert schemes["ApiKey"]["name"] == "X-Api-Key" and schemes["Bearer"]["scheme"] == "bearer"
    assert schemes["Session"]["in"] == "cookie" and schemes["CsrfToken"]["name"] == "X-CSRF-Token"
    for path, item in doc["paths"].items():
        for method, op in item.items():
            assert {"401", "429"} <= set(op["responses"]), (method, path)
            if op["security"]:
                assert any("Session" in alternative for alternative in op["security"]), (method, path)


async def test_request_models_refuse_unknown_fields(api: aiohttp.ClientSession) -> None:
    async with api.post("/api/v1/jobs", json={"file_id": 1, "priority": 9}) as response:
        body = await error_of(response)
    assert response.status == 400 and body["error"] == "bad_request"
    assert '"priority"' in body["message"] and "file_id" in body["message"], "names the field and the known ones"
    schema = (await document(api))["components"]["schemas"]["NewJob"]
    assert schema["additionalProperties"] is False


async def test_wrong_types_are_400_naming_the_field_and_the_value(api: aiohttp.ClientSession) -> None:
    cases = [
        ("/api/v1/printer/emergency-stop", {"reason": 7}, ['"reason"', "7"]),
        ("/api/v1/jobs/1/resume", {"part_attached": "yes"}, ['"part_attached"', "'yes'"]),
        ("/api/v1/jobs/1/move", {"position": 1.5}, ['"position"', "1.5"]),
        ("/api/v1/printer/command", {"commands": ["G28", None]}, ['"commands[1]"', "null"]),
    ]
    for path, payload, named in cases:
        async with api.post(path, json=payload) as response:
            body = await error_of(response)
        assert response.status == 400, (path, body)
        assert all(part in body["message"] for part in named), (path, body)


async def test_wrong_query_and_path_values_are_400_naming_them(api: aiohttp.ClientSession) -> None:
    for path, named in (
        ("/api/v1/jobs?limit=ten", ["limit", "'ten'"]),
        ("/api/v1/jobs?limit=0", ["limit", "0"]),
        ("/api/v1/auth/session", []),
        ("/api/v1/files/abc", ["id", "'abc'"]),
    ):
        async with api.get(path) as response:
            if not named:
                assert response.status == 200
                continue
            body = await error_of(response)
        assert response.status == 400 and all(part in body["message"] for part in named), (path, body)


async def test_ids_past_64_bits_are_400_not_500(api: aiohttp.ClientSession) -> None:
    # They reached SQLite, which cannot bind them: an OverflowError, a 500 for a client's typo.
    requests = [
        ("GET", f"/api/v1/files/{HUGE_ID}", None),
        ("DELETE", f"/api/v1/files/{HUGE_ID}", None),
        ("GET", f"/api/v1/jobs/{HUGE_ID}", None),
        ("POST", f"/api/v1/jobs/{HUGE_ID}/pause", None),
        ("POST", "/api/v1/jobs", {"file_id": HUGE_ID}),
    ]
    for method, path, payload in requests:
        async with api.request(method, path, json=payload) as response:
            body = await error_of(response)
        assert response.status == 400, (method, path, body)
        assert str(HUGE_ID) in body["message"], body


async def test_answers_keep_to_their_models(api: aiohttp.ClientSession) -> None:
    stored = await upload(api, "cube.gcode", SMALL_PRINT)
    doc = await document(api)
    properties = doc["components"]["schemas"]["StoredFile"]["properties"]
    assert set(stored) == set(properties)
    assert set(stored["analysis"]) == set(doc["components"]["schemas"]["GcodeAnalysis"]["properties"])


async def test_docs_page_needs_no_credentials_and_nothing_from_elsewhere(appliance: Appliance) -> None:
    async with aiohttp.ClientSession(base_url=appliance.web.url) as browser:
        async with browser.get("/api/v1/docs") as response:
            assert response.status == 200 and response.content_type == "text/html"
            assert "script-src 'self'" in response.headers["Content-Security-Policy"]
            page = await response.text()
        assets = re.findall(r'(?:src|href)="([^"]+)"', page)
        assert "/api/v1/docs/docs.js" in assets and "/api/v1/docs/docs.css" in assets
        assert all(asset.startswith("/") and not asset.startswith("//") for asset in assets), assets
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), "no inline script: the CSP forbids it"
        assert "style=" not in page and "<style" not in page
        for asset, content_type in (("docs.js", "text/javascript"), ("docs.css", "text/css")):
            async with browser.get(f"/api/v1/docs/{asset}") as response:
                assert response.status == 200 and response.content_type == content_type
                text = await response.text()
            assert "http://" not in text and "https://" not in text, asset
        async with browser.get("/api/v1/openapi.json") as response:
            assert response.status == 200
        async with browser.get("/api/v1/docs/other.js") as response:
            assert response.status == 400
