"""Platformer task and gymnasium env: options, evaluation, the test, replays, rendering, env parity."""

from __future__ import annotations

import gymnasium
import numba
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from fitness.platformer import ENV_ID
from fitness.platformer.episode import MAX_PROGRESS_SCORE, play_buttons, world_arrays
from fitness.platformer.level_sets import HELDOUT_DOMAIN
from fitness.platformer.levels import named_level
from fitness.platformer.physics import JUMP, P_WON, RIGHT, RUN
from fitness.platformer.render import SKY, WINDOW_COLS, render_world_ansi, render_world_rgb
from fitness.platformer.solver import find_route
from fitness.platformer.task import make_task
from fitness.random_genomes import random_pool
from fitness.registry import make_task as make_registered_task
from neat.errors import ConfigError, TaskError
from neat.network import pack_population

SMALL = {"random_levels": 2, "heldout_levels": 6, "named_variants": 2}


def biased_pool(task, size: int, seed: int, recurrent: bool = False):
    """Random small networks that press RIGHT and RUN unless their inputs say otherwise."""
    n_in = task.spec.n_inputs
    pool = random_pool(np.random.default_rng(seed), size, (n_in, 4, 1), 30, recurrent=recurrent)
    pool.node_bias[pool.node_start[:-1] + n_in + 1] = 1.5
    pool.node_bias[pool.node_start[:-1] + n_in + 3] = 1.5
    return pool


def test_spec_labels_and_registry():
    task = make_registered_task("platformer", {"grid": 5, "extra_inputs": True})
    assert task.spec.n_inputs == 25 + 4 and task.spec.input_grid == (5, 5)
    assert task.spec.input_labels[0] == "r-2c-2" and task.spec.input_labels[12] == "r+0c+0"
    assert task.spec.input_labels[25:] == ("bias", "vx", "vy", "ground")
    assert task.spec.output_labels == ("LEFT", "RIGHT", "JUMP", "RUN")
    assert task.spec.test_every_champion and "held-out" in task.spec.test_protocol


@pytest.mark.parametrize(("options", "message"), [
    ({"level": "1-1"}, "Did you mean 'levels'"),
    ({"levels": ["9-9"]}, "'levels' must list distinct named levels"),
    ({"levels": ["1-1", "1-1"]}, "'levels' must list distinct named levels"),
    ({"levels": [], "random_levels": 0}, "at least one training level"),
    ({"difficulties": [7]}, "'difficulties' must list"),
    ({"solve_rate": 1.5}, "'solve_rate' must be"),
    ({"heldout_levels": 1}, "'heldout_levels' must be"),
    ({"grid": 12}, "must be odd"),
    ({"grid": 1}, "'grid' must be"),
    ({"extra_inputs": "yes"}, "must be a bool"),
    ({"patience": 0}, "'patience' must be"),
    ({"max_frames": 10**6}, "'max_frames' must be"),
])
def test_bad_task_options_raise_config_error(options, message):
    with pytest.raises(ConfigError, match=message):
        make_task(options)


@pytest.mark.parametrize(("options", "message"), [
    ({"level": "9-9"}, "'level' must be one of"),
    ({"level": "random", "difficulty": 7}, "'difficulty' must be"),
    ({"grid": 12}, "must be odd"),
    ({"levels": ["1-1"]}, "Did you mean 'level'"),
])
def test_bad_env_options_raise_config_error(options, message):
    with pytest.raises(ConfigError, match=message):
        gymnasium.make(ENV_ID, **options)


def test_wrong_network_sizes_raise_task_error():
    task = make_task({})
    pool = random_pool(np.random.default_rng(0), 2, (10, 4, 0), 5)
    with pytest.raises(TaskError, match="173 inputs"):
        task.evaluate(pack_population(pool, False), np.random.default_rng(0))


