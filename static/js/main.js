// The viewer page: run list and run view, fed by one WebSocket (see viewer/live.py for the protocol).

import { ActionView } from "./actions.js";
import { BrainView } from "./brain.js";
import { FitnessChart, SpeciesChart, speciesColor } from "./charts.js";
import { LiveConnection } from "./connection.js";
import { GameView, decodePicture } from "./game.js";
import { Stage } from "./stage.js";

const GAME_FPS = 60; // replay frames per second of game time at 1x, unless the replay names its own
const DRAW_FPS = 30; // most frames drawn per second; at 1x a 60 fps game shows every other frame
const TEXT_INTERVAL_MS = 250; // the DOM (frame counter, neurons' data-activation) follows the
// replay at most this often; the stage's canvas shows every frame
const FPS_INTERVAL_MS = 1000; // the frame rate text changes at most this often
const RUN_RENDER_MS = 1000; // charts, tables and status show a growing run at most this often
const BATCH = 32; // replay frames asked for at once (about a second of drawing)
const LOW_WATER = 12; // ask for the next batch when this few frames are left to draw
const SCRUB_DEBOUNCE_MS = 120;

const $ = (id) => document.getElementById(id);

function fmt(value, digits = 3) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  const a = Math.abs(value);
  if (a >= 1e5) return value.toExponential(2);
  if (Number.isInteger(value)) return value.toLocaleString("en-US");
  return value.toFixed(a >= 100 ? 1 : digits);
}

/** `fn` wrapped to run at most once every `ms` milliseconds: at once when it last ran longer ago,
 * otherwise once at the end of that interval (the calls in between are merged into it). */
