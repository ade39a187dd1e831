"""Hand-built genomes through each breeding operator (add node, add link, crossover, elitism)."""

import numpy as np
import pytest

from neat.genome import GenomePool, check_genome
from neat.innovation import InnovationTracker
from neat.reproduction import BreedingPlan, breed
from tests.conftest import make_genome, quiet_config


def _breed(genomes, parent1, parent2, config, rng, tracker=None, equal=None, elite=None):
    pool = GenomePool.from_genomes(genomes)
    n = len(parent1)
    plan = BreedingPlan(np.array(parent1), np.array(parent2),
                        np.zeros(n, bool) if equal is None else np.array(equal),
                        np.zeros(n, bool) if elite is None else np.array(elite))
    tracker = tracker or InnovationTracker.start(100, 100)
    return breed(pool, plan, 1000, config, tracker, rng), tracker


def test_add_node_splits_a_link(rng):
    g = make_genome(2, 1, [], [(0, 0, 2, 0.7, True), (1, 1, 2, -0.3, False)])
    child, tracker = _breed([g], [0], [-1], quiet_config("mutation.add_node_rate=1.0"), rng)
    c = child.genome(0)
    assert c.node_id.tolist() == [0, 1, 2, 100]
    assert c.conn_innov.tolist() == [0, 1, 100, 101]
    assert c.conn_enabled.tolist() == [False, False, True, True]  # old link disabled, not deleted
    assert (c.conn_src[2], c.conn_dst[2], c.conn_weight[2]) == (0, 100, 1.0)  # incoming weight 1
    assert (c.conn_src[3], c.conn_dst[3], c.conn_weight[3]) == (100, 2, 0.7)  # outgoing: old weight
    assert tracker.next_node_id == 101 and tracker.next_innovation == 102


def test_same_split_in_one_generation_gets_same_ids(rng):
    g = make_genome(1, 1, [], [(0, 0, 1, 0.5, True)])
    child, tracker = _breed([g, g.copy(1)], [0, 1], [-1, -1],
                            quiet_config("mutation.add_node_rate=1.0"), rng)
    a, b = child.genome(0), child.genome(1)
    assert a.node_id.tolist() == b.node_id.tolist() == [0, 1, 100]
    assert a.conn_innov.tolist() == b.conn_innov.tolist() == [0, 100, 101]
    # the next generation gets new numbers for a new split of the same link
    child2, _ = _breed([g], [0], [-1], quiet_config("mutation.add_node_rate=1.0"), rng, tracker)
    assert child2.genome(0).node_id.tolist() == [0, 1, 101]


def test_resplitting_a_reenabled_link_makes_a_new_node(rng):
    # node 5 came from splitting innovation 0 earlier; the link was re-enabled since
    g = make_genome(1, 1, [5], [(0, 0, 1, 0.5, True), (7, 0, 5, 1.0, True), (8, 5, 1, 0.5, True)])
    tracker = InnovationTracker.start(100, 100)
    tracker.splits[0] = 5  # the registry says: splitting innovation 0 makes node 5
    config = quiet_config("mutation.add_node_rate=1.0")
    for seed in range(20):
        child, _ = _breed([g], [0], [-1], config, np.random.default_rng(seed), tracker)
        c = child.genome(0)
        assert len(set(c.node_id.tolist())) == len(c.node_id)
        assert not check_genome(c, feed_forward=True)


def test_add_connection_never_duplicates_or_cycles():
    g = make_genome(2, 1, [3, 4], [(0, 0, 3, 1.0, True), (1, 3, 4, 1.0, True), (2, 4, 2, 1.0, True)])
    config = quiet_config("mutation.add_connection_rate=1.0")
    added = set()
    for seed in range(60):
        child, _ = _breed([g], [0], [-1], config, np.random.default_rng(seed))
        c = child.genome(0)
        assert not check_genome(c, feed_forward=True)
        added |= set(zip(c.conn_src.tolist(), c.conn_dst.tolist(), strict=True)) - {(0, 3), (3, 4), (4, 2)}
    assert added  # links were added ...
    assert not added & {(4, 3), (2, 3), (2, 4), (3, 3)}  # ... never backwards or from the output


