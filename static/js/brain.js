// The network, painted in the brain's box of the replay stage (stage.js) over an SVG. The
// background, links and labels are painted on an offscreen link layer (on hover, on resize, and
// when some link's shade changed, at most every LINK_REPAINT_MS) that is copied to the box and
// covered with the neurons; any other replay frame repaints only the neurons whose shade or pressed
// state changed, each over its box of the link layer. The SVG, under the stage's canvas, paints
// nothing: it holds every neuron and link as an invisible shape carrying data-node-id /
// data-activation or data-innovation, so the hover tooltip, tests and users' scripts find them (the
// hovered neuron's outline is painted on the canvas). A frame touches no DOM at all; the page calls
// reflect() a few times a second to copy the shades into the data-activation attributes and the
// repaint counts into the SVG's data-link-paints (link layer) and data-node-paints (neurons).
// Activations light neurons (amber for positive, blue for negative) and links (opacity by signal).

import { INNER_RADIUS, PANEL } from "./stage.js";

const STEPS = 20; // palette steps per sign
const BASE = [27, 36, 49];
const HIGH = [255, 209, 102];
const LOW = [92, 124, 250];

const PALETTE = Array.from({ length: 2 * STEPS + 1 }, (_, i) => {
  const v = (i - STEPS) / STEPS;
  const target = v >= 0 ? HIGH : LOW;
  const t = Math.abs(v);
  const c = BASE.map((b, k) => Math.round(b + (target[k] - b) * t));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
});

const OPACITY_LEVELS = 12;
const IDLE_LEVEL = -1; // before the first frame: links at IDLE_ALPHA
const IDLE_ALPHA = 0.35;
const LINK_REPAINT_MS = 150; // link shades follow the signal at up to ~7 Hz: repainting every
// link and the whole canvas is most of a frame's cost, neurons alone are cheap
const DIM = 0.12; // opacity factor of links not touching the hovered neuron
const WIDTH_LEVELS = 8;
const HAIRLINE = WIDTH_LEVELS; // width level of links drawn one device pixel wide
// Software rasterizers draw one-pixel lines many times faster than wider ones, so only the
// THICK_LINKS heaviest links are drawn wider than one pixel; the rest are hairlines.
const THICK_LINKS = 150;
const LINK_COLORS = { pos: "#3ddc97", neg: "#ff5c7a", disabled: "#6b7587" };
const DISABLED_ALPHA = 0.5;
const DASH_RECURRENT = [5, 3];
const DASH_DISABLED = [2, 4];

// Neuron strokes (layout units), as the SVG drew them before the neurons moved to a canvas.
const CELL_STROKE = ["#2a3544", 0.8];
const NODE_STROKE = ["#5c6b80", 1.2];
const OUTPUT_STROKE = ["#ffb547", 1.6];
const PRESSED_STROKE = ["#ffffff", 3];
const PRESSED_GLOW = "rgba(255,181,71,.9)";
const HOVER_STROKE = ["#ffffff", 1.2]; // the hovered neuron's outline
const GLOW_RADIUS = 6; // layout units

// Background (the panel's colour, then the brain box's rounded radial gradient) and labels.
const GRADIENT = ["#121a26", "#0c1118"];
const MONO = `ui-monospace, "SF Mono", "JetBrains Mono", Menlo, Consolas, monospace`;
// [colour, weight, size in layout units, smallest size on screen in CSS pixels, font]: a brain
// drawn small keeps its labels legible
const LABEL_STYLES = {
  input: ["#aab4c5", "400", 12, 10, MONO],
  out: ["#ffb547", "700", 14, 11, MONO],
  hid: ["#a3adbd", "400", 9, 11, MONO],
  caption: ["#8792a5", "400", 11, 10, "system-ui, sans-serif"],
};
const HALO = "#0c1118"; // outline of the labels, so links crossing them do not hide them

// Link geometry kinds in `geometry` (7 numbers per link: kind, then up to 6 coordinates).
const LINE = 0;
const QUAD = 1;
const LOOP = 2;
const GEOMETRY_STRIDE = 7;

function paletteIndex(value) {
  const v = Number.isFinite(value) ? Math.max(-1, Math.min(1, value)) : 0;
  return Math.round((v + 1) * STEPS);
}

