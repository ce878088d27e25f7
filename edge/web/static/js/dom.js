// Small DOM helpers: build elements without innerHTML, and format numbers for people.

/** Create an element: h("button", {class: "btn", onclick: fn}, "Text", child). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A labelled form field: <label>Text <input ...></label> with an id the label points at. */
let fieldCount = 0;
export function field(label, inputAttrs = {}, hint = "") {
  const id = inputAttrs.id || `f${++fieldCount}`;
  const input = h("input", { ...inputAttrs, id });
  const hintId = hint ? `${id}-hint` : null;
  if (hintId) input.setAttribute("aria-describedby", hintId);
  const wrap = h("div", { class: "field" }, h("label", { for: id }, label), input);
  if (hint) wrap.append(h("p", { class: "hint", id: hintId }, hint));
  return { wrap, input };
}

/** 3725 -> "1 h 2 min"; null -> "—". */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** A job or stage state for people: "awaiting_confirmation" -> "awaiting confirmation". */
export function stateLabel(state) {
  return String(state || "").replace(/_/g, " ");
}

/** 1536 -> "1.5 KiB". */
export function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** A temperature with its target: "199.7 / 200 °C". */
export function temp(value, target) {
  const now = value === null || value === undefined ? "—" : value.toFixed(1);
  return target ? `${now} / ${Math.round(target)} °C` : `${now} °C`;
}

/** A Unix time as local date and time. */
export function when(unix) {
  if (!unix) return "—";
  return new Date(unix * 1000).toLocaleString([], { dateStyle: "short", timeStyle: "short" });
}

/** Size a canvas's backing store to its CSS box at the screen's pixel ratio; its 2D context in CSS pixels, or null when hidden. */
export function fitCanvas(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (!width || !height) return null;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { ctx, width, height };
}

/** Wire a drop zone: its picker button opens `input`; chosen or dropped files go to onFiles(FileList). */
export function dropZone(zone, input, pickButton, onFiles) {
  pickButton.addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    onFiles(input.files);
    input.value = "";
  });
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    onFiles(event.dataTransfer.files);
  });
}
