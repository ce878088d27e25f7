"""`printedge design` (text to a checked mesh, here) and `printedge make` (text to the queue, through the service)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from edge.agents.errors import AgentError, DesignError, ModelError
from edge.agents.local import LocalAgents
from edge.config.loader import load_config

EXIT_REFUSED = 2
EXIT_FAILED = 1
POLL_S = 0.5
MAKE_TIMEOUT_S = 1800.0


def add_make_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `printedge design` and `printedge make`."""
    de = sub.add_parser("design", help="turn a sentence into a checked mesh (STL); prints the design spec as JSON")
    de.add_argument("text", help='what to make, e.g. "a 40 mm cube with a 10 mm hole, in PETG"')
    de.add_argument("-o", "--output", type=Path, required=True, help="the STL file to write (mm, resting on Z = 0)")
    de.add_argument("--config", type=Path, help="YAML file overriding config/default.yaml")
    de.set_defaults(handler=_cmd_design)

    mk = sub.add_parser(
        "make", help="send a sentence through the running service's pipeline and follow it to the queue"
    )
    mk.add_argument("text", help="what to make")
    mk.add_argument("--yes", action="store_true", help="queue it without asking once it is sliced")
    mk.add_argument("--material", help="PLA, PETG, ABS or TPU (wins over the text)")
    mk.add_argument("--quality", help="draft, standard, fine or ultra (wins over the text)")
    mk.add_argument("--url", default=None, help="base URL (default http://127.0.0.1:<api.port>)")
    mk.add_argument(
        "--api-key", default=os.environ.get("PRINTEDGE_API_KEY"), help="API key (default: $PRINTEDGE_API_KEY)"
    )
    mk.add_argument("--config", type=Path)
    mk.set_defaults(handler=_cmd_make)


def _cmd_design(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    agents = LocalAgents(config.agents, config.printer.machine, config.printer.max_line_length)
    if not args.output.resolve().parent.is_dir():
        return _refused(f"cannot write {str(args.output)!r}: its folder does not exist")

    async def go() -> dict[str, object]:
        spec = await agents.research(args.text, {})
        built = await agents.build(spec, args.output.resolve(), lambda _fraction, _message: None)
        return spec | {"size_mm": built["size_mm"], "volume_mm3": built["volume_mm3"], "mesh": built["mesh"]}

    try:
        result = asyncio.run(go())
    except (DesignError, ModelError) as exc:
        return _refused(exc.message)
    except AgentError as exc:
        print(f"printedge: {exc.message}", file=sys.stderr)
        return EXIT_FAILED
    print(json.dumps(result, indent=2))
    return 0


def _cmd_make(args: argparse.Namespace) -> int:
    import aiohttp

    config = load_config(args.config)
    url = args.url or f"http://127.0.0.1:{config.api.port}"
    headers = {"X-Api-Key": args.api_key} if args.api_key else {}
    body: dict[str, object] = {"text": args.text}
    body |= {k: v for k, v in (("material", args.material), ("quality", args.quality)) if v}
    try:
        return asyncio.run(_make(url, headers, body, args.yes))
    except (aiohttp.ClientError, TimeoutError) as exc:
        print(f"printedge: no PrintEdge service answers at {url}: {exc or type(exc).__name__}", file=sys.stderr)
        return EXIT_FAILED


async def _make(url: str, headers: dict[str, str], body: dict[str, object], yes: bool) -> int:
    import aiohttp

    async with aiohttp.ClientSession(base_url=url, headers=headers) as session:
        status, job = await _call(session, "POST", "/api/v1/jobs/text", body)
        if status != 201:
            return _refused(_problem(status, job, headers))
        print(f"job {job['id']}: {job['file_name']}")
        seen: set[tuple[str, str]] = set()
        async with asyncio.timeout(MAKE_TIMEOUT_S):
            while True:
                _, job = await _call(session, "GET", f"/api/v1/jobs/{job['id']}")
                for stage in job["stages"]:
                    mark = (stage["stage"], stage["state"])
                    if mark not in seen and stage["state"] != "pending":
                        seen.add(mark)
                        print(f"  {stage['stage']:<8} {stage['state']:<9} {stage['message']}")
                if job["state"] != "preparing":
                    break
                await asyncio.sleep(POLL_S)
        if job["state"] != "awaiting_confirmation":
            print(f"printedge: job {job['id']} {job['state']}: {job['detail']}", file=sys.stderr)
            return EXIT_FAILED
        _, preview = await _call(session, "GET", f"/api/v1/jobs/{job['id']}/preview")
        print(_summary(preview))
        if not yes and not _ask("Queue it for printing? [y/N] "):
            print(f"job {job['id']} waits for confirmation (the panel, or POST /api/v1/jobs/{job['id']}/confirm)")
            return 0
        status, job = await _call(session, "POST", f"/api/v1/jobs/{job['id']}/confirm")
        if status != 200:
            return _refused(_problem(status, job, headers))
        print(f"job {job['id']} is {job['state']}")
        return 0


async def _call(session: Any, method: str, path: str, body: object = None) -> tuple[int, dict[str, Any]]:
    async with session.request(method, path, json=body) as response:
        data: dict[str, Any] = await response.json()
        return int(response.status), data


def _summary(preview: dict[str, Any]) -> str:
    size = preview.get("size_mm") or []
    spec = preview.get("spec") or {}
    lines = [
        f"  {spec.get('part', 'model')}: {' x '.join(f'{v:g}' for v in size)} mm, "
        f"{spec.get('material', '')} {spec.get('quality', '')}".rstrip(),
        f"  {preview.get('layers')} layers, about {_duration(preview.get('estimated_time_s'))}, "
        f"{(preview.get('filament_g') or 0):.1f} g of filament ({(preview.get('filament_mm') or 0) / 1000:.2f} m)",
    ]
    lines += [f"  assumed: {assumption}" for assumption in spec.get("assumptions", [])]
    return "\n".join(lines)


def _duration(seconds: object) -> str:
    if not isinstance(seconds, int | float):
        return "an unknown time"
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"


def _ask(question: str) -> bool:
    if not sys.stdin.isatty():
        return False
    return input(question).strip().lower() in ("y", "yes")


def _problem(status: int, body: dict[str, Any], headers: dict[str, str]) -> str:
    advice = "" if headers or status != 401 else "; pass --api-key or set PRINTEDGE_API_KEY"
    return f"{body.get('message', body)} (HTTP {status}){advice}"


def _refused(message: str) -> int:
    print(f"printedge: {message}", file=sys.stderr)
    return EXIT_REFUSED
