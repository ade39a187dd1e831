"""Species: compatibility distance, speciation against last generation's representatives, stagnation
and the extinction-mark rule."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numba import njit

from neat.borrow import borrow
from neat.config import SpeciationConfig, StagnationConfig
from neat.genome import Genome, GenomePool


@dataclass
class Species:
    """A species and its history. `members` are positions in the current pool."""

    key: int
    created: int
    representative: Genome
    members: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    best_fitness: float = -np.inf  # best fitness ever reached by a member
    last_improved: int = 0  # generation of the last improvement of best_fitness
    marks: int = 0  # consecutive generations in the bottom share (extinction rule)
    fitness_history: list[float] = field(default_factory=list)  # best member fitness per generation
    adjusted_fitness: float = 0.0  # summed shared fitness of this generation
    last_tested: int = -1  # generation its champion was last tested by the "species" choice; -1 never

    def stagnation(self, generation: int) -> int:
        return generation - self.last_improved


@njit(cache=True, inline="always")
def distance(innov_a, weight_a, innov_b, weight_b, c1, c2, c3, small_genes):
    """Compatibility distance c1*E/N + c2*D/N + c3*W between two genomes' connection genes.

    N is the larger gene count, or 1 when both genomes have fewer than `small_genes` genes.
    """
    na, nb = len(innov_a), len(innov_b)
    i = j = matching = disjoint = 0
    weight_diff = 0.0
    while i < na and j < nb:  # indices cast to unsigned: numba then skips wraparound checks
        a, b = innov_a[np.uint64(i)], innov_b[np.uint64(j)]
        if a == b:
            weight_diff += abs(weight_a[np.uint64(i)] - weight_b[np.uint64(j)])
            matching += 1
            i += 1
            j += 1
        elif a < b:
            disjoint += 1
            i += 1
        else:
            disjoint += 1
            j += 1
    excess = (na - i) + (nb - j)
    n = max(na, nb)
    if n < small_genes or n == 0:
        n = 1
    mean_diff = weight_diff / matching if matching > 0 else 0.0
    return c1 * excess / n + c2 * disjoint / n + c3 * mean_diff


def distance_py(a: Genome, b: Genome, cfg: SpeciationConfig) -> float:
    """Pure-Python twin of `distance`, from genomes (used by tests)."""
    wa = dict(zip(a.conn_innov.tolist(), a.conn_weight.tolist(), strict=True))
    wb = dict(zip(b.conn_innov.tolist(), b.conn_weight.tolist(), strict=True))
    matching = wa.keys() & wb.keys()
    cutoff = min(max(wa, default=-1), max(wb, default=-1))
    non_matching = wa.keys() ^ wb.keys()
    excess = sum(1 for k in non_matching if k > cutoff)
    disjoint = len(non_matching) - excess
    n = max(len(wa), len(wb))
    if n < cfg.small_genome_genes or n == 0:
        n = 1
    mean_diff = sum(abs(wa[k] - wb[k]) for k in matching) / len(matching) if matching else 0.0
    return (cfg.excess_coefficient * excess / n + cfg.disjoint_coefficient * disjoint / n
            + cfg.weight_coefficient * mean_diff)


@njit(cache=True)
def _assign(pool_conn, rep_conn, coefficients, threshold, closest):
    """Place each genome in the first species (or, with `closest`, the nearest; the first of
    equals) whose representative is within `threshold`.

    Species 0..R-1 are the old representatives; a genome that fits none founds a new species,
    numbered from R in order, and represents it for the genomes after it. New species are tried
    only when no old one fits.
    Returns (species index per genome, pool position of each new founder).
    """
    conn_start, innov, weight = borrow(pool_conn)
    rep_start, rep_innov, rep_weight = borrow(rep_conn)
    c1, c2, c3, small = coefficients
    n_reps = len(rep_start) - 1
    n = len(conn_start) - 1
    assignment = np.empty(n, dtype=np.int64)
    founders = np.empty(n, dtype=np.int64)
    n_founders = 0
    for g in range(n):
        ia = innov[conn_start[g] : conn_start[g + 1]]
        wa = weight[conn_start[g] : conn_start[g + 1]]
        assignment[g] = -1
        nearest = threshold
        for r in range(n_reps):
            ib = rep_innov[rep_start[r] : rep_start[r + 1]]
            wb = rep_weight[rep_start[r] : rep_start[r + 1]]
            d = distance(ia, wa, ib, wb, c1, c2, c3, small)
            if d < nearest:
                assignment[g] = r
                if not closest:
                    break
                nearest = d
        if assignment[g] >= 0:
            continue
        for f in range(n_founders):
            h = founders[f]
            ib = innov[conn_start[h] : conn_start[h + 1]]
            wb = weight[conn_start[h] : conn_start[h + 1]]
            d = distance(ia, wa, ib, wb, c1, c2, c3, small)
            if d < nearest:
                assignment[g] = n_reps + f
                if not closest:
                    break
                nearest = d
        if assignment[g] < 0:
            founders[n_founders] = g
            assignment[g] = n_reps + n_founders
            n_founders += 1
    return assignment, founders[:n_founders]


def speciate(pool: GenomePool, species: list[Species], threshold: float, cfg: SpeciationConfig,
             generation: int, next_key: int, reps: GenomePool | None = None
             ) -> tuple[list[Species], np.ndarray, int]:
    """Assign every genome of `pool` to a species.

    Existing species keep their history; species left without members die; new ones are founded.
    `reps` may hold the species' representatives in order (saves rebuilding them).
    Returns the living species, each genome's position in that list (G,), and the next species key.
    """
    if species:
        if reps is None:
            reps = GenomePool.from_genomes([s.representative for s in species])
        rep_conn = (reps.conn_start, reps.conn_innov, reps.conn_weight)
    else:
        rep_conn = (np.zeros(1, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64))
    coefficients = (cfg.excess_coefficient, cfg.disjoint_coefficient, cfg.weight_coefficient,
                    float(cfg.small_genome_genes))
    assignment, founders = _assign((pool.conn_start, pool.conn_innov, pool.conn_weight), rep_conn,
                                   coefficients, threshold, cfg.assignment == "closest")
    n_slots = len(species) + len(founders)
    order = np.argsort(assignment, kind="stable")
    bounds = np.searchsorted(assignment[order], np.arange(n_slots + 1))
    position = np.full(n_slots, -1, dtype=np.int64)
    living: list[Species] = []
    for slot in range(n_slots):
        members = order[bounds[slot] : bounds[slot + 1]]
        if slot < len(species):
            if len(members) == 0:
                continue
            species[slot].members = members
            living.append(species[slot])
        else:
            founder = int(founders[slot - len(species)])
            living.append(Species(next_key, generation, pool.genome(founder), members,
                                  last_improved=generation))
            next_key += 1
        position[slot] = len(living) - 1
    return living, position[assignment], next_key


def update_threshold(threshold: float, n_species: int, cfg: SpeciationConfig) -> float:
    """Dynamic threshold: nudge toward `target_species` (unchanged when the target is 0)."""
    if cfg.target_species == 0:
        return threshold
    if n_species < cfg.target_species:
        return max(cfg.threshold_min, threshold - cfg.threshold_step)
    if n_species > cfg.target_species:
        return threshold + cfg.threshold_step
    return threshold


def record_fitness(species: list[Species], index: np.ndarray, fitness: np.ndarray,
                   generation: int) -> None:
    """Update each species' best fitness, improvement date and history from this generation.
    `index` (G,) gives each genome's species position."""
    best = np.full(len(species), -np.inf)
    np.maximum.at(best, index, fitness)
    for s, value in zip(species, best.tolist(), strict=True):
        s.fitness_history.append(value)
        if value > s.best_fitness:
            s.best_fitness = value
            s.last_improved = generation


