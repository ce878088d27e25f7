// A 3D view of a binary STL on a 2D canvas: orthographic projection, flat shading by face normal, and a
// z-buffer rasterizer of our own (no sorting, no holes; 100k triangles draw in tens of milliseconds). Drag to turn.

import { fitCanvas } from "../dom.js";

const BASE = [47, 125, 209]; // the part's colour before shading
const BACKGROUND = [238, 241, 245];
const AMBIENT = 0.4;
const LIGHT = normalize([-0.45, 0.55, 0.7]); // in view space: right, up, towards the viewer
const TURN_PER_PX = 0.01; // radians per dragged pixel
const TURN_PER_KEY = Math.PI / 16;
const PITCH_LIMIT = Math.PI / 2 - 0.01;

/** A parsed binary STL: `vertices` (9 floats a triangle), `normals` (3 a triangle, from the winding) and bounds. */
export function parseStl(buffer) {
  if (buffer.byteLength < 84) throw new Error(`not a binary STL: ${buffer.byteLength} bytes`);
  const view = new DataView(buffer);
  const count = view.getUint32(80, true);
  if (84 + count * 50 > buffer.byteLength) throw new Error(`not a binary STL: ${count} triangles do not fit in ${buffer.byteLength} bytes`);
  const vertices = new Float32Array(count * 9);
  const normals = new Float32Array(count * 3);
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  for (let t = 0; t < count; t++) {
    const at = 84 + t * 50 + 12; // skip the stored normal: it is often zero; the winding is what slicers use
    for (let k = 0; k < 9; k++) {
      const value = view.getFloat32(at + k * 4, true);
      vertices[t * 9 + k] = value;
      const axis = k % 3;
      if (value < min[axis]) min[axis] = value;
      if (value > max[axis]) max[axis] = value;
    }
    const v = vertices.subarray(t * 9, t * 9 + 9);
    const ux = v[3] - v[0], uy = v[4] - v[1], uz = v[5] - v[2];
    const wx = v[6] - v[0], wy = v[7] - v[1], wz = v[8] - v[2];
    const n = normalize([uy * wz - uz * wy, uz * wx - ux * wz, ux * wy - uy * wx]);
    normals.set(n, t * 3);
  }
  if (!count) return { count, vertices, normals, min: [0, 0, 0], max: [0, 0, 0], radius: 1 };
  // The bounding sphere about the box's centre: the view fits it, so the part stays whole at every angle.
  const centre = [0, 1, 2].map((axis) => (min[axis] + max[axis]) / 2);
  let radius2 = 0;
  for (let i = 0; i < vertices.length; i += 3) {
    const dx = vertices[i] - centre[0], dy = vertices[i + 1] - centre[1], dz = vertices[i + 2] - centre[2];
    radius2 = Math.max(radius2, dx * dx + dy * dy + dz * dz);
  }
  return { count, vertices, normals, min, max, radius: Math.sqrt(radius2) || 1 };
}

/** A canvas that shows one mesh, turned by dragging or the arrow keys. */
export class MeshView {
  constructor(canvas) {
    this.canvas = canvas;
    this.mesh = null;
    this.yaw = -Math.PI / 5;
    this.pitch = Math.PI / 7;
    this.frame = 0;
    this.observer = new ResizeObserver(() => this.draw());
    this.observer.observe(canvas);
    this.drag = null;
    this.onPointerDown = (event) => {
      this.drag = { x: event.clientX, y: event.clientY };
      canvas.setPointerCapture(event.pointerId);
    };
    this.onPointerMove = (event) => {
      if (!this.drag) return;
      this.turn((event.clientX - this.drag.x) * TURN_PER_PX, (event.clientY - this.drag.y) * TURN_PER_PX);
      this.drag = { x: event.clientX, y: event.clientY };
    };
    this.onPointerUp = () => (this.drag = null);
    this.onKey = (event) => {
      const turns = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[event.key];
      if (!turns) return;
      event.preventDefault();
      this.turn(turns[0] * TURN_PER_KEY, turns[1] * TURN_PER_KEY);
    };
    canvas.addEventListener("pointerdown", this.onPointerDown);
    canvas.addEventListener("pointermove", this.onPointerMove);
    canvas.addEventListener("pointerup", this.onPointerUp);
    canvas.addEventListener("pointercancel", this.onPointerUp);
    canvas.addEventListener("keydown", this.onKey);
  }

  /** Show a binary STL (an ArrayBuffer); answers the parsed mesh. */
  show(buffer) {
    this.mesh = parseStl(buffer);
    this.draw();
    return this.mesh;
  }

