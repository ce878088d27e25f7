// The running job: file, state, progress with layer, elapsed and ETA, and pause/resume/cancel.

import { get, post } from "../api.js";
import { duration, fill, h, stateLabel } from "../dom.js";
import { live } from "../live.js";
import { confirmDialog } from "./dialog.js";
import { attempt } from "./toast.js";

const layerCounts = new Map(); // file id -> layer count from the file's analysis

/** A card that follows the running job; answers {element, update}. */
export function jobCard() {
  const title = h("h2", { id: "job-title" }, "Job");
  const body = h("div", { class: "job-body" });
  const element = h("section", { class: "card", "aria-labelledby": "job-title" }, title, body);
  let shownFor = null;

  function update() {
    const job = live.current;
    const jobs = live.jobs;
    if (!job) {
      shownFor = null;
      fill(body, idle(jobs));
      return;
    }
    if (shownFor !== `${job.id}:${job.state}`) {
      shownFor = `${job.id}:${job.state}`;
      fill(body, running(job));
    }
    progressOf(body, job);
  }
  return { element, update };
}

function idle(jobs) {
  const parts = [h("p", { class: "muted" }, "No job is printing.")];
  if (needsBedClear(jobs)) parts.push(bedClear());
  parts.push(h("p", {}, h("a", { href: "#/files" }, "Choose a file to print")));
  return parts;
}

/** Whether to ask for the bed-clear confirmation: the last print may still be on the bed and none is running. */
export function needsBedClear(jobs) {
  return Boolean(jobs.awaiting_bed_clear) && !jobs.current;
}

/** The "bed is clear" confirmation the next queued job waits for. */
export function bedClear() {
  const button = h("button", { class: "btn btn-primary", type: "button" }, "Bed is clear");
  button.addEventListener("click", async () => {
    const ok = await confirmDialog({
      title: "Is the bed clear?",
      body: "The next queued job starts as soon as you confirm. Remove the last print first.",
      ok: "Bed is clear",
    });
    if (ok) await attempt(() => post("/api/v1/queue/bed-clear").then(() => live.refresh()), "Bed confirmed clear");
  });
  return h("div", { class: "notice" }, h("p", {}, "The next job waits until you confirm the bed is clear."), button);
}

function running(job) {
  const bar = h("progress", { max: 100, value: 0, "aria-labelledby": "job-percent", id: "job-progress" });
  const actions = h("div", { class: "actions" });
  if (job.state === "printing") actions.append(button("Pause", () => post(`/api/v1/jobs/${job.id}/pause`)));
  if (job.state === "paused") actions.append(button("Resume", () => post(`/api/v1/jobs/${job.id}/resume`), true));
  actions.append(cancelButton(job));
  return [
    h("p", { class: "job-file" }, h("strong", {}, job.file_name), " ", h("span", { class: `badge badge-${job.state}` }, stateLabel(job.state))),
    h("div", { class: "progress-row" }, bar, h("span", { id: "job-percent", class: "percent" }, "0 %")),
    h(
      "dl",
      { class: "facts" },
      fact("Layer", "job-layer"),
      fact("Elapsed", "job-elapsed"),
      fact("Remaining", "job-eta"),
      fact("Lines", "job-lines"),
    ),
    actions,
  ];
}

function progressOf(body, job) {
  const p = live.progress && live.progress.job_id === job.id ? live.progress : null;
  const done = p ? p.bytes_done : job.bytes_done;
  const total = p ? p.bytes_total : job.bytes_total;
  const percent = total ? Math.floor((done / total) * 1000) / 10 : 0;
  const bar = body.querySelector("#job-progress");
  if (!bar) return;
  bar.value = percent;
  body.querySelector("#job-percent").textContent = `${percent.toFixed(1)} %`;
  const layer = p ? p.layer : job.layer;
  const count = layerCount(job.file_id);
  body.querySelector("#job-layer").textContent = count ? `${layer} of ${count}` : String(layer);
  body.querySelector("#job-elapsed").textContent = duration(p ? p.elapsed_s : null);
  body.querySelector("#job-eta").textContent = duration(p ? p.eta_s : null);
  body.querySelector("#job-lines").textContent = p ? `${p.lines_done} of ${p.lines_total}` : `${job.lines_done} of ${job.lines_total}`;
}

function layerCount(fileId) {
  if (fileId === null || fileId === undefined) return null; // a job from text or a model before slicing
  if (!layerCounts.has(fileId)) {
    layerCounts.set(fileId, null);
    get(`/api/v1/files/${fileId}`)
      .then((file) => {
        layerCounts.set(fileId, file.analysis.layer_count);
        live.emit("job_progress");
      })
      .catch(() => layerCounts.delete(fileId));
  }
  return layerCounts.get(fileId);
}

function fact(label, id) {
  return h("div", {}, h("dt", {}, label), h("dd", { id }, "—"));
}

function button(label, action, primary = false) {
  const el = h("button", { class: primary ? "btn btn-primary" : "btn", type: "button" }, label);
  el.addEventListener("click", async () => {
    el.disabled = true;
    await attempt(action, `${label} requested`);
    el.disabled = false;
  });
  return el;
}

function cancelButton(job) {
  const el = h("button", { class: "btn btn-danger", type: "button" }, "Cancel job");
  el.addEventListener("click", async () => {
    const ok = await confirmDialog({
      title: "Cancel this print?",
      body: `“${job.file_name}” stops now and the end script runs. It cannot be continued afterwards.`,
      ok: "Cancel print",
      cancelLabel: "Keep printing",
      danger: true,
    });
    if (ok) await attempt(() => post(`/api/v1/jobs/${job.id}/cancel`), "Cancel requested");
  });
  return el;
}
