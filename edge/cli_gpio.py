"""`printedge gpio list` (ask the running service) and `printedge gpio test NAME` (check wiring, service stopped)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from edge.cli_service import ask_service
from edge.config.gpio import NOT_FITTED
from edge.config.loader import load_config

WATCH_S = 30.0
TOGGLE_S = 1.0


def add_gpio_commands(sub: Any) -> None:
    """Register `printedge gpio ...`."""
    gpio = sub.add_parser("gpio", help="GPIO sensors and outputs: list them, test their wiring")
    gpio_sub = gpio.add_subparsers(dest="gpio_command")
    ls = gpio_sub.add_parser("list", help="the configured devices and their states (asks the running service)")
    ls.add_argument("--url", default=None, help="base URL (default http://127.0.0.1:<api.port>)")
    ls.add_argument("--api-key", default=os.environ.get("PRINTEDGE_API_KEY"), help="API key ($PRINTEDGE_API_KEY)")
    ls.add_argument("--json", action="store_true", help="print the raw JSON")
    ls.add_argument("--config", type=Path)
    ls.set_defaults(handler=_cmd_list)
    test = gpio_sub.add_parser("test", help="watch an input's level, or toggle an output (stop the service first)")
    test.add_argument("name", choices=("runout", "door", "button", "psu", "led"))
    test.add_argument("--seconds", type=float, default=WATCH_S, help="how long to watch or toggle")
    test.add_argument("--config", type=Path)
    test.set_defaults(handler=_cmd_test)


def _cmd_list(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    url = args.url or f"http://127.0.0.1:{config.api.port}"
    body = ask_service(url, "/api/v1/gpio", args.api_key)
    if body is None:
        return 1
    if args.json:
        print(json.dumps(body, indent=2))
        return 0
    print(f"pin factory: {body['pin_factory']}" + (" (simulation allowed)" if body["simulation"] else ""))
    if not body["devices"]:
        print("no GPIO devices configured (see docs/hardware.md)")
    for device in body["devices"]:
        pins = ", ".join(f"{key} {value}" for key, value in device["pins"].items())
        print(f"{device['name']:<8} {device['kind']:<6} BCM {pins:<24} {device['state']}")
    enclosure = body.get("enclosure")
    if enclosure:
        print(
            f"enclosure: {enclosure['temperature_c']} °C"
            + (f" ({enclosure['problem']})" if enclosure["problem"] else "")
        )
    return 0


def _cmd_test(args: argparse.Namespace) -> int:
    from gpiozero import DigitalInputDevice, DigitalOutputDevice

    from edge.sensors.factory import make_factory

    config = load_config(args.config).gpio
    device_config = getattr(config, args.name)
    pin = device_config.pin if args.name != "led" or config.led.pin != NOT_FITTED else config.led.red
    if pin == NOT_FITTED:
        print(f"printedge: gpio.{args.name} has no pin configured", file=sys.stderr)
        return 1
    factory, mock = make_factory(config.pin_factory)
    print(f"GPIO through {'the mock factory (no hardware)' if mock else type(factory).__name__}; BCM pin {pin}")
    end = time.monotonic() + args.seconds
    if args.name in ("runout", "door", "button"):
        pull = {"up": True, "down": False, "none": None}[device_config.pull]
        state = None if device_config.active_state == "auto" else device_config.active_state == "high"
        device = DigitalInputDevice(pin, pull_up=pull, active_state=state, pin_factory=factory)
        print(f"watching {args.name} for {args.seconds:g} s: press or move it (Ctrl-C ends)")
        last = None
        while time.monotonic() < end:
            level = bool(device.is_active) != device_config.normally_closed
            if level != last:
                print(f"{time.strftime('%H:%M:%S')} {args.name}: {'ACTIVE' if level else 'inactive'}")
                last = level
            time.sleep(0.02)
    else:
        high = device_config.active_state == "high"
        output = DigitalOutputDevice(pin, active_high=high, initial_value=False, pin_factory=factory)
        print(
            f"toggling {args.name} every {TOGGLE_S:g} s for {args.seconds:g} s: listen for the relay or watch the LED"
        )
        while time.monotonic() < end:
            output.toggle()
            print(f"{args.name}: {'on' if output.value else 'off'}")
            time.sleep(TOGGLE_S)
        output.off()
    factory.close()
    return 0
