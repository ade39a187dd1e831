// The replay stage: one opaque, desynchronized canvas on top of the brain and the game, each drawn
// in the box of its placeholder element. Chromium's software compositor pays a fixed price for
// every canvas it receives a frame from and for every layer drawn over one, so the brain and the
// game share a canvas and nothing is painted above it (it lets the pointer through to the
// brain's SVG underneath, which holds the hover targets).

export const PANEL = "#121821"; // the panel's background, painted around and between the boxes
const BORDER = "#1a2330";
const RADIUS = 8; // CSS pixels, of each box's outer edge (the 1-pixel border included)
export const INNER_RADIUS = RADIUS - 1; // CSS pixels, of a box's inside (what a view paints)

export class Stage {
  /**
   * @param {HTMLCanvasElement} canvas laid out over the slots
   * @param {Record<string, HTMLElement>} slots name -> the placeholder whose box the view paints in
   */
  constructor(canvas, slots) {
    this.canvas = canvas;
    this.slots = slots;
    this.ctx = canvas.getContext("2d", { alpha: false, desynchronized: true });
    this.dpr = 1;
    this.regions = Object.fromEntries(Object.keys(slots).map((name) => [name, [0, 0, 0, 0]]));
    this.listeners = [];
    const observer = new ResizeObserver(() => this.fit());
    for (const element of [canvas, ...Object.values(slots)]) observer.observe(element);
  }

  /** Call `listener()` after every resize (the canvas is cleared by then). */
  onResize(listener) {
    this.listeners.push(listener);
  }

  /** Size the canvas's backing store to its box, measure each slot's box (inside its border, in device
   * pixels from the canvas's origin), paint the panel and the borders, then tell the listeners. */
  fit() {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.round(this.canvas.clientWidth * dpr);
    const h = Math.round(this.canvas.clientHeight * dpr);
    const regions = {};
    const origin = this.canvas.getBoundingClientRect();
    for (const [name, slot] of Object.entries(this.slots)) {
      const box = slot.getBoundingClientRect();
      const x0 = Math.round((box.left - origin.left + 1) * dpr);
      const y0 = Math.round((box.top - origin.top + 1) * dpr);
      const x1 = Math.round((box.right - origin.left - 1) * dpr);
      const y1 = Math.round((box.bottom - origin.top - 1) * dpr);
      regions[name] = [x0, y0, Math.max(0, x1 - x0), Math.max(0, y1 - y0)];
    }
    const same = this.canvas.width === w && this.canvas.height === h && this.dpr === dpr
      && Object.keys(regions).every((name) => String(regions[name]) === String(this.regions[name]));
    if (same) return;
    this.dpr = dpr;
    this.regions = regions;
    this.canvas.width = w;
    this.canvas.height = h;
    const ctx = this.ctx;
    ctx.fillStyle = PANEL;
    ctx.fillRect(0, 0, w, h);
    ctx.strokeStyle = BORDER;
    ctx.lineWidth = dpr;
    for (const [x, y, rw, rh] of Object.values(regions)) {
      if (!rw || !rh) continue;
      ctx.beginPath();
      ctx.roundRect(x - dpr / 2, y - dpr / 2, rw + dpr, rh + dpr, (RADIUS - 0.5) * dpr);
      ctx.stroke();
    }
    for (const listener of this.listeners) listener();
  }
}

/** Paint the corners of a w x h box outside its rounded edge (radius of the box's inside, in
 * device pixels) with the panel's colour, on `ctx` in the box's coordinates. */
export function roundCorners(ctx, w, h, dpr) {
  const r = INNER_RADIUS * dpr;
  ctx.save();
  ctx.beginPath();
  ctx.rect(0, 0, w, h);
  ctx.roundRect(0, 0, w, h, r);
  ctx.fillStyle = PANEL;
  ctx.fill("evenodd");
  ctx.restore();
}
