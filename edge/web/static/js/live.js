// Live state from the WebSocket /api/v1/ws: a snapshot, then events; screens listen for "change".

import { get } from "./api.js";

const CHART_WINDOW_S = 600;
const RECONNECT_MAX_MS = 10000;

/** The appliance as the WebSocket tells it; dispatches "change" with detail {type} after each message. */
export class LiveState extends EventTarget {
  constructor() {
    super();
    this.connected = false;
    this.status = null; // as GET /api/v1/status
    this.printer = { state: "disconnected", detail: "" };
    this.temperatures = null; // {hotend, hotend_target, bed, bed_target}
    this.samples = []; // [unix s, hotend, hotend target, bed, bed target]
    this.health = null; // link_health
    this.progress = null; // job_progress of the running job
    this.ws = null;
    this.delay = 500;
    this.stopped = false;
    this.refreshes = 0;
  }

  get jobs() {
    return this.status?.jobs || {};
  }

  get current() {
    return this.jobs.current || null;
  }

  /** Open the WebSocket (and keep reopening it until stop()). */
  start() {
    this.stopped = false;
    this.open();
  }

  /** Close for good (sign-out). */
  stop() {
    this.stopped = true;
    if (this.ws) this.ws.close(1000, "signed out");
    this.ws = null;
  }

  /** Fetch the status again (after a command whose effect the events do not fully carry). */
  async refresh() {
    // Answers may arrive out of order: only the newest request's answer is applied.
    const ticket = ++this.refreshes;
    const status = await get("/api/v1/status");
    if (ticket !== this.refreshes) return;
    this.applyStatus(status);
    this.emit("status");
  }

  open() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/api/v1/ws`);
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.connected = true;
      this.delay = 500;
      this.emit("connection");
    });
    ws.addEventListener("message", (event) => this.receive(JSON.parse(event.data)));
    ws.addEventListener("close", () => {
      this.connected = false;
      this.emit("connection");
      if (this.ws === ws && !this.stopped) {
        setTimeout(() => this.open(), this.delay);
        this.delay = Math.min(this.delay * 2, RECONNECT_MAX_MS);
      }
    });
  }

  receive(msg) {
    switch (msg.type) {
      case "snapshot":
        this.applyStatus(msg.status);
        this.loadHistory();
        break;
      case "link_state":
        this.printer = { ...this.printer, state: msg.state, detail: msg.detail };
        break;
      case "temperature":
        this.temperatures = msg;
        this.addSample(Date.now() / 1000, msg);
        break;
      case "link_health":
        this.health = msg;
        break;
      case "job_progress":
        this.progress = msg;
        break;
      case "job_state":
        this.applyJobState(msg);
        this.refresh().catch(() => {});
        break;
      default:
        break;
    }
    this.emit(msg.type, msg);
  }

  applyJobState(msg) {
    const current = this.status?.jobs?.current;
    if (!current || current.id !== msg.job_id) return;
    if (["printing", "paused"].includes(msg.state)) this.status.jobs.current = { ...current, state: msg.state, detail: msg.detail };
    else this.status.jobs.current = null;
  }

  applyStatus(status) {
    this.status = status;
    const printer = status.printer || {};
    this.printer = printer;
    if (printer.temperatures) this.temperatures = printer.temperatures;
    const link = printer.link || {};
    const flow = link.flow || {};
    this.health = {
      lines_per_s: link.lines_per_s ?? 0,
      resend_ratio: printer.stats?.resend_ratio ?? 0,
      in_flight: link.in_flight ?? 0,
      planner_free: flow.planner_free ?? null,
      queue_free: flow.queue_free ?? null,
    };
    this.progress = status.jobs?.progress || null;
  }

  async loadHistory() {
    try {
      const { samples } = await get("/api/v1/printer/temperatures");
      const newest = this.samples.length ? this.samples[0][0] : Infinity;
      this.samples = samples.filter((s) => s[0] < newest).concat(this.samples);
      this.emit("temperature");
    } catch {
      // The chart fills from live reports instead.
    }
  }

  addSample(at, t) {
    this.samples.push([at, t.hotend, t.hotend_target, t.bed, t.bed_target]);
    const oldest = at - CHART_WINDOW_S;
    while (this.samples.length && this.samples[0][0] < oldest) this.samples.shift();
  }

  emit(type, message = null) {
    this.dispatchEvent(new CustomEvent("change", { detail: { type, message } }));
  }
}

export const live = new LiveState();
