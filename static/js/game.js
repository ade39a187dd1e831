// The game view: draws a replay frame in the game's box of the replay stage (stage.js): the game's
// own picture when the frame has one (a gymnasium environment's rendered frame), else its `world`
// dict, one renderer per world kind. The platformer is drawn with its pixel-art sprites
// (sprites.js, the same as fitness/platformer/sprites.py draws in rgb_array frames and GIFs), one
// sprite per tile, so the grid the network sees is the grid drawn. Its tiles are painted on an
// offscreen layer, again only when the tiles in view change; a frame copies from that layer only
// the boxes the last frame's player, enemies and text covered (all of it when the tiles changed),
// then draws this frame's over it.

import { PALETTE, SKY, SPRITES } from "./sprites.js";
import { roundCorners } from "./stage.js";

const BACKGROUND = "#0e1520";
const GROUND = 1;
const BLOCK = 2;
const PIPE = 3;
const FLAG = 4;
const SPIKES = 6;
const TILE_SPRITES = { [BLOCK]: "block", 5: "platform" }; // tiles shown alike wherever they are
const spriteCanvases = new Map(); // sprite name (and "|flipped") -> a canvas of its pixels

/** A frame's picture (base64 of an encoded image, WebP) decoded, as a promise of an ImageBitmap. */
export function decodePicture(base64) {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return createImageBitmap(new Blob([bytes], { type: "image/webp" }));
}

function worldKind(world) {
  if (world.kind) return world.kind;
  if (world.tiles) return "platformer";
  if ("theta1" in world) return "double-pole";
  if ("theta" in world) return "cartpole";
  if (world.values) return "vector";
  if (world.inputs) return "xor";
  return "unknown";
}

export class GameView {
  /** @param {import("./stage.js").Stage} stage paints in its "game" region */
  constructor(stage) {
    this.stage = stage;
    this.ctx = stage.ctx;
    this.tiles = new TileLayer();
    this.world = null; // the world shown, or null when a message or a picture is
    this.picture = null; // the picture shown (an ImageBitmap this view closes), or null
    this.message = "";
    stage.onResize(() => this.repaint());
  }

  /** Show `message` (or nothing) instead of a world. */
  clear(message) {
    this.world = null;
    this.setPicture(null);
    this.message = message || "";
    this.repaint();
  }

  /** Show a game's own picture (an ImageBitmap, closed by this view when it is replaced) at the
   * largest whole-number scale that fits the box, so its pixels stay sharp (an Atari screen 2x or
   * 3x, CartPole 1:1), or scaled down smoothly when it is larger than the box. */
  drawPicture(picture) {
    this.world = null;
    this.setPicture(picture);
    this.tiles.invalidate();
    this.paint((ctx, w, h, dpr) => {
      const fit = Math.min(w / picture.width, h / picture.height);
      const scale = fit >= 1 ? Math.floor(fit) : fit;
      const pw = picture.width * scale;
      const ph = picture.height * scale;
      const x = Math.floor((w - pw) / 2); // on whole pixels: a 1:1 picture is copied, not resampled
      const y = Math.floor((h - ph) / 2);
      ctx.fillStyle = BACKGROUND; // only the margins: the picture covers the rest
      if (y > 0) { ctx.fillRect(0, 0, w, y); ctx.fillRect(0, y + ph, w, h - y - ph); }
      if (x > 0) { ctx.fillRect(0, 0, x, h); ctx.fillRect(x + pw, 0, w - x - pw, h); }
      ctx.imageSmoothingEnabled = scale < 1;
      ctx.drawImage(picture, x, y, pw, ph);
      roundCorners(ctx, w, h, dpr);
    });
  }

  setPicture(picture) {
    if (this.picture && this.picture !== picture) this.picture.close();
    this.picture = picture;
  }

  draw(world) {
    this.world = world;
    this.setPicture(null);
    this.paint((ctx, w, h, dpr) => {
      const kind = worldKind(world || {});
      const draw = {
        platformer: drawPlatformer, cartpole: drawCartpole, "double-pole": drawDoublePole,
        vector: drawVector, xor: drawXor,
      }[kind] || drawUnknown;
      if (kind !== "platformer") this.tiles.invalidate();
      draw(ctx, world, w, h, dpr, this.tiles);
      if (kind !== "platformer") roundCorners(ctx, w, h, dpr); // the tile layer has its own
    });
  }