function throttle(fn, ms) {
  let last = -Infinity;
  let timer = null;
  const run = () => {
    timer = null;
    last = performance.now();
    fn();
  };
  return () => {
    if (timer !== null) return;
    const wait = last + ms - performance.now();
    if (wait <= 0) run();
    else timer = setTimeout(run, wait);
  };
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

class App {
  constructor() {
    this.runs = [];
    this.run = null; // name of the run shown, or null for the list
    this.rows = [];
    this.champions = [];
    this.summary = null;
    this.follow = true;
    this.selected = null; // generation selected when not following
    this.replay = null; // the last "replay" message (without frames)
    this.playing = true; // the user's choice (the play/pause button)
    this.online = false; // the WebSocket is open: the replay runs only while it is
    this.missing = null; // name of the run asked for that does not exist (or was deleted)
    this.speed = 1;
    this.buffer = []; // "frames" of the current replay not drawn yet: [{index, count, frame,
    // picture}], picture: the frame's image decoded (an ImageBitmap), null while it decodes
    this.awaiting = false; // a frames request is in flight
    this.due = 0; // performance.now() at which the next frame is due: due times keep a fixed
    // grid, so a frame drawn late does not make the rate drift from DRAW_FPS
    this.lastText = 0;
    this.lastFps = 0;
    this.drawn = 0; // frames drawn since lastFps
    this.showFirst = false; // a new replay's first frame is still to be shown
    this.lastDrawn = null; // the buffered frame drawn last, of the current replay
    const stage = new Stage($("stage-canvas"), { brain: $("brain-wrap"), game: $("game") });
    this.brain = new BrainView($("brain"), stage, $("tooltip"));
    this.game = new GameView(stage);
    this.actions = new ActionView($("buttons"));
    this.fitness = new FitnessChart($("fitness-chart"), (g) => this.select(g), $("log-scale"), $("test-legend"));
    this.species = new SpeciesChart($("species-chart"), (g) => this.select(g));
    // a fast run lands many generations a second: the page shows them in batches
    this.renderRunSoon = throttle(() => this.renderRun(), RUN_RENDER_MS);
    this.renderRunsSoon = throttle(() => this.renderRuns(), RUN_RENDER_MS);
    this.bindControls();
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    this.conn = new LiveConnection(`${scheme}://${location.host}/ws`, {
      onOpen: () => this.resubscribe(),
      onMessage: (msg) => this.onMessage(msg),
      onState: (state) => this.setConnection(state),
    });
    window.addEventListener("hashchange", () => this.route());
    this.tickQueued = false;
    this.route();
  }

  bindControls() {
    $("play").addEventListener("click", () => this.setPlaying(!this.playing));
    $("speed").addEventListener("change", (e) => { this.speed = Number(e.target.value); });
    $("show-disabled").addEventListener("change", (e) => this.brain.setShowDisabled(e.target.checked));
    $("follow").addEventListener("click", () => this.select("latest"));
    $("episode").addEventListener("change", (e) => this.selectEpisode(e.target.value));
    let timer = null;
    $("scrubber").addEventListener("input", (e) => {
      const g = this.champions[Number(e.target.value)];
      $("scrub-value").textContent = g ?? "–";
      clearTimeout(timer);
      timer = setTimeout(() => this.select(g), SCRUB_DEBOUNCE_MS);
    });
    document.addEventListener("keydown", (e) => {
      if (e.key === " " && this.run && e.target === document.body) {
        e.preventDefault();
        this.setPlaying(!this.playing);
      }
    });
  }

  /** The WebSocket's state: "connecting", "open" or "closed". While it is not open the replay
   * clock stops (the page shows the frame it stopped on) and, once a connection was lost or
   * refused, a banner says so until the page is connected again. */
  setConnection(state) {
    $("conn").dataset.state = state;
    const online = state === "open";
    if (state !== "connecting") $("disconnected").hidden = online;
    if (online === this.online) return;
    this.online = online;
    document.body.classList.toggle("offline", !online); // the header's figures may be stale
    if (!online) {
      this.dropBuffer(); // the connection's frames: a new one starts with a new replay
      this.awaiting = false;
    }
    this.renderPlayState();
  }

  /** Whether the replay advances: the user wants it and the server is there. */
  running() {
    return this.playing && this.online;
  }

  // -- routing -------------------------------------------------------------------------------

  route() {
    const match = location.hash.match(/^#\/run\/([^/]+)$/);
    const run = match ? decodeURIComponent(match[1]) : null;
    if (run === this.run && this.missing === null) return;
    this.run = run;
    this.missing = null;
    this.rows = [];
    this.champions = [];
    this.summary = null;
    this.follow = true;
    this.selected = null;
    this.showRunView(run !== null);
    $("crumbs").innerHTML = run ? `<a href="#/">runs</a> / <b>${escapeHtml(run)}</b>` : "";
    document.title = run ? `${run} · neat-brain` : "neat-brain viewer";
    this.clearRun();
    this.resubscribe();
  }

  /** The run's page (true) or the run list (false). */
  showRunView(show) {
    $("run-list-view").hidden = show;
    $("run-view").hidden = !show;
    $("run-status").hidden = !show;
    $("run-missing").hidden = show || this.missing === null;
  }

  /** Forget the run shown: no brain, replay, charts or status of another run stay on the page. */
  clearRun() {
    this.replay = null;
    this.dropBuffer();
    this.lastDrawn = null;
    this.brain.clear();
    delete $("brain").dataset.generation;
    delete $("brain").dataset.championId;
    for (const id of ["brain-caption", "replay-caption", "buttons", "species-body", "species-caption"]) {
      $(id).textContent = "";
    }
    $("frame-counter").textContent = "–";
    delete $("frame-counter").dataset.index;
    $("replay-notice").hidden = true;
    this.actions.setOutputs([], null);
    this.fitness.setRows([]);
    this.species.setRows([]);
    this.game.clear("waiting for the first champion…");
    this.renderStatus();
  }

  /** Run `run` does not exist (never did, or its folder was deleted while shown): say so over the
   * run list. The page watches it again if it appears in the list. */
  showMissing(run, message) {
    const gone = this.summary !== null;
    this.missing = run;
    this.summary = null;
    this.clearRun();
    this.showRunView(false);
    $("run-missing").textContent = gone ? `run “${run}” is gone: its folder was deleted` : message;
    $("crumbs").innerHTML = `<a href="#/">runs</a> / <b>${escapeHtml(run)}</b> <span class="muted">(missing)</span>`;
  }

  resubscribe() {
    this.awaiting = false;
    this.conn.send({ type: "watch", run: this.run, generation: this.follow ? "latest" : this.selected });
  }

  select(generation) {
    if (!this.run || generation === undefined || generation === null) return;
    this.follow = generation === "latest";
    this.selected = this.follow ? null : generation;
    this.conn.send({ type: "select", generation });
    this.renderScrubber();
  }

  setPlaying(playing) {
    this.playing = playing;
    this.renderPlayState();
  }

  /** The play button shows whether the replay runs; stopped, the DOM shows the frame stopped on. */
  renderPlayState() {
    const running = this.running();
    if (!running && this.lastDrawn) this.reflect(this.lastDrawn);
    if (!running) $("fps").textContent = "–"; // nothing is drawn: no frame rate to show
    const play = $("play");
    play.textContent = running ? "❚❚" : "▶";
    play.setAttribute("aria-label", running ? "pause" : "play");
    play.dataset.state = running ? "playing" : this.online ? "paused" : "disconnected";
    play.disabled = !this.online;
    play.title = this.online ? "" : "disconnected: the replay continues once the viewer is back";
    this.requestFrames();
    this.scheduleTick();
  }

  /** Ask for the next batch of frames unless one is on its way or enough are buffered. */
  requestFrames() {
    if (this.awaiting || !this.online || !this.replay || !this.replay.frames
      || this.buffer.length > LOW_WATER) return;
    this.awaiting = true;
    this.conn.send({ type: "frames", step: this.frameStep(), count: BATCH });
  }

  /** Game frames a second at the speed chosen. */
  gameRate() {
    return ((this.replay && this.replay.fps) || GAME_FPS) * this.speed;
  }

  /** Milliseconds between drawn frames. */
  frameInterval() {
    return (1000 * this.frameStep()) / this.gameRate();
  }

  /** Game frames advanced per drawn frame: 1 up to DRAW_FPS game frames a second, then as many
   * (a fraction: 5/3 for a 50 fps game) as keep the replay at DRAW_FPS in game time. */
  frameStep() {
    return Math.max(1, this.gameRate() / DRAW_FPS);
  }

  /** Forget the frames not drawn yet, and their decoded pictures. */
  dropBuffer() {
    for (const entry of this.buffer) if (entry.picture) entry.picture.close();
    this.buffer = [];
  }

  // -- messages ------------------------------------------------------------------------------

  onMessage(msg) {
    switch (msg.type) {
      case "runs": return this.onRuns(msg.runs);
      case "snapshot": return this.onSnapshot(msg);
      case "stats": return this.onStats(msg);
      case "replay": return this.onReplay(msg);
      case "frames": return this.onFrames(msg);
      case "error": return this.onError(msg);
      default: return undefined;
    }
  }

  onRuns(runs) {
    this.runs = runs;
    this.renderRunsSoon();
    if (this.missing !== null && runs.some((r) => r.name === this.missing)) this.route(); // it appeared
  }

  renderRuns() {
    const runs = this.runs;
    $("runs-empty").hidden = runs.length > 0;
    $("runs-body").innerHTML = runs.map((r) => `
      <tr data-run="${escapeHtml(r.name)}">
        <td>${escapeHtml(r.name)}</td>
        <td>${escapeHtml(r.task || "?")}</td>
        <td><span class="pill ${r.state}" title="${escapeHtml(r.reason || "")}">${r.live ? "live" : r.state}</span></td>
        <td class="num">${fmt(r.generations)}</td>
        <td class="num">${fmt(r.best_fitness)}</td>
        <td>${r.solved ? '<span class="pill solved">solved</span>' : ""}</td>
        <td class="num">${fmt(r.evaluations_per_second, 0)}</td>
        <td class="muted">${escapeHtml(r.last_checkpoint || "–")}</td>
      </tr>`).join("");
    for (const tr of $("runs-body").querySelectorAll("tr")) {
      tr.addEventListener("click", () => { location.hash = `#/run/${encodeURIComponent(tr.dataset.run)}`; });
    }
  }

  onSnapshot(msg) {
    if (msg.run !== this.run) return;
    this.rows = msg.stats;
    this.applyRunUpdate(msg);
  }

  onStats(msg) {
    if (msg.run !== this.run) return;
    if (msg.from !== this.rows.length) {
      this.resubscribe(); // out of step: ask for a fresh snapshot
      return;
    }
    this.rows = this.rows.concat(msg.rows);
    this.applyRunUpdate(msg);
  }

  applyRunUpdate(msg) {
    this.summary = msg.summary;
    this.champions = msg.champions;
    this.renderRunSoon();
  }

  /** Charts, status, scrubber and species table of the run shown. */
  renderRun() {
    this.fitness.setRows(this.rows);
    this.species.setRows(this.rows);
    this.renderStatus();
    this.renderScrubber();
    this.renderSpeciesTable();
  }

  onReplay(msg) {
    if (msg.run !== this.run) return;
    const sameBrain = this.replay && this.replay.generation === msg.generation
      && this.replay.champion_id === msg.champion_id;
    this.replay = msg;
    this.dropBuffer();
    this.awaiting = false;
    this.showFirst = true;
    this.lastDrawn = null;
    if (!sameBrain) this.brain.draw(msg.layout);
    $("brain").dataset.generation = String(msg.generation);
    $("brain").dataset.championId = String(msg.champion_id);
    $("brain-caption").textContent = `· gen ${msg.generation} champion #${msg.champion_id}`
      + ` · ${msg.layout.nodes.length} neurons · ${msg.layout.links.filter((l) => l.enabled).length} links`;
    $("replay-caption").textContent = replayCaption(msg);
    this.renderEpisodes(msg);
    $("test-summary").textContent = testSummary(msg.test);
    const labels = msg.layout.nodes.filter((n) => n.kind === "output").map((n) => n.label);
    this.actions.setOutputs(labels, msg.action_bounds);
    const notice = msg.error || msg.notice || "";
    $("replay-notice").hidden = !notice;
    $("replay-notice").textContent = notice;
    $("game").dataset.pictures = String(Boolean(msg.pictures));
    if (!msg.frames) this.game.clear(msg.error ? "no replay for this task" : "empty episode");
    this.renderScrubber();
    this.renderStatus(); // with the brain, so the header's generation is never behind it
    this.fitness.setSelected(msg.generation);
    this.species.setSelected(msg.generation);
    this.renderSpeciesTable();
    this.requestFrames(); // even when paused: show the first frame
  }

  /** The episode menu: the episodes the champion was scored on, then its task's test episodes. */
  renderEpisodes(msg) {
    const menu = $("episode");
    const key = JSON.stringify([msg.scored, msg.test_episodes]);
    if (menu.dataset.key !== key) {
      menu.dataset.key = key;
      const group = (label, kind, names) => names.length
        ? `<optgroup label="${label}">${names.map((n, i) => `<option value="${kind}:${i}">${escapeHtml(n)}</option>`).join("")}</optgroup>`
        : "";
      menu.innerHTML = group("scored in training", "scored", msg.scored || [])
        + group("test (held out)", "test", msg.test_episodes || []);
    }
    menu.hidden = !(msg.scored || []).length;
    if (msg.episode) menu.value = `${msg.episode[0]}:${msg.episode[1]}`;
  }

  /** Replay another episode of the champion shown (and of the champions followed after it). */
  selectEpisode(value) {
    const [kind, index] = value.split(":");
    this.conn.send({ type: "select", generation: this.follow ? "latest" : this.selected,
      episode: [kind, Number(index)] });
  }

  onFrames(msg) {
    this.awaiting = false;
    if (msg.run !== this.run || !this.replay || msg.generation !== this.replay.generation
      || String(msg.episode) !== String(this.replay.episode.slice(0, 2))) return;
    msg.frames.forEach((frame, i) => {
      const entry = { index: msg.indices[i], count: msg.count, frame, picture: null, decoding: null };
      if (frame.image) {
        entry.decoding = decodePicture(frame.image).then((picture) => {
          if (this.buffer.includes(entry)) entry.picture = picture;
          else picture.close(); // dropped while it decoded
        });
      }
      this.buffer.push(entry);
    });
    if (msg.notice) { // the environment stopped drawing: the frames from there show its inputs
      $("replay-notice").hidden = false;
      $("replay-notice").textContent = msg.notice;
    }
    this.scheduleTick();
  }

  onError(msg) {
    if (msg.context === "watch" && msg.run !== null && msg.run === this.run) {
      this.showMissing(msg.run, msg.message);
      return;
    }
    if (msg.context === "replay") {
      $("replay-notice").hidden = false;
      $("replay-notice").textContent = msg.message;
    }
    console.warn("viewer:", msg.message);
  }

  // -- drawing -------------------------------------------------------------------------------

  /** Draw the next buffered frame when it is due. A timer, not requestAnimationFrame, paces the
   * replay: the stage's canvas is desynchronized, so a frame that touches no DOM costs the browser no
   * page lifecycle update (style, layout, paint, commit) at all. */
  scheduleTick() {
    if (this.tickQueued || !this.buffer.length) return;
    this.tickQueued = true;
    const delay = this.running() ? this.due - performance.now() : 0;
    setTimeout(() => this.tick(), Math.max(0, delay));
  }

  tick() {
    this.tickQueued = false;
    if (!this.buffer.length) return;
    const next = this.buffer[0];
    if (next.decoding && !next.picture) { // its picture is not decoded yet: draw it when it is
      this.tickQueued = true;
      next.decoding.then(() => this.tick(), () => this.tick());
      next.decoding = null;
      return;
    }
    if (!this.running()) { // paused or offline: only a new replay's first frame is shown
      if (this.showFirst) this.drawFrame(this.buffer.shift(), performance.now());
      return;
    }
    const now = performance.now();
    this.drawFrame(this.buffer.shift(), now);
    this.due = Math.max(this.due, now - this.frameInterval()) + this.frameInterval();
    this.requestFrames();
    this.scheduleTick();
  }

  /** Draw one frame on the stage's canvas (the game's own picture when it has one, else its world);
   * of the DOM, the actions change with the frame, the counter and the neurons' attributes at most
   * every TEXT_INTERVAL_MS, the frame rate once a second. */
  drawFrame(next, now) {
    this.showFirst = false;
    this.lastDrawn = next;
    const frame = next.frame;
    this.brain.setActivations(frame.activations, this.actions.pressed(frame.action));
    if (next.picture) this.game.drawPicture(next.picture); // the game view closes it when done
    else this.game.draw(frame.world);
    next.picture = null;
    this.actions.show(frame.action);
    this.drawn += 1;
    if (now - this.lastFps >= FPS_INTERVAL_MS && this.running()) {
      const fps = Math.round((1000 * this.drawn) / (now - this.lastFps));
      if (now - this.lastFps < 2 * FPS_INTERVAL_MS) {
        $("fps").textContent = `${fps} fps`;
        $("fps").dataset.fps = String(fps);
      }
      this.lastFps = now;
      this.drawn = 0;
    }
    if (now - this.lastText < TEXT_INTERVAL_MS && this.running()) return;
    this.lastText = now;
    this.reflect(next);
  }

  /** Show drawn frame `next` in the DOM: the frame counter and the neurons' attributes. */
  reflect(next) {
    const counter = $("frame-counter");
    counter.dataset.index = String(next.index);
    counter.textContent = `frame ${next.index + 1} / ${next.count}`;
    this.brain.reflect();
  }

  /** The header: the run's state, newest generation (never older than the brain's), best fitness
   * and speed; dashes while no run is shown. */
  renderStatus() {
    const s = this.summary;
    const pill = $("state-pill");
    pill.className = `pill ${s ? s.state : ""}`;
    pill.textContent = s ? (s.live ? "live" : s.state) : "";
    pill.dataset.state = s ? s.state : "";
    const shown = this.replay ? this.replay.generation : null;
    const newest = s && Number.isInteger(s.generation) ? Math.max(s.generation, shown ?? -1) : shown;
    $("m-generation").textContent = newest ?? "–";
    $("m-best").textContent = fmt(s ? s.best_fitness : null);
    $("m-eps").textContent = fmt(s ? s.evaluations_per_second : null, 0);
  }

  renderScrubber() {
    const scrubber = $("scrubber");
    const n = this.champions.length;
    scrubber.max = String(Math.max(0, n - 1));
    scrubber.disabled = n === 0;
    const shown = this.follow ? this.champions[n - 1] : this.selected;
    const index = this.champions.indexOf(shown);
    if (index >= 0 && document.activeElement !== scrubber) scrubber.value = String(index);
    $("scrub-value").textContent = shown ?? "–";
    const follow = $("follow");
    follow.setAttribute("aria-pressed", String(this.follow));
    follow.textContent = this.follow ? "● following newest" : "jump to newest";
  }

  renderSpeciesTable() {
    const generation = this.replay ? this.replay.generation : null;
    const row = this.rows.find((r) => r.generation === generation) || this.rows[this.rows.length - 1];
    $("species-gen").textContent = row ? `gen ${row.generation}` : "–";
    const table = row ? [...(row.species_table || [])].sort((a, b) => b.size - a.size) : [];
    $("species-caption").textContent = row ? `${table.length} species` : "";
    $("species-body").innerHTML = table.map((s) => `
      <tr data-species="${s.id}">
        <td><span class="swatch" style="background:${speciesColor(s.id)}"></span></td>
        <td class="num">${s.id}</td><td class="num">${s.size}</td><td class="num">${s.age ?? "–"}</td>
        <td class="num">${fmt(s.best_fitness)}</td><td class="num">${fmt(s.adjusted_fitness)}</td>
        <td class="num">${s.stagnation ?? "–"}</td>
      </tr>`).join("");
  }
}

window.viewerApp = new App();

/** What the replay box shows: the episode played and its score, and the fitness it is part of. */
function replayCaption(msg) {
  const [kind, , label] = msg.episode || [];
  if (!label) return msg.fitness !== null ? `· fitness ${fmt(msg.fitness)}` : "";
  if (kind === "test") return `· ${label} (test): score ${fmt(msg.episode_score)}`;
  const n = (msg.scored || []).length;
  const of = n > 1 ? ` · fitness ${fmt(msg.fitness)} = mean of ${n} episodes` : "";
  return `· ${label}: score ${fmt(msg.episode_score)}${of}`;
}

/** The champion's test in words: its score, solved or not, and for World 1 each named level. */
function testSummary(test) {
  if (!test) return "test: this champion was not tested (only champions that pass training are)";
  const d = test.details || {};
  const parts = [`test: score ${fmt(test.score)}${test.solved ? " · solved" : " · not solved"}`];
  if (d.named_cleared) {
    const named = Object.entries(d.named_cleared)
      .map(([name, n]) => `${name} ${n}/${d.named_variants}${n === d.named_variants ? " ✓" : ""}`);
    parts[0] = `test: held-out levels cleared ${(100 * test.score).toFixed(1)}%`
      + (test.solved ? " · solved" : " · not solved");
    parts.push(`World 1 test variants cleared: ${named.join(", ")}`);
  }
  return parts.join(" · ");
}
