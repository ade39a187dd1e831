// The page's one WebSocket: reconnects by itself with backoff, answers heartbeats, and notices a
// silent server (no message for SILENCE_MS) by reconnecting.

const MIN_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 5000;
const SILENCE_MS = 45000;

export class LiveConnection {
  /**
   * @param {string} url ws:// or wss:// address of /ws
   * @param {{onOpen: () => void, onMessage: (msg: object) => void, onState: (s: string) => void}} hooks
   */
  constructor(url, hooks) {
    this.url = url;
    this.hooks = hooks;
    this.socket = null;
    this.attempt = 0;
    this.watchdog = null;
    this.connect();
  }

  connect() {
    this.hooks.onState("connecting");
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.hooks.onState("open");
      this.touch();
      this.hooks.onOpen();
    };
    socket.onmessage = (event) => {
      this.touch();
      let msg;
      try {
        msg = JSON.parse(event.data);
      } catch {
        return;
      }
      if (msg.type === "ping") {
        this.send({ type: "pong", t: msg.t });
        return;
      }
      this.hooks.onMessage(msg);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      clearTimeout(this.watchdog);
      this.hooks.onState("closed");
      const delay = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** this.attempt);
      this.attempt += 1;
      setTimeout(() => this.connect(), delay * (0.75 + 0.5 * Math.random()));
    };
  }

  touch() {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.socket && this.socket.close(), SILENCE_MS);
  }

  get open() {
    return this.socket !== null && this.socket.readyState === WebSocket.OPEN;
  }

  send(message) {
    if (this.open) this.socket.send(JSON.stringify(message));
  }
}
