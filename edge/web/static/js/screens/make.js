// Make: a sentence or an uploaded model becomes a job; its stages run live, then a preview to confirm or cancel.

import { get, getBuffer, post, uploadRaw } from "../api.js";
import { dropZone, duration, fill, h, stateLabel } from "../dom.js";
import { live } from "../live.js";
import { MeshView } from "../components/meshview.js";
import { attempt, toast } from "../components/toast.js";

export const title = "Make";

const MATERIALS = ["PLA", "PETG", "ABS", "TPU"];
const QUALITIES = ["draft", "standard", "fine", "ultra"];
const MODEL_TYPES = [".stl", ".3mf", ".obj"];
const STAGES = { research: "Understand the request", cad: "Build the model", slice: "Slice", confirm: "Your confirmation" };
const PREPARED = "preparing,awaiting_confirmation";
const POLL_MS = 4000; // a safety net for missed WebSocket events while a job is being prepared

/** Build the screen in `root`; `params` may name ?job=<id> to show. Answers a function that tears it down. */
export function mount(root, params) {
  const text = h("textarea", {
    id: "make-text",
    rows: 3,
    maxlength: 500,
    required: true,
    placeholder: "a 40 mm cube with a 10 mm hole, in PETG",
    "aria-describedby": "make-error make-hint",
  });
  const material = select("make-material", "Auto", MATERIALS);
  const quality = select("make-quality", "Auto", QUALITIES);
  const copies = h("input", { id: "make-copies", type: "number", min: 1, max: 20, value: 1, inputmode: "numeric" });
  const textError = h("p", { class: "form-error", id: "make-error", role: "alert" });
  const submit = h("button", { class: "btn btn-primary", type: "submit", id: "make-submit" }, "Make it");
  const form = h(
    "form",
    { class: "make-form", novalidate: true },
    h("div", { class: "field" }, h("label", { for: "make-text" }, "What should it make?"), text, h("p", { class: "hint", id: "make-hint" }, "Say the part and its sizes in mm. Auto takes material and quality from the text (else PLA, standard).")),
    textError,
    h(
      "div",
      { class: "make-options" },
      h("div", { class: "field" }, h("label", { for: "make-material" }, "Material"), material),
      h("div", { class: "field" }, h("label", { for: "make-quality" }, "Quality"), quality),
      h("div", { class: "field" }, h("label", { for: "make-copies" }, "Copies"), copies),
    ),
    submit,
  );

  const modelInput = h("input", { type: "file", id: "model-input", accept: MODEL_TYPES.join(","), class: "visually-hidden", tabindex: "-1" });
  const modelError = h("p", { class: "form-error", id: "model-error", role: "alert" });
  const modelProgress = h("div", { class: "upload", hidden: true });
  const zone = h(
    "div",
    { class: "dropzone", id: "model-dropzone" },
    h("p", {}, "Drop an STL, 3MF or OBJ file here, or"),
    h("button", { type: "button", class: "btn", id: "pick-model" }, "Choose a model…"),
    h("label", { for: "model-input", class: "visually-hidden" }, "Model file to upload"),
    modelInput,
  );

  const waiting = h("section", { class: "card", "aria-labelledby": "waiting-title", hidden: true });
  const jobCard = h("section", { class: "card make-job", id: "make-job", "aria-labelledby": "make-job-title", hidden: true });
  root.append(
    h("h1", { class: "screen-title" }, title),
    h(
      "div",
      { class: "make-grid" },
      h(
        "div",
        { class: "make-inputs" },
        h("section", { class: "card", "aria-labelledby": "describe-title" }, h("h2", { id: "describe-title" }, "Describe a part"), form),
        h("section", { class: "card", "aria-labelledby": "model-title" }, h("h2", { id: "model-title" }, "Or upload a model"), zone, modelProgress, modelError),
        waiting,
      ),
      jobCard,
    ),
  );

  const view = new JobView(jobCard);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const sentence = text.value.trim();
    if (!sentence) {
      showError(text, textError, "Describe the part first, for example “a 20 mm cube in PETG”.");
      text.focus();
      return;
    }
    const body = { text: sentence };
    if (material.value) body.material = material.value;
    if (quality.value) body.quality = quality.value;
    const count = Number(copies.value);
    if (Number.isInteger(count) && count > 1) body.copies = count;
    showError(text, textError, "");
    submit.disabled = true;
    submit.textContent = "Understanding…";
    try {
      const job = await post("/api/v1/jobs/text", body);
      view.follow(job);
    } catch (err) {
      showError(text, textError, err.message);
      text.focus();
    } finally {
      submit.disabled = false;
      submit.textContent = "Make it";
    }
  });
  text.addEventListener("input", () => {
    if (textError.textContent) showError(text, textError, "");
  });

  const sendModel = async (file) => {
    if (!file) return;
    showError(null, modelError, "");
    if (!MODEL_TYPES.some((suffix) => file.name.toLowerCase().endsWith(suffix))) {
      showError(null, modelError, `${file.name} is not a model: choose an STL, 3MF or OBJ file.`);
      return;
    }
    const bar = h("progress", { max: 100, value: 0, "aria-label": `Uploading ${file.name}` });
    const label = h("span", { class: "upload-state" }, "0 %");
    fill(modelProgress, h("span", { class: "upload-name" }, file.name), bar, label);
    modelProgress.hidden = false;
    try {
      const job = await uploadRaw(`/api/v1/jobs/model?name=${encodeURIComponent(file.name)}`, file, (sent, total) => {
        bar.value = Math.round((sent / total) * 100);
        label.textContent = `${bar.value} %`;
      });
      modelProgress.hidden = true;
      view.follow(job);
    } catch (err) {
      modelProgress.hidden = true;
      showError(null, modelError, `${file.name}: ${err.message}`);
    }
  };
  dropZone(zone, modelInput, zone.querySelector("#pick-model"), (files) => sendModel(files[0]));

  const listWaiting = async () => {
    const jobs = await get(`/api/v1/jobs?state=${PREPARED}&limit=20`).catch(() => []);
    const others = jobs.filter((job) => job.id !== view.jobId);
    waiting.hidden = !others.length;
    fill(
      waiting,
      h("h2", { id: "waiting-title" }, "Other jobs being made"),
      h(
        "ul",
        { class: "job-list" },
        others.map((job) =>
          h("li", { class: "job" }, h("a", { class: "job-name", href: `#/make?job=${job.id}` }, job.file_name || `Job ${job.id}`), h("span", { class: `badge badge-${job.state}` }, stateLabel(job.state))),
        ),
      ),
    );
  };

  const onChange = (event) => {
    const { type, message } = event.detail;
    if (type === "job_stage" && message.job_id === view.jobId) view.stageEvent(message);
    else if (type === "job_state" && message.job_id === view.jobId) view.reload();
    else if (type === "snapshot") view.reload();
    if (type === "job_state") listWaiting();
  };
  live.addEventListener("change", onChange);
  const wanted = Number(params.get("job"));
  if (wanted) view.load(wanted);
  listWaiting();
  return () => {
    live.removeEventListener("change", onChange);
    view.destroy();
  };
}