def test_evaluate_and_test_do_not_depend_on_thread_count():
    task = make_task(SMALL)
    pool = biased_pool(task, 40, 3, recurrent=True)
    packed = pack_population(pool, True)
    results, tests = [], []
    for threads in (1, numba.config.NUMBA_NUM_THREADS):
        numba.set_num_threads(threads)
        results.append(task.evaluate_frames(packed, np.random.default_rng(9)))
        tests.append(task.test(pool.genome(0), True))
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])
    assert tests[0] == tests[1]
    assert results[0][0].max() > 5.0  # the networks really played


def test_a_generation_plays_the_same_levels_for_every_genome_and_new_ones_next_time():
    task = make_task({"random_levels": 4})
    assert task.episodes(11, 1) == task.episodes(11, 2)
    kinds = [e.kind for e in task.episodes(11, 1)]
    assert kinds[:4] == ["1-1", "1-2", "1-3", "1-4"]
    assert kinds[4:] == [f"generated/{d}/150" for d in (0, 1, 2, 3)]
    assert {e.seed for e in task.episodes(11, 1)}.isdisjoint(e.seed for e in task.episodes(12, 1))


def test_held_out_levels_never_meet_training_levels():
    task = make_task({})
    test = task.test_episodes()
    assert len(test) == 4 * 5 + 120 and all(e.seed >= HELDOUT_DOMAIN for e in test)
    difficulties = [e.kind for e in test if e.kind.startswith("generated")]
    assert {k: difficulties.count(k) for k in set(difficulties)} == {
        "generated/1/150": 40, "generated/2/150": 40, "generated/3/150": 40}
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(500):
        seen |= {e.seed for e in task.episodes(int(rng.integers(2**63)), 0)}
    assert all(seed < HELDOUT_DOMAIN for seed in seen)


def test_the_test_counts_named_variants_and_held_out_levels():
    task = make_task(SMALL)
    genome = biased_pool(task, 1, 4).genome(0)
    result = task.test(genome, False)
    episodes = task.test_episodes()
    cleared = [task.replay(genome, False, e, max_frames=0).score > MAX_PROGRESS_SCORE
               for e in episodes]
    named, heldout = cleared[:8], cleared[8:]
    assert result.episodes == 14 and result.score == sum(heldout) / 6
    assert result.details["named_cleared"] == {
        name: sum(named[2 * k : 2 * k + 2]) for k, name in enumerate(("1-1", "1-2", "1-3", "1-4"))}
    per_level = result.details["named_cleared"].values()
    assert result.details["world1_cleared"] == all(n >= 2 for n in per_level)  # 80% of 2 variants
    assert result.solved == (result.details["world1_cleared"] and result.score >= 0.8)


@pytest.mark.parametrize(("cleared_1_1", "heldout", "world_1", "solved"), [
    (4, [True] * 9 + [False], True, True),  # 4 of 5 variants and 90% of the held-out levels
    (3, [True] * 9 + [False], False, False),  # 3 of 5: 1-1 is not cleared
    (5, [True] * 7 + [False] * 3, True, False),  # World 1, but 70% held out
])
def test_solved_needs_the_rate_on_every_named_level_and_the_held_out_levels(
        monkeypatch, cleared_1_1, heldout, world_1, solved):
    task = make_task({"levels": ["1-1", "1-2"], "named_variants": 5, "heldout_levels": 10,
                      "solve_rate": 0.8})
    pattern = [k < cleared_1_1 for k in range(5)] + [True] * 5 + heldout
    monkeypatch.setattr(task, "_cleared", lambda worlds, packed: pattern)
    genome = biased_pool(task, 1, 4).genome(0)
    result = task.test_on(genome, False, task.test_episodes(), worlds=[None] * len(pattern))
    assert result.details["named_cleared"] == {"1-1": cleared_1_1, "1-2": 5}
    assert (result.details["world1_cleared"], result.solved) == (world_1, solved)
    assert result.score == sum(heldout) / 10