  /** Paint the whole box again (after a resize, which clears the canvas). */
  repaint() {
    this.tiles.invalidate();
    if (this.world) {
      this.draw(this.world);
      return;
    }
    if (this.picture) {
      this.drawPicture(this.picture);
      return;
    }
    this.paint((ctx, w, h, dpr) => {
      ctx.fillStyle = BACKGROUND;
      ctx.fillRect(0, 0, w, h);
      if (this.message) {
        ctx.fillStyle = "#8792a5";
        ctx.font = `${13 * dpr}px system-ui, sans-serif`;
        ctx.textAlign = "center";
        ctx.fillText(this.message, w / 2, h / 2);
      }
      roundCorners(ctx, w, h, dpr);
    });
  }

  /** Run painter(ctx, w, h, dpr) with the stage's context moved to the game's box and clipped to it. */
  paint(painter) {
    const [x, y, w, h] = this.stage.regions.game;
    if (!w || !h) return;
    const ctx = this.ctx;
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, x, y);
    ctx.beginPath();
    ctx.rect(0, 0, w, h);
    ctx.clip();
    painter(ctx, w, h, this.stage.dpr);
    ctx.restore();
  }
}

const HUD_FONT = "600 12px ui-monospace, Menlo, monospace";

const hudWidths = new Map(); // measured widths of HUD lines, by font and line with digits as 0
// (digits are as wide as each other in the HUD's fonts, so "frame 12" is measured once)

/** The box hud() draws `lines` in (device pixels), as [x, y, w, h]. */
function hudBox(ctx, lines, dpr) {
  const font = HUD_FONT.replace("12px", `${12 * dpr}px`);
  const width = Math.max(...lines.map((line) => {
    const key = `${font}|${line.replace(/[0-9]/g, "0")}`;
    let measured = hudWidths.get(key);
    if (measured === undefined) {
      ctx.font = font;
      measured = ctx.measureText(line).width;
      if (hudWidths.size > 256) hudWidths.clear();
      hudWidths.set(key, measured);
    }
    return measured;
  }));
  return outerBox(0, 0, width + 14 * dpr, (26 + 16 * (lines.length - 1)) * dpr + 1);
}

function hud(ctx, lines, dpr) {
  ctx.font = HUD_FONT.replace("12px", `${12 * dpr}px`);
  ctx.textAlign = "left";
  lines.forEach((line, i) => {
    ctx.fillStyle = "rgba(0,0,0,.45)";
    ctx.fillText(line, 11 * dpr, (21 + 16 * i) * dpr + 1);
    ctx.fillStyle = "#f1f4f9";
    ctx.fillText(line, 10 * dpr, (20 + 16 * i) * dpr);
  });
}

/** The platformer's sky and tiles, painted offscreen at the size of the game's box. */
class TileLayer {
  constructor() {
    this.canvas = document.createElement("canvas");
    this.ctx = this.canvas.getContext("2d", { alpha: false });
    this.key = null; // the tile rows painted, and the size, as one string
    this.dirty = []; // [x, y, w, h] boxes (device pixels) the last frame drew over the layer
  }

  /** Make the next update() report a change (the game's box was drawn over by other means). */
  invalidate() {
    this.key = null;
  }

  /** Show `tiles` (rows of tile codes) in a w x h box; whether that repainted the layer. */
  update(tiles, w, h, dpr) {
    const key = `${w}x${h}:${tiles.join(";")}`;
    if (key === this.key) return false;
    this.key = key;
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    paintTiles(this.ctx, tiles, w, h);
    roundCorners(this.ctx, w, h, dpr);
    return true;
  }
}

/** Where tile (0, 0) lands and the tile size, in device pixels: [ox, oy, size]. */
function tileGeometry(tiles, w, h) {
  const rows = tiles.length;
  const cols = rows ? tiles[0].length : 1;
  const size = Math.min(h / rows, w / cols);
  return [(w - cols * size) / 2, (h - rows * size) / 2, size];
}

/** The sprite `name` as a canvas of its own pixels (upside down when `flipped`), made once. */
function spriteCanvas(name, flipped = false) {
  const key = flipped ? `${name}|flipped` : name;
  let canvas = spriteCanvases.get(key);
  if (!canvas) {
    const rows = SPRITES[name];
    canvas = document.createElement("canvas");
    canvas.width = rows[0].length;
    canvas.height = rows.length;
    const ctx = canvas.getContext("2d");
    const image = ctx.createImageData(canvas.width, canvas.height);
    rows.forEach((row, y) => {
      const top = flipped ? rows.length - 1 - y : y;
      for (let x = 0; x < row.length; x++) {
        if (row[x] !== ".") image.data.set([...PALETTE[row[x]], 255], 4 * (top * canvas.width + x));
      }
    });
    ctx.putImageData(image, 0, 0);
    spriteCanvases.set(key, canvas);
  }
  return canvas;
}

