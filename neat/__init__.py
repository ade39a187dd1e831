"""NEAT: NeuroEvolution of Augmenting Topologies (Stanley & Miikkulainen 2002)."""

from neat.config import Config, load_config
from neat.errors import CheckpointError, ConfigError, FitnessError, NeatError, TaskError
from neat.genome import Genome, GenomePool
from neat.population import Population
from neat.report import GenerationReport

__all__ = [
    "CheckpointError",
    "Config",
    "ConfigError",
    "FitnessError",
    "GenerationReport",
    "Genome",
    "GenomePool",
    "NeatError",
    "Population",
    "TaskError",
    "load_config",
]
