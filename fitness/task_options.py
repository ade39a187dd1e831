"""Validation of a task's options (the config's [task] table) against the task's defaults."""

from __future__ import annotations

import difflib
from typing import Any

from neat.errors import ConfigError


def read_options(task: str, options: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """`defaults` updated with `options`; unknown keys and values of the wrong type are errors.

    A value's type must match its default's (an int is accepted where a float is expected).
    """
    merged = dict(defaults)
    for key, value in options.items():
        if key not in defaults:
            close = difflib.get_close_matches(key, defaults, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            valid = ", ".join(sorted(defaults)) or "none"
            raise ConfigError(
                f"task '{task}' has no option '{key}'.{hint} Valid options: {valid}."
            )
        expected = type(defaults[key])
        ok = isinstance(value, expected) and not (isinstance(value, bool) and expected is not bool)
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if not ok:
            raise ConfigError(
                f"task '{task}' option '{key}' must be a {expected.__name__}, got {value!r}."
            )
        merged[key] = value
    return merged


def require_between(
    task: str, options: dict[str, Any], key: str, minimum: float, maximum: float = float("inf")
) -> None:
    """Raise ConfigError unless minimum <= options[key] <= maximum."""
    if not minimum <= options[key] <= maximum:
        allowed = f"at least {minimum}" if maximum == float("inf") else f"{minimum}..{maximum}"
        raise ConfigError(f"task '{task}' option '{key}' must be {allowed}, got {options[key]!r}.")