/** Geometry of the link from `a` to `b` as [kind, x0, y0, ...control points, x1, y1]. */
function linkGeometry(a, b, recurrent, r) {
  if (a === b) {
    const s = r * 3.2;
    return [LOOP, a.x, a.y - r, a.x + s, a.y - 4 * s, a.x - s, a.y - 4 * s];
  }
  if (recurrent || b.x <= a.x) {
    const lift = 40 + Math.abs(b.x - a.x) * 0.22;
    return [QUAD, a.x, a.y, (a.x + b.x) / 2, Math.min(a.y, b.y) - lift, b.x, b.y];
  }
  return [LINE, a.x, a.y, b.x, b.y, 0, 0];
}

function pathData(g) {
  if (g[0] === LOOP) return `M${g[1]} ${g[2]}C${g[3]} ${g[4]},${g[5]} ${g[6]},${g[1]} ${g[2]}`;
  if (g[0] === QUAD) return `M${g[1]} ${g[2]}Q${g[3]} ${g[4]} ${g[5]} ${g[6]}`;
  return `M${g[1]} ${g[2]}L${g[3]} ${g[4]}`;
}

export class BrainView {
  /**
   * @param {SVGSVGElement} svg hover targets, under the stage's canvas
   * @param {import("./stage.js").Stage} stage paints in its "brain" region
   * @param {HTMLElement} tooltip
   */
  constructor(svg, stage, tooltip) {
    this.svg = svg;
    this.stage = stage;
    this.ctx = stage.ctx;
    this.linkLayer = document.createElement("canvas"); // offscreen: never composited by the page
    this.linkCtx = this.linkLayer.getContext("2d", { alpha: false });
    // the background gradient, painted once per size: copying it is far cheaper than filling it
    this.backLayer = document.createElement("canvas");
    this.backCtx = this.backLayer.getContext("2d", { alpha: false });
    this.backDpr = 0; // the device pixel ratio the background was painted at
    this.labels = [];
    this.linkPaints = 0;
    this.linksStale = false; // some link's shade changed since the link layer was painted
    this.lastLinkPaint = -Infinity; // performance.now() of that paint
    this.nodePaints = 0;
    this.view = null; // [scale, offset x, offset y, dpr]: layout units -> device pixels of the box
    this.origin = [0, 0]; // the box's top left corner on the stage's canvas, device pixels
    this.tooltip = tooltip;
    this.layout = null;
    this.nodeEls = [];
    this.linkEls = [];
    this.nodeShade = new Int16Array(0);
    this.reflectedShade = new Int16Array(0); // the shades data-activation shows
    this.linkShade = new Int16Array(0);
    this.values = new Float64Array(0);
    this.showDisabled = false;
    this.focused = -1;
    svg.addEventListener("mousemove", (e) => this.hover(e));
    svg.addEventListener("mouseleave", () => this.unhover());
    stage.onResize(() => this.paint());
  }

