"""GET /api/settings: the parts of OctoPrint's settings that clients read (name, webcam, discovery id)."""

from __future__ import annotations

from aiohttp import web

from edge.services import Services
from edge.web.context import services

routes = web.RouteTableDef()

# Offered to clients that show temperature presets (OctoPrint's defaults).
TEMPERATURE_PROFILES = [
    {"name": "ABS", "extruder": 210, "bed": 100, "chamber": None},
    {"name": "PLA", "extruder": 180, "bed": 60, "chamber": None},
]


@routes.get("/api/settings")
async def get_settings(request: web.Request) -> web.Response:
    """Appearance name (the device name), no webcam, serial settings and the discovery id (the device id)."""
    return web.json_response(build_settings(services(request)))


def build_settings(svc: Services) -> dict[str, object]:
    """The settings document."""
    config = svc.config
    device_id = svc.identity.id if svc.identity is not None else None
    return {
        "api": {"allowCrossOrigin": False},
        "appearance": {
            "name": config.device.name,
            "color": "default",
            "colorTransparent": False,
            "colorIcon": True,
            "defaultLanguage": "_default",
            "showFahrenheitAlso": False,
            "fuzzyTimes": True,
            "closeModalsWithClick": True,
            "showInternalFilename": True,
        },
        "feature": {
            "sdSupport": False,
            "temperatureGraph": True,
            "keyboardControl": True,
            "modelSizeDetection": False,
            "printStartConfirmation": False,
            "printCancelConfirmation": True,
        },
        "printer": {"defaultExtrusionLength": 5},
        "serial": {
            "port": svc.link.port,
            "baudrate": config.printer.baud,
            "autoconnect": True,
            "portOptions": [svc.link.port],
            "baudrateOptions": [config.printer.baud],
        },
        "temperature": {"profiles": TEMPERATURE_PROFILES, "cutoff": 30},
        "webcam": {
            "webcamEnabled": False,
            "timelapseEnabled": False,
            "streamUrl": "",
            "snapshotUrl": "",
            "snapshotSslValidation": True,
            "flipH": False,
            "flipV": False,
            "rotate90": False,
            "bitrate": "",
            "ffmpegPath": "",
        },
        "plugins": {
            "discovery": {
                # Home Assistant takes this as the printer's unique id.
                "upnpUuid": device_id,
                "publicHost": None,
                "publicPort": None,
                "pathPrefix": "",
                "httpUsername": "",
                "httpPassword": "",
                "zeroConf": [],
                "model": {"name": "PrintEdge", "description": config.printer.machine.model},
            },
        },
    }
