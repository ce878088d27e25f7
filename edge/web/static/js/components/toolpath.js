// Draws one layer's toolpath on a canvas: travel thin and grey, extrusion blue, the executed part orange.

import { fitCanvas } from "../dom.js";

const COLORS = { bed: "#eef1f5", grid: "#d5d9e0", travel: "#a7afbb", todo: "#7aa7d9", done: "#c2410c" };

/** A canvas view of segments [x0, y0, x1, y1, extruding, end byte]. */
export class ToolpathView {
  constructor(canvas) {
    this.canvas = canvas;
    this.segments = [];
    this.doneUpTo = -1; // byte offset: segments ending at or before it ran
    this.bounds = null;
    this.observer = new ResizeObserver(() => this.draw());
    this.observer.observe(canvas);
  }

  /** Show a layer; `keepBounds` keeps the view of the previous layer and grows it to fit. */
  show(segments, keepBounds) {
    this.segments = segments;
    const b = extent(segments);
    if (!keepBounds || !this.bounds) this.bounds = b;
    else if (b) this.bounds = union(this.bounds, b);
    this.draw();
  }

  /** Mark what ran: every segment ending at or before `offset` (-1: nothing, Infinity: all). */
  progress(offset) {
    if (offset === this.doneUpTo) return;
    this.doneUpTo = offset;
    this.draw();
  }

  /** Stop following the canvas size. */
  destroy() {
    this.observer.disconnect();
  }

  draw() {
    const fitted = fitCanvas(this.canvas);
    if (!fitted) return;
    const { ctx, width, height } = fitted;
    ctx.fillStyle = COLORS.bed;
    ctx.fillRect(0, 0, width, height);
    const b = this.bounds || { minX: 0, minY: 0, maxX: 100, maxY: 100 };
    const spanX = Math.max(b.maxX - b.minX, 10);
    const spanY = Math.max(b.maxY - b.minY, 10);
    const scale = Math.min((width - 24) / spanX, (height - 24) / spanY);
    const cx = (b.minX + b.maxX) / 2;
    const cy = (b.minY + b.maxY) / 2;
    const px = (x) => width / 2 + (x - cx) * scale;
    const py = (y) => height / 2 - (y - cy) * scale;
    this.grid(ctx, px, py, scale, width, height, cx, cy);
    ctx.lineCap = "round";
    this.stroke(ctx, px, py, (s) => !s[4], COLORS.travel, 0.75);
    this.stroke(ctx, px, py, (s) => s[4] && s[5] > this.doneUpTo, COLORS.todo, Math.max(1, 0.4 * scale));
    this.stroke(ctx, px, py, (s) => s[4] && s[5] <= this.doneUpTo, COLORS.done, Math.max(1.5, 0.45 * scale));
  }

  grid(ctx, px, py, scale, width, height, cx, cy) {
    const step = scale > 8 ? 10 : 50;
    ctx.strokeStyle = COLORS.grid;
    ctx.lineWidth = 1;
    ctx.beginPath();
    const halfW = width / 2 / scale;
    const halfH = height / 2 / scale;
    for (let x = Math.floor((cx - halfW) / step) * step; x <= cx + halfW; x += step) {
      ctx.moveTo(Math.round(px(x)) + 0.5, 0);
      ctx.lineTo(Math.round(px(x)) + 0.5, height);
    }
    for (let y = Math.floor((cy - halfH) / step) * step; y <= cy + halfH; y += step) {
      ctx.moveTo(0, Math.round(py(y)) + 0.5);
      ctx.lineTo(width, Math.round(py(y)) + 0.5);
    }
    ctx.stroke();
  }

  stroke(ctx, px, py, keep, color, width) {
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.beginPath();
    for (const s of this.segments) {
      if (!keep(s)) continue;
      ctx.moveTo(px(s[0]), py(s[1]));
      ctx.lineTo(px(s[2]), py(s[3]));
    }
    ctx.stroke();
  }
}

function extent(segments) {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const s of segments) {
    if (!s[4]) continue;
    minX = Math.min(minX, s[0], s[2]);
    maxX = Math.max(maxX, s[0], s[2]);
    minY = Math.min(minY, s[1], s[3]);
    maxY = Math.max(maxY, s[1], s[3]);
  }
  return Number.isFinite(minX) ? { minX, minY, maxX, maxY } : null;
}

function union(a, b) {
  return { minX: Math.min(a.minX, b.minX), minY: Math.min(a.minY, b.minY), maxX: Math.max(a.maxX, b.maxX), maxY: Math.max(a.maxY, b.maxY) };
}
