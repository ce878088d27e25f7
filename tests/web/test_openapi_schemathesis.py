"""Schemathesis against the live appliance: every operation of /api/v1/openapi.json, valid and invalid input."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.web.auth_helpers import anonymous, claim
from tests.web.conftest import client, key_headers, started
from tests.web.web_helpers import SMALL_PRINT, slow_print, start_job, upload

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
# Examples per operation and mode: enough to reach the documented answers, few enough for a run of about a minute.
MAX_EXAMPLES = 25
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


class Fuzzer:
    """Sends generated requests for operations of the live document and collects failures and answers."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json")
        self.failures: list[str] = []
        self.answers: Counter[str] = Counter()

    def run(self, headers: dict[str, str], *, tags: set[str] | None = None, skip: set[str] | None = None) -> None:
        """Every operation (or those with one of the tags), valid and invalid requests, with these credentials."""
        for result in self.schema.get_all_operations():
            operation = result.ok()
            if tags is not None and not tags & set(operation.tags or ()):
                continue
            if skip and operation.label in skip:
                continue
            for mode in MODES:
                self._operation(operation, mode, headers)

    def _operation(self, operation: schemathesis.APIOperation, mode: GenerationMode, headers: dict[str, str]) -> None:
        label = operation.label

        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def send(case: schemathesis.Case) -> None:
            response = case.call_and_validate(base_url=self.base_url, headers=headers, checks=CHECKS, timeout=60)
            self.answers[f"{label} {response.status_code}"] += 1

        try:
            send()
        except Unsatisfiable:
            pass  # nothing to make invalid (no parameters, no body): the positive run covered it
        except Exception as exc:  # noqa: BLE001 - report every operation's failure, not only the first
            self.failures.append(f"{label} ({mode.value}): {exc}")


async def test_every_operation_answers_as_documented(tmp_path: Path) -> None:
    # Fuzzed setup codes and passwords are failed authentications: the limiter must not end the run in 429s.
    appliance = await started(tmp_path / "data", auth__max_failures="10000")
    try:
        async with client(appliance) as api:
            # Records for the generated ids to find (ids start at 1): a file printed at once, and a long print queued.
            first = await upload(api, "cube.gcode", SMALL_PRINT)
            await start_job(api, first["id"])
            await start_job(api, (await upload(api, "slow.gcode", slow_print()))["id"])
        key = key_headers(appliance)["X-Api-Key"]
        began = time.monotonic()
        fuzzer = await asyncio.to_thread(Fuzzer, appliance.web.url)  # loads the document over HTTP
        # The same key both ways, so that a generated Authorization header never makes a valid request a 401.
        await asyncio.to_thread(fuzzer.run, {"X-Api-Key": key, "Authorization": f"Bearer {key}"})
        # Then the owner's panel session, for what only it may do (signing out would end it: left out).
        async with anonymous(appliance) as browser:
            signed_in = await claim(appliance, browser)
            cookie = "; ".join(f"{c.key}={c.value}" for c in browser.cookie_jar)
        session = {"Cookie": cookie, "X-CSRF-Token": signed_in["csrf_token"]}
        await asyncio.to_thread(fuzzer.run, session, tags={"auth"}, skip={"POST /api/v1/auth/logout"})
        print(f"schemathesis: {fuzzer.answers.total()} requests in {time.monotonic() - began:.1f} s")
        for answer, count in sorted(fuzzer.answers.items()):
            print(f"  {answer}: {count}")
    finally:
        await appliance.stop()
    assert not fuzzer.failures, "\n\n".join(fuzzer.failures)
    assert fuzzer.answers.total() > 1000
