"""The XOR task: the paper's fitness, the solved test, replay, compiled vs reference."""

import numpy as np
import pytest

from fitness.random_genomes import random_pool
from fitness.xor import make_task, xor_fitness_py
from neat.errors import ConfigError
from neat.genome import GenomePool
from neat.network import pack_population
from tests.conftest import make_genome

# out = sigmoid(4.9 * (w_a*A + w_b*B + w_h*h + bias)), h = sigmoid(4.9 * (A + B - 1.5)): an XOR net
SOLVER = make_genome(2, 1, [3], [(0, 0, 2, 5.0, True), (1, 1, 2, 5.0, True), (2, 0, 3, 5.0, True),
                                 (3, 1, 3, 5.0, True), (4, 3, 2, -12.0, True)],
                     biases={2: -2.5, 3: -7.5})
CONSTANT = make_genome(2, 1, [], [], biases={2: 0.0})  # always outputs 0.5


def test_fitness_is_four_minus_error_squared():
    task = make_task({})
    packed = pack_population(GenomePool.from_genomes([SOLVER, CONSTANT]), False)
    fitness = task.evaluate(packed, np.random.default_rng(0))
    assert fitness[1] == pytest.approx((4 - 4 * 0.5) ** 2)
    assert 15.5 < fitness[0] <= 16.0
    np.testing.assert_array_equal(task.solved(packed, fitness), [True, False])  # 0.5 is not > 0.5


def test_solved_needs_every_output_on_the_right_side():
    task = make_task({})
    wrong = SOLVER.copy(1)
    wrong.conn_weight[4] = 0.0  # now it computes OR: (1, 1) -> 1 is wrong
    packed = pack_population(GenomePool.from_genomes([SOLVER, wrong]), False)
    fitness = task.evaluate(packed, np.random.default_rng(0))
    assert fitness[1] > 4.0  # good enough to be checked, ...
    np.testing.assert_array_equal(task.solved(packed, fitness), [True, False])  # ... but not solved


@pytest.mark.parametrize("recurrent", [False, True])
def test_compiled_fitness_matches_the_reference(recurrent):
    pool = random_pool(np.random.default_rng(3), 40, (2, 1, 3), 7, recurrent=recurrent)
    fitness = make_task({}).evaluate(pack_population(pool, recurrent), np.random.default_rng(0))
    expected = [xor_fitness_py(g, recurrent) for g in pool.genomes()]
    np.testing.assert_allclose(fitness, expected, rtol=1e-12)


def test_replay_shows_the_four_patterns_and_scores_the_fitness():
    task = make_task({})
    (episode,) = task.episodes(0, SOLVER.key)
    replay = task.replay(SOLVER, False, episode)
    frames = replay.frames
    assert replay.score == xor_fitness_py(SOLVER, False) and replay.steps == 4
    assert [f.world["inputs"] for f in frames] == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert [f.world["output"] > 0.5 for f in frames] == [False, True, True, False]
    assert all(len(f.activations) == len(SOLVER.node_id) for f in frames)


def test_options_are_rejected():
    with pytest.raises(ConfigError, match="takes no options"):
        make_task({"episodes": 3})