  /** Turn the view by these angles (radians); redrawn at the next frame. */
  turn(yaw, pitch) {
    this.yaw += yaw;
    this.pitch = Math.max(-PITCH_LIMIT, Math.min(PITCH_LIMIT, this.pitch + pitch));
    if (!this.frame) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.draw();
      });
    }
  }

  /** Stop following the canvas size and the pointer. */
  destroy() {
    this.observer.disconnect();
    if (this.frame) cancelAnimationFrame(this.frame);
    this.canvas.removeEventListener("pointerdown", this.onPointerDown);
    this.canvas.removeEventListener("pointermove", this.onPointerMove);
    this.canvas.removeEventListener("pointerup", this.onPointerUp);
    this.canvas.removeEventListener("pointercancel", this.onPointerUp);
    this.canvas.removeEventListener("keydown", this.onKey);
  }

  draw() {
    const fitted = fitCanvas(this.canvas);
    if (!fitted) return;
    const started = performance.now();
    const { ctx } = fitted;
    const width = this.canvas.width; // device pixels: the rasterizer writes them directly
    const height = this.canvas.height;
    const image = ctx.createImageData(width, height);
    const pixels = new Uint32Array(image.data.buffer);
    pixels.fill(rgba(BACKGROUND));
    if (this.mesh && this.mesh.count) rasterize(this.mesh, this.yaw, this.pitch, width, height, pixels);
    ctx.putImageData(image, 0, 0);
    this.canvas.dataset.drawMs = (performance.now() - started).toFixed(1);
  }
}

function rasterize(mesh, yaw, pitch, width, height, pixels) {
  const { count, vertices, normals, min, max, radius } = mesh;
  const cx = (min[0] + max[0]) / 2, cy = (min[1] + max[1]) / 2, cz = (min[2] + max[2]) / 2;
  const scale = (Math.min(width, height) * 0.44) / radius;
  const cosY = Math.cos(yaw), sinY = Math.sin(yaw), cosP = Math.cos(pitch), sinP = Math.sin(pitch);
  // World (Z up) to view: x right, y up, z towards the viewer (larger is nearer).
  const toView = (x, y, z) => {
    const x1 = x * cosY - y * sinY;
    const y1 = x * sinY + y * cosY;
    return [x1, y1 * sinP + z * cosP, -y1 * cosP + z * sinP];
  };
  const depth = new Float32Array(width * height).fill(-Infinity);
  const halfW = width / 2, halfH = height / 2;
  const screen = new Float32Array(9);
  const palette = new Uint32Array(256); // shades of the base colour, by light level
  for (let i = 0; i < 256; i++) palette[i] = rgba(BASE.map((c) => Math.min(255, Math.round(c * (AMBIENT + (1 - AMBIENT) * (i / 255)) + 20 * (i / 255) ** 8))));
  for (let t = 0; t < count; t++) {
    const [nx, ny, nz] = toView(normals[t * 3], normals[t * 3 + 1], normals[t * 3 + 2]);
    // Both sides are lit alike, so a mesh with flipped winding still looks solid.
    const sign = nz < 0 ? -1 : 1;
    const light = Math.max(0, sign * (nx * LIGHT[0] + ny * LIGHT[1] + nz * LIGHT[2]));
    const colour = palette[Math.round(light * 255)];
    for (let k = 0; k < 3; k++) {
      const o = t * 9 + k * 3;
      const [x, y, z] = toView(vertices[o] - cx, vertices[o + 1] - cy, vertices[o + 2] - cz);
      screen[k * 3] = halfW + x * scale;
      screen[k * 3 + 1] = halfH - y * scale;
      screen[k * 3 + 2] = z;
    }
    fillTriangle(screen, colour, width, height, pixels, depth);
  }
}

// Fill the pixels whose centres lie inside the triangle (edge functions), nearer than what is drawn there.
function fillTriangle(s, colour, width, height, pixels, depth) {
  const x0 = s[0], y0 = s[1], z0 = s[2], x1 = s[3], y1 = s[4], z1 = s[5], x2 = s[6], y2 = s[7], z2 = s[8];
  const area = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0);
  if (area === 0) return;
  const minX = Math.max(0, Math.ceil(Math.min(x0, x1, x2) - 0.5));
  const maxX = Math.min(width - 1, Math.floor(Math.max(x0, x1, x2) - 0.5));
  const minY = Math.max(0, Math.ceil(Math.min(y0, y1, y2) - 0.5));
  const maxY = Math.min(height - 1, Math.floor(Math.max(y0, y1, y2) - 0.5));
  if (minX > maxX || minY > maxY) return;
  const inv = 1 / area;
  for (let py = minY; py <= maxY; py++) {
    const sy = py + 0.5;
    for (let px = minX; px <= maxX; px++) {
      const sx = px + 0.5;
      const w0 = ((x1 - sx) * (y2 - sy) - (x2 - sx) * (y1 - sy)) * inv;
      const w1 = ((x2 - sx) * (y0 - sy) - (x0 - sx) * (y2 - sy)) * inv;
      const w2 = 1 - w0 - w1;
      if (w0 < 0 || w1 < 0 || w2 < 0) continue;
      const z = w0 * z0 + w1 * z1 + w2 * z2;
      const i = py * width + px;
      if (z > depth[i]) {
        depth[i] = z;
        pixels[i] = colour;
      }
    }
  }
}

function rgba([r, g, b]) {
  return (255 << 24) | (b << 16) | (g << 8) | r; // ImageData is RGBA in memory; typed arrays are little-endian
}

function normalize([x, y, z]) {
  const length = Math.hypot(x, y, z) || 1;
  return [x / length, y / length, z / length];
}
