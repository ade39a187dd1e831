"""Making and driving gymnasium environments for `gym:` tasks, with every failure as one TaskError line.

Plugin environments register themselves when their package is imported. A `gym:` task names such
a package in gymnasium's own form, `gym:MODULE:EnvId` (e.g. `gym:ale_py:ALE/Pong-v5`), or in the
task option `imports` (`neat run --import MODULE`), which the run's config keeps so that resumes
and evaluation workers import it too. Importing a module runs its code, as gymnasium's own
`MODULE:EnvId` form does; names must be dotted Python identifiers.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Iterable
from typing import Any

import gymnasium as gym

from neat.errors import ConfigError, TaskError

EXTRAS_HINT = "pip install -e '.[gym-extras]' in a clone of this project"
"""How to install the packages of the Atari, Box2D and MuJoCo environments."""
MODULE_NAME = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")
MESSAGE_LIMIT = 400  # characters of an environment's own error message quoted in ours


def one_line(text: object) -> str:
    """`text` on one line (whitespace runs collapsed), cut to MESSAGE_LIMIT characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= MESSAGE_LIMIT else flat[:MESSAGE_LIMIT - 3] + "..."


def split_env_name(name: str) -> tuple[str | None, str]:
    """('MODULE', 'EnvId') for gymnasium's 'MODULE:EnvId' form, (None, name) otherwise."""
    module, _, env_id = name.rpartition(":")
    return module or None, env_id


def import_plugins(modules: Iterable[str], source: str) -> None:
    """Import each module (which registers its environments); `source` says where it was named."""
    for module in modules:
        if not isinstance(module, str) or not MODULE_NAME.fullmatch(module):
            raise ConfigError(f"{source}: {module!r} is not a Python module name (such as ale_py)")
        try:
            importlib.import_module(module)
        except ImportError as error:
            raise TaskError(
                f"cannot import module '{module}' ({source}): {one_line(error)}. Install the "
                f"package that provides it (Atari, Box2D and MuJoCo: {EXTRAS_HINT})."
            ) from error
        except Exception as error:
            raise TaskError(f"importing module '{module}' ({source}) failed: "
                            f"{type(error).__name__}: {one_line(error)}") from error


def make_env(env_id: str, env_kwargs: dict[str, Any]) -> gym.Env:
    """gymnasium.make(env_id, **env_kwargs); any failure is a TaskError that says what to do.
    The Arcade Learning Environment's banner (two lines on stderr per process) is switched off."""
    ale = sys.modules.get("ale_py")
    if ale is not None:
        ale.ALEInterface.setLoggerMode(ale.LoggerMode.Error)
    try:
        return gym.make(env_id, **env_kwargs)
    except gym.error.NamespaceNotFound as error:
        raise TaskError(
            f"gymnasium has no environment '{env_id}': its namespace is not registered. Name the "
            f"package that registers it, as gym:MODULE:{env_id} or with --import MODULE "
            f"(task.imports), e.g. gym:ale_py:ALE/Pong-v5 for Atari ({EXTRAS_HINT})."
        ) from error
    except gym.error.DependencyNotInstalled as error:
        raise TaskError(
            f"gymnasium environment '{env_id}' needs a package that is not installed "
            f"({one_line(error)}); for Atari, Box2D and MuJoCo environments: {EXTRAS_HINT}."
        ) from error
    except gym.error.Error as error:
        raise TaskError(
            f"gymnasium cannot make environment '{env_id}': {one_line(error)} Use a registered id "
            "(gymnasium.pprint_registry() lists them); a plugin's environments need its module "
            "imported: gym:MODULE:EnvId or --import MODULE."
        ) from error
    except Exception as error:
        raise TaskError(
            f"gymnasium environment '{env_id}' could not be created with env_kwargs "
            f"{env_kwargs!r}: {type(error).__name__}: {one_line(error)}"
        ) from error


def env_failure(env_id: str, call: str, error: Exception) -> TaskError:
    """The TaskError for an exception raised by an environment's `call` (reset or step)."""
    return TaskError(
        f"gymnasium environment '{env_id}' failed in {call}: {type(error).__name__}: "
        f"{one_line(error)}. Fix the environment, then continue the run with `neat resume "
        "RUN_DIR` (its last checkpoint is intact)."
    )


def reset_env(env: gym.Env, seed: int, env_id: str) -> Any:
    """The first observation of the episode seeded with `seed`."""
    try:
        return env.reset(seed=seed)[0]
    except Exception as error:
        raise env_failure(env_id, "reset", error) from error


def step_env(env: gym.Env, action: Any, env_id: str) -> tuple[Any, float, bool]:
    """(observation, reward, episode over) after one step."""
    try:
        observation, reward, terminated, truncated, _ = env.step(action)
        return observation, float(reward), bool(terminated or truncated)
    except Exception as error:
        raise env_failure(env_id, "step", error) from error


def close_envs(envs: list[gym.Env]) -> None:
    """Close every environment of `envs` and forget them (native simulators such as the Arcade
    Learning Environment complain when the interpreter exits with instances alive)."""
    for env in envs:
        env.close()
    envs.clear()
