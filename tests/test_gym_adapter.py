"""The gymnasium adapter: spaces, batched evaluation with autoreset, seeds, replay and errors."""

import gymnasium as gym
import numpy as np
import pytest

from fitness.gym_adapter import INFINITE_ACTION_BOUND, ActionMap, make_gym_task
from fitness.random_genomes import random_pool
from fitness.registry import make_task
from fitness.seeding import TEST_DOMAIN, draw_base_seed, episode_seed
from neat.errors import ConfigError, TaskError
from neat.network import activate_population, pack_genome, pack_population


def single_env_returns(task, pool, recurrent, base):
    """Reference: every genome alone in its own environment, seeded like the sync vector env."""
    returns = np.zeros(len(pool))
    for g in range(len(pool)):
        genome = pool.genome(g)
        packed = pack_genome(genome, recurrent)
        env = gym.make(task.env_id, **task.env_kwargs)
        for episode in range(task.n_episodes):
            observation, _ = env.reset(seed=int(episode_seed(base, genome.key, episode)))
            values = packed.new_values()
            for _ in range(task.max_steps):
                outputs = activate_population(packed, observation.reshape(1, -1), values)
                observation, reward, terminated, truncated, _ = env.step(
                    task.action_map.actions(outputs)[0])
                returns[g] += reward
                if terminated or truncated:
                    break
        env.close()
    return returns / task.n_episodes


@pytest.mark.parametrize(
    ("env_id", "options"),
    [
        ("CartPole-v1", {"episodes": 2, "vectorization": "sync"}),
        ("Acrobot-v1", {"max_steps": 60, "episodes": 1}),
        ("Pendulum-v1", {"max_steps": 40, "episodes": 1, "vectorization": "async"}),
        ("MountainCarContinuous-v0", {"max_steps": 40, "episodes": 2}),
    ],
)
def test_batched_evaluation_equals_single_environments(env_id, options):
    task = make_task(f"gym:{env_id}", options)
    pool = random_pool(np.random.default_rng(0), 6, (task.spec.n_inputs, task.spec.n_outputs, 2),
                       10, recurrent=True)
    packed = pack_population(pool, True)
    fitness = task.evaluate(packed, np.random.default_rng(1))
    base = draw_base_seed(np.random.default_rng(1))
    expected = single_env_returns(task, pool, True, base)
    np.testing.assert_allclose(fitness, expected, rtol=1e-6)


def test_cartpole_episodes_of_different_lengths_stop_counting_at_their_end():
    task = make_gym_task("CartPole-v1", {"episodes": 1})
    assert task.vectorization == "sync" and task.spec.solved_at == 475.0
    pool = random_pool(np.random.default_rng(3), 30, (4, 2, 1), 6)
    fitness = task.evaluate(pack_population(pool, False), np.random.default_rng(4))
    # autoreset would otherwise keep adding 1 per step for early finishers up to the longest episode
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
    assert (task.spec.n_inputs, task.spec.n_outputs) == (169, 4)
    pool = random_pool(np.random.default_rng(2), 6, (169, 4, 0), 40)
    fitness = task.evaluate(pack_population(pool, False), np.random.default_rng(0))
    assert fitness.shape == (6,) and np.isfinite(fitness).all()


def test_env_kwargs_reach_the_environment():
    task = make_gym_task("Pendulum-v1", {"env_kwargs": {"g": 3.0}, "max_steps": 5, "episodes": 1})
    pool = random_pool(np.random.default_rng(0), 3, (3, 1, 0), 3)
    fitness = task.evaluate(pack_population(pool, False), np.random.default_rng(0))
    expected = single_env_returns(task, pool, False, draw_base_seed(np.random.default_rng(0)))
    np.testing.assert_allclose(fitness, expected, rtol=1e-6)
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
    with pytest.raises(ConfigError, match="vectorization"):
        make_gym_task("CartPole-v1", {"vectorization": "threads"})
    task = make_gym_task("CartPole-v1", {})
    pool = random_pool(np.random.default_rng(0), 2, (3, 2, 0), 3)
    with pytest.raises(TaskError, match="4 inputs and 2 outputs"):
        task.evaluate(pack_population(pool, False), np.random.default_rng(0))
