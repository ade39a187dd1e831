"""The viewer page in headless Debian chromium: drawing, live updates, scrubbing, replay, speed.

Screenshots land in test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest
import viewer_fake_run as fake

from fitness import registry
from tests.browser import ARTIFACTS, needs_chromium, open_page
from viewer import ViewerServer

pytest.importorskip("playwright.sync_api")

TIMEOUT_MS = 15_000
NODE_COUNT = "document.querySelectorAll('#brain .nodes [data-node-id]').length"
LINK_COUNT = "document.querySelectorAll('#brain .links [data-innovation]').length"
REPLAY_STARTED = "Number(document.querySelector('[data-testid=frame-counter]').dataset.index) > 0"

log = logging.getLogger(__name__)

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory: pytest.TempPathFactory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(registry.TASKS, "fake-grid", f"{fake.__name__}:make_task")
        runs = tmp_path_factory.mktemp("runs")
        fake.write_run(runs, "alpha", "fake-grid", 4, state="running", pid=os.getpid(),
                       options={"steps": 200})
        big = fake.write_run(runs, "big", "fake-grid", 0)
        genome = fake.fake_genome(7, 500 - fake.N_INPUTS - len(fake.BUTTONS), 2000, seed=5)
        fake.write_champion(big, 0, genome, "fake-grid")
        fake.append_row(big, fake.stats_row(0))
        yield runs


def _open(browser, url: str, on_websocket=None):
    return open_page(browser, url, TIMEOUT_MS, on_websocket)


def _champion(server: ViewerServer, run: str, gen: str) -> dict:
    import httpx2

    return httpx2.get(f"{server.url}/api/runs/{run}/champions/{gen}").json()


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_run_list_links_to_the_run_page(server: ViewerServer, browser) -> None:
    page, errors = _open(browser, server.url + "/")
    page.wait_for_selector("[data-run=alpha]")
    assert page.locator("[data-run=alpha] .pill").inner_text() == "live"
    _shot(page, "viewer-run-list")
    page.click("[data-run=alpha]")
    page.wait_for_function(f"{NODE_COUNT} > 0")
    assert errors == []
    page.close()


def test_brain_draws_the_champion_and_two_tabs_follow_new_generations(
    server: ViewerServer, browser, runs_dir: Path
) -> None:
    champion = _champion(server, "alpha", "latest")
    tabs = [_open(browser, f"{server.url}/#/run/alpha") for _ in range(2)]
    for page, _ in tabs:
        page.wait_for_function(f"{NODE_COUNT} === {len(champion['nodes'])}")
        assert page.evaluate(LINK_COUNT) == len(champion["connections"])
        page.wait_for_function("document.querySelector('[data-testid=fitness-chart]')"
                               ".dataset.points === '4'")
    _shot(tabs[0][0], "viewer-run-page")
    for generation in (4, 5):
        fake.append_generation(runs_dir / "alpha", generation, "fake-grid", 2 + generation, 20)
    for page, errors in tabs:
        page.wait_for_function("document.querySelector('[data-testid=fitness-chart]')"
                               ".dataset.points === '6'")
        assert page.locator("[data-testid=generation]").inner_text() == "5"
        assert errors == []
        page.close()


def test_scrubbing_to_generation_zero_shows_its_champion(server: ViewerServer, browser) -> None:
    first = _champion(server, "alpha", "0")
    page, errors = _open(browser, f"{server.url}/#/run/alpha")
    page.wait_for_function(f"{NODE_COUNT} > 0")
    assert page.evaluate(NODE_COUNT) != len(first["nodes"])
    page.evaluate("""() => {
        const s = document.querySelector('[data-testid=scrubber]');
        s.value = '0';
        s.dispatchEvent(new Event('input'));
    }""")
    page.wait_for_function(f"{NODE_COUNT} === {len(first['nodes'])}")
    assert page.locator("#scrub-value").inner_text() == "0"
    assert page.locator("[data-testid=follow]").get_attribute("aria-pressed") == "false"
    _shot(page, "viewer-generation-0")
    assert errors == []
    page.close()


def test_activations_change_during_replay_and_pause_stops_it(
    server: ViewerServer, browser
) -> None:
    page, errors = _open(browser, f"{server.url}/#/run/alpha")
    page.wait_for_function(f"{NODE_COUNT} > 0")
    fills = ("Array.from(document.querySelectorAll('#brain .nodes [data-node-id]'), "
             "e => e.dataset.activation).join()")
    page.wait_for_function(REPLAY_STARTED)
    before = page.evaluate(fills)
    page.wait_for_function(f"({fills}) !== {json.dumps(before)}")
    page.wait_for_timeout(1500)  # let the replay run to measure its frame rate
    fps = int(page.locator("#fps").get_attribute("data-fps"))
    log.warning("replay frame rate in headless chromium: %d fps", fps)
    assert fps > 0
    page.click("[data-testid=play]")
    page.wait_for_timeout(200)  # a frame already requested may still arrive and be drawn
    index = page.locator("[data-testid=frame-counter]").get_attribute("data-index")
    page.wait_for_timeout(300)  # paused: the frame must not move on
    assert page.locator("[data-testid=frame-counter]").get_attribute("data-index") == index
    assert errors == []
    page.close()


def test_the_pressed_buttons_follow_the_frame_shown(server: ViewerServer, browser) -> None:
    """Paused on a frame, a button is lit exactly when that frame's action (as sent over the
    WebSocket) presses it."""
    actions: dict[tuple[int, int], list[float]] = {}  # (generation, frame index) -> action

    def record(message: str | bytes) -> None:
        data = json.loads(message)
        if data.get("type") == "frames":
            for index, frame in zip(data["indices"], data["frames"], strict=True):
                actions[data["generation"], index] = frame["action"]

    page, errors = _open(browser, f"{server.url}/#/run/alpha",
                         lambda ws: ws.on("framereceived", record))
    page.wait_for_function(REPLAY_STARTED)
    page.click("[data-testid=play]")  # paused: the counter shows exactly the frame drawn
    shown = page.evaluate("""() => ({
        generation: Number(document.querySelector('[data-testid=brain]').dataset.generation),
        index: Number(document.querySelector('[data-testid=frame-counter]').dataset.index),
        keys: Array.from(document.querySelectorAll('#buttons .key'),
                         (key) => [key.textContent, key.classList.contains('on')]),
    })""")
    action = actions[shown["generation"], shown["index"]]
    assert shown["keys"] == [[label, value > 0.5] for label, value in zip(fake.BUTTONS, action,
                                                                           strict=True)]
    assert errors == []
    page.close()


def test_a_500_node_2000_link_genome_draws_quickly(server: ViewerServer, browser) -> None:
    page, errors = _open(browser, f"{server.url}/#/run/big")
    page.wait_for_function(f"{NODE_COUNT} === 500")
    assert page.evaluate(LINK_COUNT) == 2000
    draw_ms = float(page.locator("[data-testid=brain]").get_attribute("data-draw-ms"))
    log.warning("500 nodes / 2000 links drawn in %.1f ms", draw_ms)
    assert draw_ms < 1000
    page.hover("#brain .nodes [data-node-id='300']")
    assert "neuron 300" in page.locator("#tooltip").inner_text()
    _shot(page, "viewer-big-genome")
    assert errors == []
    page.close()


def test_replay_repaints_neurons_and_the_link_layer_at_most_every_150_ms(
    server: ViewerServer, browser
) -> None:
    page, errors = _open(browser, f"{server.url}/#/run/alpha")
    page.wait_for_function(REPLAY_STARTED)
    paints = """() => {
        const brain = document.querySelector('[data-testid=brain]');
        return [Number(brain.dataset.linkPaints), Number(brain.dataset.nodePaints),
                performance.now()];
    }"""
    links_before, nodes_before, start = page.evaluate(paints)
    page.wait_for_timeout(1500)  # a window of replay to count repaints in
    links_after, nodes_after, end = page.evaluate(paints)
    fps = int(page.locator("#fps").get_attribute("data-fps"))
    link_paints = links_after - links_before
    assert nodes_after > nodes_before  # neurons light up frame by frame
    assert link_paints <= (end - start) / 150 + 2
    assert link_paints < fps * (end - start) / 1000  # most frames leave the link layer alone
    assert errors == []
    page.close()


def test_the_stage_canvas_follows_its_boxes_when_the_window_narrows(
    server: ViewerServer, browser
) -> None:
    """The brain and the game share one canvas: after the layout changes to one column, each is
    painted again inside its own box."""
    page, errors = _open(browser, f"{server.url}/#/run/alpha")
    page.wait_for_function(REPLAY_STARTED)
    page.click("[data-testid=play]")  # paused: the game is painted again only by the resize
    page.set_viewport_size({"width": 900, "height": 1400})
    page.wait_for_function("document.getElementById('game').getBoundingClientRect().top"
                           " > document.getElementById('brain-wrap').getBoundingClientRect().bottom")
    colours = """() => {
        const canvas = document.querySelector('[data-testid=stage-canvas]');
        const origin = canvas.getBoundingClientRect();
        const dpr = window.devicePixelRatio;
        const ctx = canvas.getContext('2d');
        const at = (id) => {
            const box = document.getElementById(id).getBoundingClientRect();
            const x = Math.round((box.left + box.width / 2 - origin.left) * dpr);
            const y = Math.round((box.top + box.height / 2 - origin.top) * dpr);
            return Array.from(ctx.getImageData(x, y, 1, 1).data.slice(0, 3));
        };
        const gap = document.getElementById('game').getBoundingClientRect().top - 1;
        const between = ctx.getImageData(Math.round(canvas.width / 2),
            Math.round((gap - origin.top) * dpr), 1, 1).data;
        return {brain: at('brain-wrap'), game: at('game'), between: Array.from(between.slice(0, 3)),
                width: canvas.width, cssWidth: canvas.clientWidth * dpr};
    }"""
    # the stage refits on its ResizeObserver, some frames after the layout changes: until then the
    # old backing store (whose pixel there may not be the panel's) is what is read
    page.wait_for_function(f"(s => s.width === Math.round(s.cssWidth) && s.game.join() !== '18,24,33')"
                           f"(({colours})())")
    seen = page.evaluate(colours)
    panel = [0x12, 0x18, 0x21]
    assert seen["width"] == round(seen["cssWidth"])  # the backing store follows the new size
    assert seen["brain"] != panel and seen["game"] != panel  # both painted in their new boxes
    assert seen["between"] == panel  # and nothing spills between them
    _shot(page, "viewer-narrow")
    assert errors == []
    page.close()
