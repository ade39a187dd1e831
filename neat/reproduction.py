"""Reproduction: explicit fitness sharing, offspring quotas, elitism, parent selection, and the compiled
breeding loop that builds the next generation's pool."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from neat.activations import ACTIVATION_IDS
from neat.borrow import borrow
from neat.config import Config
from neat.crossover import copy_into, crossover_into, crossover_workspace
from neat.draws import new_stream, next_uniform, random_below
from neat.genome import ChildArrays, GenomePool, PoolArrays
from neat.innovation import InnovationTracker
from neat.mutation import (
    MutationRates,
    mutate_add_connection,
    mutate_add_node,
    mutate_delete_connection,
    mutate_delete_node,
    mutate_parameters,
    mutate_toggle_enable,
    sort_child,
)
from neat.species import Species


def shared_fitness(species: list[Species], index: np.ndarray, fitness: np.ndarray) -> np.ndarray:
    """Summed adjusted fitness of each species (explicit fitness sharing: f_i / |S|).

    Fitness is shifted so the population's worst genome scores 0, which keeps the quotas right for
    negative fitness. `index` (G,) gives each genome's species position. Returns shape
    (n_species,) and stores it on each species.
    """
    shifted = fitness - fitness.min()
    sizes = np.bincount(index, minlength=len(species))
    sums = np.bincount(index, weights=shifted, minlength=len(species)) / np.maximum(sizes, 1)
    for s, value in zip(species, sums.tolist(), strict=True):
        s.adjusted_fitness = value
    return sums


def offspring_quotas(adjusted: np.ndarray, total: int) -> np.ndarray:
    """Offspring per species proportional to `adjusted`, summing exactly to `total`
    (largest remainder; equal shares when every species scores 0)."""
    if adjusted.sum() <= 0:
        adjusted = np.ones_like(adjusted)
    exact = adjusted / adjusted.sum() * total
    quotas = np.floor(exact).astype(np.int64)
    remainder = total - quotas.sum()
    order = np.argsort(-(exact - quotas), kind="stable")
    quotas[order[:remainder]] += 1
    return quotas


class BreedingPlan(NamedTuple):
    """One row per child: parents (positions in the old pool), fitter-parent flags, elite flags.
    A named tuple, so the breeding kernel takes it as one argument and reads fields by name."""

    parent1: np.ndarray  # int64; the fitter parent
    parent2: np.ndarray  # int64; -1 for mutation-only offspring and elites
    equal: np.ndarray  # bool; parents have equal fitness
    elite: np.ndarray  # bool; copied unchanged


def plan_offspring(index: np.ndarray, alive: list[int], quotas: np.ndarray, fitness: np.ndarray,
                   config: Config, rng: np.random.Generator) -> BreedingPlan:
    """Choose elites and parents for every child of the `alive` species (positions; `index` (G,)
    gives each genome's species position, `quotas` the offspring of each alive species)."""
    rep = config.reproduction
    ranked = np.lexsort((-fitness, index))  # members grouped by species, best first
    all_sizes = np.bincount(index)
    all_start = np.concatenate(([0], np.cumsum(all_sizes)))
    alive_at = np.asarray(alive, dtype=np.int64)
    sizes = all_sizes[alive_at]
    survivors = np.maximum(1, np.ceil(rep.survival_threshold * sizes)).astype(np.int64)
    counted = sizes if rep.elitism_rule == "members" else quotas
    elite_ok = (rep.elitism_min_species_size > 0) & (counted >= rep.elitism_min_species_size)
    parent1, parent2, equal, elite = _plan_kernel(
        ranked.astype(np.int64), all_start[alive_at].astype(np.int64), survivors,
        quotas.astype(np.int64), elite_ok, fitness, new_stream(rng), rep.crossover_rate,
        rep.interspecies_rate)
    return BreedingPlan(parent1, parent2, equal, elite)


@njit(cache=True)
def _plan_kernel(ranked, start, survivors, quotas, elite_ok, fitness, rng, crossover_rate,
                 interspecies_rate):
    """Parents of every child. `ranked` holds each species' members, best first, species k at
    ranked[start[k]:start[k+1]]; parents come from its first survivors[k] members. `rng` is a
    neat.draws stream."""
    total = quotas.sum()
    parent1 = np.empty(total, dtype=np.int64)
    parent2 = np.full(total, -1, dtype=np.int64)
    equal = np.zeros(total, dtype=np.bool_)
    elite = np.zeros(total, dtype=np.bool_)
    n_species = len(quotas)
    child = 0
    for k in range(n_species):
        if quotas[k] == 0:
            continue
        first = 0
        if elite_ok[k]:
            parent1[child] = ranked[start[k]]
            elite[child] = True
            child += 1
            first = 1
        for _ in range(first, quotas[k]):
            a = ranked[start[k] + random_below(rng, survivors[k])]
            b = ranked[start[k] + random_below(rng, survivors[k])]
            if next_uniform(rng) < crossover_rate:
                if n_species > 1 and next_uniform(rng) < interspecies_rate:
                    o = (k + 1 + random_below(rng, n_species - 1)) % n_species
                    b = ranked[start[o] + random_below(rng, survivors[o])]
                if fitness[b] > fitness[a]:
                    a, b = b, a
                parent2[child] = b
                equal[child] = fitness[a] == fitness[b]
            parent1[child] = a
            child += 1
    return parent1, parent2, equal, elite


def mutation_rates(config: Config) -> MutationRates:
    """What the compiled mutation operators read of `config` (fixed types: one compiled version)."""
    m, g = config.mutation, config.genome
    return MutationRates(
        weight_rate=float(m.weight_mutate_rate), weight_perturb=float(m.weight_perturb_rate),
        weight_power=float(m.weight_perturb_power), bias_rate=float(m.bias_mutate_rate),
        bias_perturb=float(m.bias_perturb_rate), bias_power=float(m.bias_perturb_power),
        add_node=float(m.add_node_rate), add_connection=float(m.add_connection_rate),
        toggle=float(m.toggle_enable_rate), delete_connection=float(m.delete_connection_rate),
        delete_node=float(m.delete_node_rate), activation_rate=float(m.activation_mutate_rate),
        weight_init=float(g.weight_init_stdev), bias_init=float(g.bias_init_stdev),
        weight_max=float(g.weight_max), connection_tries=int(m.add_connection_tries),
        default_activation=ACTIVATION_IDS[g.activation],
        perturb_uniform=m.perturb_distribution == "uniform")


class BreedingSettings(NamedTuple):
    """What the breeding loop reads of the config besides `MutationRates` (`breeding_settings`
    builds it)."""

    disabled_rate: float  # chance a matching gene disabled in either parent stays disabled
    mutate_after_crossover: bool  # crossover offspring are mutated too
    feed_forward: bool  # no cycles: crossover and add-connection skip links that would close one
    structural_exclusive: bool  # a structural mutation is a child's only mutation


def breeding_settings(config: Config) -> BreedingSettings:
    """The `BreedingSettings` of `config` (fixed types: one compiled version)."""
    rep = config.reproduction
    return BreedingSettings(
        disabled_rate=float(rep.disabled_gene_rate),
        mutate_after_crossover=bool(rep.mutate_after_crossover),
        feed_forward=bool(config.genome.feed_forward),
        structural_exclusive=bool(config.mutation.structural_exclusive))


def breed(pool: GenomePool, plan: BreedingPlan, first_key: int, config: Config,
          tracker: InnovationTracker, rng: np.random.Generator) -> GenomePool:
    """Build the next generation from `plan` in one compiled call. Children of the plan get keys
    first_key, first_key+1, ...; elites keep their key."""
    node_room, conn_room = _room_for_children(pool.node_start, pool.conn_start, plan.parent1,
                                              plan.parent2)
    out = ChildArrays.empty(node_room, conn_room)
    options = np.array([ACTIVATION_IDS[a] for a in config.genome.activation_options], np.int8)
    node_start, conn_start = _breed_kernel(  # records as plain tuples: see _breed_kernel
        tuple(pool.arrays), tuple(plan), tuple(out), new_stream(rng),
        tuple(mutation_rates(config)), options, tracker.links, tracker.splits, tracker.counters,
        tuple(breeding_settings(config)))
    keys = np.where(plan.elite, pool.genome_ids[plan.parent1],
                    first_key + np.cumsum(~plan.elite) - 1)
    n, c = node_start[-1], conn_start[-1]
    return GenomePool(pool.n_inputs, pool.n_outputs, keys.astype(np.int64), node_start, conn_start,
                      out.node_id[:n], out.node_kind[:n], out.node_bias[:n], out.node_act[:n],
                      out.conn_innov[:c], out.conn_src[:c], out.conn_dst[:c], out.conn_weight[:c],
                      out.conn_enabled[:c])


@njit(cache=True)
def _room_for_children(node_start, conn_start, parent1, parent2):
    """Gene counts that always hold the children: both parents' genes plus one node and three
    links (an add-node mutation adds one node and two links, an add-connection one link)."""
    nodes = conns = 0
    for k in range(len(parent1)):
        for parent in (parent1[k], parent2[k]):
            if parent >= 0:
                nodes += node_start[parent + 1] - node_start[parent]
                conns += conn_start[parent + 1] - conn_start[parent]
    return nodes + len(parent1), conns + 3 * len(parent1)


@njit(cache=True)
def _breed_kernel(pool, plan, out, rng, rates, options, links, splits, counters, settings):
    """Write every child right after the previous one; returns the node and connection offsets.
    `pool`, `plan`, `out`, `rates` and `settings` are a PoolArrays, BreedingPlan, ChildArrays,
    MutationRates and BreedingSettings, or plain tuples of their fields, named here (a named
    tuple costs more to pass in from Python: docs/architecture.md). A child never needs more than
    its parents' genes plus one node and three links, so the `out` arrays sized by breed() always
    have room. `rng` is a neat.draws stream."""
    pool, plan, out = PoolArrays(*pool), BreedingPlan(*plan), ChildArrays(*out)
    rates, settings = MutationRates(*rates), BreedingSettings(*settings)
    links.clear()  # innovations are matched within one generation (paper)
    splits.clear()
    node_start = np.zeros(len(plan.parent1) + 1, dtype=np.int64)
    conn_start = np.zeros(len(plan.parent1) + 1, dtype=np.int64)
    _breed_children(pool, plan, out, rng, rates, options, links, splits, counters, settings,
                    crossover_workspace(pool), (node_start, conn_start))
    return node_start, conn_start


@njit(cache=True)
def _breed_children(pool, plan, out, rng, rates, options, links, splits, counters, settings, work,
                    starts):
    """The loop of `_breed_kernel`, on borrowed views of its arguments (see neat.borrow)."""
    pool, plan, out, work = borrow(pool), borrow(plan), borrow(out), borrow(work)
    rng, options, counters = borrow(rng), borrow(options), borrow(counters)
    node_start, conn_start = borrow(starts)
    parent1, parent2, equal, elite = plan.parent1, plan.parent2, plan.equal, plan.elite
    for k in range(len(parent1)):
        ns, cs = node_start[k], conn_start[k]
        if parent2[k] < 0:
            nn, nc = copy_into(pool, parent1[k], out, ns, cs)
        else:
            nn, nc = crossover_into(pool, parent1[k], parent2[k], equal[k], out, ns, cs, rng,
                                    settings.disabled_rate, settings.feed_forward, work)
        if not elite[k] and (parent2[k] < 0 or settings.mutate_after_crossover):
            structural = False  # set only when structural mutations exclude the others
            if next_uniform(rng) < rates.add_node:
                nn, nc = mutate_add_node(out, ns, nn, cs, nc, rng, rates, links, splits, counters)
                structural = settings.structural_exclusive
            if not structural and next_uniform(rng) < rates.add_connection:
                nc = mutate_add_connection(out, ns, nn, cs, nc, rng, rates, links, counters,
                                           settings.feed_forward, work.queue)
                structural = settings.structural_exclusive
            if not structural:
                if next_uniform(rng) < rates.delete_connection:
                    nc = mutate_delete_connection(out, cs, nc, rng)
                if next_uniform(rng) < rates.delete_node:
                    nn, nc = mutate_delete_node(out, ns, nn, cs, nc, rng)
                if next_uniform(rng) < rates.toggle:
                    mutate_toggle_enable(out, cs, nc, rng)
                mutate_parameters(out, ns, nn, cs, nc, rng, rates, options)
            sort_child(out, ns, nn, cs, nc)
        node_start[k + 1] = ns + nn
        conn_start[k + 1] = cs + nc