def test_same_new_link_in_one_generation_gets_same_innovation():
    g = make_genome(2, 1, [], [(0, 0, 2, 1.0, True)])
    config = quiet_config("mutation.add_connection_rate=1.0", "mutation.add_connection_tries=1000")
    child, _ = _breed([g] * 6, list(range(6)), [-1] * 6, config, np.random.default_rng(5))
    genes = {}
    for c in child.genomes():
        for innov, s, d in zip(c.conn_innov.tolist(), c.conn_src.tolist(), c.conn_dst.tolist(), strict=True):
            genes.setdefault((s, d), set()).add(innov)
    assert genes[(1, 2)] == {100}


def test_recurrent_genomes_may_get_cycles():
    g = make_genome(1, 1, [2], [(0, 0, 2, 1.0, True), (1, 2, 1, 1.0, True)])
    config = quiet_config("mutation.add_connection_rate=1.0", "genome.feed_forward=false")
    links = set()
    for seed in range(80):
        c = _breed([g], [0], [-1], config, np.random.default_rng(seed))[0].genome(0)
        links |= set(zip(c.conn_src.tolist(), c.conn_dst.tolist(), strict=True))
    assert links & {(1, 2), (2, 2), (1, 1)}


def _parents():
    # paper's Figure 4 example: parent 1 genes 1-5 and 8; parent 2 genes 1-4, 6, 7, 9, 10
    p1 = make_genome(3, 1, [4], [(1, 0, 3, 1.0, True), (2, 1, 3, 1.0, False), (3, 2, 3, 1.0, True),
                                 (4, 1, 4, 1.0, True), (5, 4, 3, 1.0, True), (8, 0, 4, 1.0, True)], key=1)
    p2 = make_genome(3, 1, [4, 5], [(1, 0, 3, 2.0, True), (2, 1, 3, 2.0, False), (3, 2, 3, 2.0, True),
                                    (4, 1, 4, 2.0, True), (6, 4, 5, 2.0, True), (7, 5, 3, 2.0, True),
                                    (9, 2, 4, 2.0, True), (10, 0, 5, 2.0, True)], key=2)
    return p1, p2


def test_crossover_aligns_genes_by_innovation(rng):
    p1, p2 = _parents()
    child, _ = _breed([p1, p2], [0] * 200, [1] * 200, quiet_config(), rng)
    from_second = np.zeros(4)
    for c in child.genomes():
        # disjoint and excess genes come only from the fitter parent p1
        assert c.conn_innov.tolist() == [1, 2, 3, 4, 5, 8]
        assert c.node_id.tolist() == [0, 1, 2, 3, 4]
        from_second += c.conn_weight[:4] == 2.0
    assert np.all((from_second > 60) & (from_second < 140))  # matching genes: either parent


def test_crossover_with_equal_fitness_takes_genes_of_both(rng):
    p1, p2 = _parents()
    child, _ = _breed([p1, p2], [0] * 20, [1] * 20, quiet_config(), rng, equal=[True] * 20)
    for c in child.genomes():
        assert c.conn_innov.tolist() == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        assert c.node_id.tolist() == [0, 1, 2, 3, 4, 5]
        assert not check_genome(c, feed_forward=True)


def test_disabled_genes_stay_disabled_75_percent(rng):
    p1, p2 = _parents()
    n = 4000
    child, _ = _breed([p1, p2], [0] * n, [1] * n, quiet_config(), rng)
    disabled = np.mean([not c.conn_enabled[1] for c in child.genomes()])
    # binomial(4000, 0.75): stdev 0.0068, so +-0.03 is more than 4 sigma
    assert abs(disabled - 0.75) < 0.03
    assert all(c.conn_enabled[0] for c in child.genomes())  # enabled in both parents: stays on


def test_elites_are_copied_unchanged(rng):
    p1, _ = _parents()
    config = quiet_config("mutation.weight_mutate_rate=1.0", "mutation.add_node_rate=1.0",
                          "mutation.add_connection_rate=1.0")
    child, _ = _breed([p1], [0, 0], [-1, -1], config, rng, elite=[True, False])
    assert child.genome(0).equals(p1) and child.genome_ids[0] == p1.key
    assert not child.genome(1).equals(p1) and child.genome_ids[1] == 1000


