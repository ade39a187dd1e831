"""Double pole balancing: the compiled physics against a pure-Python twin, and both tasks' contracts.

The controllers used here are built, not evolved: an LQR state feedback for the Markovian task and
an LQG-style recurrent network (a linear observer of the unseen velocities feeding the same state
feedback) for the non-Markovian one.
"""

import math

import numba
import numpy as np
import pytest

from fitness.double_pole import (
    DAMPING_STEPS,
    JIGGLE_WINDOW,
    START_STATE,
    balance,
    damping_fitness,
    generalisation_score,
    generalisation_start,
    make_novel_task,
    make_task,
)
from fitness.double_pole_dynamics import is_failed, step_state
from fitness.random_genomes import random_pool
from neat.activations import ACTIVATION_IDS
from neat.errors import ConfigError, TaskError
from neat.genome import HIDDEN, INPUT, OUTPUT, Genome, GenomePool
from neat.network import ReferenceNetwork, pack_population

MARKOV_SCALE = np.array([4.8, 2.0, 0.52, 2.0, 0.52, 2.0])
NOVEL_SCALE = np.array([4.8, 0.52, 0.52])


def twin_perform_action(output: float, state: list[float]) -> list[float]:
    """Stanley's CartPole::performAction (two RK4 steps of 0.01 s), written plainly in Python."""
    mup, gravity, mass_cart, force_mag, tau = 0.000002, -9.8, 1.0, 10.0, 0.01
    mass = (0.1, 0.01)
    half_length = (0.5, 0.05)

    def derivs(st: list[float]) -> list[float]:
        force = (min(max(output, 0.0), 1.0) - 0.5) * force_mag * 2
        out = [st[1], 0.0, st[3], 0.0, st[5], 0.0]
        fi = mi = 0.0
        for p in range(2):
            theta, theta_dot = st[2 + 2 * p], st[3 + 2 * p]
            ml = half_length[p] * mass[p]
            fi += ml * theta_dot**2 * math.sin(theta) + 0.75 * mass[p] * math.cos(theta) * (
                mup * theta_dot / ml + gravity * math.sin(theta))
            mi += mass[p] * (1 - 0.75 * math.cos(theta) ** 2)
        out[1] = (force + fi) / (mi + mass_cart)
        for p in range(2):
            theta, theta_dot = st[2 + 2 * p], st[3 + 2 * p]
            friction = mup * theta_dot / (half_length[p] * mass[p])
            out[3 + 2 * p] = -0.75 * (out[1] * math.cos(theta) + gravity * math.sin(theta)
                                      + friction) / half_length[p]
        return out

    for _ in range(2):
        dydx = derivs(state)
        yt = [y + tau / 2 * d for y, d in zip(state, dydx, strict=True)]
        dyt = derivs(yt)
        yt = [y + tau / 2 * d for y, d in zip(state, dyt, strict=True)]
        dym = derivs(yt)
        yt = [y + tau * d for y, d in zip(state, dym, strict=True)]
        dym = [a + b for a, b in zip(dym, dyt, strict=True)]
        dyt = derivs(yt)
        state = [y + tau / 6 * (a + b + 2 * c)
                 for y, a, b, c in zip(state, dydx, dyt, dym, strict=True)]
    return state


def linear_model() -> tuple[np.ndarray, np.ndarray]:
    """A, B of the per-action map linearised at upright, output 0.5 (finite differences)."""
    eps = 1e-6
    a = np.zeros((6, 6))
    for j in range(6):
        d = np.eye(6)[j] * eps
        a[:, j] = (np.array(step_state(tuple(d), 0.5)) - np.array(step_state(tuple(-d), 0.5))) / (
            2 * eps)
    zero = (0.0,) * 6
    b = (np.array(step_state(zero, 0.5 + eps)) - np.array(step_state(zero, 0.5 - eps))) / (2 * eps)
    return a, b[:, None]


