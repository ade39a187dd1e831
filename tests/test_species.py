import numpy as np
import pytest

from neat.config import SpeciationConfig, StagnationConfig
from neat.genome import GenomePool
from neat.species import (
    Species,
    choose_representatives,
    distance,
    distance_py,
    record_fitness,
    speciate,
    species_champion,
    surviving_species,
    update_threshold,
)
from tests.conftest import make_genome


def _pair():
    a = make_genome(1, 1, [], [(1, 0, 1, 0.5, True), (2, 0, 1, 1.0, True), (4, 0, 1, -1.0, True),
                               (7, 0, 1, 2.0, False)])
    b = make_genome(1, 1, [], [(1, 0, 1, 1.5, True), (3, 0, 1, 0.0, True), (4, 0, 1, -2.0, True),
                               (5, 0, 1, 0.0, True), (9, 0, 1, 0.0, True), (10, 0, 1, 0.0, True)])
    return a, b


def test_distance_by_hand():
    a, b = _pair()
    # matching 1, 4 (|0.5-1.5| + |-1+2|)/2 = 1; disjoint: 2, 3, 5, 7 = 4; excess: 9, 10 = 2
    cfg = SpeciationConfig(excess_coefficient=1.0, disjoint_coefficient=2.0, weight_coefficient=0.4)
    assert distance_py(a, b, cfg) == pytest.approx(2 + 8 + 0.4)  # N = 1 below 20 genes
    cfg.small_genome_genes = 0
    assert distance_py(a, b, cfg) == pytest.approx(2 / 6 + 8 / 6 + 0.4)
    assert distance(a.conn_innov, a.conn_weight, b.conn_innov, b.conn_weight, 1.0, 2.0, 0.4, 0.0) \
        == pytest.approx(2 / 6 + 8 / 6 + 0.4)


def test_distance_kernel_matches_twin_on_random_genomes():
    rng = np.random.default_rng(0)
    cfg = SpeciationConfig(small_genome_genes=10)
    for _ in range(200):
        genes = []
        for _ in range(2):
            innov = np.sort(rng.choice(40, size=rng.integers(0, 25), replace=False))
            conns = [(int(i), 0, 1, float(rng.normal()), True) for i in innov]
            genes.append(make_genome(1, 1, [], conns))
        a, b = genes
        assert distance(a.conn_innov, a.conn_weight, b.conn_innov, b.conn_weight, 1.0, 1.0, 0.4,
                        10.0) == pytest.approx(distance_py(a, b, cfg))


def test_speciation_uses_representatives_then_founds_new_species():
    near = make_genome(1, 1, [], [(0, 0, 1, 0.0, True)])
    far = make_genome(1, 1, [], [(5, 0, 1, 0.0, True), (6, 0, 1, 0.0, True), (7, 0, 1, 0.0, True),
                                 (8, 0, 1, 0.0, True)])
    old = Species(key=7, created=0, representative=near, best_fitness=1.0)
    pool = GenomePool.from_genomes([far, near.copy(1), far.copy(2), near.copy(3)])
    living, index, next_key = speciate(pool, [old], 3.0, SpeciationConfig(), generation=4,
                                       next_key=8)
    assert [s.key for s in living] == [7, 8]
    assert index.tolist() == [1, 0, 1, 0]
    assert living[0].members.tolist() == [1, 3] and living[1].members.tolist() == [0, 2]
    assert next_key == 9 and living[1].created == 4


def test_empty_species_die():
    g = make_genome(1, 1, [], [(0, 0, 1, 0.0, True)])
    other = make_genome(1, 1, [], [(i, 0, 1, 0.0, True) for i in range(5, 12)])
    old = [Species(0, 0, g), Species(1, 0, other)]
    living, _, _ = speciate(GenomePool.from_genomes([g]), old, 3.0, SpeciationConfig(), 1, 2)
    assert [s.key for s in living] == [0]


def test_dynamic_threshold_steers_toward_target():
    cfg = SpeciationConfig(target_species=10, threshold_step=0.5, threshold_min=0.3)
    assert update_threshold(3.0, 4, cfg) == 2.5
    assert update_threshold(3.0, 14, cfg) == 3.5
    assert update_threshold(0.5, 1, cfg) == 0.3
    assert update_threshold(3.0, 4, SpeciationConfig()) == 3.0


def _species(key, members, history, last_improved):
    s = Species(key, 0, make_genome(1, 1, [], []), np.array(members))
    s.fitness_history = history
    s.last_improved = last_improved
    return s


def test_stagnant_species_get_no_offspring_except_the_best():
    fitness = np.array([1.0, 1.0, 5.0, 5.0])
    index = np.array([0, 0, 1, 1])
    a = _species(0, [0, 1], [1.0], last_improved=0)
    b = _species(1, [2, 3], [5.0], last_improved=0)
    cfg = StagnationConfig(max_stagnation=15)
    assert surviving_species([a, b], index, fitness, 14, cfg) == [0, 1]
    assert surviving_species([a, b], index, fitness, 15, cfg) == [1]  # b holds the best genome
    cfg.protect_best = False
    assert surviving_species([a, b], index, fitness, 15, cfg) == []


