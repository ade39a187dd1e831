"""NEAT: NeuroEvolution of Augmenting Topologies (Stanley & Miikkulainen 2002).

The names below are loaded on first use, so importing a light module of the package
(`neat.app.rundir`, `neat.app.cli`) does not load numba or the evolution loop.
"""

# This module imports nothing slow (importlib is loaded with the interpreter), so a Ctrl-C while
# `python -m neat` starts reaches neat/__main__.py's handler as soon as it can.
import importlib

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


def __getattr__(name: str) -> object:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module 'neat' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
