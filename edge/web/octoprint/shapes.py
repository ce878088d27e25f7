"""OctoPrint's JSON shapes, built from PrintEdge's state: printer state, temperatures, files, jobs, the profile."""

from __future__ import annotations

import math
from collections.abc import Iterable
from urllib.parse import quote

from edge.config.schema import AppConfig
from edge.gcode.analysis import GcodeAnalysis
from edge.printer.link import LinkState, PrinterLink
from edge.printer.outcome import RunPhase
from edge.printer.runner import JobRunner
from edge.store.files import StoredFile
from edge.web.octoprint.state import TemperaturePoint

ORIGIN = "local"
PROFILE_ID = "_default"
# OctoPrint's default filament diameter, used for the volume in its analysis.
FILAMENT_DIAMETER_MM = 1.75
GCODE_TYPE_PATH = ["machinecode", "gcode"]

_CONNECTING = {
    LinkState.DISCONNECTED: "Offline",
    LinkState.CONNECTING: "Opening serial connection",
    LinkState.HANDSHAKE: "Connecting",
}


def state_text(link: PrinterLink, runner: JobRunner | None) -> str:
    """OctoPrint's state string: Operational, Printing, Pausing, Paused, Resuming, Cancelling, Offline, Error: ..."""
    if link.state in _CONNECTING:
        return _CONNECTING[link.state]
    if link.state is not LinkState.READY:
        return f"Error: {link.detail}"
    if runner is None:
        return "Operational"
    if runner.cancelling:
        return "Cancelling"
    if runner.pausing:
        return "Pausing"
    if runner.resuming:
        return "Resuming"
    return "Paused" if runner.phase is RunPhase.PAUSED else "Printing"


def printer_state(link: PrinterLink, runner: JobRunner | None) -> dict[str, object]:
    """OctoPrint's printer state: text and flags."""
    ready = link.state is LinkState.READY
    failed = link.state in (LinkState.HALTED, LinkState.ERROR)
    paused = runner is not None and runner.phase is RunPhase.PAUSED
    text = state_text(link, runner)
    return {
        "text": text,
        "flags": {
            "operational": ready,
            "printing": ready and runner is not None and runner.phase is RunPhase.PRINTING,
            "paused": ready and paused,
            "pausing": ready and runner is not None and runner.pausing,
            "resuming": ready and runner is not None and runner.resuming,
            "cancelling": ready and runner is not None and runner.cancelling,
            "finishing": False,
            "sdReady": False,
            "error": failed,
            "ready": ready and runner is None,
            "closedOrError": not ready and link.state not in (LinkState.CONNECTING, LinkState.HANDSHAKE),
        },
        "error": link.detail if failed else "",
    }


def temperatures(link: PrinterLink, config: AppConfig, history: Iterable[TemperaturePoint] | None) -> dict[str, object]:
    """Tool and bed temperatures (actual, target, offset), with the history when asked for."""
    temps = link.temperatures
    machine = config.printer.machine
    result: dict[str, object] = {"tool0": _heater(temps.hotend, temps.hotend_target)}
    if machine.heated_bed:
        result["bed"] = _heater(temps.bed, temps.bed_target)
    if history is not None:
        result["history"] = [_history_point(point, machine.heated_bed) for point in history]
    return result


def _heater(actual: float | None, target: float | None) -> dict[str, object]:
    return {"actual": actual, "target": target, "offset": 0}


def _history_point(point: TemperaturePoint, bed: bool) -> dict[str, object]:
    data: dict[str, object] = {
        "time": int(point.time),
        "tool0": {"actual": point.hotend, "target": point.hotend_target},
    }
    if bed:
        data["bed"] = {"actual": point.bed, "target": point.bed_target}
    return data


def filament(analysis: GcodeAnalysis) -> dict[str, object] | None:
    """Filament use per tool (length in mm, volume in cm³), or None when the file extrudes nothing."""
    length = analysis.filament_mm
    if not length:
        return None
    volume = length * math.pi * (FILAMENT_DIAMETER_MM / 2) ** 2 / 1000
    return {"tool0": {"length": round(length, 2), "volume": round(volume, 3)}}


def gcode_analysis(analysis: GcodeAnalysis) -> dict[str, object]:
    """OctoPrint's gcodeAnalysis: estimated print time and filament."""
    return {
        "estimatedPrintTime": analysis.estimated_time_s,
        "filament": filament(analysis) or {},
        "printingArea": None,
        "dimensions": None,
    }


def refs(base_url: str, name: str) -> dict[str, str]:
    """Where a file's resource and download are."""
    quoted = quote_name(name)
    return {
        "resource": f"{base_url}/api/files/{ORIGIN}/{quoted}",
        "download": f"{base_url}/downloads/files/{ORIGIN}/{quoted}",
    }


def quote_name(name: str) -> str:
    """A file name as one URL path segment."""
    return quote(name, safe="")


def file_abridged(stored: StoredFile, base_url: str) -> dict[str, object]:
    """The abridged file information of an upload answer."""
    return {
        "name": stored.name,
        "path": stored.name,
        "display": stored.name,
        "origin": ORIGIN,
        "refs": refs(base_url, stored.name),
    }


def file_info(stored: StoredFile, base_url: str) -> dict[str, object]:
    """The full file information of a listing."""
    return file_abridged(stored, base_url) | {
        "type": "machinecode",
        "typePath": GCODE_TYPE_PATH,
        "size": stored.size,
        "date": int(stored.created_at),
        "gcodeAnalysis": gcode_analysis(stored.analysis),
    }


def job_file(stored: StoredFile | None) -> dict[str, object]:
    """The file part of the job information (all null when there is no file)."""
    if stored is None:
        return {"name": None, "path": None, "display": None, "origin": None, "size": None, "date": None}
    return {
        "name": stored.name,
        "path": stored.name,
        "display": stored.name,
        "origin": ORIGIN,
        "size": stored.size,
        "date": int(stored.created_at),
    }


def no_progress() -> dict[str, object]:
    """Progress of a job that has not started."""
    return {"completion": None, "filepos": None, "printTime": None, "printTimeLeft": None, "printTimeLeftOrigin": None}


def printer_profile(config: AppConfig, base_url: str) -> dict[str, object]:
    """The one printer profile, from printer.machine."""
    machine = config.printer.machine
    return {
        "id": PROFILE_ID,
        "name": config.device.name,
        "model": machine.model,
        "color": "default",
        "current": True,
        "default": True,
        "resource": f"{base_url}/api/printerprofiles/{PROFILE_ID}",
        "volume": {
            "formFactor": "rectangular",
            "origin": "lowerleft",
            "width": machine.width_mm,
            "depth": machine.depth_mm,
            "height": machine.height_mm,
            "custom_box": False,
        },
        "heatedBed": machine.heated_bed,
        "heatedChamber": False,
        "axes": {
            "x": {"speed": 6000, "inverted": False},
            "y": {"speed": 6000, "inverted": False},
            "z": {"speed": 200, "inverted": False},
            "e": {"speed": 300, "inverted": False},
        },
        "extruder": {
            "count": machine.extruders,
            "offsets": [[0.0, 0.0] for _ in range(machine.extruders)],
            "nozzleDiameter": machine.nozzle_diameter_mm,
            "sharedNozzle": False,
            "defaultExtrusionLength": 5,
        },
    }
