"""What `printedge config sign|push|status` do: sign a document, publish it retained, ask how it went."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

from edge.config.lkg import OverlayFiles
from edge.config.ota_document import SCHEMA, content_hash
from edge.core.errors import PrintEdgeError
from edge.ota.topics import desired_topic, fleet_desired_topic
from edge.telemetry.broker import BrokerError, BrokerUrl, connect
from edge.telemetry.signing import OperatorKey


class ConfigUsageError(PrintEdgeError):
    """A config document or command line that cannot be used as given."""

    code = "config_usage"


def prepare(document: dict[str, Any], key: OperatorKey) -> dict[str, Any]:
    """The document with its schema, hash, key id and signature."""
    for name in ("version", "content"):
        if name not in document:
            raise ConfigUsageError(f"the document needs {name!r} (see docs/ota.md)")
    body = {k: v for k, v in document.items() if k not in ("sig", "key")}
    body.setdefault("schema", SCHEMA)
    body.setdefault("device", "*")
    body.setdefault("kind", "full")
    body["sha256"] = content_hash(body["content"], body.get("overrides", {}))
    return key.sign(body)


def read_document(path: Path) -> dict[str, Any]:
    """A JSON or YAML document from a file."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))  # YAML is a superset of JSON
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigUsageError(f"{path} cannot be read as JSON or YAML: {exc}") from exc
    if not isinstance(loaded, dict):
        raise ConfigUsageError(f"{path} must hold one object (a config document)")
    return loaded


def sign(args: argparse.Namespace) -> int:
    """`printedge config sign FILE --key K [--out OUT]`."""
    signed = prepare(read_document(args.file), OperatorKey.load(args.key))
    text = json.dumps(signed, indent=1, sort_keys=True) + "\n"
    if args.out is None:
        print(text, end="")
    else:
        args.out.write_text(text, encoding="utf-8")
        print(f"signed version {signed['version']} with key {signed['key']} into {args.out}", file=sys.stderr)
    return 0


def push(args: argparse.Namespace) -> int:
    """`printedge config push FILE --device ID | --fleet --broker URL`: publish retained on the desired topic."""
    document = read_document(args.file)
    if "sig" not in document:
        raise ConfigUsageError(f"{args.file} is not signed: run `printedge config sign {args.file} --key K` first")
    topic = fleet_desired_topic(args.prefix) if args.fleet else desired_topic(args.prefix, args.device)
    try:
        client = connect(BrokerUrl.parse(args.broker), ca_file=args.ca, prefix="printedge-config")
    except BrokerError as exc:
        print(f"printedge: {exc.message}", file=sys.stderr)
        return 2
    try:
        info = client.publish(topic, json.dumps(document).encode(), qos=1, retain=True)
        info.wait_for_publish(10)
        if not info.is_published():
            print(f"printedge: the broker did not acknowledge {topic}", file=sys.stderr)
            return 2
    finally:
        client.disconnect()
        client.loop_stop()
    print(f"published version {document.get('version')} retained on {topic}", file=sys.stderr)
    return 0


def status_from_data_dir(data_dir: str) -> int:
    """`printedge config status --data-dir`: the data directory's state.json, without asking the service."""
    state = OverlayFiles(Path(data_dir).expanduser()).read_state()
    shown = {
        "version": state.version,
        "proven": state.proven,
        "boot_attempts": state.boot_attempts,
        "trial": state.trial,
        "report": state.report,
        "given_up": state.failed and {"version": state.failed.get("version"), "sha256": state.failed.get("sha256")},
    }
    print(json.dumps(shown, indent=2))
    return 0
