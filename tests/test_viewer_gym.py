"""The viewer on real `gym:` runs: the game's own rendered frames in the replay, the actions as the
environment took them (one lit key for a Discrete space, a meter per Box value within its bounds),
and a notice where an environment cannot draw. WebSocket messages first, then the page in headless
Debian chromium (screenshots in test-artifacts/)."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from neat.app.cli import main
from tests.browser import ARTIFACTS, needs_chromium, open_page
from viewer import ViewerServer, create_app

PLUGIN = "gym:tests.gym_plugins:neat-test"
RUNS = {
    "pole": ["gym:CartPole-v1", "--generations", "2", "--pop", "10", "--set", "task.episodes=1",
             "--set", "task.test_episodes=2", "--set", "task.max_steps=150"],
    "countdown": [f"{PLUGIN}/Countdown-v0", "--generations", "1", "--pop", "6"],
    "thrusters": [f"{PLUGIN}/Thrusters-v0", "--generations", "1", "--pop", "6",
                  "--set", "task.episodes=1"],
    "badpicture": [f"{PLUGIN}/BadPicture-v0", "--generations", "1", "--pop", "6"],
}
TIMEOUT_MS = 60_000  # a rendered replay is computed first: seconds on a busy machine
COUNTER = "document.querySelector('[data-testid=frame-counter]')"
PLAYING = f"Number({COUNTER}.dataset.index) > 0"
MAX_PAUSES = 30


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    runs = tmp_path_factory.mktemp("runs")
    for name, args in RUNS.items():
        assert main(["run", *args, "--runs-dir", str(runs), "--name", name, "--quiet", "--seed", "2",
                     "--set", "run.stop_when_solved=false"]) == 0
    return runs


def _replay_and_frames(runs_dir: Path, run: str) -> tuple[dict, dict]:
    """The replay message of `run`'s newest champion and its first batch of 8 frames."""
    app = create_app(runs_dir, poll_interval=0.05)
    with TestClient(app, base_url="http://127.0.0.1:8000") as client, \
            client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "watch", "run": run})
        found: dict[str, dict] = {}
        while "frames" not in found:
            message = ws.receive_json()
            found.setdefault(message["type"], message)
            if message["type"] == "replay":
                ws.send_json({"type": "frames", "count": 8})
        return found["replay"], found["frames"]


def test_a_rendered_gym_replay_sends_the_game_s_pictures_and_the_actions_taken(runs_dir):
    replay, batch = _replay_and_frames(runs_dir, "pole")
    assert (replay["fps"], replay["pictures"], replay["notice"], replay["action_bounds"]) == (
        50.0, True, None, None)
    outputs = [n["label"] for n in replay["layout"]["nodes"] if n["kind"] == "output"]
    inputs = [n["label"] for n in replay["layout"]["nodes"] if n["kind"] == "input"]
    assert (inputs, outputs) == (["x", "x_dot", "theta", "theta_dot"], ["push left", "push right"])
    for frame in batch["frames"]:
        assert sorted(frame["action"]) == [0.0, 1.0]
        with Image.open(io.BytesIO(base64.b64decode(frame["image"]))) as picture:
            assert (picture.format, picture.size) == ("WEBP", (600, 400))


def test_an_environment_without_pictures_sends_its_inputs_and_a_notice(runs_dir):
    replay, batch = _replay_and_frames(runs_dir, "countdown")
    assert replay["pictures"] is False and "has no rgb_array render mode" in replay["notice"]
    assert all("image" not in f and f["world"]["kind"] == "vector" for f in batch["frames"])


def test_pictures_that_stop_mid_replay_are_told_with_the_frames(runs_dir):
    replay, batch = _replay_and_frames(runs_dir, "badpicture")
    assert replay["pictures"] is True and replay["notice"] is None and replay["frames"] > 4
    # frame 0 is drawn while replaying; the others by another environment, which draws two
    assert ["image" in f for f in batch["frames"][:5]] == [True] * 3 + [False] * 2
    assert "stopped (RuntimeError: no screen today)" in batch["notice"]
    assert all(f["world"]["kind"] == "vector" for f in batch["frames"][3:])


def test_box_actions_are_sent_with_their_bounds(runs_dir):
    replay, batch = _replay_and_frames(runs_dir, "thrusters")
    assert replay["action_bounds"] == [[-2.0, 2.0], [0.0, 5.0]] and replay["fps"] == 20.0
    assert all(-2 <= f["action"][0] <= 2 and 0 <= f["action"][1] <= 5 for f in batch["frames"])


# -- the page ----------------------------------------------------------------------------------


def _open(browser, server: ViewerServer, run: str, frames: dict | None = None):
    """The run's page; with `frames`, every frame it receives is recorded there by (generation,
    index)."""

    def record(message: str | bytes) -> None:
        data = json.loads(message)
        if data.get("type") == "frames":
            for index, frame in zip(data["indices"], data["frames"], strict=True):
                frames[data["generation"], index] = frame

    watch = None if frames is None else (lambda ws: ws.on("framereceived", record))
    return open_page(browser, f"{server.url}/#/run/{run}", TIMEOUT_MS, watch)


def _shot(page, name: str) -> bytes:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    return page.locator("[data-testid=game]").screenshot()


