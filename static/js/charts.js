// Canvas charts: fitness per generation (best, mean with its standard deviation band, the
// held-out test score on its own axis when rows carry one; linear or log scale) and species sizes
// as a stacked area. Hovering shows the values under the pointer; clicking picks a generation.
// Each chart sets data-points on its canvas to the number of generations drawn.

import { fitCanvas } from "./canvas.js";

const AXIS = "#3a4658";
const GRID = "#1b2330";
const TEXT = "#8792a5";
export const COLORS = { best: "#ffb547", mean: "#4cc9f0", band: "rgba(76,201,240,.16)", test: "#e879f9" };

/** Stable, well-separated colour of species `id`. */
export function speciesColor(id) {
  const hue = (id * 137.508) % 360;
  return `hsl(${hue.toFixed(1)}, 62%, 58%)`;
}

const finite = Number.isFinite;

function niceTicks(min, max, count) {
  const span = max - min || 1;
  const step0 = span / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= step0) || step0;
  const ticks = [];
  for (let v = Math.ceil(min / step) * step; v <= max + 1e-9; v += step) ticks.push(v);
  return ticks;
}

/** Symmetric log: log10(1 + |v|) with v's sign, so 0 and negative fitness stay on the chart. */
const symlog = (v) => Math.sign(v) * Math.log10(1 + Math.abs(v));
const unsymlog = (u) => Math.sign(u) * (10 ** Math.abs(u) - 1);

/** 0 and the powers of ten (either sign) from `min` to `max`. */
function logTicks(min, max) {
  const ticks = [0];
  for (let v = 1; v <= 1e15 && (v <= max || -v >= min); v *= 10) ticks.push(v, -v);
  return ticks.filter((v) => v >= min && v <= max).sort((a, b) => a - b);
}

function formatTick(v) {
  const a = Math.abs(v);
  if (a >= 1e4) return v.toExponential(0).replace("e+", "e");
  if (a >= 100 || Number.isInteger(v)) return String(Math.round(v));
  return v.toFixed(a >= 10 ? 1 : 2);
}

/** A value for the hover box: 4 significant digits at most. */
function formatValue(v) {
  if (!finite(v)) return "–";
  const a = Math.abs(v);
  if (a >= 1e5) return v.toExponential(2);
  if (Number.isInteger(v)) return v.toLocaleString("en-US");
  return v.toFixed(a >= 100 ? 1 : a >= 1 ? 2 : 3);
}

/** The linear map of [lo, hi] (data) onto the pixel rows top..bottom (y down). */
function scaleY(lo, hi, top, bottom, transform = (v) => v) {
  const [a, b] = [transform(lo), transform(hi)];
  return (v) => top + (1 - (transform(v) - a) / (b - a || 1)) * (bottom - top);
}

/** [lo, hi] around `values` with a 6% margin, in the transform's space, back in data units. */
function paddedRange(values, transform = (v) => v, inverse = (u) => u) {
  const t = values.map(transform);
  let [lo, hi] = [Math.min(...t), Math.max(...t)];
  const margin = (hi - lo) * 0.06 || 1;
  [lo, hi] = [lo - margin, hi + margin];
  return [inverse(lo), inverse(hi)];
}