  /** Draw `layout` (from the server) and return the time it took in ms. */
  draw(layout) {
    const t0 = performance.now();
    this.layout = layout;
    const nodes = layout.nodes;
    const byId = new Map(nodes.map((n, i) => [n.id, { ...n, index: i }]));
    const hidden = nodes.filter((n) => n.kind === "hidden").length;
    const r = Math.max(3, Math.min(10, 150 / Math.sqrt(nodes.length + 1)));
    const maxW = Math.max(1, ...layout.links.map((l) => Math.abs(l.weight)));
    const drawn = [];
    layout.links.forEach((l, i) => { if (byId.has(l.source) && byId.has(l.target)) drawn.push([l, i]); });
    const count = drawn.length;
    this.linkSource = new Int32Array(count);
    this.linkWeight = new Float64Array(count);
    this.linkStyle = new Int32Array(count); // sign | recurrent << 1 | disabled << 2 | width << 3
    this.linkWidth = new Float64Array(WIDTH_LEVELS + 1);
    this.geometry = new Float64Array(count * GEOMETRY_STRIDE);
    this.adjacent = nodes.map(() => []);
    const byWeight = drawn.map(([l], j) => [Math.abs(l.weight), j]).sort((x, y) => y[0] - x[0]);
    const thick = new Uint8Array(count);
    for (const [, j] of byWeight.slice(0, THICK_LINKS)) thick[j] = 1;
    for (let k = 0; k < WIDTH_LEVELS; k++) this.linkWidth[k] = 0.6 + (3.2 * k) / (WIDTH_LEVELS - 1);
    const parts = [`<g class="links">`];
    drawn.forEach(([l, index], j) => {
      const a = byId.get(l.source);
      const b = byId.get(l.target);
      const geometry = linkGeometry(a, b, l.recurrent, r);
      this.geometry.set(geometry, j * GEOMETRY_STRIDE);
      const widthLevel = Math.round(Math.sqrt(Math.abs(l.weight) / maxW) * (WIDTH_LEVELS - 1));
      this.linkSource[j] = l.enabled ? a.index : -1;
      this.linkWeight[j] = l.weight;
      this.linkStyle[j] = (l.weight >= 0 ? 0 : 1) | (l.recurrent ? 2 : 0) | (l.enabled ? 0 : 4)
        | ((thick[j] ? widthLevel : HAIRLINE) << 3);
      this.adjacent[a.index].push(j);
      this.adjacent[b.index].push(j);
      const cls = `link ${l.weight >= 0 ? "pos" : "neg"}${l.recurrent ? " rec" : ""}${l.enabled ? "" : " disabled"}`;
      parts.push(`<path class="${cls}" d="${pathData(geometry)}" stroke-width="${this.linkWidth[widthLevel].toFixed(2)}" data-innovation="${l.innovation}" data-index="${index}"/>`);
    });
    parts.push(`</g><g class="nodes">`);
    this.nodeSize = new Float64Array(nodes.length); // cell side or disc radius, layout units
    for (const [i, n] of nodes.entries()) {
      const common = `data-node-id="${n.id}" data-index="${i}" data-activation="0"`;
      if (n.grid) {
        const s = layout.cell * 0.92;
        this.nodeSize[i] = s;
        parts.push(`<rect class="node cell input" x="${n.x - s / 2}" y="${n.y - s / 2}" width="${s}" height="${s}" rx="2" ${common}/>`);
      } else {
        const rr = n.kind === "output" ? r * 1.5 : r;
        this.nodeSize[i] = rr;
        parts.push(`<circle class="node ${n.kind}" cx="${n.x}" cy="${n.y}" r="${rr}" ${common}/>`);
      }
    }
    this.nodeReach = this.nodeSize.map((size, i) => {
      if (nodes[i].grid) return size / 2 + CELL_STROKE[1];
      return size + (nodes[i].kind === "output" ? PRESSED_STROKE[1] + 3 * GLOW_RADIUS : NODE_STROKE[1]);
    });
    this.overlaps = overlappingNodes(nodes, this.nodeReach);
    parts.push(`</g>`);
    this.labels = nodeLabels(layout, r, hidden);
    // each button's neuron centre, about which its name is mirrored when it has no room on the right
    this.labelAnchor = new Map(nodes.filter((n) => n.kind === "output").map((n) => [n.label, n.x]));
    this.svg.setAttribute("viewBox", `0 0 ${layout.width} ${layout.height}`);
    this.svg.innerHTML = parts.join("");
    this.nodeEls = Array.from(this.svg.querySelectorAll(".nodes > [data-node-id]"));
    this.linkEls = Array.from(this.svg.querySelectorAll(".links > [data-innovation]"));
    this.nodeShade = new Int16Array(this.nodeEls.length).fill(STEPS);
    this.reflectedShade = new Int16Array(this.nodeEls.length).fill(STEPS);
    this.linkShade = new Int16Array(count).fill(IDLE_LEVEL);
    this.pressed = new Uint8Array(this.nodeEls.length);
    this.values = new Float64Array(this.nodeEls.length);
    this.focused = -1;
    this.paint();
    const ms = performance.now() - t0;
    this.svg.dataset.drawMs = ms.toFixed(1);
    this.svg.dataset.nodes = String(this.nodeEls.length);
    this.svg.dataset.links = String(this.linkEls.length);
    return ms;
  }

