// G-code preview: a file's layer drawn on a canvas; while it prints, it follows the layer and shows what ran.

import { get } from "../api.js";
import { fill, h } from "../dom.js";
import { live } from "../live.js";
import { ToolpathView } from "../components/toolpath.js";
import { toast } from "../components/toast.js";

export const title = "Preview";

/** Build the screen in `root`; `params` may name ?file=<id>. Answers a function that tears it down. */
export function mount(root, params) {
  const picker = h("select", { id: "preview-file" });
  const slider = h("input", { type: "range", id: "preview-layer", min: 0, max: 0, value: 0 });
  const prev = h("button", { class: "btn btn-icon", type: "button", "aria-label": "Previous layer" }, "−");
  const next = h("button", { class: "btn btn-icon", type: "button", "aria-label": "Next layer" }, "+");
  const follow = h("input", { type: "checkbox", id: "preview-follow", checked: true });
  const caption = h("p", { class: "layer-caption", id: "preview-caption", "aria-live": "polite" }, "—");
  const canvas = h("canvas", { class: "toolpath", id: "preview-canvas", role: "img", "aria-label": "Toolpath of the layer" });
  root.append(
    h("h1", { class: "screen-title" }, title),
    h(
      "section",
      { class: "card preview" },
      h("div", { class: "field" }, h("label", { for: "preview-file" }, "File"), picker),
      h("div", { class: "layer-controls" }, h("label", { for: "preview-layer" }, "Layer"), prev, slider, next),
      h("div", { class: "check" }, follow, h("label", { for: "preview-follow" }, "Follow the print")),
      caption,
      canvas,
      h(
        "p",
        { class: "legend" },
        h("span", { class: "swatch swatch-done", "aria-hidden": "true" }),
        "printed ",
        h("span", { class: "swatch swatch-todo", "aria-hidden": "true" }),
        "to print ",
        h("span", { class: "swatch swatch-travel", "aria-hidden": "true" }),
        "travel",
      ),
    ),
  );
  const view = new ToolpathView(canvas);
  const state = { fileId: null, layers: [], layer: null, loading: 0 };

  const printing = () => {
    const job = live.current;
    return job && job.file_id === state.fileId && ["printing", "paused"].includes(job.state) ? job : null;
  };
  const executedOffset = () => {
    const job = printing();
    if (!job) return -1;
    return live.progress && live.progress.job_id === job.id ? live.progress.bytes_done : job.bytes_done;
  };
  const layerAt = (offset) => state.layers.find((l) => offset >= l.start && offset < l.end) || state.layers[state.layers.length - 1];

  async function chooseFile(fileId) {
    state.fileId = fileId;
    state.layer = null;
    view.bounds = null;
    const index = await get(`/api/v1/files/${fileId}/layers`).catch((err) => toast(err.message, "error"));
    if (!index || state.fileId !== fileId) return;
    state.layers = index.layers;
    slider.max = String(Math.max(0, index.layers.length - 1));
    const job = printing();
    const start = job ? layerAt(executedOffset()) : index.layers[Math.min(1, index.layers.length - 1)];
    await showLayer(start.layer);
  }

  async function showLayer(number) {
    const layer = state.layers.find((l) => l.layer === number);
    if (!layer) return;
    const keep = state.layer !== null;
    state.layer = number;
    slider.value = String(state.layers.indexOf(layer));
    slider.setAttribute("aria-valuetext", `Layer ${number} of ${state.layers.at(-1).layer}`);
    const ticket = ++state.loading;
    const data = await get(`/api/v1/files/${state.fileId}/layers/${number}`).catch((err) => toast(err.message, "error"));
    if (!data || ticket !== state.loading) return;
    const count = data.segments.filter((s) => s[4]).length;
    caption.textContent = `Layer ${number} of ${state.layers.at(-1).layer} · Z ${data.z.toFixed(2)} mm · ${count} extrusions${data.thinned ? " (simplified)" : ""}`;
    view.doneUpTo = NaN;
    view.show(data.segments, keep);
    markProgress();
  }

  function markProgress() {
    const offset = executedOffset();
    const layer = state.layers.find((l) => l.layer === state.layer);
    if (!layer || offset < 0) view.progress(-1);
    else view.progress(offset >= layer.end ? Infinity : offset);
    canvas.dataset.executed = String(offset);
  }

  function onProgress() {
    if (!state.layers.length) return;
    const job = printing();
    if (job && follow.checked) {
      const target = layerAt(executedOffset());
      if (target && target.layer !== state.layer) {
        showLayer(target.layer);
        return;
      }
    }
    markProgress();
  }

  slider.addEventListener("input", () => {
    follow.checked = false;
    const layer = state.layers[Number(slider.value)];
    if (layer) showLayer(layer.layer);
  });
  const step = (delta) => {
    follow.checked = false;
    const index = state.layers.findIndex((l) => l.layer === state.layer) + delta;
    if (index >= 0 && index < state.layers.length) showLayer(state.layers[index].layer);
  };
  prev.addEventListener("click", () => step(-1));
  next.addEventListener("click", () => step(1));
  follow.addEventListener("change", onProgress);
  picker.addEventListener("change", () => chooseFile(Number(picker.value)));
  const onChange = (event) => {
    if (["job_progress", "job_state", "status", "snapshot"].includes(event.detail.type)) onProgress();
  };
  live.addEventListener("change", onChange);

  get("/api/v1/files")
    .then((files) => {
      if (!files.length) {
        fill(caption, "No files yet: upload one on the Files screen.");
        return;
      }
      fill(picker, files.map((f) => h("option", { value: f.id }, f.name)));
      const wanted = Number(params.get("file")) || live.current?.file_id || files[0].id;
      picker.value = String(wanted);
      chooseFile(Number(picker.value));
    })
    .catch((err) => toast(err.message, "error"));
  return () => {
    live.removeEventListener("change", onChange);
    view.destroy();
  };
}