class Chart {
  constructor(canvas, onPick) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.rows = [];
    this.selected = null;
    this.hovered = null; // index into rows of the generation under the pointer
    this.pointerY = null;
    this.pad = { l: 44, r: 10, t: 10, b: 22 };
    this.tip = document.createElement("div");
    this.tip.className = "chart-tip";
    this.tip.dataset.testid = `${canvas.dataset.testid}-tip`;
    this.tip.hidden = true;
    canvas.after(this.tip);
    canvas.addEventListener("click", (e) => {
      const i = this.indexAt(e.offsetX);
      if (i !== null && onPick) onPick(this.rows[i].generation);
    });
    canvas.addEventListener("mousemove", (e) => this.hover(e.offsetX, e.offsetY));
    canvas.addEventListener("mouseleave", () => this.hover(null, null));
    new ResizeObserver(() => this.render()).observe(canvas);
  }

  setRows(rows) {
    this.rows = rows;
    this.canvas.dataset.points = String(rows.length);
    if (this.hovered !== null && this.hovered >= rows.length) this.hovered = null;
    this.render();
    this.showTip();
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

  /** Index of the row nearest to pixel column `offsetX`, or null without rows. */
  indexAt(offsetX) {
    if (!this.rows.length) return null;
    const [g0, g1] = this.xRange();
    const w = this.canvas.clientWidth - this.pad.l - this.pad.r;
    const g = g0 + ((offsetX - this.pad.l) / w) * (g1 - g0);
    let best = 0;
    for (let i = 1; i < this.rows.length; i++) {
      if (Math.abs(this.rows[i].generation - g) < Math.abs(this.rows[best].generation - g)) best = i;
    }
    return best;
  }

  hover(x, y) {
    this.hovered = x === null ? null : this.indexAt(x);
    this.pointerY = y;
    this.render();
    this.showTip();
  }

  /** The hover box: the lines of tipLines() next to the pointer's generation. */
  showTip() {
    const i = this.hovered;
    if (i === null || !this.rows[i]) {
      this.tip.hidden = true;
      return;
    }
    this.tip.textContent = this.tipLines(this.rows[i]).join("\n");
    this.tip.hidden = false;
    const x = this.xOf(this.rows[i].generation);
    const right = x + 12 + this.tip.offsetWidth > this.canvas.clientWidth;
    this.tip.style.left = `${right ? x - 12 - this.tip.offsetWidth : x + 12}px`;
    this.tip.style.top = `${this.canvas.offsetTop + this.pad.t}px`;
  }

  xOf(generation) {
    const [g0, g1] = this.xRange();
    return this.pad.l + ((generation - g0) / (g1 - g0)) * (this.canvas.clientWidth - this.pad.l - this.pad.r);
  }

  /** Grid, y ticks (`ticks` at rows `sy(v)`), generation ticks, the selected and the hovered
   * generation's guides. */
  axes(w, h, sy, ticks) {
    const ctx = this.ctx;
    const { l, r, b } = this.pad;
    const sx = (g) => this.xOf(g);
    ctx.font = "11px ui-monospace, Menlo, monospace";
    ctx.fillStyle = TEXT;
    ctx.strokeStyle = GRID;
    ctx.lineWidth = 1;
    ctx.textAlign = "right";
    let lastY = Infinity;
    for (const v of ticks) { // ascending; a label too close to the one below it is left out
      if (lastY - sy(v) < 14) continue;
      lastY = sy(v);
      ctx.beginPath();
      ctx.moveTo(l, sy(v) + 0.5);
      ctx.lineTo(w - r, sy(v) + 0.5);
      ctx.stroke();
      ctx.fillText(formatTick(v), l - 6, sy(v) + 4);
    }
    ctx.textAlign = "center";
    const [g0, g1] = this.xRange();
    for (const g of niceTicks(g0, g1, Math.max(2, Math.floor((w - l - r) / 70)))) {
      if (Number.isInteger(g)) ctx.fillText(String(g), sx(g), h - 6);
    }
    ctx.strokeStyle = AXIS;
    ctx.beginPath();
    ctx.moveTo(l, this.pad.t);
    ctx.lineTo(l, h - b);
    ctx.lineTo(w - r, h - b);
    ctx.stroke();
    this.guide(this.selected, "rgba(255,255,255,.45)", h);
    if (this.hovered !== null && this.rows[this.hovered]) {
      this.guide(this.rows[this.hovered].generation, "rgba(255,255,255,.8)", h);
    }
    return sx;
  }

  guide(generation, color, h) {
    if (generation === null || !this.rows.length) return;
    const ctx = this.ctx;
    const x = Math.round(this.xOf(generation)) + 0.5;
    ctx.strokeStyle = color;
    ctx.setLineDash([3, 3]);
    ctx.beginPath();
    ctx.moveTo(x, this.pad.t);
    ctx.lineTo(x, h - this.pad.b);
    ctx.stroke();
    ctx.setLineDash([]);
  }
}

export class FitnessChart extends Chart {
  /** @param {HTMLButtonElement} logToggle switches the fitness axis between linear and log */
  constructor(canvas, onPick, logToggle, testLegend) {
    super(canvas, onPick);
    this.log = false;
    this.testLegend = testLegend;
    logToggle.addEventListener("click", () => {
      this.log = !this.log;
      logToggle.setAttribute("aria-pressed", String(this.log));
      canvas.dataset.scale = this.log ? "log" : "linear";
      this.render();
    });
    canvas.dataset.scale = "linear";
  }

  tipLines(r) {
    const lines = [`generation ${r.generation}`, `best  ${formatValue(r.best_fitness)}`,
      `mean  ${formatValue(r.mean_fitness)} ± ${formatValue(r.std_fitness)}`];
    if (finite(r.test_score)) lines.push(`test  ${formatValue(r.test_score)}${r.test_solved ? "  solved" : ""}`);
    if (r.solved) lines.push("solved");
    return lines;
  }

  render() {
    const [w, h] = this.frame();
    const rows = this.rows.filter((r) => finite(r.best_fitness));
    const tests = rows.filter((r) => finite(r.test_score));
    this.testLegend.hidden = tests.length === 0;
    this.canvas.dataset.testPoints = String(tests.length);
    this.pad.r = tests.length ? 40 : 10;
    if (!rows.length) return;
    const band = (r, sign) => r.mean_fitness + sign * (finite(r.std_fitness) ? r.std_fitness : 0);
    const values = rows.flatMap((r) => [r.best_fitness, r.mean_fitness, band(r, 1), band(r, -1)]).filter(finite);
    const [transform, inverse] = this.log ? [symlog, unsymlog] : [(v) => v, (u) => u];
    const [lo, hi] = paddedRange(values, transform, inverse);
    const sy = scaleY(lo, hi, this.pad.t, h - this.pad.b, transform);
    const ticks = this.log ? logTicks(lo, hi) : niceTicks(lo, hi, 4);
    const sx = this.axes(w, h, sy, ticks);
    const ctx = this.ctx;
    const withMean = rows.filter((r) => finite(r.mean_fitness));
    if (withMean.length) { // mean ± standard deviation
      ctx.fillStyle = COLORS.band;
      ctx.beginPath();
      withMean.forEach((r, i) => (i ? ctx.lineTo : ctx.moveTo).call(ctx, sx(r.generation), sy(band(r, 1))));
      for (let i = withMean.length - 1; i >= 0; i--) ctx.lineTo(sx(withMean[i].generation), sy(band(withMean[i], -1)));
      ctx.fill();
    }
    this.line(rows, "mean_fitness", sx, sy, COLORS.mean, 1.5);
    this.line(rows, "best_fitness", sx, sy, COLORS.best, 2.2);
    const solved = rows.find((r) => r.solved);
    if (solved) this.dot(sx(solved.generation), sy(solved.best_fitness), COLORS.best);
    if (tests.length) this.renderTest(tests, w, h, sx);
  }