  /** Show no network (no champion yet, or the run is gone). */
  clear() {
    this.layout = null;
    this.svg.innerHTML = "";
    this.nodeEls = [];
    this.linkEls = [];
    this.labels = [];
    this.linkShade = new Int16Array(0);
    this.focused = -1;
    this.tooltip.hidden = true;
    this.svg.dataset.nodes = "0";
    this.svg.dataset.links = "0";
    this.paint();
  }

  /** Light up neurons and links for one replay frame (`activations` in layout node order). */
  setActivations(activations, action) {
    if (!this.layout || activations.length !== this.nodeEls.length) return;
    this.values.set(activations);
    const changed = [];
    for (let i = 0; i < this.nodeEls.length; i++) {
      const k = paletteIndex(activations[i]);
      if (k !== this.nodeShade[i]) {
        this.nodeShade[i] = k;
        changed.push(i);
      }
    }
    const nodes = this.layout.nodes;
    let o = 0;
    for (let i = 0; i < nodes.length; i++) {
      if (nodes[i].kind !== "output") continue;
      const on = action && action[o] > 0.5 ? 1 : 0;
      o += 1;
      if (on !== this.pressed[i]) {
        this.pressed[i] = on;
        if (!changed.includes(i)) changed.push(i);
      }
    }
    for (let j = 0; j < this.linkShade.length; j++) {
      const src = this.linkSource[j];
      const signal = src >= 0 ? Math.abs(activations[src] * this.linkWeight[j]) : 0;
      const k = Math.round(Math.min(1, signal) * OPACITY_LEVELS);
      if (k !== this.linkShade[j]) {
        this.linkShade[j] = k;
        this.linksStale = true;
      }
    }
    if (this.linksStale && performance.now() - this.lastLinkPaint >= LINK_REPAINT_MS) this.paintLinks();
    else if (changed.length) this.repaintNodes(changed);
  }

  setShowDisabled(show) {
    this.showDisabled = show;
    this.svg.classList.toggle("show-disabled", show);
    this.paintLinks();
  }

  /** Size the layers to the brain's box of the stage; repaint links and every neuron. */
  paint() {
    const dpr = this.stage.dpr;
    const [x, y, w, h] = this.stage.regions.brain;
    this.origin = [x, y];
    if (this.linkLayer.width !== w || this.linkLayer.height !== h || this.backDpr !== dpr) {
      for (const layer of [this.linkLayer, this.backLayer]) {
        layer.width = w;
        layer.height = h;
      }
      this.backDpr = dpr;
      paintBackground(this.backCtx, w, h, dpr);
    }
    this.view = null;
    if (this.layout && w && h) {
      const [cw, ch] = [w / dpr, h / dpr];
      const scale = Math.min(cw / this.layout.width, ch / this.layout.height);
      this.view = [scale, (cw - this.layout.width * scale) / 2, (ch - this.layout.height * scale) / 2, dpr];
    }
    this.paintLinks();
  }

  /** Copy the link layer to the brain's box and paint every neuron over it. */
  compose() {
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    if (!this.linkLayer.width || !this.linkLayer.height) return;
    ctx.drawImage(this.linkLayer, this.origin[0], this.origin[1]);
    if (!this.view) return;
    this.useView(ctx, this.origin);
    for (let i = 0; i < this.nodeEls.length; i++) this.paintNode(ctx, i);
    this.nodePaints += this.nodeEls.length;
  }

  /** Set `ctx`'s transform to map layout units to device pixels of a box whose top left corner
   * is at `origin` (device pixels). */
  useView(ctx, [x, y]) {
    const [scale, ox, oy, dpr] = this.view;
    ctx.setTransform(dpr * scale, 0, 0, dpr * scale, x + dpr * ox, y + dpr * oy);
  }