@pytest.mark.parametrize("rate", ["mutation.delete_connection_rate=1.0", "mutation.delete_node_rate=1.0"])
def test_deletion_mutations_keep_genomes_valid(rate, rng):
    p1, p2 = _parents()
    child, _ = _breed([p1, p2], [0, 1] * 20, [-1] * 40, quiet_config(rate), rng)
    sizes = [len(c.conn_innov) for c in child.genomes()]
    assert min(sizes) < 8
    for c in child.genomes():
        assert not check_genome(c, feed_forward=True)


def _link_weights(genome):
    return dict(zip(genome.conn_innov.tolist(), genome.conn_weight.tolist(), strict=True))


@pytest.mark.parametrize("structural", ["mutation.add_node_rate=1.0",
                                        "mutation.add_connection_rate=1.0"])
def test_structural_exclusive_children_keep_their_parents_weights(structural, rng):
    g = make_genome(2, 1, [], [(0, 0, 2, 0.7, True), (1, 1, 2, -0.3, True)], biases={2: 0.2})
    others = ["mutation.weight_mutate_rate=1.0", "mutation.bias_mutate_rate=1.0",
              "mutation.toggle_enable_rate=1.0", "genome.feed_forward=false"]
    parents = [g] * 20
    exclusive, _ = _breed(parents, list(range(20)), [-1] * 20,
                          quiet_config(structural, *others, "mutation.structural_exclusive=true"),
                          rng)
    for k in range(20):
        c = exclusive.genome(k)
        weights = _link_weights(c)
        assert (weights[0], weights[1]) == (0.7, -0.3) and c.node_bias[2] == 0.2
        split = len(c.node_id) == 4
        assert split == (structural == "mutation.add_node_rate=1.0")
        assert c.conn_enabled[:2].sum() == (1 if split else 2)  # only a split disables a link
    independent, _ = _breed(parents, list(range(20)), [-1] * 20, quiet_config(structural, *others),
                            rng)
    assert any(_link_weights(independent.genome(k))[0] != 0.7 for k in range(20))


def test_add_node_is_drawn_first_when_structural_mutations_exclude_each_other(rng):
    g = make_genome(2, 1, [], [(0, 0, 2, 0.7, True), (1, 1, 2, -0.3, True)])
    config = quiet_config("mutation.add_node_rate=1.0", "mutation.add_connection_rate=1.0",
                          "mutation.structural_exclusive=true", "genome.feed_forward=false")
    child, _ = _breed([g] * 10, list(range(10)), [-1] * 10, config, rng)
    for k in range(10):
        c = child.genome(k)
        assert len(c.node_id) == 4 and len(c.conn_innov) == 4  # a split, and no new link besides


@pytest.mark.parametrize("distribution", ["gaussian", "uniform"])
def test_perturbations_follow_the_chosen_distribution(distribution, rng):
    weights = np.linspace(-1, 1, 200)
    g = make_genome(200, 1, [], [(i, i, 200, float(w), True) for i, w in enumerate(weights)])
    config = quiet_config("mutation.weight_mutate_rate=1.0", "mutation.weight_perturb_rate=1.0",
                          "mutation.weight_perturb_power=0.5", "mutation.bias_mutate_rate=1.0",
                          "mutation.bias_perturb_rate=1.0", "mutation.bias_perturb_power=0.5",
                          f"mutation.perturb_distribution={distribution}")
    child, _ = _breed([g] * 20, list(range(20)), [-1] * 20, config, rng)
    steps = np.concatenate([child.genome(k).conn_weight - weights for k in range(20)])
    biases = np.array([child.genome(k).node_bias[200] for k in range(20)])
    if distribution == "uniform":
        assert np.abs(steps).max() <= 0.5 and np.abs(biases).max() <= 0.5
        assert abs(np.abs(steps).mean() - 0.25) < 0.02  # E|U(-a, a)| = a / 2
    else:
        assert np.abs(steps).max() > 0.5
        assert abs(np.abs(steps).mean() - 0.5 * np.sqrt(2 / np.pi)) < 0.02  # E|N(0, s)|