def surviving_species(species: list[Species], index: np.ndarray, fitness: np.ndarray,
                      generation: int, cfg: StagnationConfig) -> list[int]:
    """Positions of the species allowed to reproduce: not stagnant and not killed by extinction
    marks. The species holding the population's best genome is spared when `protect_best` is set."""
    protected = int(index[np.argmax(fitness)]) if cfg.protect_best else -1
    if cfg.extinction_fraction > 0:
        ranked = sorted(range(len(species)), key=lambda k: species[k].fitness_history[-1])
        bottom = set(ranked[: int(cfg.extinction_fraction * len(species))])
        for k, s in enumerate(species):
            s.marks = s.marks + 1 if k in bottom else 0
    return [
        k for k, s in enumerate(species)
        if k == protected
        or (s.stagnation(generation) < cfg.max_stagnation and s.marks < cfg.extinction_marks)
    ]


def species_champion(species: list[Species], fitness: np.ndarray, generation: int) -> int:
    """The genome to test this generation under the "species" champion choice (NEAT C++ 1.2's
    double pole code): species ranked by their best fitness this generation (ties in species
    order), the fittest member (first of equals) of the first species not tested since its best
    fitness last rose, or of the first species when all were. Marks that species tested at
    `generation`. Call after `record_fitness`; `fitness` (G,) is this generation's.
    Returns the genome's pool position."""
    best = np.array([s.fitness_history[-1] for s in species])
    order = np.argsort(-best, kind="stable")
    chosen = species[int(order[0])]
    for k in order.tolist():
        if species[k].last_tested < species[k].last_improved:
            chosen = species[k]
            break
    chosen.last_tested = generation
    return int(chosen.members[np.argmax(fitness[chosen.members])])


def choose_representatives(species: list[Species], pool: GenomePool, rng: np.random.Generator,
                           fitness: np.ndarray, rule: str = "random") -> GenomePool:
    """Each species is represented in the next generation by a member of this one: a random member
    (rule "random", the paper) or its fittest, the first of equals (rule "champion", NEAT C++).
    `fitness` (G,) is this generation's. Returns the representatives as a pool, in species order
    (the population's state keeps it: `PopulationState.representatives`)."""
    if rule == "champion":
        rows = np.array([s.members[np.argmax(fitness[s.members])] for s in species], np.int64)
        return pool.take(rows)
    sizes = np.array([len(s.members) for s in species])
    picks = rng.integers(0, sizes)
    rows = np.array([s.members[p] for s, p in zip(species, picks.tolist(), strict=True)], np.int64)
    return pool.take(rows)
