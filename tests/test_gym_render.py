"""Replays of `gym:` tasks show the game: the environment's pictures (never changing the episode),
the action as the environment took it, names for inputs and outputs, and a notice when an
environment cannot draw."""

from __future__ import annotations

import os
import re

import gymnasium as gym
import numpy as np
import pytest
from PIL import Image

from fitness import gym_adapter, gym_render
from fitness.gym_render import MAX_SIZE, RenderError, decode_frame, encode_frame
from fitness.random_genomes import random_pool
from fitness.registry import make_task
from neat.app.cli import main

PLUGIN = "gym:tests.gym_plugins:neat-test"
RENDERED = {
    "gym:CartPole-v1": {},
    "gym:Acrobot-v1": {"max_steps": 40},
    "gym:Pendulum-v1": {"max_steps": 40},
    "gym:neat/Platformer-v0": {"max_steps": 90},
    f"{PLUGIN}/Thrusters-v0": {},
}


def champion(task, seed: int = 5):
    """A random genome that fits `task`, with a few hidden nodes."""
    spec = task.spec
    return random_pool(np.random.default_rng(seed), 1, (spec.n_inputs, spec.n_outputs, 2),
                       12).genome(0)


def outputs_of(frame, genome) -> np.ndarray:
    """The network's output values in `frame` (output nodes follow the inputs in node order)."""
    first = genome.n_inputs
    return np.array(frame.activations)[first : first + genome.n_outputs]


@pytest.mark.parametrize("name", sorted(RENDERED))
def test_rendered_replays_are_the_episodes_the_fitness_counts(name):
    task = make_task(name, RENDERED[name])
    genome = champion(task)
    for episode in task.episodes(11, genome.key)[:2]:
        shown = task.replay(genome, False, episode)
        counted = task.replay(genome, False, episode, max_frames=0)  # as --verify replays
        assert (shown.score, shown.steps) == (counted.score, counted.steps)
        assert shown.notice == "" and len(shown.frames) == shown.steps
        pictures = [decode_frame(f.image) for f in shown.pictured_frames()]
        assert all(p.width <= MAX_SIZE[0] and p.height <= MAX_SIZE[1] for p in pictures)
        if shown.frames[0].observation != shown.frames[-1].observation:  # the state moved
            assert np.asarray(pictures[0]).tolist() != np.asarray(pictures[-1]).tolist()


def test_atari_replays_render_without_changing_the_episode():
    pytest.importorskip("ale_py")
    task = make_task("gym:ale_py:ALE/Pong-v5", {
        "env_kwargs": {"obs_type": "ram", "repeat_action_probability": 0.25},
        "observation": "scaled", "max_steps": 150})
    genome = champion(task)
    episode = task.episodes(3, genome.key)[0]
    shown = task.replay(genome, False, episode)
    assert shown.score == task.replay(genome, False, episode, max_frames=0).score
    assert decode_frame(shown.pictured_frames()[0].image).size == (160, 210)
    assert task.spec.output_labels == ("NOOP", "FIRE", "RIGHT", "LEFT", "RIGHTFIRE", "LEFTFIRE")


def test_pictures_are_kept_as_drawn_or_scaled_to_fit_keeping_their_shape():
    task = make_task("gym:CartPole-v1", {})
    picture = decode_frame(task.replay(champion(task), False, task.test_episodes()[0], 1)
                           .pictured_frames()[0].image)
    assert picture.size == (600, 400)
    acrobot = make_task("gym:Acrobot-v1", {})
    picture = decode_frame(acrobot.replay(champion(acrobot), False, acrobot.test_episodes()[0], 1)
                           .pictured_frames()[0].image)
    assert picture.size == (480, 480)  # 500 x 500 scaled by 0.96
    assert task.spec.frame_rate == 50.0


