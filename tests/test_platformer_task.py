"""Platformer task and gymnasium env: options, evaluation, replays, rendering, env parity."""

from __future__ import annotations

import gymnasium
import numba
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from fitness.platformer import ENV_ID
from fitness.platformer.episode import play_buttons
from fitness.platformer.physics import JUMP, P_WON, RIGHT, RUN
from fitness.platformer.render import SKY, WINDOW_COLS, render_world_ansi, render_world_rgb
from fitness.platformer.solver import find_route
from fitness.platformer.task import make_task
from fitness.random_genomes import random_pool
from fitness.registry import make_task as make_registered_task
from neat.errors import ConfigError, TaskError
from neat.network import pack_population


def biased_pool(task, size: int, seed: int, recurrent: bool = False):
    """Random small networks that press RIGHT unless their inputs say otherwise."""
    n_in = task.spec.n_inputs
    pool = random_pool(np.random.default_rng(seed), size, (n_in, 4, 1), 30, recurrent=recurrent)
    pool.node_bias[pool.node_start[:-1] + n_in + 1] = 1.5
    return pool


def test_spec_labels_and_registry():
    task = make_registered_task("platformer", {"grid": 5, "extra_inputs": True})
    assert task.spec.n_inputs == 25 + 4 and task.spec.input_grid == (5, 5)
    assert task.spec.input_labels[0] == "r-2c-2" and task.spec.input_labels[12] == "r+0c+0"
    assert task.spec.input_labels[25:] == ("bias", "vx", "vy", "ground")
    assert task.spec.output_labels == ("LEFT", "RIGHT", "JUMP", "RUN")
    assert task.spec.solved_at == 1000.0


@pytest.mark.parametrize(("options", "message"), [
    ({"levle": "1-1"}, "Did you mean 'level'"),
    ({"level": "9-9"}, "'level' must be one of"),
    ({"grid": 12}, "must be odd"),
    ({"grid": 1}, "'grid' must be"),
    ({"level": "1-1", "difficulty": 2}, "only shape random levels"),
    ({"level": "random", "difficulty": 7}, "'difficulty' must be"),
    ({"extra_inputs": "yes"}, "must be a bool"),
    ({"patience": 0}, "'patience' must be"),
    ({"max_frames": 10**6}, "'max_frames' must be"),
])
def test_bad_options_raise_config_error(options, message):
    with pytest.raises(ConfigError, match=message):
        make_task(options)
    with pytest.raises(ConfigError, match=message):
        gymnasium.make(ENV_ID, **options)


def test_wrong_network_sizes_raise_task_error():
    task = make_task({})
    pool = random_pool(np.random.default_rng(0), 2, (10, 4, 0), 5)
    with pytest.raises(TaskError, match="169 inputs"):
        task.evaluate(pack_population(pool, False), np.random.default_rng(0))


@pytest.mark.parametrize("options", [{"level": "1-2"}, {"level": "random", "difficulty": 2}])
def test_evaluate_does_not_depend_on_thread_count(options):
    task = make_task(options)
    packed = pack_population(biased_pool(task, 40, 3, recurrent=True), True)
    results = []
    for threads in (1, numba.config.NUMBA_NUM_THREADS):
        numba.set_num_threads(threads)
        results.append(task.evaluate_frames(packed, np.random.default_rng(9)))
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])
    assert results[0][0].max() > 5.0  # the networks really played


def test_replay_plays_the_evaluated_episode_and_its_world_format():
    task = make_task({"level": "random", "difficulty": 1, "length": 60})
    pool = biased_pool(task, 20, 5)
    fitness, frames = task.evaluate_frames(pack_population(pool, False), np.random.default_rng(4))
    best = int(np.argmax(fitness))
    seed = int(np.random.default_rng(4).integers(0, 2**63 - 1))  # draw_base_seed of that rng
    replay = task.replay(pool.genome(best), seed, False)
    assert len(replay) == frames[best]
    assert max(0.0, sum(f.reward for f in replay)) == pytest.approx(fitness[best])
    last = replay[-1]
    assert len(last.observation) == 169 and len(last.action) == 4
    assert len(last.activations) == len(pool.genome(best).node_id)
    world = last.world
    assert world["kind"] == "platformer" and world["y0"] == 0
    assert len(world["tiles"]) == 14 and all(len(row) == WINDOW_COLS for row in world["tiles"])
    assert set(world["player"]) == {"x", "y", "w", "h"}
    assert world["frame"] == len(replay) and isinstance(world["dead"], bool)
    assert world["x0"] <= world["player"]["x"] < world["x0"] + WINDOW_COLS


