"""One shared task that polls the runs directory and tells subscribed clients what changed.

Polling (file sizes and mtimes, every `interval` seconds, in a worker thread) is done once for the
whole server, not per client. Subscribers only get a cheap callback; each client then reads the
newest state itself, so changes coalesce and a slow client never builds a backlog.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from viewer.paths import UnsafePathError
from viewer.rundir import RunStore

log = logging.getLogger(__name__)

Listener = Callable[[set[str], bool], None]
"""Called with (names of runs that changed, whether the set of runs changed)."""


class RunWatcher:
    """Polls every run's signature; `versions[name]` grows each time run `name` changes."""

    def __init__(self, store: RunStore, interval: float):
        self.store = store
        self.interval = interval
        self.versions: dict[str, int] = {}
        self.summaries: dict[str, dict] = {}  # run name -> RunStore.summary(), kept up to date
        self._signatures: dict[str, tuple] = {}
        self._listeners: set[Listener] = set()
        self._task: asyncio.Task[None] | None = None

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` after every change; returns the function that unsubscribes it."""
        self._listeners.add(listener)
        return lambda: self._listeners.discard(listener)

    @property
    def subscribers(self) -> int:
        """How many listeners (live connections) are subscribed."""
        return len(self._listeners)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._poll_forever())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def poll(self) -> None:
        """Look at the runs directory once and notify listeners of any change."""
        signatures, summaries = await asyncio.to_thread(self._scan)
        changed = set(summaries)
        runs_changed = signatures.keys() != self._signatures.keys()
        self._signatures = signatures
        self.summaries = {n: summaries.get(n) or self.summaries[n] for n in sorted(signatures)}
        for name in changed:
            self.versions[name] = self.versions.get(name, 0) + 1
        if changed or runs_changed:
            for listener in list(self._listeners):
                listener(changed, runs_changed)

    def run_list(self) -> list[dict]:
        """Summaries of every run, newest first (see newest_first)."""
        return newest_first(list(self.summaries.values()))

    def _scan(self) -> tuple[dict[str, tuple], dict[str, dict]]:
        """Every run's signature (files plus live state), and fresh summaries of changed runs."""
        signatures, summaries = {}, {}
        for name in self.store.run_names():
            try:
                sig = (*self.store.signature(name), self.store.status(name)["state"])
                signatures[name] = sig
                if self._signatures.get(name) != sig:
                    summaries[name] = self.store.summary(name)
            except UnsafePathError:  # removed while scanning
                signatures.pop(name, None)
        return signatures, summaries

    async def _poll_forever(self) -> None:
        while True:
            try:
                await self.poll()
            except Exception:  # keep watching whatever one bad directory does
                log.exception("polling %s failed", self.store.runs_dir)
            await asyncio.sleep(self.interval)


def newest_first(summaries: list[dict]) -> list[dict]:
    """Run summaries, the most recently updated first (status.json's `updated`, written each
    generation); runs without one last, by name."""
    def key(summary: dict) -> tuple[float, str]:
        updated = summary.get("updated")
        if isinstance(updated, int | float) and not isinstance(updated, bool):
            return (-updated, summary["name"])
        return (0.0, summary["name"])

    return sorted(summaries, key=key)
