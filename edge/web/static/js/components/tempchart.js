// The temperature chart: the last 10 minutes of hotend and bed, with their targets as dashed lines.

import { fitCanvas } from "../dom.js";

const WINDOW_S = 600;
const COLORS = { hotend: "#c2410c", bed: "#1d4ed8", grid: "#d5d9e0", text: "#4a5260" };

/** A chart on `canvas` drawn from samples [time, hotend, hotend target, bed, bed target]. */
export class TemperatureChart {
  constructor(canvas) {
    this.canvas = canvas;
    this.samples = [];
    this.observer = new ResizeObserver(() => this.draw());
    this.observer.observe(canvas);
  }

  /** Draw these samples. */
  update(samples) {
    this.samples = samples;
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
    ctx.clearRect(0, 0, width, height);
    const pad = { left: 36, right: 8, top: 8, bottom: 20 };
    const plotW = width - pad.left - pad.right;
    const plotH = height - pad.top - pad.bottom;
    const now = Date.now() / 1000;
    const top = this.scaleTop();
    const x = (t) => pad.left + ((t - (now - WINDOW_S)) / WINDOW_S) * plotW;
    const y = (v) => pad.top + plotH - (Math.max(0, v) / top) * plotH;
    ctx.font = "11px system-ui, sans-serif";
    ctx.lineWidth = 1;
    ctx.strokeStyle = COLORS.grid;
    ctx.fillStyle = COLORS.text;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    const step = top > 150 ? 50 : 25;
    for (let v = 0; v <= top; v += step) {
      ctx.beginPath();
      ctx.moveTo(pad.left, y(v) + 0.5);
      ctx.lineTo(width - pad.right, y(v) + 0.5);
      ctx.stroke();
      ctx.fillText(`${v}°`, pad.left - 4, y(v));
    }
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const [minutes, align] of [[10, "left"], [5, "center"], [0, "right"]]) {
      ctx.textAlign = align;
      ctx.fillText(minutes ? `-${minutes} min` : "now", x(now - minutes * 60), height - pad.bottom + 5);
    }
    this.line(ctx, x, y, 2, COLORS.hotend, [5, 4], 1.5);
    this.line(ctx, x, y, 4, COLORS.bed, [5, 4], 1.5);
    this.line(ctx, x, y, 1, COLORS.hotend, [], 2.25);
    this.line(ctx, x, y, 3, COLORS.bed, [], 2.25);
  }

  scaleTop() {
    let max = 60;
    for (const s of this.samples) max = Math.max(max, s[1], s[2], s[3], s[4]);
    return Math.ceil((max + 10) / 50) * 50;
  }

  line(ctx, x, y, index, color, dash, width) {
    const samples = this.samples;
    if (samples.length < 1) return;
    ctx.save();
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.setLineDash(dash);
    ctx.beginPath();
    samples.forEach((s, i) => (i ? ctx.lineTo(x(s[0]), y(s[index])) : ctx.moveTo(x(s[0]), y(s[index]))));
    if (samples.length === 1) ctx.lineTo(x(Date.now() / 1000), y(samples[0][index]));
    ctx.stroke();
    ctx.restore();
  }
}
