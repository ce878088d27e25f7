"""`printedge fleet ...`: operator keys, signed commands to devices over MQTT, and a live table of the fleet."""

from __future__ import annotations

import argparse
from pathlib import Path

# The commands a device knows (edge.telemetry.actions.ACTIONS; a test keeps them equal). Named here so that
# `printedge` starts without importing MQTT, cryptography or the control surface.
COMMANDS = ("bed_clear", "cancel", "emergency_stop", "gcode", "pause", "resume", "start")


def add_fleet_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `printedge fleet ...`."""
    fleet = sub.add_parser("fleet", help="operator keys, signed commands to devices, a live view of the fleet")
    fleet_sub = fleet.add_subparsers(dest="fleet_command", required=True)

    keygen = fleet_sub.add_parser("keygen", help="make an operator key; prints the line for fleet.trusted_keys")
    keygen.add_argument("--out", type=Path, default=Path("."), help="directory for KEY_ID.key and KEY_ID.pub")
    keygen.add_argument("--id", dest="key_id", help="the key's id (default: derived from the public key)")
    keygen.set_defaults(handler=_keygen)

    send = fleet_sub.add_parser("send", help="sign a command, send it, and print each device's answer")
    send.add_argument("device", help="a device id, or '*' for every device")
    send.add_argument("command", choices=COMMANDS)
    send.add_argument("args", nargs="*", metavar="KEY=VALUE", help="arguments; VALUE is read as JSON, else as text")
    send.add_argument("--key", type=Path, required=True, help="the operator key file from `printedge fleet keygen`")
    send.add_argument("--wait", type=float, default=10.0, help="seconds to wait for answers (for '*': to collect)")
    send.add_argument("--no-wait", action="store_true", help="only publish the command")
    send.add_argument("--json", action="store_true", help="print each answer as its JSON payload")
    send.set_defaults(handler=_send)

    watch = fleet_sub.add_parser("watch", help="a live table of every device on the broker")
    watch.add_argument("--once", action="store_true", help="collect for --collect seconds, print once, exit")
    watch.add_argument("--collect", type=float, default=2.0, help="seconds to listen before --once prints")
    watch.set_defaults(handler=_watch)

    for parser in (send, watch):
        parser.add_argument("--broker", required=True, help="mqtt://[user:pass@]host[:port] or mqtts://...")
        parser.add_argument("--ca", type=Path, help="CA certificate file for an mqtts:// broker")


def _keygen(args: argparse.Namespace) -> int:
    from edge.telemetry.operator import keygen

    return keygen(args)


def _send(args: argparse.Namespace) -> int:
    from edge.telemetry.operator import send

    return send(args)


def _watch(args: argparse.Namespace) -> int:
    from edge.telemetry.operator import watch

    return watch(args)