  /** Repaint neurons `indices` (and the parts of neighbours they overlap), each over its box of
   * the link layer. */
  repaintNodes(indices) {
    if (!this.view) return;
    const ctx = this.ctx;
    const [scale, ox, oy, dpr] = this.view;
    const [left, top] = this.origin;
    const nodes = this.layout.nodes;
    let painted = 0;
    for (const i of indices) {
      const n = nodes[i];
      const reach = this.nodeReach[i];
      // the neuron's box in whole device pixels of the link layer (clipped to it), so the copy
      // leaves no half-covered seams
      const x0 = Math.max(0, Math.floor(dpr * (ox + (n.x - reach) * scale)));
      const y0 = Math.max(0, Math.floor(dpr * (oy + (n.y - reach) * scale)));
      const x1 = Math.min(this.linkLayer.width, Math.ceil(dpr * (ox + (n.x + reach) * scale)));
      const y1 = Math.min(this.linkLayer.height, Math.ceil(dpr * (oy + (n.y + reach) * scale)));
      if (x1 <= x0 || y1 <= y0) continue;
      ctx.save();
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.beginPath();
      ctx.rect(left + x0, top + y0, x1 - x0, y1 - y0);
      ctx.clip();
      ctx.drawImage(this.linkLayer, x0, y0, x1 - x0, y1 - y0, left + x0, top + y0, x1 - x0, y1 - y0);
      this.useView(ctx, this.origin);
      for (const j of this.overlaps[i]) this.paintNode(ctx, j);
      ctx.restore();
      painted += this.overlaps[i].length;
    }
    this.nodePaints += painted;
  }

  /** Paint neuron `i` with its current shade (and glow when it is a pressed button). */
  paintNode(ctx, i) {
    const n = this.layout.nodes[i];
    const size = this.nodeSize[i];
    ctx.fillStyle = PALETTE[this.nodeShade[i]];
    ctx.beginPath();
    let stroke = NODE_STROKE;
    if (n.grid) {
      ctx.roundRect(n.x - size / 2, n.y - size / 2, size, size, 2);
      stroke = CELL_STROKE;
    } else {
      ctx.arc(n.x, n.y, size, 0, 2 * Math.PI);
      if (n.kind === "output") stroke = this.pressed[i] ? PRESSED_STROKE : OUTPUT_STROKE;
    }
    const glow = n.kind === "output" && this.pressed[i] === 1;
    if (glow) {
      ctx.save();
      ctx.shadowColor = PRESSED_GLOW;
      ctx.shadowBlur = 2 * GLOW_RADIUS * this.view[0] * this.view[3];
    }
    ctx.fill();
    ctx.strokeStyle = stroke[0];
    ctx.lineWidth = stroke[1];
    ctx.stroke();
    if (glow) ctx.restore();
    if (i === this.focused) {
      ctx.strokeStyle = HOVER_STROKE[0];
      ctx.lineWidth = n.grid ? CELL_STROKE[1] : HOVER_STROKE[1];
      ctx.stroke();
    }
  }

  /** Copy the neurons' shades to their data-activation attributes and the repaint counts to the
   * SVG's data attributes (only what changed since the last call). */
  reflect() {
    for (let i = 0; i < this.nodeEls.length; i++) {
      const k = this.nodeShade[i];
      if (k === this.reflectedShade[i]) continue;
      this.reflectedShade[i] = k;
      this.nodeEls[i].dataset.activation = String((k - STEPS) / STEPS);
    }
    const counts = this.svg.dataset;
    if (counts.linkPaints !== String(this.linkPaints)) counts.linkPaints = String(this.linkPaints);
    if (counts.nodePaints !== String(this.nodePaints)) counts.nodePaints = String(this.nodePaints);
  }