/** The sprite tile (r, c) shows, as [name, flipped], or null for air; the variants by the tile
 * above are fitness.platformer.render.tile_sprites's. */
function tileSprite(tiles, r, c) {
  const code = tiles[r][c];
  const above = r > 0 ? tiles[r - 1][c] : 0;
  if (code === GROUND) return [above === GROUND ? "earth" : "ground", false];
  if (code === PIPE) return [above === PIPE ? "pipe" : "pipe_top", false];
  if (code === FLAG) return [above === FLAG ? "pole" : "flag", false];
  if (code === SPIKES) return ["spikes", above === BLOCK];
  return TILE_SPRITES[code] ? [TILE_SPRITES[code], false] : null;
}

/** Draw a canvas into the whole device pixels from (x, y) to (x + w, y + h), pixels kept sharp. */
function drawSharp(ctx, canvas, x, y, w, h) {
  const left = Math.round(x);
  const top = Math.round(y);
  ctx.drawImage(canvas, left, top, Math.round(x + w) - left, Math.round(y + h) - top);
}

function paintTiles(ctx, tiles, w, h) {
  const rows = tiles.length;
  const cols = rows ? tiles[0].length : 1;
  const [ox, oy, size] = tileGeometry(tiles, w, h);
  ctx.fillStyle = BACKGROUND;
  ctx.fillRect(0, 0, w, h);
  ctx.fillStyle = `rgb(${SKY.join(",")})`;
  ctx.fillRect(Math.round(ox), Math.round(oy), Math.round(ox + cols * size) - Math.round(ox),
    Math.round(oy + rows * size) - Math.round(oy));
  ctx.imageSmoothingEnabled = false;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const sprite = tileSprite(tiles, r, c);
      if (sprite) drawSharp(ctx, spriteCanvas(...sprite), ox + c * size, oy + r * size, size, size);
    }
  }
}

function drawPlatformer(ctx, world, w, h, dpr, layer) {
  const [ox, oy, size] = tileGeometry(world.tiles, w, h);
  const x0 = world.x0 || 0;
  const y0 = world.y0 || 0;
  const boxes = (world.enemies || []).map((e) => [e, spriteCanvas("enemy")]);
  if (world.player) boxes.push([world.player, spriteCanvas("player", Boolean(world.dead))]);
  const lines = [`frame ${world.frame ?? "–"}`, `distance ${Number(world.distance ?? 0).toFixed(1)}`];
  if (world.dead) lines.push("✖ dead");
  if (world.won) lines.push("★ reached the flag");
  const rects = boxes.map(([b]) => [ox + (b.x - x0) * size, oy + (b.y - y0) * size, b.w * size, b.h * size]);
  const dirty = rects.map(([x, y, bw, bh]) => outerBox(x - 1, y - 1, bw + 2, bh + 2));
  dirty.push(hudBox(ctx, lines, dpr));
  if (layer.update(world.tiles, w, h, dpr)) ctx.drawImage(layer.canvas, 0, 0);
  else for (const [x, y, bw, bh] of layer.dirty.concat(dirty)) ctx.drawImage(layer.canvas, x, y, bw, bh, x, y, bw, bh);
  layer.dirty = dirty;
  ctx.imageSmoothingEnabled = false;
  boxes.forEach(([, canvas], i) => drawSharp(ctx, canvas, ...rects[i]));
  hud(ctx, lines, dpr);
}

/** The whole-pixel box around (x, y, w, h), as [x, y, w, h]. */
function outerBox(x, y, w, h) {
  const left = Math.floor(x);
  const top = Math.floor(y);
  return [left, top, Math.ceil(x + w) - left, Math.ceil(y + h) - top];
}

function drawTrack(ctx, w, h, dpr) {
  ctx.fillStyle = BACKGROUND;
  ctx.fillRect(0, 0, w, h);
  const ground = h * 0.78;
  ctx.strokeStyle = "#3a4658";
  ctx.lineWidth = 2 * dpr;
  ctx.beginPath();
  ctx.moveTo(w * 0.05, ground);
  ctx.lineTo(w * 0.95, ground);
  ctx.stroke();
  return ground;
}

