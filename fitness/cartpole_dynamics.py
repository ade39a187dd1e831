"""CartPole-v1 physics: pure compiled functions over an explicit state (x, x_dot, theta, theta_dot).

A line-for-line mirror of gymnasium's `envs/classic_control/cartpole.py` (CartPole-v1): the same
constants, the same expression order (so results agree to the last bit or so), explicit Euler
integration with tau = 0.02 s, termination beyond 12 degrees or 2.4 m, and a 500-step time limit.
Units: metres, seconds, radians; force in newtons.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from neat.draws import next_uniform

GRAVITY = 9.8  # m/s^2
MASS_CART = 1.0  # kg
MASS_POLE = 0.1  # kg
TOTAL_MASS = MASS_POLE + MASS_CART
HALF_LENGTH = 0.5  # m, half the pole's length (gymnasium's `length`)
POLEMASS_LENGTH = MASS_POLE * HALF_LENGTH
FORCE_MAG = 10.0  # N
TAU = 0.02  # s between state updates
THETA_THRESHOLD = 12 * 2 * math.pi / 360  # rad, 12 degrees
X_THRESHOLD = 2.4  # m
MAX_STEPS = 500  # CartPole-v1 TimeLimit
INITIAL_BOUND = 0.05  # every state variable starts uniform in (-0.05, 0.05)


@njit(cache=True)
def step_state(
    x: float, x_dot: float, theta: float, theta_dot: float, action: int
) -> tuple[float, float, float, float]:
    """The state after one 0.02 s Euler step pushing RIGHT (action 1) or LEFT (action 0)."""
    force = FORCE_MAG if action == 1 else -FORCE_MAG
    costheta = math.cos(theta)
    sintheta = math.sin(theta)
    temp = (force + POLEMASS_LENGTH * (theta_dot * theta_dot) * sintheta) / TOTAL_MASS
    thetaacc = (GRAVITY * sintheta - costheta * temp) / (
        HALF_LENGTH * (4.0 / 3.0 - MASS_POLE * (costheta * costheta) / TOTAL_MASS)
    )
    xacc = temp - POLEMASS_LENGTH * thetaacc * costheta / TOTAL_MASS
    return (
        x + TAU * x_dot,
        x_dot + TAU * xacc,
        theta + TAU * theta_dot,
        theta_dot + TAU * thetaacc,
    )


@njit(cache=True)
def is_terminal(x: float, theta: float) -> bool:
    """True when the cart left the track or the pole fell past 12 degrees."""
    return (
        x < -X_THRESHOLD or x > X_THRESHOLD or theta < -THETA_THRESHOLD or theta > THETA_THRESHOLD
    )


@njit(cache=True)
def initial_state(seed: np.uint64) -> tuple[float, float, float, float]:
    """Four values uniform in (-0.05, 0.05) drawn from the counter stream started at `seed`."""
    stream = np.empty(1, dtype=np.uint64)
    stream[0] = seed
    x = -INITIAL_BOUND + 2.0 * INITIAL_BOUND * next_uniform(stream)
    x_dot = -INITIAL_BOUND + 2.0 * INITIAL_BOUND * next_uniform(stream)
    theta = -INITIAL_BOUND + 2.0 * INITIAL_BOUND * next_uniform(stream)
    theta_dot = -INITIAL_BOUND + 2.0 * INITIAL_BOUND * next_uniform(stream)
    return x, x_dot, theta, theta_dot


@njit(cache=True)
def observe(x: float, x_dot: float, theta: float, theta_dot: float,
            observation: np.ndarray) -> None:
    """Write the observation (4,): the state rounded to float32, as gymnasium does."""
    observation[0] = np.float32(x)
    observation[1] = np.float32(x_dot)
    observation[2] = np.float32(theta)
    observation[3] = np.float32(theta_dot)


@njit(cache=True)
def choose_action(outputs: np.ndarray) -> int:
    """argmax of the two outputs (LEFT=0, RIGHT=1); a tie goes to LEFT, like numpy's argmax."""
    return 1 if outputs[1] > outputs[0] else 0