def test_render_world_rgb_draws_tiles_player_and_enemies():
    task = make_task({"level": "1-1"})
    pool = biased_pool(task, 1, 0)
    world = task.replay(pool.genome(0), 0, False)[0].world
    image = render_world_rgb(world)
    assert image.shape == (14 * 16, WINDOW_COLS * 16, 3) and image.dtype == np.uint8
    px = round((world["player"]["x"] - world["x0"]) * 16) + 4
    py = round(world["player"]["y"] * 16) + 2
    assert tuple(image[py, px]) == (220, 40, 30)  # the player's shirt
    assert len(np.unique(image.reshape(-1, 3), axis=0)) >= 4
    assert "M" in render_world_ansi(world)


def test_check_env_passes():
    env = gymnasium.make(ENV_ID, render_mode="rgb_array", level="random", length=60)
    check_env(env.unwrapped)
    env.reset(seed=3)
    assert env.render().shape == (224, 384, 3)
    ansi = gymnasium.make(ENV_ID, render_mode="ansi")
    ansi.reset(seed=0)
    assert "M" in ansi.render()


def test_env_and_compiled_game_give_identical_trajectories():
    task = make_task({"level": "1-2"})
    env = gymnasium.make(ENV_ID, level="1-2").unwrapped
    env.reset(seed=0)
    rng = np.random.default_rng(2)
    buttons = np.repeat(rng.choice([RIGHT | RUN, RIGHT | JUMP, RIGHT, 0, JUMP], 200), 6)
    expected = play_buttons(task._fixed_world, task.params, task.settings, buttons)
    for t, mask in enumerate(buttons):
        _, _, terminated, truncated, _ = env.step(np.array([(mask >> j) & 1 for j in range(4)]))
        np.testing.assert_array_equal(env.player, expected[t])
        if terminated or truncated:
            break
    assert t + 1 == len(expected)


def test_env_reaches_the_flag_with_a_found_route():
    env = gymnasium.make(ENV_ID, level="1-1").unwrapped
    env.reset(seed=0)
    route = find_route(env.level, env.params)
    total, terminated = 0.0, False
    for mask in route:
        _, reward, terminated, truncated, info = env.step([(mask >> j) & 1 for j in range(4)])
        total += reward
        if terminated or truncated:
            break
    assert terminated and info["won"] and env.player[P_WON]
    assert total >= 1000.0


def test_entities_outside_the_window_are_not_drawn():
    world = {"kind": "platformer", "x0": 40, "y0": 0, "tiles": [[0] * WINDOW_COLS] * 14,
             "player": {"x": 100.0, "y": 3.0, "w": 0.75, "h": 0.875},
             "enemies": [{"x": 19.0, "y": 11.0, "w": 0.875, "h": 0.9375}],
             "frame": 0, "distance": 0.0, "dead": False, "won": False}
    image = render_world_rgb(world)
    assert (image == np.array(SKY, dtype=np.uint8)).all()


def test_neat_learns_level_1_1_with_the_task_presets():
    from neat.config import load_config
    from neat.population import Population

    task = make_task({"level": "1-1"})
    config = load_config(None, ["run.seed=5"], presets=task.spec.presets)
    population = Population(config, task.spec.n_inputs, task.spec.n_outputs)
    champion = population.run(task.evaluate, 60, fitness_goal=task.spec.solved_at)
    assert population.best_fitness >= task.spec.solved_at, population.generation
    replay = task.replay(champion, 0, False)
    assert replay[-1].world["won"]
