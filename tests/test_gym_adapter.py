"""The gymnasium adapter: spaces, episodes that cost only their own steps, seeds, replay, plugins,
observations and errors."""

import sys

import gymnasium as gym
import numpy as np
import pytest

from fitness import gym_adapter
from fitness.gym_adapter import INFINITE_ACTION_BOUND, ActionMap, make_gym_task
from fitness.random_genomes import random_pool
from fitness.registry import make_task
from fitness.seeding import TEST_DOMAIN, draw_base_seed, episode_seed
from fitness.task import mean_score, replayed_fitness
from neat.errors import ConfigError, TaskError
from neat.network import activate_population, pack_genome, pack_population
from tests.gym_plugins import CountdownEnv

PLUGIN = "tests.gym_plugins"
COUNTDOWN = f"gym:{PLUGIN}:neat-test/Countdown-v0"
IMAGE = f"gym:{PLUGIN}:neat-test/Image-v0"


def alone_returns(task, pool, recurrent, base):
    """Reference, the plain loop: each genome alone in a fresh environment, its episodes one after
    another, the return of each summed in step order."""
    fitness = []
    for g in range(len(pool)):
        genome = pool.genome(g)
        packed = pack_genome(genome, recurrent)
        env = gym.make(task.env_id, **task.env_kwargs)
        returns = []
        for episode in range(task.n_episodes):
            observation, _ = env.reset(seed=int(episode_seed(base, genome.key, episode)))
            values = packed.new_values()
            total = 0.0
            for _ in range(task.max_steps):
                inputs = np.asarray(observation, dtype=np.float64).reshape(1, -1)
                outputs = activate_population(packed, inputs, values)
                observation, reward, terminated, truncated, _ = env.step(
                    task.action_map.actions(outputs)[0])
                total += float(reward)
                if terminated or truncated:
                    break
            returns.append(total)
        env.close()
        fitness.append(mean_score(returns))
    return np.array(fitness)


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("gym:CartPole-v1", {"episodes": 2}),
        ("gym:Acrobot-v1", {"max_steps": 60, "episodes": 1}),
        ("gym:Pendulum-v1", {"max_steps": 40, "episodes": 2}),
        ("gym:MountainCarContinuous-v0", {"max_steps": 40, "episodes": 2}),
        (COUNTDOWN, {"episodes": 3}),
    ],
)
def test_evaluation_equals_each_genome_playing_alone_bit_for_bit(name, options, monkeypatch):
    monkeypatch.setattr(gym_adapter, "ENV_SLOTS", 3)  # slots play several genomes in turn
    task = make_task(name, options)
    pool = random_pool(np.random.default_rng(0), 7, (task.spec.n_inputs, task.spec.n_outputs, 2),
                       10, recurrent=True)
    packed = pack_population(pool, True)
    fitness = task.evaluate(packed, np.random.default_rng(1))
    expected = alone_returns(task, pool, True, draw_base_seed(np.random.default_rng(1)))
    np.testing.assert_array_equal(fitness, expected)
    np.testing.assert_array_equal(task.evaluate(packed, np.random.default_rng(1)), fitness)


def test_no_environment_is_stepped_after_its_episode_ended():
    task = make_task(COUNTDOWN, {"episodes": 3})
    pool = random_pool(np.random.default_rng(4), 20, (4, 2, 1), 5)
    packed = pack_population(pool, False)
    base = draw_base_seed(np.random.default_rng(2))
    env = gym.make("neat-test/Countdown-v0")
    lengths = []
    for genome_id in packed.genome_ids:
        for episode in task.episodes(base, int(genome_id)):
            env.reset(seed=episode.seed)
            lengths.append(env.unwrapped.left)
    before = CountdownEnv.steps_taken
    task.evaluate(packed, np.random.default_rng(2))  # CountdownEnv refuses steps after the end
    assert CountdownEnv.steps_taken - before == sum(lengths)
    assert len(set(lengths)) > 5


