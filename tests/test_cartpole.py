"""The compiled CartPole-v1 mirror against gymnasium, and the cartpole task's contract."""

import gymnasium as gym
import numba
import numpy as np
import pytest

from fitness.cartpole import make_task
from fitness.cartpole_dynamics import initial_state, is_terminal, step_state
from fitness.random_genomes import random_pool
from fitness.seeding import TEST_DOMAIN, draw_base_seed, episode_seed
from neat.activations import ACTIVATION_IDS
from neat.errors import ConfigError, TaskError
from neat.genome import INPUT, OUTPUT, Genome, GenomePool
from neat.network import activate_population, pack_genome, pack_population


def balancing_genome(key: int, rng: np.random.Generator) -> Genome:
    """RIGHT = identity(w . observation) against LEFT = 0: a linear controller near a good one."""
    weights = np.array([0.5, 1.0, 10.0, 2.0]) * (1 + 0.2 * rng.standard_normal(4))
    return Genome(
        key, 4, 2,
        node_id=np.arange(6), node_kind=np.array([INPUT] * 4 + [OUTPUT] * 2, dtype=np.int8),
        node_bias=np.zeros(6), node_act=np.full(6, ACTIVATION_IDS["identity"], dtype=np.int8),
        conn_innov=np.arange(4), conn_src=np.arange(4), conn_dst=np.full(4, 5),
        conn_weight=weights, conn_enabled=np.ones(4, dtype=np.bool_),
    )


def gym_fitness(pool: GenomePool, recurrent: bool, base: int, episodes: int) -> np.ndarray:
    """The same networks and starting states driving gymnasium's CartPole-v1 step by step."""
    env = gym.make("CartPole-v1")
    fitness = np.zeros(len(pool))
    for g in range(len(pool)):
        genome = pool.genome(g)
        packed = pack_genome(genome, recurrent)
        for episode in range(episodes):
            env.reset(seed=0)
            state = np.array(initial_state(np.uint64(episode_seed(base, genome.key, episode))))
            env.unwrapped.state = state
            observation = state.astype(np.float32)
            values = packed.new_values()
            done = False
            while not done:
                outputs = activate_population(packed, observation[None, :], values)
                observation, reward, terminated, truncated, _ = env.step(int(np.argmax(outputs)))
                fitness[g] += reward
                done = terminated or truncated
    return fitness / episodes


def test_compiled_dynamics_match_gymnasium_step_by_step():
    rng = np.random.default_rng(0)
    env = gym.make("CartPole-v1")
    for episode in range(100):
        env.reset(seed=episode)
        state = initial_state(np.uint64(episode_seed(12345, 0, episode)))
        env.unwrapped.state = np.array(state)
        for action in rng.integers(0, 2, size=500).tolist():
            state = step_state(*state, action)
            _, _, terminated, truncated, _ = env.step(action)
            np.testing.assert_allclose(state, env.unwrapped.state, rtol=0, atol=1e-12)
            assert is_terminal(state[0], state[2]) == terminated
            if terminated or truncated:
                break


def test_initial_state_is_uniform_in_a_small_box():
    states = np.array([initial_state(np.uint64(episode_seed(7, 3, k))) for k in range(2000)])
    assert states.min() >= -0.05 and states.max() < 0.05
    assert np.abs(states.mean(axis=0)).max() < 0.005


@pytest.mark.parametrize("recurrent", [False, True])
def test_evaluate_equals_the_same_networks_driving_gymnasium(recurrent):
    rng = np.random.default_rng(1)
    genomes = [balancing_genome(k, rng) for k in range(4)]
    pool = GenomePool.concat([
        GenomePool.from_genomes(genomes),
        random_pool(rng, 4, (4, 2, 3), 12, recurrent=recurrent),
    ])
    pool.genome_ids[:] = np.arange(len(pool)) + 100
    packed = pack_population(pool, recurrent)
    fitness = make_task({"episodes": 2}).evaluate(packed, np.random.default_rng(5))
    base = draw_base_seed(np.random.default_rng(5))
    np.testing.assert_array_equal(fitness, gym_fitness(pool, recurrent, base, 2))
    assert fitness[:4].max() > 100  # the controllers balance for a while