  /** The test score on the right axis: 0 to 1 when every score is a rate, else its own range. */
  renderTest(tests, w, h, sx) {
    const scores = tests.map((r) => r.test_score);
    const rate = scores.every((v) => v >= 0 && v <= 1);
    const [lo, hi] = rate ? [0, 1] : paddedRange(scores);
    const sy = scaleY(lo, hi, this.pad.t, h - this.pad.b);
    const ctx = this.ctx;
    ctx.fillStyle = COLORS.test;
    ctx.textAlign = "left";
    for (const v of rate ? [0, 0.5, 1] : niceTicks(lo, hi, 4)) ctx.fillText(formatTick(v), w - this.pad.r + 6, sy(v) + 4);
    ctx.setLineDash([5, 3]);
    this.line(tests, "test_score", sx, sy, COLORS.test, 1.8);
    ctx.setLineDash([]);
    for (const r of tests) if (r.test_solved) this.dot(sx(r.generation), sy(r.test_score), COLORS.test);
  }

  line(rows, key, sx, sy, color, width) {
    const ctx = this.ctx;
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.lineJoin = "round";
    ctx.beginPath();
    let started = false;
    for (const r of rows) {
      if (!finite(r[key])) continue;
      if (started) ctx.lineTo(sx(r.generation), sy(r[key]));
      else ctx.moveTo(sx(r.generation), sy(r[key]));
      started = true;
    }
    ctx.stroke();
  }

  dot(x, y, color) {
    const ctx = this.ctx;
    ctx.fillStyle = color;
    ctx.beginPath();
    ctx.arc(x, y, 4, 0, 2 * Math.PI);
    ctx.fill();
  }
}

export class SpeciesChart extends Chart {
  /** The species (id, size) whose band holds the pointer at row `r`, of the stack drawn. */
  tipLines(r) {
    const table = r.species_table || [];
    const total = table.reduce((s, x) => s + x.size, 0);
    const lines = [`generation ${r.generation}`, `${table.length} species, ${total} genomes`];
    const sizes = new Map(table.map((s) => [s.id, s.size]));
    if (this.pointerY !== null && this.sy) {
      const value = this.sy.invert(this.pointerY);
      let base = 0;
      for (const id of this.order) {
        const size = sizes.get(id) || 0;
        if (size && value >= base && value < base + size) {
          lines.push(`species ${id}: ${size} (${Math.round((100 * size) / total)}%)`);
          break;
        }
        base += size;
      }
    }
    return lines;
  }

  render() {
    const [w, h] = this.frame();
    const rows = this.rows;
    if (!rows.length) return;
    const totals = rows.map((r) => (r.species_table || []).reduce((s, x) => s + x.size, 0));
    const top = Math.max(1, ...totals);
    const sy = scaleY(0, top, this.pad.t, h - this.pad.b);
    const [t, bottom] = [this.pad.t, h - this.pad.b];
    sy.invert = (y) => ((bottom - y) / (bottom - t)) * top;
    this.sy = sy;
    const sx = this.axes(w, h, sy, niceTicks(0, top, 4));
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
    this.order = order;
    const sizes = rows.map((r) => new Map((r.species_table || []).map((s) => [s.id, s.size])));
    const base = new Float64Array(rows.length);
    const ctx = this.ctx;
    for (const id of order) {
      const stacked = Float64Array.from(base, (b, i) => b + (sizes[i].get(id) || 0));
      ctx.fillStyle = speciesColor(id);
      ctx.globalAlpha = 0.85;
      ctx.beginPath();
      rows.forEach((r, i) => {
        const x = sx(r.generation);
        if (i === 0) ctx.moveTo(x, sy(stacked[i]));
        else ctx.lineTo(x, sy(stacked[i]));
      });
      for (let i = rows.length - 1; i >= 0; i--) ctx.lineTo(sx(rows[i].generation), sy(base[i]));
      ctx.closePath();
      ctx.fill();
      base.set(stacked);
    }
    ctx.globalAlpha = 1;
    if (this.hovered !== null) this.guide(rows[this.hovered].generation, "rgba(255,255,255,.8)", h);
  }
}
