"""Run every benchmark and print one JSON document."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import (
    bench_api_load,
    bench_cad,
    bench_gpio,
    bench_link,
    bench_make,
    bench_mqtt,
    bench_ota,
    bench_panel,
    bench_properties,
    bench_service,
    bench_slice,
)


async def main() -> dict[str, object]:
    """All figures."""
    return {
        "streaming": await bench_link.main(),
        "service": await bench_service.main(),
        "gpio": await bench_gpio.main(),
        "api_under_load": await bench_api_load.main(),
        "panel": await bench_panel.main(),
        "property_tests": bench_properties.main(),
        "cad": bench_cad.main(),
        "slicing": await bench_slice.main(),
        "text_to_print": await bench_make.main(),
        "mqtt": await bench_mqtt.main(),
        "ota_config": await bench_ota.main(),
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main()), indent=2))
