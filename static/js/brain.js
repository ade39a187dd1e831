// The network drawn as SVG: every neuron carries data-node-id, every link data-innovation.
// Activations light neurons (amber for positive, blue for negative) and links (opacity by signal).

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

function paletteIndex(value) {
  const v = Number.isFinite(value) ? Math.max(-1, Math.min(1, value)) : 0;
  return Math.round((v + 1) * STEPS);
}

function escapeXml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function linkPath(a, b, recurrent, r) {
  if (a === b) {
    const s = r * 3.2;
    return `M${a.x} ${a.y - r}C${a.x + s} ${a.y - 4 * s},${a.x - s} ${a.y - 4 * s},${a.x} ${a.y - r}`;
  }
  if (recurrent || b.x <= a.x) {
    const mx = (a.x + b.x) / 2;
    const lift = 40 + Math.abs(b.x - a.x) * 0.22;
    return `M${a.x} ${a.y}Q${mx} ${Math.min(a.y, b.y) - lift} ${b.x} ${b.y}`;
  }
  return `M${a.x} ${a.y}L${b.x} ${b.y}`;
}

export class BrainView {
  /** @param {SVGSVGElement} svg @param {HTMLElement} tooltip */
  constructor(svg, tooltip) {
    this.svg = svg;
    this.tooltip = tooltip;
    this.layout = null;
    this.nodeEls = [];
    this.linkEls = [];
    this.nodeShade = [];
    this.linkShade = [];
    this.values = [];
    svg.addEventListener("mousemove", (e) => this.hover(e));
    svg.addEventListener("mouseleave", () => this.unhover());
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
    this.linkEnds = [];
    this.linkWeights = [];
    this.adjacent = nodes.map(() => []);
    const parts = [`<g class="links">`];
    layout.links.forEach((l, i) => {
      const a = byId.get(l.source);
      const b = byId.get(l.target);
      if (!a || !b) return;
      const cls = `link ${l.weight >= 0 ? "pos" : "neg"}${l.recurrent ? " rec" : ""}${l.enabled ? "" : " disabled"}`;
      const width = (0.6 + 3.2 * Math.sqrt(Math.abs(l.weight) / maxW)).toFixed(2);
      parts.push(`<path class="${cls}" d="${linkPath(a, b, l.recurrent, r)}" stroke-width="${width}" stroke-opacity="0.35" data-innovation="${l.innovation}" data-index="${i}"/>`);
      this.linkEnds.push([a.index, l.enabled ? 1 : 0]);
      this.linkWeights.push(l.weight);
      this.adjacent[a.index].push(this.linkEnds.length - 1);
      this.adjacent[b.index].push(this.linkEnds.length - 1);
    });
    parts.push(`</g><g class="nodes">`);
    for (const [i, n] of nodes.entries()) {
      if (n.grid) {
        const s = layout.cell * 0.92;
        parts.push(`<rect class="node cell input" x="${n.x - s / 2}" y="${n.y - s / 2}" width="${s}" height="${s}" rx="2" fill="${PALETTE[STEPS]}" data-node-id="${n.id}" data-index="${i}"/>`);
      } else {
        const rr = n.kind === "output" ? r * 1.5 : r;
        parts.push(`<circle class="node ${n.kind}" cx="${n.x}" cy="${n.y}" r="${rr}" fill="${PALETTE[STEPS]}" data-node-id="${n.id}" data-index="${i}"/>`);
      }
    }
    parts.push(`</g><g class="labels">`);
    for (const n of nodes) {
      if (n.kind === "input" && !n.grid && layout.input_grid) {
        parts.push(`<text class="label" x="${n.x}" y="${n.y + r + 13}" text-anchor="middle">${escapeXml(n.label)}</text>`);
      } else if (n.kind === "input" && !n.grid) {
        parts.push(`<text class="label" x="${n.x - r - 6}" y="${n.y + 4}" text-anchor="end">${escapeXml(n.label)}</text>`);
      } else if (n.kind === "output") {
        parts.push(`<text class="label out" x="${n.x + r * 1.5 + 8}" y="${n.y + 5}">${escapeXml(n.label)}</text>`);
      } else if (n.kind === "hidden" && hidden <= 40) {
        parts.push(`<text class="label hid" x="${n.x}" y="${n.y - r - 3}" text-anchor="middle">${escapeXml(n.label)}</text>`);
      }
    }
    if (layout.input_grid) {
      const cells = nodes.filter((n) => n.grid);
      const top = Math.min(...cells.map((n) => n.y)) - layout.cell / 2 - 8;
      const left = Math.min(...cells.map((n) => n.x)) - layout.cell / 2;
      parts.push(`<text class="caption" x="${left}" y="${top}">what it sees · ${layout.input_grid[0]}×${layout.input_grid[1]}</text>`);
    }
    parts.push(`</g>`);
    this.svg.setAttribute("viewBox", `0 0 ${layout.width} ${layout.height}`);
    this.svg.innerHTML = parts.join("");
    this.nodeEls = Array.from(this.svg.querySelectorAll(".nodes > [data-node-id]"));
    this.linkEls = Array.from(this.svg.querySelectorAll(".links > [data-innovation]"));
    this.nodeShade = new Int16Array(this.nodeEls.length).fill(STEPS);
    this.linkShade = new Int16Array(this.linkEls.length).fill(-1);
    this.pressed = new Uint8Array(this.nodeEls.length);
    this.values = new Float64Array(this.nodeEls.length);
    const ms = performance.now() - t0;
    this.svg.dataset.drawMs = ms.toFixed(1);
    this.svg.dataset.nodes = String(this.nodeEls.length);
    this.svg.dataset.links = String(this.linkEls.length);
    return ms;
  }

