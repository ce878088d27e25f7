// Queue and history: reorder and remove queued jobs, confirm the bed is clear, resume interrupted jobs.

import { del, get, post } from "../api.js";
import { duration, fill, h, stateLabel, when } from "../dom.js";
import { live } from "../live.js";
import { bedClear, needsBedClear } from "../components/jobcard.js";
import { confirmDialog } from "../components/dialog.js";
import { attempt, toast } from "../components/toast.js";

export const title = "Queue";

const FINISHED = "completed,cancelled,failed,interrupted";
const PREPARED = "preparing,awaiting_confirmation";

/** Build the screen in `root`; answers a function that tears it down. */
export function mount(root) {
  const gate = h("div", {});
  const queued = h("ol", { class: "job-list", id: "queued" });
  const history = h("ul", { class: "job-list", id: "history" });
  const prepared = h("ul", { class: "job-list", id: "prepared" });
  const making = h("section", { class: "card", "aria-labelledby": "prepared-title", hidden: true }, h("h2", { id: "prepared-title" }, "Being made"), prepared);
  root.append(
    h("h1", { class: "screen-title" }, title),
    making,
    h("section", { class: "card", "aria-labelledby": "queue-title" }, h("h2", { id: "queue-title" }, "Queued jobs"), gate, queued),
    h("section", { class: "card", "aria-labelledby": "history-title" }, h("h2", { id: "history-title" }, "History"), history),
  );
  const refresh = async () => {
    const [queue, done, makingJobs] = await Promise.all([
      get("/api/v1/queue"),
      get(`/api/v1/jobs?state=${FINISHED}&limit=50`),
      get(`/api/v1/jobs?state=${PREPARED}&limit=50`),
    ]).catch((err) => {
      toast(err.message, "error");
      return [null, null, null];
    });
    if (!queue) return;
    const now = queue.current;
    fill(
      gate,
      now ? h("p", { class: "notice" }, `Now ${now.state}: `, h("strong", {}, now.file_name), " — ", h("a", { href: "#/" }, "see progress")) : null,
      needsBedClear(queue) ? bedClear() : null,
    );
    making.hidden = !makingJobs.length;
    renderPrepared(prepared, makingJobs);
    renderQueue(queued, queue.queued, refresh);
    renderHistory(history, done, refresh);
  };
  const onChange = (event) => {
    if (event.detail.type === "job_state" || event.detail.type === "status") refresh();
  };
  live.addEventListener("change", onChange);
  refresh();
  return () => live.removeEventListener("change", onChange);
}

// Jobs from text or a model still being made or waiting for a person to look at the preview: not queued yet.
function renderPrepared(list, jobs) {
  fill(
    list,
    jobs.map((job) =>
      h(
        "li",
        { class: "job" },
        h("span", { class: "job-name" }, job.file_name || `Job ${job.id}`),
        h("span", { class: `badge badge-${job.state}` }, stateLabel(job.state)),
        h("a", { class: "btn", href: `#/make?job=${job.id}`, "aria-label": `${job.state === "awaiting_confirmation" ? "Review" : "Follow"} ${job.file_name || `job ${job.id}`}` }, job.state === "awaiting_confirmation" ? "Review…" : "Follow…"),
      ),
    ),
  );
}

function renderQueue(list, jobs, refresh) {
  if (!jobs.length) {
    fill(list, h("li", { class: "muted" }, "Nothing is queued."));
    return;
  }
  fill(
    list,
    jobs.map((job, index) => {
      const up = iconButton("↑", `Move ${job.file_name} up`, index === 0, () => move(job, index - 1, refresh));
      const down = iconButton("↓", `Move ${job.file_name} down`, index === jobs.length - 1, () => move(job, index + 1, refresh));
      const remove = h("button", { class: "btn btn-danger-outline", type: "button", "aria-label": `Remove ${job.file_name} from the queue` }, "Remove");
      remove.addEventListener("click", async () => {
        if ((await attempt(() => del(`/api/v1/jobs/${job.id}`), "Removed from the queue")) !== undefined) refresh();
      });
      return h("li", { class: "job" }, h("span", { class: "job-name" }, `${index + 1}. ${job.file_name}`), h("span", { class: "actions" }, up, down, remove));
    }),
  );
}

async function move(job, position, refresh) {
  if ((await attempt(() => post(`/api/v1/jobs/${job.id}/move`, { position }))) !== undefined) refresh();
}

function iconButton(symbol, label, disabled, action) {
  const el = h("button", { class: "btn btn-icon", type: "button", "aria-label": label, disabled }, symbol);
  el.addEventListener("click", action);
  return el;
}

function renderHistory(list, jobs, refresh) {
  if (!jobs || !jobs.length) {
    fill(list, h("li", { class: "muted" }, "No finished jobs yet."));
    return;
  }
  fill(
    list,
    jobs.map((job) => {
      const took = job.started_at && job.finished_at ? duration(job.finished_at - job.started_at) : "—";
      const row = h(
        "li",
        { class: "job" },
        h("span", { class: "job-name" }, job.file_name),
        h("span", { class: `badge badge-${job.state}` }, stateLabel(job.state)),
        h("span", { class: "muted" }, `${took} · ${when(job.finished_at || job.created_at)}`),
      );
      if (job.detail) row.append(h("span", { class: "job-detail muted" }, job.detail));
      if (job.state === "interrupted") {
        const resume = h("button", { class: "btn btn-primary", type: "button" }, "Resume…");
        resume.addEventListener("click", () => resumeInterrupted(job, refresh));
        row.append(h("span", { class: "actions" }, resume));
      }
      return row;
    }),
  );
}

async function resumeInterrupted(job, refresh) {
  const detail = await attempt(() => get(`/api/v1/jobs/${job.id}`));
  if (!detail) return;
  const point = detail.recovery;
  const where = point
    ? `It resumes at layer ${point.layer}, Z ${point.z.toFixed(2)} mm (line ${point.line_index + 1}), reheating to ${point.hotend_target} °C / ${point.bed_target} °C.`
    : "It has no recovery point and starts from the beginning of the file.";
  const attached = h("input", { type: "checkbox", id: "confirm-attached" });
  const clear = h("input", { type: "checkbox", id: "confirm-nozzle" });
  const body = h(
    "div",
    {},
    h("p", { id: "resume-where" }, where),
    h("p", {}, "Check both before resuming:"),
    h("div", { class: "check" }, attached, h("label", { for: "confirm-attached" }, "The part is still attached to the bed")),
    h("div", { class: "check" }, clear, h("label", { for: "confirm-nozzle" }, "The nozzle is clear of the part")),
  );
  const ok = await confirmDialog({
    title: `Resume “${job.file_name}”?`,
    body,
    ok: "Resume print",
    ready: (button) => {
      const sync = () => (button.disabled = !(attached.checked && clear.checked));
      attached.addEventListener("change", sync);
      clear.addEventListener("change", sync);
      sync();
    },
  });
  if (!ok) return;
  const resumed = await attempt(
    () => post(`/api/v1/jobs/${job.id}/resume`, { part_attached: attached.checked, nozzle_clear: clear.checked }),
    "Resuming: the job goes first in the queue",
  );
  if (resumed) {
    refresh();
    live.refresh().catch(() => {});
  }
}
