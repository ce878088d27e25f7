// GPIO devices: their pins and states; with gpiozero's mock pins, buttons that drive the inputs and the relay.

import { get, post } from "../api.js";
import { fill, h } from "../dom.js";
import { toast } from "./toast.js";

const INPUTS = { runout: ["Filament out", "Filament back"], door: ["Open door", "Close door"], button: ["Press stop button", "Release button"] };

/** A card listing the GPIO devices; answers { card, refresh }. */
export function gpioCard() {
  const list = h("ul", { class: "health", id: "gpio-devices" });
  const hint = h("p", { class: "hint", id: "gpio-hint" });
  const card = h("section", { class: "card", "aria-labelledby": "gpio-title" }, h("h2", { id: "gpio-title" }, "Sensors and relay (GPIO)"), hint, list);

  async function act(work, done) {
    try {
      await work();
      toast(done, "ok");
    } catch (err) {
      toast(err.message, "error");
    }
    await refresh();
  }

  function controls(device, simulation) {
    const names = INPUTS[device.kind] || INPUTS[device.name];
    if (names && simulation) {
      const [on, off] = names;
      const active = device.active;
      return h(
        "button",
        { type: "button", class: "btn", "data-gpio": device.name, onclick: () => act(() => post(`/api/v1/gpio/${device.name}/simulate`, { active: !active }), `${device.name}: ${active ? off : on}`) },
        active ? off : on,
      );
    }
    if (device.name === "psu") {
      return h(
        "button",
        { type: "button", class: "btn", "data-gpio": "psu", onclick: () => act(() => post("/api/v1/printer/power", { on: !device.active }), `printer power ${device.active ? "off" : "on"}`) },
        device.active ? "Power off" : "Power on",
      );
    }
    return null;
  }

  async function refresh() {
    let status;
    try {
      status = await get("/api/v1/gpio");
    } catch (err) {
      hint.textContent = err.message;
      return;
    }
    if (!status.devices.length) {
      hint.textContent = "No GPIO devices configured: wire a runout sensor, door switch, stop button or relay (docs/hardware.md).";
    } else if (status.simulation) {
      hint.textContent = "Simulated pins (gpiozero's mock factory): try the sensors here without hardware.";
    } else {
      hint.textContent = `Pins through ${status.pin_factory}.`;
    }
    fill(
      list,
      status.devices.map((d) => {
        const alarm = d.active && d.kind === "input"; // filament out, door open, stop pressed; a relay on is fine
        return h(
          "li",
          { class: alarm ? "bad" : "ok" },
          h("span", { class: `badge ${alarm ? "badge-error" : "badge-ready"}` }, d.state),
          " ",
          h("strong", {}, d.name),
          h("span", { class: "muted" }, ` ${d.kind}, pin ${Object.values(d.pins).join("/")} `),
          controls(d, status.simulation),
        );
      }),
    );
    if (status.enclosure) {
      const t = status.enclosure.temperature_c;
      list.append(h("li", {}, h("strong", {}, "enclosure"), h("span", { class: "muted" }, ` ${t === null ? status.enclosure.problem : `${t.toFixed(1)} °C`}`)));
    }
  }

  return { card, refresh };
}
