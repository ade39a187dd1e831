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


def task_presets(name: str, options: dict[str, Any] | None = None) -> tuple[str, ...]:
    """The config settings ("section.key=value") task `name` applies before the user's config."""
    return make_task(name, options).spec.presets