  /** Light up neurons and links for one replay frame (`activations` in layout node order). */
  setActivations(activations, action) {
    if (!this.layout || activations.length !== this.nodeEls.length) return;
    this.values.set(activations);
    for (let i = 0; i < this.nodeEls.length; i++) {
      const k = paletteIndex(activations[i]);
      if (k !== this.nodeShade[i]) {
        this.nodeShade[i] = k;
        this.nodeEls[i].setAttribute("fill", PALETTE[k]);
      }
    }
    for (let j = 0; j < this.linkEls.length; j++) {
      const [src, enabled] = this.linkEnds[j];
      const signal = enabled ? Math.abs(activations[src] * this.linkWeights[j]) : 0;
      const k = Math.round(Math.min(1, signal) * OPACITY_LEVELS);
      if (k !== this.linkShade[j]) {
        this.linkShade[j] = k;
        this.linkEls[j].setAttribute("stroke-opacity", (0.1 + (0.9 * k) / OPACITY_LEVELS).toFixed(2));
      }
    }
    const outputs = this.layout.nodes;
    let o = 0;
    for (let i = 0; i < outputs.length; i++) {
      if (outputs[i].kind !== "output") continue;
      const on = action && action[o] > 0.5 ? 1 : 0;
      o += 1;
      if (on !== this.pressed[i]) {
        this.pressed[i] = on;
        this.nodeEls[i].classList.toggle("pressed", on === 1);
      }
    }
  }

  setShowDisabled(show) {
    this.svg.classList.toggle("show-disabled", show);
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

  focus(nodeIndex) {
    if (this.focused === nodeIndex) return;
    for (const el of this.svg.querySelectorAll(".link.focus")) el.classList.remove("focus");
    this.focused = nodeIndex;
    this.svg.classList.toggle("focus", nodeIndex >= 0);
    if (nodeIndex >= 0) for (const j of this.adjacent[nodeIndex]) this.linkEls[j].classList.add("focus");
  }

  unhover() {
    this.tooltip.hidden = true;
    this.focus(-1);
  }
}
