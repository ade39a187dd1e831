"""The viewer page tells the truth: a lost connection, a missing or deleted run, chart values on
hover, and a layout that fits at 390, 1,024 and 1,440 px (screenshots in test-artifacts/)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import viewer_fake_run as fake

from fitness import registry
from tests.browser import ARTIFACTS, needs_chromium, open_page
from viewer import ViewerServer

pytest.importorskip("playwright.sync_api")

pytestmark = needs_chromium

TIMEOUT_MS = 15_000
NODE_COUNT = "document.querySelectorAll('#brain .nodes [data-node-id]').length"
FRAME_INDEX = "Number(document.querySelector('[data-testid=frame-counter]').dataset.index)"
REPLAY_STARTED = f"{FRAME_INDEX} > 0"
GENERATIONS = 12


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory: pytest.TempPathFactory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(registry.TASKS, "fake-grid", f"{fake.__name__}:make_task")
        runs = tmp_path_factory.mktemp("runs")
        run = fake.write_run(runs, "tested", "fake-grid", 0, state="running", pid=os.getpid(),
                             options={"steps": 400}, n_hidden=12)
        with open(run / "stats.jsonl", "w") as f:
            for g in range(GENERATIONS):
                if g:  # generation 0 is the fixture's; a spike makes the log scale matter
                    fake.append_generation(run, g, "fake-grid", 12, 30)
                trend = 2.0 + 2.5 * g
                row = fake.stats_row(g, n_species=4) | {
                    "best_fitness": 1054.0 if g == 9 else trend, "mean_fitness": trend / 2,
                    "std_fitness": 1.5,
                    "test_score": None if g < 3 else g / GENERATIONS, "test_solved": g == 11}
                f.write(json.dumps(row) + "\n")
        newest = run / "champions" / f"gen-{GENERATIONS - 1:06d}.json"
        champion = json.loads(newest.read_text())
        champion["test"] = {"score": 0.725, "solved": False, "episodes": 140, "details": {
            "named_cleared": {"1-1": 5, "1-2": 3}, "named_variants": 5}}
        newest.write_text(json.dumps(champion))
        yield runs


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _console(page) -> list[str]:
    """Warnings and errors the page logs from now on."""
    logged: list[str] = []
    page.on("console", lambda m: logged.append(m.text) if m.type in ("warning", "error") else None)
    return logged


def test_a_stopped_server_shows_the_banner_and_stops_the_replay(runs_dir: Path, browser) -> None:
    server = ViewerServer(runs_dir, poll_interval=0.1).start()
    port = server.port
    try:
        page, errors = open_page(browser, f"{server.url}/#/run/tested", TIMEOUT_MS)
        page.wait_for_function(REPLAY_STARTED)
        assert page.locator("[data-testid=disconnected]").is_hidden()
        assert page.locator("[data-testid=play]").get_attribute("data-state") == "playing"
        server.stop()
        page.wait_for_selector("[data-testid=disconnected]", state="visible")
        assert "reconnecting" in page.locator("[data-testid=disconnected]").inner_text()
        page.screenshot(path=str(ARTIFACTS / "viewer-disconnected.png"))  # the viewport: the banner
        play = page.locator("[data-testid=play]")
        assert play.get_attribute("data-state") == "disconnected" and play.is_disabled()
        assert play.get_attribute("aria-label") == "play"
        stopped = page.evaluate(f"""() => [{FRAME_INDEX},
            window.viewerApp.lastDrawn.index, window.viewerApp.buffer.length]""")
        assert stopped[0] == stopped[1] and stopped[2] == 0  # the counter shows the frame drawn
        page.wait_for_timeout(700)  # a window in which a running replay would draw ~20 frames
        assert page.evaluate(f"[{FRAME_INDEX}, window.viewerApp.lastDrawn.index]") == stopped[:2]
        server = ViewerServer(runs_dir, port=port, poll_interval=0.1).start()  # back again
        page.wait_for_selector("[data-testid=disconnected]", state="hidden")
        page.wait_for_function(f"{FRAME_INDEX} !== {stopped[0]}")
        assert play.get_attribute("data-state") == "playing"
        assert errors == []
        page.close()
    finally:
        server.stop()


def test_an_unknown_run_shows_no_run_named_it_and_the_list(server: ViewerServer, browser) -> None:
    page, errors = open_page(browser, f"{server.url}/#/run/tested", TIMEOUT_MS)
    page.wait_for_function(f"{NODE_COUNT} > 0")
    logged = _console(page)
    page.evaluate("location.hash = '#/run/does-not-exist'")
    missing = page.locator("[data-testid=run-missing]")
    missing.wait_for(state="visible")
    assert missing.inner_text() == "no run named 'does-not-exist'"
    assert page.locator("[data-run=tested]").is_visible()  # the run list
    assert page.locator("#run-view").is_hidden()
    assert page.evaluate(NODE_COUNT) == 0  # nothing of the previous run's brain is left
    assert page.locator("[data-testid=brain]").get_attribute("data-generation") is None
    page.reload()  # straight to the missing run: the notice, not an endless wait
    missing.wait_for(state="visible")
    assert missing.inner_text() == "no run named 'does-not-exist'"
    _shot(page, "viewer-no-such-run")
    page.click("[data-run=tested]")
    page.wait_for_function(f"{NODE_COUNT} > 0")
    assert missing.is_hidden()
    assert logged == [] and errors == []
    page.close()


def test_a_run_deleted_while_open_says_it_is_gone(server: ViewerServer, browser,
                                                   runs_dir: Path) -> None:
    fake.write_run(runs_dir, "doomed", "fake-grid", 3, options={"steps": 400})
    page, errors = open_page(browser, f"{server.url}/#/run/doomed", TIMEOUT_MS)
    page.wait_for_function(REPLAY_STARTED)
    logged = _console(page)
    shutil.rmtree(runs_dir / "doomed")
    missing = page.locator("[data-testid=run-missing]")
    missing.wait_for(state="visible")
    assert "“doomed” is gone" in missing.inner_text()
    page.wait_for_selector("[data-run=tested]")
    page.wait_for_selector("[data-run=doomed]", state="detached")  # the list drops it
    assert page.evaluate(NODE_COUNT) == 0
    page.wait_for_timeout(1500)  # three of the viewer's polls: nothing more may be logged
    assert logged == [] and errors == []
    page.close()


def test_fitness_chart_hover_log_scale_and_test_line(server: ViewerServer, browser) -> None:
    page, errors = open_page(browser, f"{server.url}/#/run/tested", TIMEOUT_MS)
    chart = page.locator("[data-testid=fitness-chart]")
    page.wait_for_function(f"document.querySelector('[data-testid=fitness-chart]')"
                           f".dataset.points === '{GENERATIONS}'")
    assert chart.get_attribute("data-test-points") == str(GENERATIONS - 3)
    assert page.locator("#test-legend").is_visible()
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    tip = page.locator("[data-testid=fitness-chart-tip]")
    assert tip.is_hidden()
    page.mouse.move(box["x"] + box["width"] - 41, box["y"] + box["height"] / 2)  # the last one
    tip.wait_for(state="visible")
    assert tip.inner_text().splitlines() == ["generation 11", "best  29.50", "mean  14.75 ± 1.50",
                                             "test  0.917  solved"]
    page.mouse.move(0, 0)
    tip.wait_for(state="hidden")
    linear = chart.screenshot()  # no hover guide: the two pictures differ only by the scale
    page.click("[data-testid=log-scale]")
    assert chart.get_attribute("data-scale") == "log"
    assert page.locator("[data-testid=log-scale]").get_attribute("aria-pressed") == "true"
    assert chart.screenshot() != linear
    _shot(page, "viewer-fitness-log")
    page.mouse.move(box["x"] + 1, box["y"] + 1)
    page.mouse.move(box["x"] + 60, box["y"] + box["height"] / 2)  # generation 0 or 1
    page.wait_for_function("document.querySelector('[data-testid=fitness-chart-tip]')"
                           ".textContent.startsWith('generation ')")
    assert "test" not in tip.inner_text()  # generations before the first test
    assert errors == []
    page.close()


def test_species_chart_hover_names_the_species_under_the_pointer(
    server: ViewerServer, browser
) -> None:
    page, errors = open_page(browser, f"{server.url}/#/run/tested", TIMEOUT_MS)
    chart = page.locator("[data-testid=species-chart]")
    page.wait_for_function(f"document.querySelector('[data-testid=species-chart]')"
                           f".dataset.points === '{GENERATIONS}'")
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    # the bottom band at the last generation is species 1 (stacked first): 12 of 54 genomes
    page.mouse.move(box["x"] + box["width"] - 11, box["y"] + box["height"] - 22 - 8)
    tip = page.locator("[data-testid=species-chart-tip]")
    tip.wait_for(state="visible")
    assert tip.inner_text().splitlines() == ["generation 11", "4 species, 54 genomes",
                                             "species 1: 12 (22%)"]
    assert errors == []
    page.close()


def test_the_replay_plays_any_scored_or_test_episode_and_says_how_the_champion_tested(
        server: ViewerServer, browser) -> None:
    page, errors = open_page(browser, f"{server.url}/#/run/tested", TIMEOUT_MS)
    page.wait_for_function(REPLAY_STARTED)
    menu = page.locator("[data-testid=episode]")
    assert menu.locator("optgroup").evaluate_all("gs => gs.map(g => g.label)") == [
        "scored in training", "test (held out)"]
    assert menu.input_value() == "scored:0"
    caption = page.locator("[data-testid=replay-caption]")
    assert caption.inner_text() == "· the fake level: score 400"
    summary = page.locator("[data-testid=test-summary]")
    assert summary.inner_text() == ("test: held-out levels cleared 72.5% · not solved · World 1 "
                                    "test variants cleared: 1-1 5/5 ✓, 1-2 3/5")
    menu.select_option("test:0")
    page.wait_for_function("document.querySelector('[data-testid=replay-caption]').textContent"
                           ".includes('(test)')")
    assert caption.inner_text() == "· the fake level, once more (test): score 401"
    page.wait_for_function(f"{FRAME_INDEX} > 0")  # the new episode plays
    assert errors == []


@pytest.mark.parametrize("width", [390, 1024, 1440])
def test_the_page_fits_at_common_widths(server: ViewerServer, browser, width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{server.url}/#/run/tested")
    page.wait_for_function(REPLAY_STARTED)
    page.click("[data-testid=play]")  # paused: the screenshot shows one frame
    page.wait_for_function("document.querySelector('[data-testid=species-chart]').dataset.points"
                           f" === '{GENERATIONS}'")
    page.evaluate("window.scrollTo(0, 0)")  # the sticky header at the top of the full-page shot
    _shot(page, f"viewer-{width}px")
    overflow = page.evaluate("""() => {
        const wide = [];
        for (const el of document.querySelectorAll('header *, .scrubber *, .panel-head *')) {
            const r = el.getBoundingClientRect();
            const out = r.right > innerWidth + 0.5 || r.left < -0.5;
            if (r.width && out) wide.push(el.id || el.className || el.tagName);
        }
        return {page: document.documentElement.scrollWidth - innerWidth, wide};
    }""")
    assert overflow == {"page": 0, "wide": []}
    table = page.locator(".table-scroll")
    assert page.evaluate("(el) => el.scrollWidth <= el.clientWidth", table.element_handle())
    heads = page.evaluate("""() => ['.brain-head', '.game-head', '#brain-wrap', '#game'].map(
        (s) => document.querySelector(s).getBoundingClientRect().top)""")
    brain_head, game_head, brain, game = heads
    assert brain_head < brain  # the brain's heading is above it
    assert not (brain_head < game_head < brain)  # and the replay's is not between them
    assert game_head < game if width > 1100 else game_head > game  # one column: under the game
    page.close()