function drawCart(ctx, world, w, h, dpr, poles) {
  const ground = drawTrack(ctx, w, h, dpr);
  const limit = world.x_threshold || 2.4;
  const scale = (w * 0.42) / limit;
  const cx = w / 2 + world.x * scale;
  const cartW = 0.5 * scale;
  const cartH = 0.3 * scale;
  ctx.fillStyle = "#ff5c7a33";
  ctx.fillRect(w / 2 - limit * scale - 2 * dpr, ground - 6 * dpr, 4 * dpr, 12 * dpr);
  ctx.fillRect(w / 2 + limit * scale - 2 * dpr, ground - 6 * dpr, 4 * dpr, 12 * dpr);
  ctx.fillStyle = "#4cc9f0";
  ctx.fillRect(cx - cartW / 2, ground - cartH, cartW, cartH);
  const top = ground - cartH;
  for (const [theta, length, color] of poles) {
    const len = 2 * length * scale;
    ctx.strokeStyle = color;
    ctx.lineWidth = 6 * dpr;
    ctx.lineCap = "round";
    ctx.beginPath();
    ctx.moveTo(cx, top);
    ctx.lineTo(cx + Math.sin(theta) * len, top - Math.cos(theta) * len);
    ctx.stroke();
  }
  ctx.fillStyle = "#f1f4f9";
  ctx.beginPath();
  ctx.arc(cx, top, 4 * dpr, 0, 2 * Math.PI);
  ctx.fill();
  const angles = poles.map(([t]) => `${((t * 180) / Math.PI).toFixed(1)}°`).join("  ");
  hud(ctx, [`x ${world.x.toFixed(2)}`, `θ ${angles}`], dpr);
}

function drawCartpole(ctx, world, w, h, dpr) {
  drawCart(ctx, world, w, h, dpr, [[world.theta, world.length || 0.5, "#ffb547"]]);
}

function drawDoublePole(ctx, world, w, h, dpr) {
  drawCart(ctx, world, w, h, dpr, [
    [world.theta1, world.length1 || 0.5, "#ffb547"],
    [world.theta2, world.length2 || 0.05, "#3ddc97"],
  ]);
}

function drawVector(ctx, world, w, h, dpr) {
  ctx.fillStyle = BACKGROUND;
  ctx.fillRect(0, 0, w, h);
  const values = world.values || [];
  const n = Math.max(1, values.length);
  const max = Math.max(1e-9, ...values.map((v) => Math.abs(v)));
  const bw = (w * 0.9) / n;
  const mid = h / 2;
  ctx.strokeStyle = "#3a4658";
  ctx.beginPath();
  ctx.moveTo(w * 0.05, mid);
  ctx.lineTo(w * 0.95, mid);
  ctx.stroke();
  values.forEach((v, i) => {
    const bh = (v / max) * h * 0.4;
    ctx.fillStyle = v >= 0 ? "#3ddc97" : "#ff5c7a";
    ctx.fillRect(w * 0.05 + i * bw + bw * 0.15, mid - Math.max(bh, 0), bw * 0.7, Math.abs(bh));
  });
  hud(ctx, [`${values.length} values`], dpr);
}

function drawXor(ctx, world, w, h, dpr) {
  ctx.fillStyle = BACKGROUND;
  ctx.fillRect(0, 0, w, h);
  const [a, b] = world.inputs || [0, 0];
  const cells = [["a", a], ["b", b], ["target", world.target], ["output", world.output]];
  const cw = w / 4;
  ctx.textAlign = "center";
  cells.forEach(([name, value], i) => {
    const x = cw * i + cw / 2;
    const v = Number(value) || 0;
    ctx.fillStyle = `rgba(255,181,71,${0.15 + 0.85 * Math.max(0, Math.min(1, v))})`;
    ctx.beginPath();
    ctx.arc(x, h * 0.45, Math.min(cw, h) * 0.28, 0, 2 * Math.PI);
    ctx.fill();
    ctx.fillStyle = "#f1f4f9";
    ctx.font = `700 ${22 * dpr}px ui-monospace, Menlo, monospace`;
    ctx.fillText(name === "output" ? v.toFixed(2) : String(v), x, h * 0.45 + 8 * dpr);
    ctx.fillStyle = "#8792a5";
    ctx.font = `${12 * dpr}px system-ui, sans-serif`;
    ctx.fillText(name, x, h * 0.8);
  });
  const ok = Math.abs((world.output ?? 0) - (world.target ?? 0)) < 0.5;
  hud(ctx, [ok ? "✔ correct" : "✖ wrong"], dpr);
}

function drawUnknown(ctx, world, w, h, dpr) {
  ctx.fillStyle = BACKGROUND;
  ctx.fillRect(0, 0, w, h);
  ctx.fillStyle = "#aab4c5";
  ctx.font = `${11 * dpr}px ui-monospace, Menlo, monospace`;
  JSON.stringify(world || {}, null, 1).split("\n").slice(0, 30)
    .forEach((line, i) => ctx.fillText(line.slice(0, 80), 10 * dpr, (18 + 14 * i) * dpr));
}