def test_cartpole_episodes_of_different_lengths_stop_counting_at_their_end():
    task = make_gym_task("CartPole-v1", {"episodes": 1})
    assert task.spec.solved_at == 475.0
    pool = random_pool(np.random.default_rng(3), 30, (4, 2, 1), 6)
    fitness = task.evaluate(pack_population(pool, False), np.random.default_rng(4))
    # each return stops at its own episode's end (early finishers are not credited more steps)
    assert len(set(fitness.tolist())) > 1 and fitness.min() >= 1 and fitness.max() <= 500


def test_specs_follow_the_spaces():
    pendulum = make_gym_task("Pendulum-v1", {}).spec
    assert (pendulum.n_inputs, pendulum.n_outputs) == (3, 1)
    assert pendulum.solved_at == float("inf")
    acrobot = make_gym_task("Acrobot-v1", {}).spec
    assert (acrobot.n_inputs, acrobot.n_outputs, acrobot.solved_at) == (6, 3, -100.0)


def test_box_actions_scale_into_bounds_and_clip_infinite_ones():
    box = ActionMap(gym.spaces.Box(np.float32([-2.0, -np.inf]), np.float32([2.0, np.inf])))
    actions = box.actions(np.array([[0.0, 1.0], [0.5, 2.0], [1.0, -1.0]]))
    np.testing.assert_allclose(actions, [[-2, INFINITE_ACTION_BOUND], [0, INFINITE_ACTION_BOUND],
                                         [2, -INFINITE_ACTION_BOUND]])
    discrete = ActionMap(gym.spaces.Discrete(3, start=-1))
    assert discrete.actions(np.array([[0.1, 0.9, 0.2], [0.5, 0.1, 0.0]])).tolist() == [0, -1]


def test_multibinary_buttons_press_above_one_half():
    buttons = ActionMap(gym.spaces.MultiBinary(4))
    assert buttons.actions(np.array([[0.9, 0.2, 0.51, 0.5]])).tolist() == [[1, 0, 1, 0]]


def test_the_platformer_env_works_through_the_adapter():
    task = make_gym_task("neat/Platformer-v0", {"max_steps": 60})
    assert (task.spec.n_inputs, task.spec.n_outputs) == (173, 4)
    pool = random_pool(np.random.default_rng(2), 6, (173, 4, 0), 40)
    fitness = task.evaluate(pack_population(pool, False), np.random.default_rng(0))
    assert fitness.shape == (6,) and np.isfinite(fitness).all()


def test_env_kwargs_reach_the_environment():
    task = make_gym_task("Pendulum-v1", {"env_kwargs": {"g": 3.0}, "max_steps": 5, "episodes": 1})
    pool = random_pool(np.random.default_rng(0), 3, (3, 1, 0), 3)
    fitness = task.evaluate(pack_population(pool, False), np.random.default_rng(0))
    expected = alone_returns(task, pool, False, draw_base_seed(np.random.default_rng(0)))
    np.testing.assert_array_equal(fitness, expected)
    assert gym.make("Pendulum-v1", g=3.0).unwrapped.g == 3.0


def test_replay_frames_and_score():
    task = make_gym_task("CartPole-v1", {})
    genome = random_pool(np.random.default_rng(5), 1, (4, 2, 2), 8).genome(0)
    replay = task.replay(genome, False, task.episodes(7, genome.key)[3])
    frames = replay.frames
    assert 1 <= len(frames) == replay.steps == replay.score <= 500
    frame = frames[0]
    assert frame.world == {"kind": "vector", "values": frame.observation}
    assert len(frame.activations) == len(genome.node_id) and len(frame.action) == 2
    assert frame.reward == 1.0


def test_test_episodes_are_fresh_and_the_threshold_decides():
    task = make_gym_task("CartPole-v1", {"test_episodes": 4})
    assert all(e.seed >= TEST_DOMAIN for e in task.test_episodes())
    genome = random_pool(np.random.default_rng(5), 1, (4, 2, 2), 8).genome(0)
    result = task.test(genome, False)
    returns = [task.replay(genome, False, e).score for e in task.test_episodes()]
    assert result.score == sum(returns) / 4 and result.episodes == 4
    assert result.solved == (result.score >= 475)
    assert not make_gym_task("Pendulum-v1", {"test_episodes": 2}).test(
        random_pool(np.random.default_rng(5), 1, (3, 1, 0), 2).genome(0), False).solved


