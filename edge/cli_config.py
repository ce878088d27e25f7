"""`printedge config sign|push|status`: over-the-air configuration for operators."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path


def add_ota_commands(cfg_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the OTA subcommands under `printedge config`."""
    sign = cfg_sub.add_parser("sign", help="sign a config document with an operator key (`printedge fleet keygen`)")
    sign.add_argument("file", type=Path, help="the document: JSON or YAML with version, content, ... (docs/ota.md)")
    sign.add_argument("--key", type=Path, required=True, help="the operator key file")
    sign.add_argument("--out", type=Path, default=None, help="write the signed document here (default: stdout)")
    sign.set_defaults(handler=_sign)

    push = cfg_sub.add_parser("push", help="publish a signed document, retained, on a desired topic")
    push.add_argument("file", type=Path)
    target = push.add_mutually_exclusive_group(required=True)
    target.add_argument("--device", help="one device id: printedge/<id>/config/desired")
    target.add_argument("--fleet", action="store_true", help="every device: printedge/fleet/config/desired")
    push.add_argument("--broker", required=True, help="mqtt://[user:pass@]host[:port] or mqtts://...")
    push.add_argument("--ca", type=Path, help="CA certificate file for an mqtts:// broker")
    push.add_argument("--prefix", default="printedge", help="the devices' mqtt.topic_prefix")
    push.set_defaults(handler=_push)

    status = cfg_sub.add_parser("status", help="which config version runs and how the last document ended")
    status.add_argument("--url", default=None, help="base URL (default http://127.0.0.1:<api.port>)")
    status.add_argument("--api-key", default=os.environ.get("PRINTEDGE_API_KEY"), help="default: $PRINTEDGE_API_KEY")
    status.add_argument("--data-dir", default=None, help="read <data_dir>/config/state.json instead of asking")
    status.set_defaults(handler=_status)


def _sign(args: argparse.Namespace) -> int:
    from edge.ota.operator import sign

    return sign(args)


def _push(args: argparse.Namespace) -> int:
    from edge.ota.operator import push

    return push(args)


def _status(args: argparse.Namespace) -> int:
    if args.data_dir is not None:
        from edge.ota.operator import status_from_data_dir

        return status_from_data_dir(args.data_dir)
    from edge.cli_service import ask_service
    from edge.config.loader import load_config

    url = args.url or f"http://127.0.0.1:{load_config().api.port}"
    body = ask_service(url, "/api/v1/config/status", args.api_key)
    if body is None:
        return 1
    print(json.dumps(body, indent=2))
    return 0
