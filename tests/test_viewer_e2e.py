"""End to end: a real `neat run xor --view --port 0` in a subprocess, watched by two chromium tabs.

Generations land every ~0.1-0.2 s (population 3000, checkpoint every generation), so the page is
seen following a live run: it catches up with the newest champion and draws exactly the champion
the API serves, the fitness chart gains points, scrubbing back shows generation 0's champion,
activations move during the replay, and both tabs update. The run is then stopped with SIGINT
like a user's Ctrl-C. Screenshots land in test-artifacts/.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from tests.browser import ARTIFACTS, needs_chromium, open_page

pytest.importorskip("playwright.sync_api")

pytestmark = needs_chromium

REPO = Path(__file__).resolve().parent.parent
RUN = "live-xor"
STARTUP_SECONDS = 60.0
TIMEOUT_MS = 20_000
VIEWER_LINE = re.compile(rf"Viewer: (http://[0-9.]+:[0-9]+)/#/run/{RUN}$")  # the run's own page
NODES = "#brain .nodes [data-node-id]"
LINKS = "#brain .links [data-innovation]"
POINTS = "Number(document.querySelector('[data-testid=fitness-chart]').dataset.points)"
DRAWN_IDS = f"Array.from(document.querySelectorAll('{NODES}'), e => Number(e.dataset.nodeId))"
DRAWN_INNOVATIONS = (f"Array.from(document.querySelectorAll('{LINKS}'), "
                     "e => Number(e.dataset.innovation))")
ACTIVATIONS = f"Array.from(document.querySelectorAll('{NODES}'), e => e.dataset.activation).join()"


class LiveRun:
    """The `neat run` subprocess; a thread drains its output into `lines`."""

    def __init__(self, runs_dir: Path):
        self.runs_dir = runs_dir
        command = [sys.executable, "-m", "neat", "run", "xor", "--view", "--port", "0",
                   "--runs-dir", str(runs_dir), "--name", RUN, "--pop", "3000", "--seed", "4",
                   "--generations", "2000", "--keep", "2", "--checkpoint-every", "1", "--quiet",
                   "--set", "run.stop_when_solved=false"]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(command, cwd=REPO, env=env, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def viewer_url(self) -> str:
        """The URL the run prints once its viewer listens (waits for that output line)."""
        while True:
            try:
                line = self.lines.get(timeout=STARTUP_SECONDS)
            except queue.Empty:
                raise AssertionError(f"no viewer URL in {STARTUP_SECONDS} s") from None
            if line is None:
                raise AssertionError(f"the run ended early:\n{''.join(self.output)}")
            match = VIEWER_LINE.search(line.rstrip())
            if match:
                return match.group(1)

    def stop(self) -> int:
        """Ctrl-C: the run finishes its generation, checkpoints and exits."""
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=30)


@pytest.fixture
def live_run(tmp_path: Path) -> Iterator[LiveRun]:
    run = LiveRun(tmp_path)
    try:
        yield run
    finally:
        if run.process.poll() is None:
            run.process.kill()
            run.process.wait()


def _open_tab(browser, url: str):
    return open_page(browser, f"{url}/#/run/{RUN}", TIMEOUT_MS)


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _drawn(page) -> tuple[list[int], list[int]]:
    return sorted(page.evaluate(DRAWN_IDS)), sorted(page.evaluate(DRAWN_INNOVATIONS))


def _structure(champion: dict) -> tuple[list[int], list[int]]:
    return (sorted(n["id"] for n in champion["nodes"]),
            sorted(c["innovation"] for c in champion["connections"]))


def test_a_real_run_live_in_two_tabs(live_run: LiveRun, browser) -> None:
    url = live_run.viewer_url()
    api = f"{url}/api/runs/{RUN}"
    tabs = [_open_tab(browser, url) for _ in range(2)]
    page = tabs[0][0]

    # The page follows the newest champion: it catches up with the generation that is the newest
    # now (while later ones keep landing) and draws exactly the champion the API serves for it.
    page.wait_for_selector(NODES, state="attached")
    newest = httpx2.get(f"{api}/champions/latest").json()["generation"]
    page.wait_for_function(f"Number(document.querySelector('[data-testid=brain]')"
                           f".dataset.generation) >= {newest}")
    shown, ids, innovations = page.evaluate(f"""() => [
        Number(document.querySelector('[data-testid=brain]').dataset.generation),
        {DRAWN_IDS}, {DRAWN_INNOVATIONS}]""")
    assert (sorted(ids), sorted(innovations)) == _structure(
        httpx2.get(f"{api}/champions/{shown}").json())

    # Both tabs' fitness charts gain points as generations land.
    for tab, _ in tabs:
        tab.wait_for_function(f"{POINTS} >= 2")
    counts = [tab.evaluate(POINTS) for tab, _ in tabs]
    for (tab, _), count in zip(tabs, counts, strict=True):
        tab.wait_for_function(f"{POINTS} >= {count + 3}")
        header, brain = tab.evaluate("""() => [
            Number(document.querySelector('[data-testid=generation]').textContent),
            Number(document.querySelector('[data-testid=brain]').dataset.generation)]""")
        assert header >= count + 2 and header >= brain  # the header never lags the brain
    _shot(page, "viewer-e2e-live")

    # Scrubbing to generation 0 draws generation 0's champion.
    first = httpx2.get(f"{api}/champions/0").json()
    page.evaluate("""() => {
        const s = document.querySelector('[data-testid=scrubber]');
        s.value = '0';
        s.dispatchEvent(new Event('input'));
    }""")
    page.wait_for_function("document.querySelector('[data-testid=brain]').dataset.generation"
                           " === '0'")
    assert _drawn(page) == _structure(first)
    assert page.locator("[data-testid=follow]").get_attribute("aria-pressed") == "false"

    # The replay moves on and the neurons' activations change with it.
    page.wait_for_function("document.querySelector('[data-testid=frame-counter]').dataset.index"
                           " !== undefined")
    before = page.evaluate(ACTIVATIONS)
    page.wait_for_function(f"({ACTIVATIONS}) !== {json.dumps(before)}")
    _shot(page, "viewer-e2e-generation-0")

    # The second tab still follows the newest champion and keeps updating.
    other = tabs[1][0]
    count = other.evaluate(POINTS)
    other.wait_for_function(f"{POINTS} > {count}")
    assert other.locator("[data-testid=follow]").get_attribute("aria-pressed") == "true"

    for tab, errors in tabs:
        assert errors == []
        tab.close()
    assert live_run.stop() == 128 + signal.SIGINT
    status = json.loads((live_run.runs_dir / RUN / "status.json").read_text())
    assert status["state"] == "stopped"
    assert "Resume with" in "".join(live_run.output)