def test_extinction_marks_kill_after_n_in_a_row():
    fitness = np.array([1.0, 9.0, 5.0])
    low, best, mid = (_species(0, [0], [1.0], 10), _species(1, [1], [9.0], 10),
                      _species(2, [2], [5.0], 10))
    cfg = StagnationConfig(extinction_fraction=0.34, extinction_marks=3)
    for generation, expected in [(10, 3), (11, 3), (12, 2)]:
        assert len(surviving_species([low, best, mid], np.arange(3), fitness, generation, cfg)) \
            == expected
    assert low.marks == 3 and best.marks == 0 and mid.marks == 0
    low.fitness_history.append(20.0)  # leaving the bottom resets the count
    surviving_species([low, best, mid], np.arange(3), fitness, 13, cfg)
    assert low.marks == 0 and mid.marks == 1


def test_record_fitness_tracks_improvement():
    a, b = _species(0, [0, 2], [], 0), _species(1, [1], [], 0)
    a.best_fitness = 3.0
    b.best_fitness = 3.0
    record_fitness([a, b], np.array([0, 1, 0]), np.array([1.0, 4.0, 2.5]), generation=7)
    assert a.fitness_history == [2.5] and a.last_improved == 0
    assert b.fitness_history == [4.0] and b.last_improved == 7 and b.best_fitness == 4.0


def test_representatives_are_random_members_or_champions():
    genomes = [make_genome(1, 1, [], [(0, 0, 1, float(w), True)], key=k)
               for k, w in enumerate([0.1, 0.2, 0.3, 0.4, 0.5])]
    pool = GenomePool.from_genomes(genomes)
    species = [Species(0, 0, genomes[0], members=np.array([0, 2, 4])),
               Species(1, 0, genomes[1], members=np.array([1, 3]))]
    fitness = np.array([1.0, 5.0, 3.0, 2.0, 3.0])
    champions = choose_representatives(species, pool, np.random.default_rng(0), fitness, "champion")
    assert champions.genome_ids.tolist() == [2, 1]  # the fittest, the first of equals
    drawn = set()
    for seed in range(30):
        reps = choose_representatives(species, pool, np.random.default_rng(seed), fitness)
        drawn.add(tuple(reps.genome_ids.tolist()))
    assert {ids[0] for ids in drawn} == {0, 2, 4} and {ids[1] for ids in drawn} == {1, 3}


@pytest.mark.parametrize(("assignment", "expected"), [("first", [0, 0, 0]), ("closest", [0, 1, 1])])
def test_genomes_join_the_first_or_the_closest_species(assignment, expected):
    reps = [Species(k, 0, make_genome(1, 1, [], [(0, 0, 1, w, True)])) for k, w in enumerate([0.0, 1.0])]
    pool = GenomePool.from_genomes([make_genome(1, 1, [], [(0, 0, 1, w, True)]) for w in [0.2, 0.8, 1.0]])
    cfg = SpeciationConfig(weight_coefficient=1.0, assignment=assignment)
    living, index, _ = speciate(pool, reps, 1.5, cfg, generation=1, next_key=2)
    assert index.tolist() == expected and len(living) == len(set(expected))


def test_the_species_rotation_tests_the_best_species_not_tested_since_it_improved():
    # pool positions 0..7; this generation's fitness
    fitness = np.array([9.0, 7.0, 5.0, 8.0, 8.0, 8.0, 2.0, 6.0])
    top = _species(0, [0, 6], [9.0], last_improved=3)  # tested at 4, not improved since
    top.last_tested = 4
    tied_a = _species(1, [1, 3], [8.0], last_improved=2)  # tested at 2, the generation it improved
    tied_a.last_tested = 2
    tied_b = _species(2, [4, 5], [8.0], last_improved=5)  # improved at 5, after its test at 4
    tied_b.last_tested = 4
    fresh = _species(3, [2, 7], [6.0], last_improved=6)  # never tested
    species = [fresh, top, tied_b, tied_a]  # ranked: top 9, tied_b 8, tied_a 8, fresh 6
    assert species_champion(species, fitness, generation=6) == 4  # tied_b's first of equals
    assert tied_b.last_tested == 6 and top.last_tested == 4 and fresh.last_tested == -1
    assert species_champion(species, fitness, generation=6) == 7  # next: fresh (tied_a is tested)
    assert species_champion(species, fitness, generation=6) == 0  # all tested: the best species
    assert top.last_tested == 6
    top.last_improved, tied_a.last_improved = 7, 7  # both improve: the better ranked one first
    assert species_champion(species, fitness, generation=7) == 0
    assert species_champion(species, fitness, generation=7) == 3
