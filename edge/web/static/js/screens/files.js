// Files: upload by picker or drag and drop with progress, the list with its analysis, print, preview, delete.

import { del, get, post, upload } from "../api.js";
import { bytes, dropZone, duration, fill, h, when } from "../dom.js";
import { live } from "../live.js";
import { confirmDialog } from "../components/dialog.js";
import { attempt, toast } from "../components/toast.js";

export const title = "Files";

/** Build the screen in `root`; answers a function that tears it down. */
export function mount(root) {
  const input = h("input", { type: "file", id: "file-input", accept: ".gcode,.gco,.g", multiple: true, class: "visually-hidden", tabindex: "-1" });
  const zone = h(
    "div",
    { class: "dropzone", id: "dropzone" },
    h("p", {}, "Drop G-code files here, or"),
    h("button", { type: "button", class: "btn btn-primary", id: "pick-files" }, "Choose files…"),
    h("label", { for: "file-input", class: "visually-hidden" }, "G-code files to upload"),
    input,
  );
  const uploads = h("ul", { class: "uploads", "aria-label": "Uploads" });
  const list = h("ul", { class: "file-list", "aria-live": "polite", "aria-busy": "true" });
  root.append(
    h("h1", { class: "screen-title" }, title),
    h("section", { class: "card", "aria-labelledby": "upload-title" }, h("h2", { id: "upload-title" }, "Upload"), zone, uploads),
    h("section", { class: "card", "aria-labelledby": "files-title" }, h("h2", { id: "files-title" }, "Stored files"), list),
  );

  const refresh = async () => {
    const files = await attempt(() => get("/api/v1/files"));
    if (files) render(list, files, refresh);
  };
  const send = (fileList) => {
    for (const file of fileList) sendOne(file, uploads, refresh);
  };
  dropZone(zone, input, zone.querySelector("#pick-files"), send);
  refresh();
  return () => {};
}

async function sendOne(file, uploads, refresh) {
  const bar = h("progress", { max: 100, value: 0, "aria-label": `Uploading ${file.name}` });
  const label = h("span", { class: "upload-state" }, "0 %");
  const item = h("li", { class: "upload" }, h("span", { class: "upload-name" }, file.name), bar, label);
  uploads.append(item);
  try {
    const stored = await upload(file, (sent, total) => {
      bar.value = Math.round((sent / total) * 100);
      label.textContent = `${bar.value} %`;
    });
    bar.value = 100;
    label.textContent = "stored";
    toast(`Uploaded ${stored.name}`);
    setTimeout(() => item.remove(), 3000);
    refresh();
  } catch (err) {
    item.classList.add("upload-failed");
    label.textContent = "failed";
    toast(`${file.name}: ${err.message}`, "error");
  }
}

function render(list, files, refresh) {
  list.removeAttribute("aria-busy");
  if (!files.length) {
    fill(list, h("li", { class: "muted" }, "No files yet. Upload G-code above."));
    return;
  }
  fill(list, files.map((file) => fileItem(file, refresh)));
}

function fileItem(file, refresh) {
  const a = file.analysis || {};
  const print = h("button", { class: "btn btn-primary", type: "button" }, "Print");
  print.addEventListener("click", async () => {
    const job = await attempt(() => post("/api/v1/jobs", { file_id: file.id }));
    if (!job) return;
    toast(`Queued “${file.name}” as job ${job.id}`);
    live.refresh().catch(() => {});
    location.hash = "#/";
  });
  const remove = h("button", { class: "btn btn-danger-outline", type: "button", "aria-label": `Delete ${file.name}` }, "Delete");
  remove.addEventListener("click", async () => {
    const ok = await confirmDialog({ title: "Delete this file?", body: `“${file.name}” is removed from the device.`, ok: "Delete", danger: true });
    if (ok && (await attempt(() => del(`/api/v1/files/${file.id}`), `Deleted ${file.name}`)) !== undefined) refresh();
  });
  return h(
    "li",
    { class: "file", dataset: { fileId: file.id } },
    h("div", { class: "file-head" }, h("strong", { class: "file-name" }, file.name), h("span", { class: "muted" }, `${bytes(file.size)} · ${when(file.created_at)}`)),
    h(
      "dl",
      { class: "facts facts-inline" },
      h("div", {}, h("dt", {}, "Layers"), h("dd", {}, a.layer_count ?? "—")),
      h("div", {}, h("dt", {}, "Time"), h("dd", {}, duration(a.estimated_time_s))),
      h("div", {}, h("dt", {}, "Filament"), h("dd", {}, a.filament_mm != null ? `${(a.filament_mm / 1000).toFixed(2)} m` : "—")),
      h("div", {}, h("dt", {}, "Height"), h("dd", {}, a.max_z != null ? `${a.max_z} mm` : "—")),
    ),
    h("div", { class: "actions" }, print, h("a", { class: "btn", href: `#/preview?file=${file.id}`, "aria-label": `Preview ${file.name}` }, "Preview"), remove),
  );
}
