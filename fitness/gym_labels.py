"""Names of a `gym:` task's inputs and outputs, for the viewer's brain and buttons.

Where they come from, first found first:

1. The environment itself (its unwrapped instance): `observation_labels` and `action_labels`,
   sequences of strings with one name per observation value and per output, the convention for
   plugins (this project's neat/Platformer-v0 names its buttons so); for actions, also the Arcade
   Learning Environment's `get_action_meanings()` (NOOP, FIRE, RIGHT, ... for Atari games).
2. KNOWN: the names gymnasium's documentation gives the values of its classic-control and Box2D
   environments (CartPole's x, x_dot, theta, theta_dot), by the environment's name without version.
3. obs0, obs1, ... and action 0, action 1, ... (a Discrete space's actions numbered from its start).

Names apply only where they name the network's inputs one for one: with observation = "raw" or
"scaled" (a grayscale grid's inputs are cells, not the environment's values).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeGuard

import gymnasium as gym
from gymnasium import spaces

KNOWN: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "CartPole": (("x", "x_dot", "theta", "theta_dot"), ("push left", "push right")),
    "Acrobot": (("cos theta1", "sin theta1", "cos theta2", "sin theta2", "theta1_dot",
                 "theta2_dot"), ("torque -1", "torque 0", "torque +1")),
    "Pendulum": (("cos theta", "sin theta", "theta_dot"), ("torque",)),
    "MountainCar": (("position", "velocity"), ("push left", "no push", "push right")),
    "MountainCarContinuous": (("position", "velocity"), ("force",)),
    "LunarLander": (("x", "y", "vx", "vy", "angle", "angular_velocity", "left_leg", "right_leg"),
                    ("noop", "fire left", "fire main", "fire right")),
}
"""(observation names, action names) by gymnasium environment name (EnvSpec.name); an entry is
used only where its lengths match the spaces (LunarLander's continuous actions fall back)."""


def observation_labels(env: gym.Env, n_inputs: int, per_value: bool) -> tuple[str, ...]:
    """One name per network input; `per_value`: the inputs are the observation's values in order."""
    if per_value:
        for names in (getattr(env.unwrapped, "observation_labels", None), _known(env)[0]):
            if _fits(names, n_inputs):
                return tuple(names)
    return tuple(f"obs{k}" for k in range(n_inputs))


def action_labels(env: gym.Env, space: spaces.Space, n_outputs: int) -> tuple[str, ...]:
    """One name per network output (see the module docstring)."""
    unwrapped = env.unwrapped
    meanings = getattr(unwrapped, "get_action_meanings", None)
    candidates = [getattr(unwrapped, "action_labels", None), _call(meanings), _known(env)[1]]
    for names in candidates:
        if _fits(names, n_outputs):
            return tuple(names)
    start = int(space.start) if isinstance(space, spaces.Discrete) else 0
    return tuple(f"action {start + k}" for k in range(n_outputs))


def _known(env: gym.Env) -> tuple[tuple[str, ...], tuple[str, ...]]:
    name = env.spec.name if env.spec is not None else ""
    return KNOWN.get(name, ((), ()))


def _call(method: Any) -> Any:
    """`method()` when it is callable and does not fail, else None."""
    if not callable(method):
        return None
    try:
        return method()
    except Exception:  # an environment's optional helper: its failure only costs the names
        return None


def _fits(names: Any, count: int) -> TypeGuard[Sequence[str]]:
    """Whether `names` is a sequence of `count` non-empty strings."""
    return (isinstance(names, Sequence) and not isinstance(names, str) and len(names) == count
            and all(isinstance(n, str) and n for n in names))
