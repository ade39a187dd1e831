"""NEAT: NeuroEvolution of Augmenting Topologies (Stanley & Miikkulainen 2002).

The names below are loaded on first use, so importing a light module of the package
(`neat.rundir`, `neat.cli`) does not load numba or the evolution loop.
"""

from __future__ import annotations

import importlib
from typing import Any

_MODULES = {
    "CheckpointError": "neat.errors",
    "Config": "neat.config",
    "ConfigError": "neat.errors",
    "FitnessError": "neat.errors",
    "GenerationReport": "neat.report",
    "Genome": "neat.genome",
    "GenomePool": "neat.genome",
    "NeatError": "neat.errors",
    "Population": "neat.population",
    "TaskError": "neat.errors",
    "load_config": "neat.config",
}

__all__ = sorted(_MODULES)


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module 'neat' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
