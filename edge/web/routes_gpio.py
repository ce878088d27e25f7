"""GPIO endpoints: the devices and their states, simulated inputs (mock factory only), the power relay."""

from __future__ import annotations

from aiohttp import web

from edge.web.context import caller, services
from edge.web.models.gpio import DevicePath, GpioDevice, GpioStatus, PowerRequest, PowerState, SimulateRequest
from edge.web.schema import ApiRoutes, read_body, read_path, reply

api = ApiRoutes("gpio")
routes = api.routes


@api.get("/api/v1/gpio", responses={200: GpioStatus})
async def get_gpio(request: web.Request) -> web.Response:
    """The pin factory, every configured device with its state, and the enclosure temperature."""
    return reply(request, services(request).require_sensors().status())


@api.post(
    "/api/v1/gpio/{name}/simulate",
    path_params=DevicePath,
    body=SimulateRequest,
    responses={200: GpioDevice},
    errors={
        400: "the mock pin factory is not in use, or the device is an output (`command_rejected`)",
        404: "no input of that name is configured (`not_found`)",
    },
)
async def simulate_input(request: web.Request) -> web.Response:
    """Drive an input's mock pin as its switch would: the appliance reacts as it would to the real sensor."""
    name = read_path(request, DevicePath).name
    body = await read_body(request, SimulateRequest)
    return reply(request, await services(request).require_sensors().simulate(name, body.active))


@api.post(
    "/api/v1/printer/power",
    body=PowerRequest,
    responses={200: PowerState},
    errors={400: "no relay is fitted, or off while printing or hot (`power_refused`)"},
)
async def set_power(request: web.Request) -> web.Response:
    """Switch the printer's power relay; on waits for the printer to come up, off is refused while printing or hot."""
    body = await read_body(request, PowerRequest)
    return reply(request, await services(request).control.set_power(caller(request), body.on))
