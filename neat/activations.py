"""Node activation functions: ids, names, a compiled kernel and its pure-Python twin."""

import math

from numba import njit

ACTIVATIONS: tuple[str, ...] = ("sigmoid", "tanh", "relu", "identity", "sin", "gauss", "abs", "step")
"""Activation names; a node stores the index of its function in this tuple (its activation id)."""

ACTIVATION_IDS: dict[str, int] = {name: i for i, name in enumerate(ACTIVATIONS)}
SIGMOID, TANH, RELU, IDENTITY = (ACTIVATION_IDS[n] for n in ("sigmoid", "tanh", "relu", "identity"))
SIN, GAUSS, ABS = (ACTIVATION_IDS[n] for n in ("sin", "gauss", "abs"))


@njit(cache=True)
def apply_activation(kind: int, x: float) -> float:
    """Apply activation `kind` (index into ACTIVATIONS) to the summed input `x`."""
    if kind == SIGMOID:  # steepened sigmoid of the NEAT paper
        z = 4.9 * x
        if z < -60.0:
            return 0.0
        if z > 60.0:
            return 1.0
        return 1.0 / (1.0 + math.exp(-z))
    if kind == TANH:
        return math.tanh(x)
    if kind == RELU:
        return x if x > 0.0 else 0.0
    if kind == IDENTITY:
        return x
    if kind == SIN:
        return math.sin(x)
    if kind == GAUSS:
        return math.exp(-x * x) if abs(x) < 30.0 else 0.0
    if kind == ABS:
        return abs(x)
    return 1.0 if x > 0.0 else 0.0  # step


def apply_activation_py(kind: int, x: float) -> float:
    """Pure-Python reference of `apply_activation`, used by tests."""
    name = ACTIVATIONS[kind]
    if name == "sigmoid":
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, 4.9 * x))))
    if name == "tanh":
        return math.tanh(x)
    if name == "relu":
        return max(0.0, x)
    if name == "identity":
        return x
    if name == "sin":
        return math.sin(x)
    if name == "gauss":
        return math.exp(-x * x) if abs(x) < 30.0 else 0.0
    if name == "abs":
        return abs(x)
    return 1.0 if x > 0.0 else 0.0
