// Home: printer state and temperatures with the 10-minute chart, link health, and the running job.

import { h, temp } from "../dom.js";
import { live } from "../live.js";
import { jobCard } from "../components/jobcard.js";
import { TemperatureChart } from "../components/tempchart.js";

export const title = "Printer";

/** Build the screen in `root`; answers a function that tears it down. */
export function mount(root) {
  const job = jobCard();
  const state = h("p", { class: "printer-state" });
  const hotend = h("dd", { id: "t-hotend" }, "—");
  const bed = h("dd", { id: "t-bed" }, "—");
  const canvas = h("canvas", { class: "chart", role: "img", "aria-label": "Temperatures of the last 10 minutes" });
  const health = {
    rate: h("dd", {}, "—"),
    resends: h("dd", {}, "—"),
    planner: h("dd", {}, "—"),
    buffer: h("dd", {}, "—"),
    inflight: h("dd", {}, "—"),
  };
  root.append(
    h("h1", { class: "screen-title" }, title),
    h(
      "div",
      { class: "grid" },
      job.element,
      h(
        "section",
        { class: "card", "aria-labelledby": "temps-title" },
        h("h2", { id: "temps-title" }, "Temperatures"),
        state,
        h(
          "dl",
          { class: "facts temps" },
          h("div", {}, h("dt", {}, h("span", { class: "swatch swatch-hotend", "aria-hidden": "true" }), "Hotend"), hotend),
          h("div", {}, h("dt", {}, h("span", { class: "swatch swatch-bed", "aria-hidden": "true" }), "Bed"), bed),
        ),
        canvas,
        h("p", { class: "hint" }, "Solid: measured. Dashed: target."),
      ),
      h(
        "section",
        { class: "card", "aria-labelledby": "link-title" },
        h("h2", { id: "link-title" }, "Link health"),
        h(
          "dl",
          { class: "facts" },
          h("div", {}, h("dt", {}, "Lines per second"), health.rate),
          h("div", {}, h("dt", {}, "Resend ratio"), health.resends),
          h("div", {}, h("dt", {}, "Free planner slots"), health.planner),
          h("div", {}, h("dt", {}, "Free buffer slots"), health.buffer),
          h("div", {}, h("dt", {}, "Lines in flight"), health.inflight),
        ),
      ),
    ),
  );
  const chart = new TemperatureChart(canvas);

  function update(type) {
    if (type !== "temperature" && type !== "link_health") job.update();
    const { state: s, detail } = live.printer;
    state.replaceChildren(h("span", { class: `badge badge-${s}` }, s), " ", detail || "");
    const t = live.temperatures;
    if (t) {
      hotend.textContent = temp(t.hotend, t.hotend_target);
      bed.textContent = temp(t.bed, t.bed_target);
      canvas.setAttribute("aria-label", `Temperatures of the last 10 minutes; hotend ${hotend.textContent}, bed ${bed.textContent}`);
    }
    if (type === "temperature" || type === "snapshot" || type === "init") chart.update(live.samples);
    const lh = live.health;
    if (lh) {
      health.rate.textContent = lh.lines_per_s.toFixed(1);
      health.resends.textContent = `${(lh.resend_ratio * 100).toFixed(2)} %`;
      health.planner.textContent = lh.planner_free ?? "n/a";
      health.buffer.textContent = lh.queue_free ?? "n/a";
      health.inflight.textContent = lh.in_flight;
    }
  }
  const onChange = (event) => update(event.detail.type);
  live.addEventListener("change", onChange);
  update("init");
  return () => {
    live.removeEventListener("change", onChange);
    chart.destroy();
  };
}