def test_evaluate_does_not_depend_on_thread_count():
    pool = random_pool(np.random.default_rng(2), 64, (4, 2, 4), 16, recurrent=True)
    packed = pack_population(pool, True)
    task = make_task({})
    original = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = task.evaluate(packed, np.random.default_rng(3))
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = task.evaluate(packed, np.random.default_rng(3))
    finally:
        numba.set_num_threads(original)
    np.testing.assert_array_equal(one, two)


def test_feed_forward_and_recurrent_agree_without_hidden_nodes():
    rng = np.random.default_rng(4)
    pool = GenomePool.from_genomes([balancing_genome(k, rng) for k in range(6)])
    task = make_task({"episodes": 3})
    feed_forward = task.evaluate(pack_population(pool, False), np.random.default_rng(6))
    recurrent = task.evaluate(pack_population(pool, True), np.random.default_rng(6))
    np.testing.assert_array_equal(feed_forward, recurrent)


def test_replay_frames_and_score():
    genome = balancing_genome(9, np.random.default_rng(8))
    task = make_task({"episodes": 2})
    episode = task.episodes(123, genome.key)[1]
    replay = task.replay(genome, False, episode)
    frames = replay.frames
    assert replay.score == replay.steps == len(frames) and replay.episode == episode
    assert len(task.replay(genome, False, episode, max_frames=3).frames) == 3
    frame = frames[0]
    assert len(frame.observation) == 4 and len(frame.action) == 2
    assert len(frame.activations) == len(genome.node_id)
    assert frame.activations[:4] == frame.observation
    assert frame.world["kind"] == "cartpole" and frame.world["x_threshold"] == 2.4
    assert set(frame.world) == {"kind", "x", "theta", "x_threshold"}


def test_test_episodes_are_never_training_episodes():
    task = make_task({"episodes": 5, "test_episodes": 100})
    test = {e.seed for e in task.test_episodes()}
    assert len(test) == 100 and all(seed >= TEST_DOMAIN for seed in test)
    rng = np.random.default_rng(0)
    for _ in range(200):
        training = {e.seed for e in task.episodes(int(rng.integers(2**63)), int(rng.integers(10**6)))}
        assert not training & test and all(seed < TEST_DOMAIN for seed in training)


def test_test_is_gymnasiums_rule():
    task = make_task({"test_episodes": 30})
    good = balancing_genome(1, np.random.default_rng(8))
    result = task.test(good, False)
    steps = [task.replay(good, False, e, max_frames=0).steps for e in task.test_episodes()]
    assert result.score == np.mean(steps) and result.episodes == 30
    assert result.solved == (result.score >= 475) and result.details["min_return"] == min(steps)
    bad = good.copy()
    bad.conn_weight[:] = 0.0
    assert not task.test(bad, False).solved


def test_spec_and_bad_options():
    spec = make_task({}).spec
    assert (spec.n_inputs, spec.n_outputs, spec.solved_at) == (4, 2, 475.0)
    assert spec.output_labels == ("LEFT", "RIGHT")
    with pytest.raises(ConfigError, match="episodes"):
        make_task({"episode": 3})
    with pytest.raises(ConfigError, match="at least 1"):
        make_task({"episodes": 0})
    with pytest.raises(ConfigError, match="int"):
        make_task({"episodes": "5"})


def test_wrong_network_sizes_are_a_task_error():
    pool = random_pool(np.random.default_rng(0), 2, (3, 2, 0), 4)
    with pytest.raises(TaskError, match="4 inputs and 2 outputs"):
        make_task({}).evaluate(pack_population(pool, False), np.random.default_rng(0))