/** The card of one job: its stages live, then the preview with Confirm and Cancel. */
class JobView {
  constructor(card) {
    this.card = card;
    this.job = null;
    this.mesh = null; // the MeshView, once the mesh is loaded
    this.meshLoading = false;
    this.previewFor = ""; // "<job id>:<state>" the preview was loaded for
    this.loads = 0;
    this.poll = setInterval(() => {
      if (this.job?.state === "preparing") this.reload();
    }, POLL_MS);
  }

  get jobId() {
    return this.job ? this.job.id : null;
  }

  /** Show a job just created, and remember it in the address (a reload comes back to it). */
  follow(job) {
    history.replaceState(null, "", `#/make?job=${job.id}`);
    this.load(job.id, job);
    this.card.querySelector("h2")?.focus();
  }

  /** Load a job by id (with `first` drawn at once while the details arrive). */
  async load(id, first = null) {
    this.reset();
    if (first) this.render({ ...first, stages: first.stages || [] });
    await this.fetch(id);
  }

  async reload() {
    if (this.job) await this.fetch(this.job.id);
  }

  async fetch(id) {
    const ticket = ++this.loads;
    let job;
    try {
      job = await get(`/api/v1/jobs/${id}`);
    } catch (err) {
      if (ticket === this.loads) toast(`Job ${id}: ${err.message}`, "error");
      return;
    }
    if (ticket !== this.loads) return;
    this.render(job);
  }

  reset() {
    this.mesh?.destroy();
    this.mesh = null;
    this.meshLoading = false;
    this.previewFor = "";
    this.job = null;
    this.loads++;
  }

  render(job) {
    const first = !this.job || this.job.id !== job.id;
    this.job = job;
    this.card.hidden = false;
    this.card.dataset.state = job.state;
    if (first) this.build();
    const label = this.card.querySelector("#make-state");
    label.className = `badge badge-${job.state}`;
    label.textContent = stateLabel(job.state);
    fill(this.card.querySelector("#make-name"), job.file_name || `Job ${job.id}`);
    fill(this.card.querySelector("#make-source"), job.source === "text" && job.source_text ? `“${job.source_text}”` : job.source === "model" ? "from an uploaded model" : "");
    this.renderStages(job.stages || []);
    this.renderOutcome(job);
    const cadDone = (job.stages || []).some((s) => s.stage === "cad" && s.state === "done");
    const key = `${job.id}:${job.state}:${cadDone}`;
    if ((cadDone || job.state !== "preparing") && key !== this.previewFor) {
      this.previewFor = key;
      this.loadPreview(job.id);
    }
  }