def test_discrete_actions_light_exactly_the_chosen_one():
    task = make_task("gym:Acrobot-v1", {"max_steps": 60})
    genome = champion(task, seed=2)
    replay = task.replay(genome, False, task.test_episodes()[0])
    assert task.spec.output_bounds is None
    for frame in replay.frames:
        assert sorted(frame.action) == [0.0, 0.0, 1.0]
        assert frame.action.index(1.0) == int(np.argmax(outputs_of(frame, genome)))


def test_box_actions_are_the_values_taken_within_their_bounds():
    task = make_task(f"{PLUGIN}/Thrusters-v0", {})
    assert task.spec.output_bounds == ((-2.0, 2.0), (0.0, 5.0))
    genome = champion(task, seed=3)
    replay = task.replay(genome, False, task.test_episodes()[0])
    for frame in replay.frames:
        outputs = np.clip(outputs_of(frame, genome), 0.0, 1.0)
        np.testing.assert_allclose(frame.action, [-2 + 4 * outputs[0], 5 * outputs[1]])
    values = np.array([f.action for f in replay.frames])
    assert values[:, 0].min() >= -2 and values[:, 0].max() <= 2
    assert values[:, 1].min() >= 0 and values[:, 1].max() <= 5
    assert len({tuple(v) for v in values.tolist()}) > 1


def test_multibinary_actions_are_the_buttons_pressed():
    task = make_task("gym:neat/Platformer-v0", {"max_steps": 30})
    genome = champion(task)
    for frame in task.replay(genome, False, task.test_episodes()[0]).frames:
        assert frame.action == [float(v > 0.5) for v in outputs_of(frame, genome)]


def test_inputs_and_outputs_are_named_after_the_environment():
    platformer_values = gym.make("neat/Platformer-v0").observation_space.shape[0]
    cases = {
        "gym:CartPole-v1": (("x", "x_dot", "theta", "theta_dot"), ("push left", "push right")),
        "gym:MountainCar-v0": (("position", "velocity"),
                               ("push left", "no push", "push right")),
        f"{PLUGIN}/Thrusters-v0": (("height", "speed", "fuel"), ("steer", "throttle")),
        "gym:neat/Platformer-v0": (tuple(f"obs{k}" for k in range(platformer_values)),
                                   ("LEFT", "RIGHT", "JUMP", "RUN")),
        f"{PLUGIN}/Countdown-v0": (("obs0", "obs1", "obs2", "obs3"), ("action 0", "action 1")),
    }
    for name, (inputs, outputs) in cases.items():
        spec = make_task(name, {}).spec
        assert (spec.input_labels, spec.output_labels) == (inputs, outputs), name
    grid = make_task(f"{PLUGIN}/Image-v0", {"observation": "grayscale:4x2"}).spec
    assert grid.input_labels == tuple(f"obs{k}" for k in range(8))  # cells, not the env's values


def test_an_environment_without_pictures_replays_its_inputs_with_a_notice():
    task = make_task(f"{PLUGIN}/Countdown-v0", {})
    replay = task.replay(champion(task), False, task.test_episodes()[0])
    assert replay.pictures is None and all(f.image is None for f in replay.pictured_frames())
    assert replay.notice == ("gymnasium environment 'neat-test/Countdown-v0' has no rgb_array "
                             "render mode, so the replay shows the network's inputs instead of "
                             "the game")
    assert task.replay(champion(task), False, task.test_episodes()[0], 0).notice == ""


def test_a_picture_that_fails_stops_the_pictures_not_the_episode():
    task = make_task(f"{PLUGIN}/BadPicture-v0", {})
    genome = champion(task)
    episode = next(e for e in task.test_episodes() if task.replay(genome, False, e, 0).steps > 3)
    replay = task.replay(genome, False, episode)
    assert replay.notice == ""  # its first picture, made by the replay's environment, worked
    assert replay.score == task.replay(genome, False, episode, max_frames=0).score
    # the others come from another environment, which draws two and fails on the third
    assert [f.image is not None for f in replay.pictured_frames()[:5]] == [True] * 3 + [False] * 2
    assert replay.pictures.failed == "RuntimeError: no screen today"


