// System: component health, the configuration in force (read-only, secrets redacted) and the log tail.

import { get } from "../api.js";
import { fill, h } from "../dom.js";
import { gpioCard } from "../components/gpio.js";

export const title = "System";

const POLL_MS = 2000;
const MAX_LOG = 400;

/** Build the screen in `root`; answers a function that tears it down. */
export function mount(root) {
  const health = h("ul", { class: "health", id: "health" });
  const config = h("pre", { class: "config", id: "config", tabindex: "0", "aria-label": "Configuration" });
  const logs = h("ol", { class: "log", id: "log-tail", role: "log", tabindex: "0", "aria-label": "Log tail" });
  const about = h("p", { class: "muted", id: "about" });
  const ota = h("p", { id: "config-ota", role: "status" });
  const gpio = gpioCard();
  const qr = h("img", { class: "qr", id: "device-qr", src: "/api/v1/system/qr.svg", alt: "QR code of this device's address: scan it with a phone", width: "160", height: "160" });
  root.append(
    h("h1", { class: "screen-title" }, title),
    h(
      "div",
      { class: "grid" },
      h("section", { class: "card", "aria-labelledby": "health-title" }, h("h2", { id: "health-title" }, "Health"), about, qr, health),
      gpio.card,
      h("section", { class: "card card-wide", "aria-labelledby": "log-title" }, h("h2", { id: "log-title" }, "Log"), logs),
      h(
        "section",
        { class: "card card-wide", "aria-labelledby": "config-title" },
        h("h2", { id: "config-title" }, "Configuration"),
        ota,
        h("p", { class: "hint" }, "Read-only here. A signed over-the-air document changes it without a restart; the configuration file and the environment take effect at the next start."),
        config,
      ),
    ),
  );
  let after = 0;
  let stopped = false;
  let timer = 0;

  async function poll() {
    try {
      const [report, status, tail] = await Promise.all([get("/api/v1/health"), get("/api/v1/status"), get(`/api/v1/logs?after=${after}&limit=500`)]);
      fill(
        health,
        Object.entries(report.components).map(([name, c]) =>
          h("li", { class: c.ok ? "ok" : "bad" }, h("span", { class: `badge ${c.ok ? "badge-ready" : "badge-error"}` }, c.ok ? "ok" : "problem"), " ", h("strong", {}, name), h("span", { class: "muted" }, ` ${c.detail}`)),
        ),
      );
      about.textContent = `${status.device.name} (${status.device.id || "no id"}) · version ${status.version} · up ${Math.round(status.uptime_s / 60)} min`;
      const atEnd = logs.scrollTop + logs.clientHeight >= logs.scrollHeight - 8;
      for (const e of tail.entries) {
        const time = new Date(e.at * 1000).toLocaleTimeString();
        logs.append(h("li", { class: `log-${e.level.toLowerCase()}` }, `${time} ${e.level} ${e.logger}: ${e.message}`));
      }
      while (logs.childElementCount > MAX_LOG) logs.firstElementChild.remove();
      if (atEnd) logs.scrollTop = logs.scrollHeight;
      after = tail.last_seq;
    } catch (err) {
      about.textContent = err.message;
    }
    await gpio.refresh();
    await showOta();
    if (!stopped) timer = setTimeout(poll, POLL_MS);
  }
  let shownVersion = null;
  async function showOta() {
    try {
      const s = await get("/api/v1/config/status");
      const r = s.report;
      const bad = r.status === "rolled_back" || r.status === "rejected";
      fill(ota, h("span", { class: `badge ${bad ? "badge-error" : r.status === "pending" ? "badge-paused" : "badge-ready"}` }, r.status.replace("_", " ")), ` Over-the-air version ${s.version}: ${r.message}`);
      if (s.version !== shownVersion) {
        shownVersion = s.version;
        config.textContent = JSON.stringify(await get("/api/v1/config"), null, 2);
      }
    } catch (err) {
      ota.textContent = err.message;
    }
  }
  poll();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
