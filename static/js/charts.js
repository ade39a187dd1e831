// Canvas charts: best/mean fitness per generation, and species sizes as a stacked area.
// Each chart sets data-points on its canvas to the number of generations drawn.

import { fitCanvas } from "./canvas.js";

const AXIS = "#3a4658";
const GRID = "#1b2330";
const TEXT = "#8792a5";

/** Stable, well-separated colour of species `id`. */
export function speciesColor(id) {
  const hue = (id * 137.508) % 360;
  return `hsl(${hue.toFixed(1)}, 62%, 58%)`;
}

function niceTicks(min, max, count) {
  const span = max - min || 1;
  const step0 = span / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= step0) || step0;
  const ticks = [];
  for (let v = Math.ceil(min / step) * step; v <= max + 1e-9; v += step) ticks.push(v);
  return ticks;
}

function formatTick(v) {
  const a = Math.abs(v);
  if (a >= 1e4) return v.toExponential(1);
  if (a >= 100 || Number.isInteger(v)) return String(Math.round(v));
  return v.toFixed(a >= 10 ? 1 : 2);
}

class Chart {
  constructor(canvas, onPick) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.rows = [];
    this.selected = null;
    this.pad = { l: 44, r: 10, t: 10, b: 22 };
    canvas.addEventListener("click", (e) => {
      const g = this.generationAt(e.offsetX);
      if (g !== null && onPick) onPick(g);
    });
    new ResizeObserver(() => this.render()).observe(canvas);
  }

  setRows(rows) {
    this.rows = rows;
    this.canvas.dataset.points = String(rows.length);
    this.render();
  }

  setSelected(generation) {
    this.selected = generation;
    this.render();
  }

  frame() {
    const [w, h, dpr] = fitCanvas(this.canvas);
    const ctx = this.ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    return [w / dpr, h / dpr];
  }

  xRange() {
    const first = this.rows.length ? this.rows[0].generation : 0;
    const last = this.rows.length ? this.rows[this.rows.length - 1].generation : 1;
    return [first, Math.max(last, first + 1)];
  }

  generationAt(offsetX) {
    if (!this.rows.length) return null;
    const [g0, g1] = this.xRange();
    const w = this.canvas.clientWidth - this.pad.l - this.pad.r;
    const g = Math.round(g0 + ((offsetX - this.pad.l) / w) * (g1 - g0));
    return Math.max(g0, Math.min(this.rows[this.rows.length - 1].generation, g));
  }

  axes(w, h, y0, y1) {
    const ctx = this.ctx;
    const { l, r, t, b } = this.pad;
    const [g0, g1] = this.xRange();
    const sx = (g) => l + ((g - g0) / (g1 - g0)) * (w - l - r);
    const sy = (v) => t + (1 - (v - y0) / (y1 - y0 || 1)) * (h - t - b);
    ctx.font = "11px ui-monospace, Menlo, monospace";
    ctx.fillStyle = TEXT;
    ctx.strokeStyle = GRID;
    ctx.lineWidth = 1;
    ctx.textAlign = "right";
    for (const v of niceTicks(y0, y1, 4)) {
      ctx.beginPath();
      ctx.moveTo(l, sy(v) + 0.5);
      ctx.lineTo(w - r, sy(v) + 0.5);
      ctx.stroke();
      ctx.fillText(formatTick(v), l - 6, sy(v) + 4);
    }
    ctx.textAlign = "center";
    for (const g of niceTicks(g0, g1, 6)) {
      if (Number.isInteger(g)) ctx.fillText(String(g), sx(g), h - 6);
    }
    ctx.strokeStyle = AXIS;
    ctx.beginPath();
    ctx.moveTo(l, t);
    ctx.lineTo(l, h - b);
    ctx.lineTo(w - r, h - b);
    ctx.stroke();
    if (this.selected !== null && this.rows.length) {
      ctx.strokeStyle = "rgba(255,255,255,.45)";
      ctx.setLineDash([3, 3]);
      ctx.beginPath();
      ctx.moveTo(sx(this.selected) + 0.5, t);
      ctx.lineTo(sx(this.selected) + 0.5, h - b);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    return [sx, sy];
  }
}

export class FitnessChart extends Chart {
  render() {
    const [w, h] = this.frame();
    const rows = this.rows.filter((r) => Number.isFinite(r.best_fitness));
    if (!rows.length) return;
    const values = rows.flatMap((r) => [r.best_fitness, r.mean_fitness].filter(Number.isFinite));
    let y0 = Math.min(...values);
    let y1 = Math.max(...values);
    const margin = (y1 - y0) * 0.06 || 1;
    y0 -= margin;
    y1 += margin;
    const [sx, sy] = this.axes(w, h, y0, y1);
    const ctx = this.ctx;
    const line = (key, color, width) => {
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.lineJoin = "round";
      ctx.beginPath();
      let started = false;
      for (const r of rows) {
        if (!Number.isFinite(r[key])) continue;
        if (started) ctx.lineTo(sx(r.generation), sy(r[key]));
        else ctx.moveTo(sx(r.generation), sy(r[key]));
        started = true;
      }
      ctx.stroke();
    };
    const area = ctx.createLinearGradient(0, 10, 0, h);
    area.addColorStop(0, "rgba(255,181,71,.22)");
    area.addColorStop(1, "rgba(255,181,71,0)");
    ctx.fillStyle = area;
    ctx.beginPath();
    ctx.moveTo(sx(rows[0].generation), sy(y0));
    for (const r of rows) ctx.lineTo(sx(r.generation), sy(r.best_fitness));
    ctx.lineTo(sx(rows[rows.length - 1].generation), sy(y0));
    ctx.fill();
    line("mean_fitness", "#4cc9f0", 1.5);
    line("best_fitness", "#ffb547", 2.2);
    const solved = rows.find((r) => r.solved);
    if (solved) {
      ctx.fillStyle = "#ffb547";
      ctx.beginPath();
      ctx.arc(sx(solved.generation), sy(solved.best_fitness), 4.5, 0, 2 * Math.PI);
      ctx.fill();
    }
  }
}

export class SpeciesChart extends Chart {
  render() {
    const [w, h] = this.frame();
    const rows = this.rows;
    if (!rows.length) return;
    const totals = rows.map((r) => (r.species_table || []).reduce((s, x) => s + x.size, 0));
    const [sx, sy] = this.axes(w, h, 0, Math.max(1, ...totals));
    const order = [];
    const seen = new Set();
    for (const r of rows) {
      for (const s of r.species_table || []) {
        if (!seen.has(s.id)) {
          seen.add(s.id);
          order.push(s.id);
        }
      }
    }
    const sizes = rows.map((r) => new Map((r.species_table || []).map((s) => [s.id, s.size])));
    const base = new Float64Array(rows.length);
    const ctx = this.ctx;
    for (const id of order) {
      const top = Float64Array.from(base, (b, i) => b + (sizes[i].get(id) || 0));
      ctx.fillStyle = speciesColor(id);
      ctx.globalAlpha = 0.85;
      ctx.beginPath();
      rows.forEach((r, i) => {
        const x = sx(r.generation);
        if (i === 0) ctx.moveTo(x, sy(top[i]));
        else ctx.lineTo(x, sy(top[i]));
      });
      for (let i = rows.length - 1; i >= 0; i--) ctx.lineTo(sx(rows[i].generation), sy(base[i]));
      ctx.closePath();
      ctx.fill();
      base.set(top);
    }
    ctx.globalAlpha = 1;
  }
}
