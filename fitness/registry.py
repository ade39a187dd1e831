"""The task registry: task name -> factory, looked up lazily so unused tasks cost nothing."""

from __future__ import annotations

import difflib
import importlib
from typing import Any

from fitness.task import Task
from neat.errors import TaskError

TASKS: dict[str, str] = {
    "xor": "fitness.xor:make_task",
    "cartpole": "fitness.cartpole:make_task",
    "double-pole": "fitness.double_pole:make_task",
    "double-pole-novel": "fitness.double_pole:make_novel_task",
    "platformer": "fitness.platformer.task:make_task",
}
"""Built-in tasks. Any gymnasium id also works as `gym:<EnvId>`."""

GYM_PREFIX = "gym:"

PRESETS: dict[str, tuple[str, ...]] = {
    "platformer": (
        "run.generations=3000",  # mastering World 1 takes more than the generic 300 generations
        "population.size=300",
        'genome.initial_connection="none"',  # minimal start: links to 173 inputs are grown, not given
        "mutation.add_connection_rate=0.7",
        "speciation.small_genome_genes=0",  # and no dynamic threshold: worse here (docs/platformer.md)
    ),
    "double-pole-novel": (
        "genome.feed_forward=false",  # the task needs memory
        "population.size=1000",  # the NEAT paper's settings for this benchmark (section 4.2) ...
        "speciation.weight_coefficient=3.0",  # ... c3 = 3.0
        "speciation.threshold=4.0",  # ... delta_t = 4.0
        "mutation.add_connection_rate=0.3",  # ... and 0.3 new links in the larger population
        # Stanley's NEAT C++ code for this benchmark (p2nv.ne, species.cpp) where it differs from our
        # defaults; each bought evaluations under the paper's protocol (docs/performance.md):
        "reproduction.survival_threshold=0.4",  # survival_thresh 0.4
        "reproduction.elitism_rule=offspring",  # a champion is copied when its species gets more
        "reproduction.elitism_min_species_size=6",  # than 5 offspring (about 400 tiny species here)
        "stagnation.protect_best=false",  # the paper's stagnation rule spares no species
    ),
}
"""Config settings ("section.key=value") a task applies before the user's config, by task name:
data, so a run builds its config once, before it makes the task."""


def make_task(name: str, options: dict[str, Any] | None = None) -> Task:
    """Build task `name` with its `options` (the config's [task] table)."""
    options = dict(options or {})
    if name.startswith(GYM_PREFIX):
        from fitness.gym_adapter import make_gym_task

        return make_gym_task(name[len(GYM_PREFIX) :], options)
    if name not in TASKS:
        close = difflib.get_close_matches(name, TASKS, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise TaskError(
            f"unknown task '{name}'.{hint} Valid tasks: {', '.join(sorted(TASKS))}, "
            f"or '{GYM_PREFIX}<EnvId>' for any gymnasium environment."
        )
    module_name, factory = TASKS[name].split(":")
    return getattr(importlib.import_module(module_name), factory)(options)


def task_presets(name: str) -> tuple[str, ...]:
    """The config settings ("section.key=value") task `name` applies before the user's config."""
    return PRESETS.get(name, ())