def _pause_on_a_frame(page) -> tuple[int, int]:
    """Pause the replay; (generation, frame index) of the frame shown."""
    page.click("[data-testid=play]")
    page.wait_for_function("document.querySelector('[data-testid=play]').dataset.state === 'paused'")
    return tuple(page.evaluate(f"""() => [
        Number(document.querySelector('[data-testid=brain]').dataset.generation),
        Number({COUNTER}.dataset.index)]"""))


def _pixels(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGB")).astype(int)


LIT_COUNTS = """() => {
    window.litCounts = [];
    new MutationObserver(() => window.litCounts.push(
        document.querySelectorAll('#buttons .key.on').length))
        .observe(document.getElementById('buttons'), {subtree: true, attributes: true});
}"""


def _picture(frame: dict) -> np.ndarray:
    with Image.open(io.BytesIO(base64.b64decode(frame["image"]))) as image:
        return np.asarray(image.convert("RGB")).astype(int)


@needs_chromium
def test_cartpole_plays_its_own_frames_with_exactly_one_action_lit(server, browser):
    frames: dict = {}
    page, errors = _open(browser, server, "pole", frames)
    page.wait_for_function(PLAYING)
    assert page.locator("[data-testid=game]").get_attribute("data-pictures") == "true"
    page.evaluate(LIT_COUNTS)
    page.wait_for_function("window.litCounts.length >= 6 && "
                           "Number(document.querySelector('#fps').dataset.fps) > 0")
    assert set(page.evaluate("window.litCounts")) == {1}  # one action lit after every change
    assert int(page.locator("#fps").get_attribute("data-fps") or 0) <= 31  # at most DRAW_FPS
    shown = _pause_on_a_frame(page)
    lit = page.evaluate("Array.from(document.querySelectorAll('#buttons .key'),"
                        " (key) => key.classList.contains('on'))")
    assert lit == [value == 1.0 for value in frames[shown]["action"]] and sum(lit) == 1
    before = _pixels(_shot(page, "viewer-gym-cartpole"))
    assert (before > 240).all(axis=2).mean() > 0.5  # gymnasium's white scene, not the page's
    for _ in range(MAX_PAUSES):  # pause again until the frame shown has another picture
        page.click("[data-testid=play]")
        page.wait_for_function(f"Number({COUNTER}.dataset.index) !== {shown[1]}")
        other = _pause_on_a_frame(page)
        if (_picture(frames[other]) != _picture(frames[shown])).any(axis=2).sum() > 100:
            break
    else:
        pytest.fail(f"no frame with another picture in {MAX_PAUSES} pauses")
    after = _pixels(page.locator("[data-testid=game]").screenshot())
    assert (before != after).any(axis=2).sum() > 20  # the page shows the other picture
    assert page.locator("#replay-notice").is_hidden()
    assert errors == []
    page.close()


@needs_chromium
def test_an_environment_that_cannot_draw_shows_its_inputs_with_a_notice(server, browser):
    page, errors = _open(browser, server, "countdown")
    page.wait_for_function(PLAYING)
    notice = page.locator("#replay-notice")
    assert notice.is_visible() and "has no rgb_array render mode" in notice.inner_text()
    assert page.locator("[data-testid=game]").get_attribute("data-pictures") == "false"
    _shot(page, "viewer-gym-no-pictures")
    assert errors == []
    page.close()


@needs_chromium
def test_pictures_that_stop_mid_replay_show_the_inputs_with_a_notice(server, browser):
    page, errors = _open(browser, server, "badpicture")
    notice = page.locator("#replay-notice")
    notice.wait_for(state="visible", timeout=TIMEOUT_MS)
    assert "The game's pictures stopped (RuntimeError: no screen today)" in notice.inner_text()
    assert errors == []
    page.close()


@needs_chromium
def test_box_actions_show_each_value_as_a_bar_within_its_bounds(server, browser):
    frames: dict = {}
    page, errors = _open(browser, server, "thrusters", frames)
    page.wait_for_function(PLAYING)
    assert page.locator("[data-testid=game]").get_attribute("data-pictures") == "true"
    shown = _pause_on_a_frame(page)
    meters = page.evaluate("""() => Array.from(document.querySelectorAll('#buttons .meter'), (m) => {
        const box = m.getBoundingClientRect(), fill = m.firstElementChild.getBoundingClientRect();
        return {label: m.textContent, value: Number(m.dataset.value), low: Number(m.dataset.low),
                high: Number(m.dataset.high), left: (fill.left - box.left) / box.width,
                right: (fill.right - box.left) / box.width};
    })""")
    assert [m["label"].split()[0] for m in meters] == ["steer", "throttle"]
    assert [(m["low"], m["high"]) for m in meters] == [(-2, 2), (0, 5)]
    for meter, value in zip(meters, frames[shown]["action"], strict=True):
        assert meter["value"] == value and meter["low"] <= value <= meter["high"]
        at = (value - meter["low"]) / (meter["high"] - meter["low"])
        origin = (min(max(0.0, meter["low"]), meter["high"]) - meter["low"]) / (
            meter["high"] - meter["low"])
        assert meter["left"] == pytest.approx(min(at, origin), abs=0.02)  # the bar: zero to value
        assert meter["right"] == pytest.approx(max(at, origin), abs=0.02)
    _shot(page, "viewer-gym-box-actions")
    assert errors == []
    page.close()