  /** Paint the background, every link (one stroke per (style, opacity) bucket) and the labels on
   * the link layer; then compose. */
  paintLinks() {
    const ctx = this.linkCtx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    if (this.backLayer.width && this.backLayer.height) ctx.drawImage(this.backLayer, 0, 0);
    this.linkPaints += 1;
    this.linksStale = false;
    this.lastLinkPaint = performance.now();
    if (!this.view) {
      this.compose();
      return;
    }
    this.useView(ctx, [0, 0]);
    this.linkWidth[HAIRLINE] = 1 / (this.view[0] * this.view[3]);
    ctx.lineCap = "round";
    const focus = this.focused >= 0 ? new Set(this.adjacent[this.focused]) : null;
    const buckets = new Map();
    for (let j = 0; j < this.linkShade.length; j++) {
      const style = this.linkStyle[j];
      if (style & 4 && !this.showDisabled) continue;
      const dim = focus !== null && !focus.has(j) ? 1 : 0;
      const key = ((style * (OPACITY_LEVELS + 2) + this.linkShade[j] + 1) << 1) | dim;
      let bucket = buckets.get(key);
      if (bucket === undefined) {
        bucket = [];
        buckets.set(key, bucket);
      }
      bucket.push(j);
    }
    const g = this.geometry;
    for (const [key, links] of buckets) {
      const dim = key & 1;
      const rest = key >> 1;
      const style = Math.floor(rest / (OPACITY_LEVELS + 2));
      const level = (rest % (OPACITY_LEVELS + 2)) - 1;
      const disabled = style & 4;
      let alpha = level === IDLE_LEVEL ? IDLE_ALPHA : 0.1 + (0.9 * level) / OPACITY_LEVELS;
      if (disabled) alpha = DISABLED_ALPHA;
      ctx.globalAlpha = dim ? alpha * DIM : alpha;
      ctx.strokeStyle = disabled ? LINK_COLORS.disabled : style & 1 ? LINK_COLORS.neg : LINK_COLORS.pos;
      ctx.lineWidth = this.linkWidth[style >> 3];
      ctx.setLineDash(disabled ? DASH_DISABLED : style & 2 ? DASH_RECURRENT : []);
      ctx.beginPath();
      for (const j of links) {
        const o = j * GEOMETRY_STRIDE;
        ctx.moveTo(g[o + 1], g[o + 2]);
        if (g[o] === LINE) ctx.lineTo(g[o + 3], g[o + 4]);
        else if (g[o] === QUAD) ctx.quadraticCurveTo(g[o + 3], g[o + 4], g[o + 5], g[o + 6]);
        else ctx.bezierCurveTo(g[o + 3], g[o + 4], g[o + 5], g[o + 6], g[o + 1], g[o + 2]);
      }
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
    ctx.setLineDash([]);
    const scale = this.view[0];
    ctx.strokeStyle = HALO;
    ctx.lineJoin = "round";
    for (const [text, x, y, align, style] of this.labels) {
      const [color, weight, size, least, family] = LABEL_STYLES[style];
      const px = Math.max(size, least / scale);
      ctx.fillStyle = color;
      ctx.font = `${weight} ${px.toFixed(2)}px ${family}`;
      ctx.textAlign = align;
      ctx.letterSpacing = style === "caption" ? "0.88px" : "0px";
      // a label grown beyond its layout size keeps its distance from the neuron below it, and a
      // button's name that would leave the box goes to the left of its neuron, over the links
      const lift = style === "hid" ? px - size : 0;
      let [at, halo] = [x, style === "hid"];
      if (style === "out" && x + ctx.measureText(text).width > this.layout.width) {
        ctx.textAlign = "right";
        at = 2 * this.labelAnchor.get(text) - x;
        halo = true;
      }
      if (halo) {
        ctx.lineWidth = 3 / scale;
        ctx.strokeText(text, at, y - lift);
      }
      ctx.fillText(text, at, y - lift);
    }
    this.compose();
  }

  hover(event) {
    const target = event.target.closest("[data-node-id],[data-innovation]");
    if (!target || !this.layout) return this.unhover();
    const index = Number(target.dataset.index);
    let text;
    if (target.dataset.nodeId !== undefined) {
      const n = this.layout.nodes[index];
      text = `neuron ${n.id}  (${n.kind})\n${n.label}\n${n.activation}  bias ${n.bias.toFixed(3)}\nvalue ${this.values[index].toFixed(3)}`;
      this.focus(index);
    } else {
      const l = this.layout.links[index];
      text = `link #${l.innovation}\n${l.source} → ${l.target}\nweight ${l.weight.toFixed(3)}${l.enabled ? "" : "  (disabled)"}${l.recurrent ? "\nrecurrent" : ""}`;
      this.focus(-1);
    }
    const box = this.svg.parentElement.getBoundingClientRect();
    this.tooltip.textContent = text;
    this.tooltip.hidden = false;
    const x = event.clientX - box.left + 14;
    const y = event.clientY - box.top + 14;
    this.tooltip.style.left = `${Math.min(x, box.width - this.tooltip.offsetWidth - 4)}px`;
    this.tooltip.style.top = `${Math.min(y, box.height - this.tooltip.offsetHeight - 4)}px`;
  }

  /** Highlight the links of neuron `nodeIndex` (-1: none). */
  focus(nodeIndex) {
    if (this.focused === nodeIndex) return;
    this.focused = nodeIndex;
    this.paintLinks();
  }

  unhover() {
    this.tooltip.hidden = true;
    this.focus(-1);
  }
}

/** For each neuron, the neurons (itself included, in drawing order) whose reach overlaps its own
 * (`reach`: half the side of the square around each neuron that its paint stays in). */
function overlappingNodes(nodes, reach) {
  // sweep by left edge: a neuron overlaps only those whose left edge lies before its right edge
  const order = nodes.map((n, i) => i).sort((a, b) => nodes[a].x - reach[a] - (nodes[b].x - reach[b]));
  const overlaps = nodes.map((n, i) => [i]);
  for (let a = 0; a < order.length; a++) {
    const i = order[a];
    for (let b = a + 1; b < order.length; b++) {
      const j = order[b];
      if (nodes[j].x - reach[j] >= nodes[i].x + reach[i]) break; // and so is every later one
      if (Math.abs(nodes[i].y - nodes[j].y) < reach[i] + reach[j]) {
        overlaps[i].push(j);
        overlaps[j].push(i);
      }
    }
  }
  for (const list of overlaps) list.sort((x, y) => x - y);
  return overlaps;
}

/** The brain box's background on a w x h (device pixels) opaque canvas: the panel's colour outside
 * the rounded box, inside it CSS's `radial-gradient(ellipse at 50% 40%, GRADIENT[0] 0%,
 * GRADIENT[1] 75%)` (a farthest-corner ellipse). */
function paintBackground(ctx, w, h, dpr) {
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.fillStyle = PANEL;
  ctx.fillRect(0, 0, w, h);
  if (!w || !h) return;
  const [cx, cy] = [0.5 * w, 0.4 * h];
  const [rx, ry] = [Math.SQRT2 * 0.5 * w, Math.SQRT2 * 0.6 * h];
  const gradient = ctx.createRadialGradient(0, 0, 0, 0, 0, ry);
  gradient.addColorStop(0, GRADIENT[0]);
  gradient.addColorStop(0.75, GRADIENT[1]);
  gradient.addColorStop(1, GRADIENT[1]);
  ctx.save();
  ctx.beginPath();
  ctx.roundRect(0, 0, w, h, INNER_RADIUS * dpr);
  ctx.clip();
  ctx.setTransform(rx / ry, 0, 0, 1, cx, cy);
  ctx.fillStyle = gradient;
  ctx.fillRect(-cx * (ry / rx), -cy, w * (ry / rx), h);
  ctx.restore();
}

/** The labels of `layout`'s neurons as [text, x, y, canvas textAlign, LABEL_STYLES key] (layout
 * units; `r` the neuron radius; hidden neurons are labelled when there are at most 40). */
function nodeLabels(layout, r, hidden) {
  const labels = [];
  for (const n of layout.nodes) {
    if (n.kind === "input" && !n.grid && layout.input_grid) labels.push([n.label, n.x, n.y + r + 13, "center", "input"]);
    else if (n.kind === "input" && !n.grid) labels.push([n.label, n.x - r - 6, n.y + 4, "right", "input"]);
    else if (n.kind === "output") labels.push([n.label, n.x + r * 1.5 + 8, n.y + 5, "left", "out"]);
    else if (n.kind === "hidden" && hidden <= 40) labels.push([n.label, n.x, n.y - r - 3, "center", "hid"]);
  }
  if (layout.input_grid) {
    const cells = layout.nodes.filter((n) => n.grid);
    const top = Math.min(...cells.map((n) => n.y)) - layout.cell / 2 - 8;
    const left = Math.min(...cells.map((n) => n.x)) - layout.cell / 2;
    const text = `what it sees · ${layout.input_grid[0]}×${layout.input_grid[1]}`.toUpperCase();
    labels.push([text, left, top, "left", "caption"]);
  }
  return labels;
}
