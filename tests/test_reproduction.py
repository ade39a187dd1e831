import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from neat.config import Config, load_config
from neat.reproduction import offspring_quotas, plan_offspring, shared_fitness
from neat.species import Species
from tests.conftest import make_genome


@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=30), st.integers(1, 5000))
def test_quotas_sum_exactly_to_population(adjusted, total):
    quotas = offspring_quotas(np.array(adjusted), total)
    assert quotas.sum() == total and (quotas >= 0).all()


def test_quotas_are_proportional():
    assert offspring_quotas(np.array([1.0, 3.0]), 100).tolist() == [25, 75]
    assert offspring_quotas(np.array([0.0, 0.0]), 5).sum() == 5


def _species_of(members):
    return Species(0, 0, make_genome(1, 1, [], []), np.array(members))


def test_fitness_sharing_divides_by_species_size_and_handles_negative_fitness():
    fitness = np.array([-10.0, -8.0, -8.0, -6.0])
    a, b = _species_of([0, 1, 2]), _species_of([3])
    sums = shared_fitness([a, b], np.array([0, 0, 0, 1]), fitness)
    # shifted: 0, 2, 2, 4 -> species a: (0+2+2)/3, species b: 4/1
    np.testing.assert_allclose(sums, [4 / 3, 4.0])
    assert offspring_quotas(sums, 16).tolist() == [4, 12]


def test_plan_takes_parents_from_the_top_of_each_species():
    rng = np.random.default_rng(0)
    fitness = np.arange(20.0)
    plan = plan_offspring(np.zeros(20, np.int64), [0], np.array([50]), fitness, Config(), rng)
    assert len(plan.parent1) == 50
    assert plan.elite.sum() == 1 and plan.parent1[plan.elite][0] == 19
    parents = np.concatenate([plan.parent1, plan.parent2[plan.parent2 >= 0]])
    assert parents.min() >= 16  # top 20% of 20 genomes: positions 16..19
    crossed = plan.parent2 >= 0
    assert (fitness[plan.parent1[crossed]] >= fitness[plan.parent2[crossed]]).all()
    assert 0.5 < crossed.mean() < 0.95  # 75% crossover


@pytest.mark.parametrize(("rule", "elites"), [("members", [False, True]), ("offspring", [True, False])])
def test_elitism_counts_members_or_offspring(rule, elites):
    # species 0: one genome that earns 8 offspring; species 1: six genomes that earn 2
    index = np.array([0, 1, 1, 1, 1, 1, 1], np.int64)
    fitness = np.array([9.0, 1, 2, 3, 4, 5, 6])
    config = load_config(None, [f"reproduction.elitism_rule={rule}",
                                "reproduction.elitism_min_species_size=6"])
    plan = plan_offspring(index, [0, 1], np.array([8, 2]), fitness, config,
                          np.random.default_rng(0))
    assert [bool(plan.elite[:8].any()), bool(plan.elite[8:].any())] == elites
    assert plan.elite.sum() == sum(elites)