def lqr_gain(a: np.ndarray, b: np.ndarray, q: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Discrete-time LQR gain K (u = -K s) by iterating the Riccati equation."""
    p = q.copy()
    for _ in range(5000):
        k = np.linalg.solve(r + b.T @ p @ b, b.T @ p @ a)
        p = q + a.T @ p @ (a - b @ k)
    return k


def linear_genome(n_in: int, n_hidden: int, links: list[tuple[int, int, float]]) -> Genome:
    """Identity-activation genome: inputs, one output (bias 0.5), hidden nodes; links (src, dst, w)."""
    n = n_in + 1 + n_hidden
    src, dst, weight = (np.array(c) for c in zip(*links, strict=True))
    kind = np.array([INPUT] * n_in + [OUTPUT] + [HIDDEN] * n_hidden, dtype=np.int8)
    bias = np.zeros(n)
    bias[n_in] = 0.5
    return Genome(0, n_in, 1, np.arange(n), kind, bias,
                  np.full(n, ACTIVATION_IDS["identity"], dtype=np.int8), np.arange(len(src)),
                  src.astype(np.int64), dst.astype(np.int64), weight.astype(float),
                  np.ones(len(src), dtype=np.bool_))


@pytest.fixture(scope="module")
def controllers() -> dict[str, Genome]:
    a, b = linear_model()
    k = lqr_gain(a, b, np.diag([1.0, 1, 10, 1, 10, 1]), np.eye(1))[0]
    markov = linear_genome(6, 0, [(i, 6, -k[i] * MARKOV_SCALE[i]) for i in range(6)])
    # observer: s_hat' = A s_hat + B u + L (y - C s_hat), inputs y = scaled (x, theta1, theta2)
    c = np.zeros((3, 6))
    c[0, 0], c[1, 2], c[2, 4] = 1 / 4.8, 1 / 0.52, 1 / 0.52
    gain = lqr_gain(a.T, c.T, np.eye(6), np.eye(3) * 1e-4).T
    m = a - b @ k[None, :] - gain @ c
    links = [(4 + i, 4 + j, m[j, i]) for j in range(6) for i in range(6)]
    links += [(y, 4 + j, gain[j, y]) for j in range(6) for y in range(3)]
    links += [(4 + i, 3, -k[i]) for i in range(6)]
    return {"markov": markov, "novel": linear_genome(3, 6, links)}


def test_compiled_dynamics_match_the_python_twin():
    rng = np.random.default_rng(0)
    for _ in range(200):
        state = list(rng.uniform(-1, 1, 6) * [2.4, 2, 0.6, 2, 0.6, 3])
        output = float(rng.uniform(-0.2, 1.2))
        np.testing.assert_allclose(step_state(tuple(state), output),
                                   twin_perform_action(output, state), rtol=0, atol=1e-12)


def test_failure_bounds():
    assert not is_failed(START_STATE)
    assert is_failed((2.41, 0, 0, 0, 0, 0)) and is_failed((0, 0, 0, 0, -0.63, 0))
    assert is_failed((math.nan, 0, 0, 0, 0, 0))


def test_lqr_controller_solves_the_markovian_task(controllers):
    packed = pack_population(GenomePool.from_genomes([controllers["markov"]]), False)
    task = make_task({})
    assert task.evaluate(packed, np.random.default_rng(0))[0] == task.spec.solved_at == 100_000
    assert make_task({"max_steps": 300}).evaluate(packed, np.random.default_rng(0))[0] == 300


def test_observer_network_solves_the_non_markovian_task_under_both_protocols(controllers):
    genome = controllers["novel"]
    packed = pack_population(GenomePool.from_genomes([genome]), True)
    score = generalisation_score(packed, 0)
    lenient = make_novel_task({"protocol": "lenient"})
    assert lenient.evaluate(packed, np.random.default_rng(0))[0] == 100 + score
    assert not lenient.spec.test_every_champion
    paper = make_novel_task({})
    assert paper.spec.test_every_champion
    assert paper.evaluate(packed, np.random.default_rng(0))[0] <= 10  # the damping fitness only
    for task in (paper, lenient):
        result = task.test(genome, True)
        assert (result.score, result.solved, result.episodes) == (score, True, 626)


def test_the_test_fails_a_network_that_cannot_balance_long(controllers):
    genome = controllers["novel"].copy()
    genome.conn_weight[:] = 0.0
    result = make_novel_task({}).test(genome, True)
    assert (result.score, result.solved, result.episodes) == (-1, False, 1)


def test_damping_fitness_matches_gruaus_formula(controllers):
    rng = np.random.default_rng(1)
    pool = random_pool(rng, 6, (3, 1, 3), 12, recurrent=True)
    genomes = [controllers["novel"], *pool.genomes()]
    packed = pack_population(GenomePool.from_genomes(genomes), True)
    buffers = (packed.new_values(), packed.new_values())
    for g in range(len(genomes)):
        jiggle = np.zeros(JIGGLE_WINDOW)
        steps = balance(packed.arrays, g, True, False, START_STATE, DAMPING_STEPS, buffers, jiggle)
        # the twin: the same trial in plain Python (reference network, twin physics)
        network = ReferenceNetwork(genomes[g], recurrent=True)
        states = [list(START_STATE)]
        for _ in range(DAMPING_STEPS):
            s = states[-1]
            output = network.activate([s[0] / 4.8, s[2] / 0.52, s[4] / 0.52])[0]
            states.append(twin_perform_action(output, s))
            if not (abs(states[-1][0]) <= 2.4 and abs(states[-1][2]) <= 0.628329
                    and abs(states[-1][4]) <= 0.628329):
                break
        balanced = states[1:steps + 1]
        assert len(states) - 1 == min(steps + 1, DAMPING_STEPS)
        expected = 0.1 * steps / 1000
        if steps >= 100:
            expected += 0.9 * 0.75 / sum(abs(s[0]) + abs(s[1]) + abs(s[2]) + abs(s[3])
                                         for s in balanced[-100:])
        assert damping_fitness(steps, jiggle) == pytest.approx(min(expected, 10.0), rel=1e-9)


def test_generalisation_starts_cover_the_published_grid():
    starts = np.array([generalisation_start(i) for i in range(625)])
    assert len({tuple(s) for s in starts}) == 625
    np.testing.assert_allclose(starts[:, :4].max(axis=0),
                               0.9 * np.array([2.16, 1.35, 0.06283152, 0.15009752]))
    assert (starts[:, 4:] == 0).all()


def test_evaluate_does_not_depend_on_thread_count(controllers):
    pool = random_pool(np.random.default_rng(2), 20, (6, 1, 3), 14, recurrent=True)
    pool = GenomePool.concat([pool, GenomePool.from_genomes([controllers["markov"]])])
    packed = pack_population(pool, True)
    task = make_task({"max_steps": 5000})
    original = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = task.evaluate(packed, np.random.default_rng(0))
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = task.evaluate(packed, np.random.default_rng(0))
    finally:
        numba.set_num_threads(original)
    np.testing.assert_array_equal(one, two)
    assert one[-1] == 5000


def test_feed_forward_and_recurrent_agree_without_hidden_nodes(controllers):
    pool = GenomePool.from_genomes([controllers["markov"]])
    task = make_task({"max_steps": 2000})
    np.testing.assert_array_equal(task.evaluate(pack_population(pool, False), None),
                                  task.evaluate(pack_population(pool, True), None))


def test_replay_frames_are_capped_but_the_score_counts_the_whole_episode(controllers):
    task = make_task({"replay_steps": 50, "max_steps": 3000})
    (episode,) = task.episodes(0, controllers["markov"].key)
    replay = task.replay(controllers["markov"], False, episode)
    frames = replay.frames
    assert len(frames) == 50 and replay.score == replay.steps == 3000
    frame = frames[0]
    assert frame.world == {"kind": "double-pole", "x": 0.0, "theta1": 0.07, "theta2": 0.0,
                           "length1": 1.0, "length2": 0.1, "x_threshold": 2.4}
    assert len(frame.observation) == 6 and len(frame.action) == 1
    assert len(frame.activations) == len(controllers["markov"].node_id)
    novel = make_novel_task({})
    replay = novel.replay(controllers["novel"], True, novel.episodes(0, 0)[0])
    assert len(replay.frames) == replay.steps == DAMPING_STEPS
    assert len(replay.frames[0].observation) == 3 and 0 < replay.score <= 10
    long_run, *starts = novel.test_episodes()
    assert novel.replay(controllers["novel"], True, long_run, max_frames=5).steps == 100_000
    balanced = sum(novel.replay(controllers["novel"], True, start, max_frames=0).steps == 1000
                   for start in starts)
    assert balanced == novel.test(controllers["novel"], True).score


def test_specs_and_bad_options():
    assert make_task({}).spec.n_inputs == 6 and make_novel_task({}).spec.n_inputs == 3
    assert "recurrent" in make_novel_task({}).spec.description
    with pytest.raises(ConfigError, match="max_steps"):
        make_task({"max_step": 10})
    with pytest.raises(ConfigError, match=r"0\.\.625"):
        make_novel_task({"min_generalisation": 700})
    with pytest.raises(ConfigError, match="min_generalisation"):
        make_novel_task({"max_steps": 10})
    with pytest.raises(ConfigError, match="'champion' must be one of best, species"):
        make_novel_task({"champion": "fittest"})
    with pytest.raises(ConfigError, match="'champion' applies to the paper protocol"):
        make_novel_task({"protocol": "lenient", "champion": "species"})
    assert make_novel_task({}).spec.champion_choice == "species"  # NEAT C++'s, the default
    assert make_novel_task({"champion": "species"}).spec.champion_choice == "species"
    assert make_novel_task({"champion": "best"}).spec.champion_choice == "best"
    assert make_novel_task({"protocol": "lenient"}).spec.champion_choice == "best"
    pool = random_pool(np.random.default_rng(0), 2, (6, 1, 0), 4)
    with pytest.raises(TaskError, match="3 inputs and 1 outputs"):
        make_novel_task({}).evaluate(pack_population(pool, True), None)