def test_a_first_picture_that_fails_is_told_at_once(monkeypatch):
    def fail(env):
        raise RenderError("ValueError: no picture")

    monkeypatch.setattr(gym_adapter, "render_frame", fail)
    task = make_task("gym:CartPole-v1", {})
    replay = task.replay(champion(task), False, task.test_episodes()[0])
    assert replay.pictures is None
    assert replay.notice == ("gymnasium environment 'CartPole-v1' could not draw a frame "
                             "(ValueError: no picture), so the replay shows the network's inputs "
                             "instead of the game")


def test_pictures_are_made_when_asked_for_and_show_the_state_of_their_frame(monkeypatch):
    task = make_task("gym:Acrobot-v1", {"max_steps": 40})
    episode = task.test_episodes()[0]
    replay = task.replay(champion(task), False, episode)
    made = []
    render = gym_render.render_frame
    monkeypatch.setattr(gym_render, "render_frame", lambda env: made.append(1) or render(env))
    nine, three, again = replay.pictures.get([9, 3, 9])
    assert len(made) == 2 and nine == again  # the frames asked for, each once
    env = gym.make("Acrobot-v1", render_mode="rgb_array")
    env.reset(seed=episode.seed)
    for frame in replay.frames[:9]:
        env.step(frame.action.index(1.0))
    assert decode_frame(nine) == decode_frame(encode_frame(env.render()))
    env.close()
    assert replay.pictures.get([3]) == [three] and len(made) == 2  # kept


def test_encoding_checks_the_picture_and_scales_large_ones_down():
    wide = np.zeros((100, 1280, 4), dtype=np.uint8)
    wide[:, 640:] = (255, 0, 0, 255)
    picture = decode_frame(encode_frame(wide))
    assert picture.size == (640, 50)
    assert picture.getpixel((639, 10)) == (255, 0, 0) and picture.getpixel((0, 10)) == (0, 0, 0)
    for bad in (np.zeros((10, 10), dtype=np.uint8), np.zeros((4, 4, 3)), "picture", None):
        with pytest.raises(RenderError, match="not an RGB image"):
            encode_frame(bad)


def test_sdl_draws_offscreen_only_without_a_display(monkeypatch):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    gym_render.headless_sdl()
    assert "SDL_VIDEODRIVER" not in os.environ
    monkeypatch.delenv("DISPLAY")
    gym_render.headless_sdl()
    assert os.environ["SDL_VIDEODRIVER"] == "offscreen"


def test_neat_replay_gif_of_a_gym_run_shows_the_environment_s_frames(tmp_path, capsys):
    assert main(["run", "gym:CartPole-v1", "--generations", "1", "--pop", "8", "--quiet",
                 "--seed", "1", "--runs-dir", str(tmp_path), "--name", "pole",
                 "--set", "task.episodes=1", "--set", "run.stop_when_solved=false"]) == 0
    gif = tmp_path / "pole.gif"
    assert main(["replay", str(tmp_path / "pole"), "--gif", str(gif)]) == 0
    steps = int(re.search(r"\[0\] [^:]+: steps (\d+)", capsys.readouterr().out).group(1))
    with Image.open(gif) as image:
        assert image.size == (600, 400)
        pictures, duration = [], 0
        for k in range(image.n_frames):  # (Pillow merges repeated pictures, adding their delays)
            image.seek(k)
            duration += image.info["duration"]
            if k in (0, image.n_frames - 1):
                pictures.append(np.asarray(image.convert("RGB")).astype(int))
    assert duration == 20 * steps  # CartPole's 50 frames a second
    assert all((p > 240).all(axis=2).mean() > 0.5 for p in pictures)  # gymnasium's white scene
    if steps > 1:
        assert (pictures[0] != pictures[1]).any()  # the cart or the pole moved
