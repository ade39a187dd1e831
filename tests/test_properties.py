"""Property tests: any sequence of mutations and crossovers keeps every genome valid."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neat.config import load_config
from neat.genome import check_genome
from neat.population import Population

rates = st.floats(0.0, 1.0)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32), feed_forward=st.booleans(), add_node=rates, add_conn=rates,
       toggle=rates, delete_conn=st.floats(0, 0.3), delete_node=st.floats(0, 0.3),
       crossover=rates, interspecies=rates, initial=st.sampled_from(["full", "none", "fraction"]),
       equal_fitness=st.booleans())
def test_any_breeding_sequence_keeps_genomes_valid(seed, feed_forward, add_node, add_conn, toggle,
                                                   delete_conn, delete_node, crossover,
                                                   interspecies, initial, equal_fitness):
    cfg = load_config(None, [
        f"run.seed={seed}", "population.size=24", f"genome.feed_forward={str(feed_forward).lower()}",
        f"genome.initial_connection=\"{initial}\"", f"mutation.add_node_rate={add_node}",
        f"mutation.add_connection_rate={add_conn}", f"mutation.toggle_enable_rate={toggle}",
        f"mutation.delete_connection_rate={delete_conn}", f"mutation.delete_node_rate={delete_node}",
        f"reproduction.crossover_rate={crossover}", f"reproduction.interspecies_rate={interspecies}",
        "mutation.activation_mutate_rate=0.1", 'genome.activation_options=["sigmoid", "tanh", "relu"]',
        "population.reset_on_extinction=true",
    ])
    pop = Population(cfg, 3, 2)
    rng = np.random.default_rng(seed)
    for _ in range(8):
        pool = pop.ask()
        for g in pool.genomes():
            assert check_genome(g, feed_forward) == []
        assert len(set(pool.genome_ids.tolist())) == len(pool)
        fitness = np.ones(len(pool)) if equal_fitness else rng.normal(size=len(pool))
        pop.tell(fitness)
