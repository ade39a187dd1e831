"""Shared fixtures and genome builders for the tests."""

from __future__ import annotations

import numpy as np
import pytest

from neat.config import Config, load_config
from neat.genome import HIDDEN, INPUT, OUTPUT, Genome
from neat.population import Population
from neat.report import TestResult as Result  # aliased: pytest would collect Test*
from neat.task import ChampionTest


def make_genome(n_inputs: int, n_outputs: int, hidden: list[int],
                conns: list[tuple[int, int, int, float, bool]], key: int = 0,
                biases: dict[int, float] | None = None) -> Genome:
    """A genome from (innovation, source, target, weight, enabled) tuples."""
    ids = list(range(n_inputs + n_outputs)) + sorted(hidden)
    kinds = [INPUT] * n_inputs + [OUTPUT] * n_outputs + [HIDDEN] * len(hidden)
    conns = sorted(conns)
    biases = biases or {}
    return Genome(
        key, n_inputs, n_outputs,
        np.array(ids, dtype=np.int64), np.array(kinds, dtype=np.int8),
        np.array([biases.get(i, 0.0) for i in ids]), np.zeros(len(ids), dtype=np.int8),
        np.array([c[0] for c in conns], dtype=np.int64), np.array([c[1] for c in conns], dtype=np.int64),
        np.array([c[2] for c in conns], dtype=np.int64), np.array([c[3] for c in conns], dtype=np.float64),
        np.array([c[4] for c in conns], dtype=np.bool_),
    )


def recording_test(tested: list, choose: str, solve_at: int = 0) -> ChampionTest:
    """A test of every champion that records the genomes it runs on and solves the `solve_at`-th
    (never, for 0)."""
    def run(genome):
        tested.append(genome)
        return Result(float(len(tested)), len(tested) == solve_at, 3)
    return ChampionTest(run, every_champion=True, choose=choose)


def species_population(seed: int = 1, *overrides: str) -> Population:
    """XOR with many small species (a low threshold), so the species rotation has a choice;
    `overrides` as with --set."""
    return Population(load_config(None, [f"run.seed={seed}", "population.size=60",
                                         "speciation.threshold=1.0", *overrides]), 2, 1)


def quiet_config(*overrides: str) -> Config:
    """A config with every mutation switched off, plus `overrides`."""
    base = [
        "mutation.weight_mutate_rate=0.0", "mutation.bias_mutate_rate=0.0",
        "mutation.add_node_rate=0.0", "mutation.add_connection_rate=0.0",
        "mutation.toggle_enable_rate=0.0",
    ]
    return load_config(None, base + list(overrides))


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture(scope="module")
def browser():
    """One headless chromium per test module (tests/browser.py)."""
    from tests.browser import launch_chromium

    yield from launch_chromium()


@pytest.fixture(scope="module")
def server(runs_dir):
    """A viewer serving the module's `runs_dir` fixture, polling fast."""
    from viewer import ViewerServer

    with ViewerServer(runs_dir, poll_interval=0.1) as viewer_server:
        yield viewer_server
