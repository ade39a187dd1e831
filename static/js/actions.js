// The actions under the replay, as the game takes them: a key per button or choice, lit when its
// output's action is above 0.5 (a gymnasium Discrete space sends 1 for the action chosen and 0 for
// the others, so exactly one is lit), or, for value outputs (a Box action space), a meter per value
// drawn within its bounds from the bounds' zero (or nearest bound). The DOM changes only when what
// is shown changes.

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A value as the meters print it: 3 significant digits, at most 3 decimals. */
function valueText(value) {
  const a = Math.abs(value);
  return value.toFixed(a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3);
}

export class ActionView {
  /** @param {HTMLElement} element the buttons' row */
  constructor(element) {
    this.el = element;
    this.bounds = null; // [low, high] per output when the outputs are values
    this.shown = ""; // what the last frame showed, to leave the DOM alone when it is the same
  }

  /** New outputs: their `labels`, and `bounds` ([low, high] each) when they are values. */
  setOutputs(labels, bounds) {
    this.bounds = bounds && bounds.length === labels.length ? bounds : null;
    this.shown = "";
    this.el.dataset.kind = this.bounds ? "values" : "keys";
    this.el.innerHTML = this.bounds
      ? labels.map((label, i) => {
        const [low, high] = this.bounds[i];
        return `<span class="meter" data-output="${i}" data-low="${low}" data-high="${high}">`
          + `<i class="meter-fill"></i><span class="meter-text">${escapeHtml(label)} <b>–</b></span></span>`;
      }).join("")
      : labels.map((label, i) => `<span class="key" data-output="${i}">${escapeHtml(label)}</span>`).join("");
  }

  /** The action values a frame's brain should show as pressed: none for values. */
  pressed(action) {
    return this.bounds ? null : action;
  }

  /** Show one frame's action (one value per output). */
  show(action) {
    if (this.bounds) this.showValues(action);
    else this.showKeys(action);
  }

  showKeys(action) {
    const on = action.map((a) => (a > 0.5 ? "1" : "0")).join("");
    if (on === this.shown) return;
    this.shown = on;
    for (const key of this.el.children) key.classList.toggle("on", on[Number(key.dataset.output)] === "1");
  }

  showValues(action) {
    const texts = action.map(valueText);
    const shown = texts.join();
    if (shown === this.shown) return;
    this.shown = shown;
    for (const meter of this.el.children) {
      const i = Number(meter.dataset.output);
      const [low, high] = this.bounds[i];
      const span = high > low ? high - low : 1;
      const at = (v) => Math.min(1, Math.max(0, (v - low) / span));
      const origin = at(Math.min(high, Math.max(low, 0)));
      const value = at(action[i]);
      const fill = meter.firstElementChild;
      fill.style.left = `${100 * Math.min(origin, value)}%`;
      fill.style.width = `${100 * Math.abs(value - origin)}%`;
      meter.dataset.value = String(action[i]);
      meter.lastElementChild.lastElementChild.textContent = texts[i];
    }
  }
}