  build() {
    const canvas = h("canvas", { class: "meshview", id: "make-mesh", tabindex: 0, role: "img", "aria-label": "The part in 3D; drag or use the arrow keys to turn it" });
    fill(
      this.card,
      h("h2", { id: "make-job-title", tabindex: -1 }, h("span", { id: "make-name" }), " ", h("span", { id: "make-state", class: "badge" })),
      h("p", { class: "muted make-source", id: "make-source" }),
      h("ol", { class: "stages", id: "make-stages", "aria-label": "Stages" }),
      h("div", { id: "make-outcome" }),
      h(
        "div",
        { class: "make-preview", id: "make-preview", hidden: true },
        h("figure", { class: "mesh-figure", hidden: true }, canvas, h("figcaption", { class: "hint", id: "make-mesh-caption" }, "Drag to turn the part.")),
        h("div", { class: "make-details" }, h("dl", { class: "facts", id: "make-facts" }), h("div", { id: "make-spec" })),
      ),
      h("div", { class: "actions make-actions", id: "make-actions" }),
    );
  }

  renderStages(stages) {
    const list = this.card.querySelector("#make-stages");
    if (!stages.length) return;
    fill(list, stages.map((stage) => stageItem(stage)));
  }

  /** A job_stage event: move that stage's bar and message without a request. */
  stageEvent(msg) {
    const item = this.card.querySelector(`.stage[data-stage="${msg.stage}"]`);
    if (!item) {
      this.reload();
      return;
    }
    updateStage(item, msg);
    if (msg.state !== "running") this.reload(); // a stage ended: the job's state and outputs may have changed
  }

  renderOutcome(job) {
    const outcome = this.card.querySelector("#make-outcome");
    const actions = this.card.querySelector("#make-actions");
    const confirm = h("button", { class: "btn btn-primary", type: "button", id: "make-confirm" }, "Confirm and queue");
    const cancel = h("button", { class: "btn btn-danger-outline", type: "button", id: "make-cancel" }, "Cancel");
    confirm.addEventListener("click", () => this.act("confirm", confirm, "Queued: it prints when the printer is free"));
    cancel.addEventListener("click", () => this.act("cancel", cancel, "Cancelled"));
    switch (job.state) {
      case "preparing":
        fill(outcome);
        fill(actions, cancel);
        break;
      case "awaiting_confirmation":
        fill(outcome, h("p", { class: "notice" }, "Ready. Check the preview, then confirm to queue the print."));
        fill(actions, confirm, cancel);
        break;
      case "queued":
        fill(outcome, h("p", { class: "notice notice-ok", role: "status" }, `Queued as job ${job.id}. `, h("a", { href: "#/queue" }, "See the queue")));
        fill(actions);
        break;
      case "failed":
        fill(outcome, h("p", { class: "notice notice-error", role: "alert" }, `It could not be made: ${job.detail || "failed"}`));
        fill(actions);
        break;
      case "cancelled":
        fill(outcome, h("p", { class: "notice", role: "status" }, "Cancelled. Nothing was queued."));
        fill(actions);
        break;
      default:
        fill(outcome, h("p", { class: "notice", role: "status" }, `This job is ${stateLabel(job.state)}. `, h("a", { href: "#/" }, "See the printer")));
        fill(actions);
    }
  }

  async act(action, button, success) {
    const id = this.job.id;
    button.disabled = true;
    const job = await attempt(() => post(`/api/v1/jobs/${id}/${action}`), success);
    button.disabled = false;
    if (job && this.job?.id === id) {
      live.refresh().catch(() => {});
      await this.fetch(id);
    }
  }

  async loadPreview(id) {
    let preview;
    try {
      preview = await get(`/api/v1/jobs/${id}/preview`);
    } catch (err) {
      if (err.status !== 404) toast(`Preview: ${err.message}`, "error");
      return;
    }
    if (this.job?.id !== id) return;
    this.card.querySelector("#make-preview").hidden = false;
    renderFacts(this.card.querySelector("#make-facts"), preview);
    renderSpec(this.card.querySelector("#make-spec"), preview);
    if (preview.mesh_url && !this.mesh && !this.meshLoading) this.loadMesh(id, preview.mesh_url);
  }