def test_blind_networks_see_nothing():
    task, blind = make_task(SMALL), make_task({**SMALL, "blind": True})
    genome = biased_pool(task, 1, 4).genome(0)
    episode = task.episodes(3, 0)[0]
    assert all(v == 0 for f in blind.replay(genome, False, episode).frames for v in f.observation)
    assert any(v != 0 for f in task.replay(genome, False, episode).frames for v in f.observation)


def test_replay_world_format():
    task = make_task(SMALL)
    pool = biased_pool(task, 20, 5)
    fitness = task.evaluate(pack_population(pool, False), np.random.default_rng(4))
    genome = pool.genome(int(np.argmax(fitness)))
    replay = task.replay(genome, False, task.episodes(99, genome.key)[4])
    assert len(replay.frames) == replay.steps and replay.score >= 0
    last = replay.frames[-1]
    assert len(last.observation) == 173 and len(last.action) == 4
    assert len(last.activations) == len(genome.node_id)
    world = last.world
    assert world["kind"] == "platformer" and world["y0"] == 0
    assert len(world["tiles"]) == 14 and all(len(row) == WINDOW_COLS for row in world["tiles"])
    assert set(world["player"]) == {"x", "y", "w", "h"}
    assert world["frame"] == replay.steps and isinstance(world["dead"], bool)
    assert world["x0"] <= world["player"]["x"] < world["x0"] + WINDOW_COLS


def test_render_world_rgb_draws_tiles_player_enemies_and_spikes():
    task = make_task(SMALL)
    genome = biased_pool(task, 1, 0).genome(0)
    world = task.replay(genome, False, task.episodes(0, 0)[0]).frames[0].world
    image = render_world_rgb(world)
    assert image.shape == (14 * 16, WINDOW_COLS * 16, 3) and image.dtype == np.uint8
    px = round((world["player"]["x"] - world["x0"]) * 16) + 4
    py = round(world["player"]["y"] * 16) + 2
    assert tuple(image[py, px]) == (220, 40, 30)  # the player's shirt
    assert len(np.unique(image.reshape(-1, 3), axis=0)) >= 4
    assert "M" in render_world_ansi(world)
    spikes = {**world, "tiles": [[6] * WINDOW_COLS for _ in range(14)], "enemies": []}
    assert "^" in render_world_ansi(spikes)
    assert (render_world_rgb(spikes)[15, :16] != np.array(SKY, dtype=np.uint8)).any()


@pytest.mark.parametrize("level", ["1-2", "random", "heldout"])
def test_check_env_passes(level):
    env = gymnasium.make(ENV_ID, render_mode="rgb_array", level=level, length=80)
    check_env(env.unwrapped)
    env.reset(seed=3)
    assert env.render().shape == (224, 384, 3)
    ansi = gymnasium.make(ENV_ID, render_mode="ansi")
    ansi.reset(seed=0)
    assert "M" in ansi.render()


def test_env_and_compiled_game_give_identical_trajectories():
    task = make_task(SMALL)
    env = gymnasium.make(ENV_ID, level="1-2").unwrapped
    env.reset(seed=5)
    rng = np.random.default_rng(2)
    buttons = np.repeat(rng.choice([RIGHT | RUN, RIGHT | JUMP, RIGHT, 0, JUMP], 200), 6)
    world = world_arrays(named_level("1-2", 5), 13)
    expected = play_buttons(world, task.params, task.settings, buttons)
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
    assert total > MAX_PROGRESS_SCORE


def test_entities_outside_the_window_are_not_drawn():
    world = {"kind": "platformer", "x0": 40, "y0": 0, "tiles": [[0] * WINDOW_COLS] * 14,
             "player": {"x": 100.0, "y": 3.0, "w": 0.75, "h": 0.875},
             "enemies": [{"x": 19.0, "y": 11.0, "w": 0.875, "h": 0.9375}],
             "frame": 0, "distance": 0.0, "dead": False, "won": False}
    image = render_world_rgb(world)
    assert (image == np.array(SKY, dtype=np.uint8)).all()
