"""Helpers for the fleet tests: envelopes, signed or not, and reading answers and the audit log."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from pathlib import Path
from typing import Any

from edge.app import Appliance
from edge.telemetry.commands import CommandResult
from edge.telemetry.signing import OperatorKey

SLOW_MOVES = 3000


def envelope(device: str, command: str, args: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """An unsigned command envelope, fresh (now, a new nonce) unless fields say otherwise."""
    body: dict[str, Any] = {
        "v": 1,
        "device": device,
        "command": command,
        "args": args or {},
        "ts": int(time.time()),
        "nonce": secrets.token_hex(16),
    }
    body.update(fields)
    return body


def signed(key: OperatorKey, device: str, command: str, args: dict[str, Any] | None = None, **fields: Any) -> bytes:
    """A signed command envelope as the payload bytes."""
    return json.dumps(key.sign(envelope(device, command, args, **fields))).encode()


def answer(result: CommandResult) -> dict[str, Any]:
    """The result payload as JSON."""
    body: dict[str, Any] = json.loads(result.payload)
    assert body["schema"] == "printedge.cmd_result/1"
    return body


def refusal(result: CommandResult) -> str:
    """The refusal code of a refused result (and it must be one)."""
    body = answer(result)
    assert result.refused and not result.ok and body["ok"] is False, body
    assert body["message"], body
    return str(body["error"])


async def audit_entries(app: Appliance) -> list[dict[str, object]]:
    """The audit log, oldest first, as dicts."""
    return [entry.to_dict() for entry in reversed(await app.services.control.audit())]


async def slow_file_id(app: Appliance, tmp_path: Path) -> int:
    """Store a long, slow print and return its file id."""
    lines = ["G28", "G90", "M83", ";LAYER_CHANGE", ";Z:0.2", "G1 Z0.2 F600"]
    lines += [f"G1 X{10 + (i % 2) * 10} Y{10 + i % 50} E0.2 F60" for i in range(SLOW_MOVES)]
    path = tmp_path / "slow.gcode"
    path.write_text("\n".join(lines) + "\n")
    stored = await app.services.files.add_path("slow.gcode", path)
    return stored.id


async def wait_for_job_state(app: Appliance, job_id: int, *states: str, within: float = 15.0) -> str:
    """Poll a job's stored state (or its runner's phase) until it is one of `states`."""
    deadline = time.monotonic() + within
    state = ""
    while time.monotonic() < deadline:
        runner = app.manager.runner
        if runner is not None and runner.job_id == job_id:
            state = runner.phase.value
        else:
            # A job whose runner is not there (yet, or any more) is neither printing nor paused here.
            state = (await app.services.jobs.get(job_id)).state.value
            state = "" if state in ("printing", "paused") else state
        if state in states:
            return state
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} did not become {' or '.join(states)} within {within} s: {state}")


def executed(app: Appliance) -> list[str]:
    """Every command the virtual printer executed."""
    assert app.simulator is not None
    return [line.command for line in app.simulator.executed]