  async loadMesh(id, url) {
    this.meshLoading = true;
    let buffer;
    try {
      buffer = await getBuffer(url);
    } catch (err) {
      this.meshLoading = false;
      if (err.status !== 404) toast(`3D view: ${err.message}`, "error");
      return;
    }
    if (this.job?.id !== id) return;
    const canvas = this.card.querySelector("#make-mesh");
    canvas.closest("figure").hidden = false;
    this.mesh = new MeshView(canvas);
    try {
      const mesh = this.mesh.show(buffer);
      canvas.dataset.triangles = String(mesh.count);
    } catch (err) {
      canvas.closest("figure").hidden = true;
      toast(`3D view: ${err.message}`, "error");
    }
  }

  destroy() {
    clearInterval(this.poll);
    this.reset();
  }
}

function stageItem(stage) {
  const bar = h("progress", { max: 100, value: 0, "aria-label": `${STAGES[stage.stage] || stage.stage} progress` });
  const item = h(
    "li",
    { class: "stage", dataset: { stage: stage.stage } },
    h("div", { class: "stage-head" }, h("strong", {}, STAGES[stage.stage] || stage.stage), h("span", { class: "badge stage-state" })),
    bar,
    h("p", { class: "stage-message muted" }),
  );
  updateStage(item, stage);
  return item;
}

function updateStage(item, stage) {
  item.dataset.state = stage.state;
  const badge = item.querySelector(".stage-state");
  badge.className = `badge stage-state badge-${stage.state}`;
  badge.textContent = stageStateLabel(stage);
  const bar = item.querySelector("progress");
  const progress = stage.state === "done" ? 1 : stage.progress || 0;
  bar.value = Math.round(progress * 100);
  bar.hidden = stage.state === "pending" || (stage.stage === "confirm" && stage.state !== "done");
  item.querySelector(".stage-message").textContent = stage.message || "";
}

function stageStateLabel(stage) {
  if (stage.state === "running") return stage.stage === "confirm" ? "waiting" : `${Math.round((stage.progress || 0) * 100)} %`;
  return stage.state;
}

function renderFacts(list, p) {
  const size = p.size_mm ? p.size_mm.map((v) => round(v)).join(" × ") + " mm" : "—";
  const filament = p.filament_mm != null ? `${(p.filament_mm / 1000).toFixed(2)} m` : "—";
  fill(
    list,
    fact("Size", size, "make-size"),
    fact("Print time", duration(p.estimated_time_s), "make-time"),
    fact("Filament", p.filament_g != null ? `${filament} · ${p.filament_g.toFixed(1)} g` : filament, "make-filament"),
    fact("Layers", p.layers ?? "—", "make-layers"),
    fact("Triangles", p.triangles != null ? p.triangles.toLocaleString() : "—", "make-triangles"),
  );
}

function renderSpec(box, p) {
  const parts = [];
  const spec = p.spec;
  if (spec) {
    const params = Object.entries(spec.parameters || {});
    parts.push(
      h("h3", {}, "Design"),
      h(
        "dl",
        { class: "facts spec", id: "make-spec-facts" },
        fact("Part", words(spec.part)),
        params.map(([name, value]) => fact(words(name), typeof value === "number" ? round(value) : String(value))),
        fact("Material", spec.material ?? "—"),
        fact("Quality", spec.quality ?? "—"),
        fact("Copies", spec.copies ?? 1),
        spec.confidence != null ? fact("Confidence", `${Math.round(spec.confidence * 100)} %`) : null,
      ),
    );
    const assumptions = spec.assumptions || [];
    parts.push(
      h("h3", {}, "Assumptions"),
      assumptions.length
        ? h("ul", { class: "assumptions", id: "make-assumptions" }, assumptions.map((a) => h("li", {}, a)))
        : h("p", { class: "muted", id: "make-assumptions" }, "None: everything was in the request."),
    );
  }
  if (p.repairs && p.repairs.length) {
    parts.push(h("h3", {}, "Repairs to the model"), h("ul", { class: "assumptions", id: "make-repairs" }, p.repairs.map((r) => h("li", {}, r))));
  }
  fill(box, parts);
}

function fact(label, value, id) {
  return h("div", {}, h("dt", {}, label), h("dd", { id }, value));
}

function select(id, unset, values) {
  return h("select", { id }, h("option", { value: "" }, unset), values.map((v) => h("option", { value: v }, v)));
}

function showError(input, box, message) {
  box.textContent = message;
  if (input) {
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
}

function round(value) {
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 10) / 10);
}

function words(name) {
  const text = String(name ?? "—").replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}