def test_errors_name_the_problem():
    with pytest.raises(TaskError, match="NoSuchGame-v0"):
        make_gym_task("NoSuchGame-v0", {})
    with pytest.raises(TaskError, match="env_kwargs"):
        make_gym_task("CartPole-v1", {"env_kwargs": {"not_an_argument": 1}})
    with pytest.raises(TaskError, match="Box observation space and a Discrete, MultiBinary or Box action"):
        make_gym_task("Blackjack-v1", {})
    with pytest.raises(ConfigError, match="episodes"):
        make_gym_task("CartPole-v1", {"episode": 2})
    with pytest.raises(TaskError, match="Dict"):
        make_task(f"gym:{PLUGIN}:neat-test/Dict-v0", {})
    task = make_gym_task("CartPole-v1", {})
    pool = random_pool(np.random.default_rng(0), 2, (3, 2, 0), 3)
    with pytest.raises(TaskError, match="4 inputs and 2 outputs"):
        task.evaluate(pack_population(pool, False), np.random.default_rng(0))


def forget_the_plugin(monkeypatch):
    """Undo importing tests.gym_plugins until the test ends."""
    monkeypatch.delitem(sys.modules, PLUGIN)
    for env_id in ("Countdown-v0", "Failing-v0", "Image-v0", "Dict-v0"):
        monkeypatch.delitem(gym.registry, f"neat-test/{env_id}")


def test_plugins_are_imported_from_the_task_name_or_the_imports_option(monkeypatch):
    forget_the_plugin(monkeypatch)
    with pytest.raises(TaskError, match=r"gym:MODULE:neat-test/Countdown-v0 or with --import"):
        make_task("gym:neat-test/Countdown-v0", {})
    task = make_task("gym:neat-test/Countdown-v0", {"imports": [PLUGIN]})
    assert (task.spec.n_inputs, task.spec.n_outputs) == (4, 2) and PLUGIN in sys.modules
    forget_the_plugin(monkeypatch)
    assert make_task(COUNTDOWN, {}).spec.name == COUNTDOWN


def test_missing_plugins_and_bad_module_names_are_explained():
    with pytest.raises(TaskError, match=r"cannot import module 'no_such_plugin'.*gym-extras"):
        make_task("gym:no_such_plugin:Game-v0", {})
    with pytest.raises(TaskError, match=r"cannot import module 'no_such_plugin' \(task"):
        make_task("gym:CartPole-v1", {"imports": ["no_such_plugin"]})
    with pytest.raises(ConfigError, match="not a Python module name"):
        make_task("gym:CartPole-v1", {"imports": ["../evil"]})
    with pytest.raises(ConfigError, match="must be a list"):
        make_task("gym:CartPole-v1", {"imports": "ale_py"})


@pytest.mark.parametrize("call", ["reset", "step"])
def test_an_exception_inside_the_environment_is_one_task_error_line(call):
    task = make_task(f"gym:{PLUGIN}:neat-test/Failing-v0",
                     {"env_kwargs": {"fail_in": call, "after": 3}, "episodes": 4})
    pool = random_pool(np.random.default_rng(0), 4, (4, 2, 0), 4)
    with pytest.raises(TaskError) as error:
        task.evaluate(pack_population(pool, False), np.random.default_rng(0))
    message = str(error.value)
    assert "\n" not in message and f"neat-test/Failing-v0' failed in {call}" in message
    assert "RuntimeError: the simulator exploded" in message and "neat resume" in message


def test_an_observation_that_does_not_fit_the_space_is_a_task_error():
    task = make_task(f"gym:{PLUGIN}:neat-test/Failing-v0",
                     {"env_kwargs": {"fail_in": "observation", "after": 3}, "episodes": 4})
    pool = random_pool(np.random.default_rng(0), 2, (4, 2, 0), 4)
    with pytest.raises(TaskError, match=r"returned an observation that does not fit its "
                                        r"observation space \(4 inputs\)"):
        task.evaluate(pack_population(pool, False), np.random.default_rng(0))


