"""The page's one WebSocket: run list and stats updates, champion replays pulled frame by frame.

Protocol (JSON text messages, each with a "type"):

client -> server
  {"type": "watch", "run": name | null, "generation": g | "latest"}  follow a run (gets a snapshot)
  {"type": "select", "generation": g | "latest", "episode": ["scored" | "test", k]}
                                                   replay another generation's champion, and
                                                   optionally another of its episodes: the k-th it
                                                   was scored on, or the k-th of the task's test
                                                   (kept when the page follows new champions)
  {"type": "frames", "step": n, "count": k}       send the next k (1..MAX_FRAME_BATCH, default 1)
                                                   replay frames (pull: the page asks again when it
                                                   runs low), each n (a number from 1 to
                                                   MAX_FRAME_STEP, default 1) frames after the one
                                                   before, rounded down: n > 1 plays faster than the
                                                   page draws (a 60 fps game at 1x: every other
                                                   frame; a 50 fps one: n = 5/3). A batch ends with
                                                   the episode's last frame, so the next champion
                                                   starts a batch.
  {"type": "ping", "t": any} / {"type": "pong", "t": any}
server -> client
  runs (run list), snapshot (a run's summary, every stats row, champion generations), stats (rows
  appended since the last message), replay (champion, layout, frame count, the episode played
  with its label and score, the labels of the scored and test episodes, the champion's test result,
  the game's frame rate "fps", the outputs' "action_bounds" when they are values, "pictures"
  when frames carry the game's rendered pictures and a "notice" when it cannot be shown as it
  looks), frames (indices and frames of one batch, with the episode's frame count, and a
  "notice" once the environment failed to draw a picture: the frames from there carry none),
  ping, pong, error (malformed or impossible requests; the connection stays open). An error with
  context "watch" carries the run's name ("run") and means the run does not exist or was deleted:
  the session stops watching it.

Nothing is queued per client: every update is read fresh when the client can take it, so a slow
client skips intermediate states. A replay being computed (a rendered one can take seconds) does
not hold up the frames of the one playing: the page switches once it is ready. A send that takes
longer than `send_timeout` drops the client (the page reconnects and gets a snapshot); a client
silent for `heartbeat_timeout` is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import time
from typing import Any, NamedTuple

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from viewer.deps import State, ViewerState
from viewer.paths import LATEST, UnsafePathError
from viewer.replay import SCORED, TEST, EpisodeChoice, Replay

log = logging.getLogger(__name__)

router = APIRouter()

MESSAGE_TYPES = ("watch", "select", "frames", "ping", "pong")
FOLLOW_RECHECK_SECONDS = 1.0
MAX_FRAME_STEP = 16
MAX_FRAME_BATCH = 64
PICTURES_FAILED = "The game's pictures stopped ({}): the frames from there show its inputs."


@router.websocket("/ws")
async def live(websocket: WebSocket, state: State) -> None:
    """One page's live connection (see the module docstring for the protocol)."""
    await LiveSession(websocket, state).serve()


class Loading(NamedTuple):
    """A replay being computed for a session: which one, and the future of it."""

    run: str
    generation: int
    choice: EpisodeChoice
    future: asyncio.Future[Replay]


