"""The `printedge` command: run the appliance, simulate a printer, print a file, ask for status, check config."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import os
import signal
import sys
from pathlib import Path

import yaml

from edge import __version__
from edge.cli_agents import add_agent_commands
from edge.cli_auth import add_auth_commands
from edge.cli_config import add_ota_commands
from edge.cli_fleet import add_fleet_commands
from edge.cli_gpio import add_gpio_commands
from edge.cli_service import ask_service
from edge.config.loader import load_config, load_layers, to_dict
from edge.core.errors import PrintEdgeError


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args))
    except PrintEdgeError as exc:
        print(f"printedge: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="printedge", description="PrintEdge print appliance")
    parser.add_argument("--version", action="version", version=f"printedge {__version__}")
    sub = parser.add_subparsers(dest="command")

    run = sub.add_parser("run", help="run the appliance (built-in virtual printer unless configured otherwise)")
    run.add_argument("--config", type=Path, help="YAML file overriding config/default.yaml")
    run.set_defaults(handler=_cmd_run)

    sim = sub.add_parser("simulate", help="run a virtual printer (Marlin, or --dialect) on a pseudo-terminal")
    sim.add_argument("--link", required=True, help="path of the symlink to create to the printer's port")
    sim.add_argument("--baud", type=int, default=250000, help="paced baud rate (0: unpaced)")
    sim.add_argument("--latency-ms", type=float, default=2.0, help="added latency each way")
    sim.add_argument("--rx-buffer", type=int, default=128, help="firmware RX buffer in bytes")
    sim.add_argument("--command-buffer", type=int, default=4, help="firmware command queue (BUFSIZE)")
    sim.add_argument("--planner-buffer", type=int, default=16, help="planner blocks (BLOCK_BUFFER_SIZE)")
    sim.add_argument("--advanced-ok", action="store_true", help="answer 'ok N.. P.. B..' (Marlin ADVANCED_OK)")
    sim.add_argument("--fault-rate", type=float, default=0.0, help="fraction of bytes corrupted each way")
    sim.add_argument("--time-scale", type=float, default=1.0, help="multiplies move/heat durations")
    sim.add_argument("--command-time-ms", type=float, default=0.0, help="time every command holds the firmware")
    sim.add_argument(
        "--blocking-replies", action="store_true", help="no TX buffer: writing a reply holds the firmware (AVR)"
    )
    sim.add_argument("--stall-every-ms", type=float, default=0.0, help="period of stalls such as LCD redraws")
    sim.add_argument("--stall-ms", type=float, default=0.0, help="length of each periodic stall")
    sim.add_argument(
        "--no-emergency-parser",
        dest="emergency_parser",
        action="store_false",
        help="M108/M112/M410 act only when read from RX (Marlin without EMERGENCY_PARSER)",
    )
    sim.add_argument(
        "--dialect",
        choices=("marlin", "prusa", "reprapfirmware", "klipper", "repetier"),
        default="marlin",
        help="the firmware the virtual printer speaks",
    )
    sim.add_argument("--seed", type=int, default=None)
    faults = ("none", "dead", "thermistor_open", "stuck", "runaway")
    sim.add_argument("--hotend-fault", choices=faults, default="none", help="a heater fault to test the watchdog")
    sim.add_argument("--bed-fault", choices=faults, default="none", help="a heater fault to test the watchdog")
    sim.add_argument("--executed-log", type=Path, help="write every executed line to this file")
    sim.add_argument("--executed-memory", type=int, default=1000, help="executed lines kept in memory")
    sim.add_argument("--stats-file", type=Path, help="write statistics as JSON here on exit")
    sim.set_defaults(handler=_cmd_simulate)

    pr = sub.add_parser("print", help="stream one G-code file to a printer without the service")
    pr.add_argument("file", type=Path)
    pr.add_argument("--port", required=True, help="serial port (or 'auto')")
    pr.add_argument("--baud", type=int, default=None)
    pr.add_argument("--window", default=None, help="auto, or the most lines in flight (1 = ping-pong)")
    pr.add_argument("--config", type=Path)
    pr.add_argument("--json", action="store_true", help="print the result and the link's statistics as JSON")
    pr.set_defaults(handler=_cmd_print)

    ports = sub.add_parser("ports", help="list serial ports that could be a printer, most likely first")
    ports.set_defaults(handler=_cmd_ports)

    st = sub.add_parser("status", help="ask the running service how it is")
    st.add_argument("--url", default=None, help="base URL (default http://127.0.0.1:<api.port>)")
    st.add_argument("--json", action="store_true", help="print the raw JSON")
    st.add_argument(
        "--api-key", default=os.environ.get("PRINTEDGE_API_KEY"), help="API key (default: $PRINTEDGE_API_KEY)"
    )
    st.add_argument("--config", type=Path)
    st.set_defaults(handler=_cmd_status)

    cfg = sub.add_parser("config", help="check, show, sign, push configuration; OTA status")
    cfg_sub = cfg.add_subparsers(dest="config_command")
    check = cfg_sub.add_parser("check", help="validate a configuration file")
    check.add_argument("file", type=Path)
    check.set_defaults(handler=_cmd_config_check)
    show = cfg_sub.add_parser("show", help="print the effective configuration")
    show.add_argument("file", type=Path, nargs="?")
    show.set_defaults(handler=_cmd_config_show)
    add_ota_commands(cfg_sub)

    add_auth_commands(sub)
    add_agent_commands(sub)
    add_fleet_commands(sub)
    add_gpio_commands(sub)
    return parser


def _setup_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _cmd_run(args: argparse.Namespace) -> int:
    from edge.app import Appliance

    layers = load_layers(args.config)
    config = layers.boot(starting=True)
    _setup_logging(config.log_level)
    app = Appliance(config, layers)

    async def go() -> None:
        await app.run()

    asyncio.run(go())
    return 0


def _cmd_simulate(args: argparse.Namespace) -> int:
    from edge.printer.simulator import SimulatorSettings, serve

    _setup_logging("INFO")
    settings = SimulatorSettings(
        baud=args.baud,
        latency_ms=args.latency_ms,
        rx_buffer=args.rx_buffer,
        command_buffer=args.command_buffer,
        planner_buffer=args.planner_buffer,
        advanced_ok=args.advanced_ok,
        fault_rate_in=args.fault_rate,
        fault_rate_out=args.fault_rate,
        time_scale=args.time_scale,
        command_time_ms=args.command_time_ms,
        blocking_replies=args.blocking_replies,
        stall_every_ms=args.stall_every_ms,
        stall_ms=args.stall_ms,
        emergency_parser=args.emergency_parser,
        dialect=args.dialect,
        seed=args.seed,
        executed_log=args.executed_log,
        executed_memory=args.executed_memory,
        hotend_fault=args.hotend_fault,
        bed_fault=args.bed_fault,
    )

    async def go() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        stats = json.dumps(dataclasses.asdict(await serve(settings, args.link, stop)))
        if args.stats_file:
            args.stats_file.write_text(stats + "\n")
        print(stats)

    asyncio.run(go())
    return 0


def _cmd_print(args: argparse.Namespace) -> int:
    from edge.cli_print import print_file

    env = dict(os.environ)
    if args.baud is not None:
        env["PRINTEDGE_PRINTER__BAUD"] = str(args.baud)
    if args.window is not None:
        env["PRINTEDGE_PRINTER__WINDOW"] = str(args.window)
    config = load_config(args.config, env=env)
    logging.basicConfig(level="WARNING", format="%(levelname)s %(name)s: %(message)s")
    return asyncio.run(print_file(args.file, args.port, config, as_json=args.json))


def _cmd_status(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    url = args.url or f"http://127.0.0.1:{config.api.port}"
    status = ask_service(url, "/api/v1/status", args.api_key)
    if status is None:
        return 1
    if args.json:
        print(json.dumps(status, indent=2))
        return 0
    printer = status.get("printer") if isinstance(status.get("printer"), dict) else {}
    jobs = status.get("jobs") if isinstance(status.get("jobs"), dict) else {}
    assert isinstance(printer, dict) and isinstance(jobs, dict)
    print(f"PrintEdge {status.get('version')} up {status.get('uptime_s')} s")
    print(f"printer: {printer.get('state')} ({printer.get('detail')})")
    temps = printer.get("temperatures") or {}
    if isinstance(temps, dict):
        print(
            f"hotend {temps.get('hotend')} / {temps.get('hotend_target')} °C, bed {temps.get('bed')} / {temps.get('bed_target')} °C"
        )
    current = jobs.get("current")
    progress = jobs.get("progress")
    if isinstance(current, dict) and isinstance(progress, dict):
        total = progress.get("bytes_total") or 0
        done = progress.get("bytes_done") or 0
        pct = 100.0 * float(str(done)) / float(str(total)) if total else 0.0
        print(
            f"job {current.get('id')} {current.get('file_name')}: {current.get('state')} {pct:.1f}% layer {progress.get('layer')}"
        )
    else:
        print("no job running" + (" (waiting for the bed to be cleared)" if jobs.get("awaiting_bed_clear") else ""))
    return 0


def _cmd_ports(args: argparse.Namespace) -> int:
    from edge.printer.transport import candidate_ports

    found = candidate_ports()
    for port in found:
        print(port)
    if not found:
        print("no USB serial port found (looked in /dev/serial/by-id, ttyACM*, ttyUSB*)", file=sys.stderr)
        return 1
    return 0


def _cmd_config_check(args: argparse.Namespace) -> int:
    load_config(args.file, env={}, overlay=False)
    print(f"{args.file}: OK")
    return 0


def _cmd_config_show(args: argparse.Namespace) -> int:
    config = load_config(args.file)
    print(yaml.safe_dump(to_dict(config), sort_keys=False), end="")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