def test_large_observations_are_refused_with_the_options_that_shrink_them():
    with pytest.raises(TaskError) as error:
        make_task(IMAGE, {})
    message = str(error.value)
    for part in ("9,216 inputs", "task.max_inputs = 1,024", 'task.observation = "grayscale:16x16"',
                 'obs_type = "ram"'):
        assert part in message
    assert make_task(IMAGE, {"max_inputs": 10_000}).spec.n_inputs == 9216


def test_grayscale_grid_averages_luminance_over_blocks_and_replays_exactly():
    task = make_task(IMAGE, {"observation": "grayscale:16x12", "episodes": 2})
    assert (task.spec.n_inputs, task.spec.input_grid) == (192, (12, 16))
    image = np.random.default_rng(0).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    inputs = np.empty(192)
    task.observer(image, inputs)
    luma = image.astype(np.float64) @ [0.299, 0.587, 0.114] / 255
    expected = luma.reshape(12, 4, 16, 4).mean(axis=(1, 3)).reshape(-1)  # 4x4-pixel blocks
    np.testing.assert_allclose(inputs, expected, rtol=1e-12)
    pool = random_pool(np.random.default_rng(1), 4, (192, 2, 1), 30)
    packed = pack_population(pool, False)
    fitness = task.evaluate(packed, np.random.default_rng(3))
    base = draw_base_seed(np.random.default_rng(3))
    records = [{"seed": e.seed, "label": e.label, "kind": e.kind}
               for e in task.episodes(base, int(packed.genome_ids[2]))]
    assert replayed_fitness(task, pool.genome(2), False, records) == fitness[2]
    with pytest.raises(ConfigError, match="grid must be 1x1 to 64x48"):
        make_task(IMAGE, {"observation": "grayscale:65x10"})
    with pytest.raises(TaskError, match="needs an image observation"):
        make_task("gym:CartPole-v1", {"observation": "grayscale:2x2"})


def test_scaled_observations_map_the_bounds_to_zero_and_one():
    task = make_task(COUNTDOWN, {"observation": "scaled"})
    inputs = np.empty(4)
    task.observer(np.float32([-1.0, 0.0, 1.0, 0.5]), inputs)
    assert inputs.tolist() == [0.0, 0.5, 1.0, 0.75]
    with pytest.raises(TaskError, match="finite observation bounds"):
        make_task("gym:CartPole-v1", {"observation": "scaled"})
    with pytest.raises(ConfigError, match="raw, scaled or grayscale:WxH"):
        make_task("gym:CartPole-v1", {"observation": "gray"})


ATARI_RAM = {"env_kwargs": {"obs_type": "ram", "frameskip": 3, "repeat_action_probability": 0.5},
             "observation": "scaled", "episodes": 2, "max_steps": 120}


def test_atari_ram_observations_are_deterministic_with_a_seed_and_replay_exactly():
    pytest.importorskip("ale_py")
    task = make_task("gym:ale_py:ALE/Pong-v5", ATARI_RAM)
    assert (task.spec.n_inputs, task.spec.n_outputs) == (128, 6)
    ale = task.make_env().unwrapped.ale
    assert ale.getFloat("repeat_action_probability") == 0.5 and task.make_env().unwrapped._frameskip == 3
    pool = random_pool(np.random.default_rng(0), 3, (128, 6, 2), 60)
    packed = pack_population(pool, False)
    fitness = task.evaluate(packed, np.random.default_rng(9))
    np.testing.assert_array_equal(task.evaluate(packed, np.random.default_rng(9)), fitness)
    base = draw_base_seed(np.random.default_rng(9))
    records = [{"seed": e.seed, "label": e.label, "kind": e.kind}
               for e in task.episodes(base, int(packed.genome_ids[0]))]
    assert replayed_fitness(task, pool.genome(0), False, records) == fitness[0]
    with pytest.raises(TaskError, match=r'100,800 inputs.*obs_type = "ram"'):
        make_task("gym:ale_py:ALE/Pong-v5", {})