class LiveSession:
    """State and tasks of one WebSocket connection."""

    def __init__(self, websocket: WebSocket, state: ViewerState):
        self.ws = websocket
        self.state = state
        self.settings = state.settings
        self.run: str | None = None
        self.follow = True  # replay the newest champion, switching when an episode ends
        self.generation: int | None = None  # the selected generation when not following
        self.choice: EpisodeChoice = (SCORED, 0)  # which of the champion's episodes to replay
        self.sent_runs: list[dict] | None = None
        self.sent_rows = 0
        self.sent_summary: dict | None = None
        self.sent_champions: list[int] | None = None
        self.needs_snapshot = False
        self.replay: Replay | None = None
        self.cursor = 0.0  # where the next batch starts, in frames (steps may be fractional)
        self.replay_started = 0.0
        self.episode_done = False
        self.switch_now = False
        self.frame_wanted = False
        self.frame_step = 1.0  # frames the cursor moves on after each frame sent
        self.frame_count = 1  # frames wanted in the next batch
        self.failed_replay: tuple[str, int] | None = None
        self.loading: Loading | None = None  # the replay to show next, while it is computed
        self.last_heard = time.monotonic()
        self.updates_due = asyncio.Event()
        self.frames_due = asyncio.Event()
        self._send_lock = asyncio.Lock()

    async def serve(self) -> None:
        await self.ws.accept()
        unsubscribe = self.state.watcher.subscribe(self._on_change)
        self.updates_due.set()
        receiver = asyncio.create_task(self._receive())
        tasks = [receiver] + [
            asyncio.create_task(coro)
            for coro in (self._push_updates(), self._serve_frames(), self._heartbeat())
        ]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                exc = task.exception()
                if exc is not None and not isinstance(exc, WebSocketDisconnect | TimeoutError):
                    log.warning("live connection ended: %s: %s", type(exc).__name__, exc)
            if receiver not in done:  # we are dropping the client (timeout, silence)
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self.ws.close(), self.settings.send_timeout)
        finally:
            # No awaits here: the server may be cancelling this coroutine.
            unsubscribe()
            for task in tasks:
                task.cancel()
                task.add_done_callback(_consume_result)

    def _on_change(self, changed: set[str], runs_changed: bool) -> None:
        self.updates_due.set()
        if self.run in changed:
            self.frames_due.set()

    async def send(self, message: dict[str, Any] | str) -> None:
        """Send one message; TimeoutError if the client does not take it in time."""
        text = message if isinstance(message, str) else json.dumps(message, allow_nan=False)
        async with self._send_lock:
            await asyncio.wait_for(self.ws.send_text(text), self.settings.send_timeout)

    async def send_error(self, message: str, context: str = "request") -> None:
        await self.send({"type": "error", "context": context, "message": message})

    # -- receiving ---------------------------------------------------------------------------

    async def _receive(self) -> None:
        handlers = {"watch": self._on_watch, "select": self._on_select, "frames": self._on_frames,
                    "ping": self._on_ping, "pong": self._on_pong}
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            self.last_heard = time.monotonic()
            text = message.get("text")
            try:
                data = json.loads(text) if text is not None else None
            except ValueError:
                data = None
            if not isinstance(data, dict) or not isinstance(data.get("type"), str):
                await self.send_error('messages must be JSON objects with a "type" key')
                continue
            handler = handlers.get(data["type"])
            if handler is None:
                await self.send_error(
                    f"unknown message type '{data['type'][:40]}'; expected one of "
                    f"{', '.join(MESSAGE_TYPES)}"
                )
                continue
            await handler(data)

    async def _on_watch(self, data: dict[str, Any]) -> None:
        run = data.get("run")
        if run is not None:
            try:
                self.state.store.run_dir(run if isinstance(run, str) else "")
            except UnsafePathError as exc:
                await self._lose_run(run, str(exc))
                return
        self.run = run
        self.choice = (SCORED, 0)
        self.sent_rows = 0
        self.sent_summary = self.sent_champions = None
        self.needs_snapshot = True
        self.replay = None
        self.failed_replay = None
        self.follow, self.generation = True, None
        self.updates_due.set()
        if run is not None and "generation" in data:
            await self._on_select(data)
        self.frames_due.set()

    async def _lose_run(self, run: Any, message: str) -> None:
        """Stop watching: the run asked for does not exist (or no longer does). Told once, with
        the run's name, so the page can say which."""
        self.run, self.replay, self.failed_replay = None, None, None
        self.sent_rows, self.sent_summary, self.sent_champions = 0, None, None
        await self.send({"type": "error", "context": "watch", "message": message,
                         "run": run if isinstance(run, str) else None})

    async def _on_select(self, data: dict[str, Any]) -> None:
        generation = data.get("generation")
        if self.run is None:
            await self.send_error("send a watch message before selecting a generation", "select")
            return
        if generation == LATEST or generation is None:
            self.follow, self.generation = True, None
        elif isinstance(generation, int) and not isinstance(generation, bool) and generation >= 0:
            self.follow, self.generation = False, generation
        else:
            await self.send_error(
                f"generation must be a non-negative integer or '{LATEST}'", "select"
            )
            return
        episode = data.get("episode")
        if episode is not None:
            if not (isinstance(episode, list) and len(episode) == 2 and episode[0] in (SCORED, TEST)
                    and _int_in(episode[1], 0, 10**6)):
                await self.send_error(f'episode must be ["{SCORED}" or "{TEST}", index]', "select")
                return
            self.choice = (episode[0], episode[1])
        self.switch_now = True
        self.failed_replay = None
        self.frames_due.set()

    async def _on_frames(self, data: dict[str, Any]) -> None:
        step, count = data.get("step", 1), data.get("count", 1)
        if not (isinstance(step, int | float) and not isinstance(step, bool)
                and math.isfinite(step) and 1 <= step <= MAX_FRAME_STEP):
            await self.send_error(f"step must be a number from 1 to {MAX_FRAME_STEP}", "frames")
            return
        if not _int_in(count, 1, MAX_FRAME_BATCH):
            await self.send_error(f"count must be an integer from 1 to {MAX_FRAME_BATCH}", "frames")
            return
        self.frame_step, self.frame_count = step, count
        self.frame_wanted = True
        self.frames_due.set()

    async def _on_ping(self, data: dict[str, Any]) -> None:
        await self.send({"type": "pong", "t": _plain(data.get("t"))})

    async def _on_pong(self, data: dict[str, Any]) -> None:
        """Nothing to do: any message counts as a sign of life."""

    # -- run list and stats ------------------------------------------------------------------

    async def _push_updates(self) -> None:
        while True:
            await self.updates_due.wait()
            self.updates_due.clear()
            runs = self.state.watcher.run_list()
            if runs != self.sent_runs:
                await self.send({"type": "runs", "runs": runs})
                self.sent_runs = runs
            if self.run is not None:
                await self._push_run(self.run)

    async def _push_run(self, run: str) -> None:
        store = self.state.store
        if run not in self.state.watcher.summaries:  # deleted (or being deleted)
            await self._lose_run(run, f"no run named '{run}'")
            return
        try:
            rows, summary, champions = await asyncio.to_thread(
                lambda: (store.stats(run), store.summary(run), store.champion_generations(run))
            )
        except UnsafePathError as exc:
            if run == self.run:
                await self._lose_run(run, str(exc))
            return
        if run != self.run:
            return
        if self.needs_snapshot or len(rows) < self.sent_rows:
            await self.send({"type": "snapshot", "run": run, "summary": summary, "stats": rows,
                             "champions": champions})
        elif (len(rows) > self.sent_rows or summary != self.sent_summary
              or champions != self.sent_champions):
            await self.send({"type": "stats", "run": run, "from": self.sent_rows,
                             "rows": rows[self.sent_rows:], "summary": summary,
                             "champions": champions})
        else:
            return
        self.needs_snapshot = False
        self.sent_rows, self.sent_summary, self.sent_champions = len(rows), summary, champions

    # -- replay ------------------------------------------------------------------------------

    async def _serve_frames(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.frames_due.wait(), FOLLOW_RECHECK_SECONDS)
            self.frames_due.clear()
            if self.run is None:
                continue
            await self._update_replay(self.run)
            replay = self.replay
            if self.frame_wanted and replay is not None and replay.frames:
                self.frame_wanted = False
                await self._send_frames(replay)

    def _target_generation(self, run: str) -> int | None:
        if not self.follow:
            return self.generation
        try:
            generations = self.state.store.champion_generations(run)
        except UnsafePathError:
            return None
        return generations[-1] if generations else None

    async def _update_replay(self, run: str) -> None:
        """Load the champion to replay if it changed (when following the newest champion, only
        once the current episode has ended or played for `follow_switch_seconds`)."""
        target = self._target_generation(run)
        current = self.replay
        if target is None or (current and (current.run, current.generation) == (run, target)
                              and (current.choice == self.choice or not self.switch_now)):
            return
        if current is not None and current.run == run and self.follow and not self.switch_now:
            played = time.monotonic() - self.replay_started
            if not (self.episode_done or played >= self.settings.follow_switch_seconds):
                return
        if self.failed_replay == (run, target):
            return
        loading = self.loading
        if loading is None or (loading.run, loading.choice) != (run, self.choice) or (
                not self.follow and loading.generation != target):
            try:
                future = self.state.replays.load(run, target, self.choice)
            except UnsafePathError as exc:
                self.failed_replay = (run, target)
                await self.send_error(str(exc), "replay")
                return
            loading = self.loading = Loading(run, target, self.choice, future)
            future.add_done_callback(lambda _: self.frames_due.set())
        if not loading.future.done():  # frames of the current replay go on meanwhile; a newer
            return  # champion waits for this one (shown next), or computing would never catch up
        self.loading = None
        try:
            replay = loading.future.result()
        except (UnsafePathError, ValueError) as exc:
            self.failed_replay = (loading.run, loading.generation)
            await self.send_error(str(exc), "replay")
            return
        self.replay, self.cursor = replay, 0.0
        self.replay_started = time.monotonic()
        self.episode_done = self.switch_now = False
        await self.send({
            "type": "replay", "run": run, "generation": replay.generation,
            "following": self.follow, "champion_id": replay.champion_id,
            "fitness": replay.fitness, "frames": len(replay.frames), "error": replay.error,
            "episode": [*replay.choice, replay.episode], "episode_score": replay.episode_score,
            "scored": replay.scored, "test_episodes": replay.test_episodes, "test": replay.test,
            "fps": replay.frame_rate, "action_bounds": replay.output_bounds,
            "pictures": replay.frames.pictures, "notice": replay.notice or None,
            "layout": replay.layout,
        })

    async def _send_frames(self, replay: Replay) -> None:
        """Send the next batch of frames from the cursor, up to the episode's last frame."""
        last = len(replay.frames) - 1  # always shown, so the episode's end is seen
        position = self.cursor if self.cursor <= last else 0.0
        index = int(position)
        indices = [index]
        while len(indices) < self.frame_count and index < last:
            position += self.frame_step
            index = min(int(position + 1e-9), last)  # (5/3 added thrice is 5, not 4.999...)
            indices.append(index)
        await asyncio.to_thread(replay.frames.prepare, indices)  # a rendered game's pictures
        frames = ",".join(replay.frames[i] for i in indices)
        failed = replay.frames.pictures_failed
        notice = f',"notice":{json.dumps(PICTURES_FAILED.format(failed))}' if failed else ""
        await self.send(
            f'{{"type":"frames","run":{json.dumps(replay.run)},"generation":{replay.generation},'
            f'"episode":{json.dumps(list(replay.choice))},"count":{len(replay.frames)},'
            f'"indices":{json.dumps(indices)},"frames":[{frames}]{notice}}}'
        )
        self.cursor = 0.0 if index == last else min(position + self.frame_step, last)
        if self.cursor == 0.0:
            self.episode_done = True

    # -- heartbeat ---------------------------------------------------------------------------

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.settings.heartbeat_interval)
            if time.monotonic() - self.last_heard > self.settings.heartbeat_timeout:
                log.info("dropping a live connection that has been silent too long")
                return
            await self.send({"type": "ping", "t": time.time()})


def _consume_result(task: asyncio.Task) -> None:
    """Mark a finished task's exception as seen (the session has ended; nothing to report)."""
    if not task.cancelled():
        task.exception()


def _int_in(value: Any, low: int, high: int) -> bool:
    """Whether `value` is an int (not a bool) from `low` to `high`."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _plain(value: Any) -> Any:
    """`value` if it is a JSON scalar, else None (a ping's token is echoed back as is)."""
    return value if isinstance(value, str | int | float | bool) or value is None else None
