"""Double pole balancing physics (Wieland 1991) as pure compiled functions over an explicit state.

State: (x, x_dot, theta1, theta1_dot, theta2, theta2_dot) in metres, m/s, radians and rad/s; theta
measured from upright. Constants, equations and the integrator follow the double pole experiment
of Stanley's NEAT C++ code (experiments.cpp, class CartPole: `step`, `rk4`, `performAction`,
`outsideBounds`; ported e.g. as yaricom/goNEAT examples/pole2/common.go), which implements the
benchmark of Wieland (1991) as set up by Gruau, Whitley & Pyeatt (1996) and used in Stanley &
Miikkulainen (2002), "Evolving Neural Networks through Augmenting Topologies", section 4.2:

- cart 1.0 kg; pole 1: 0.1 kg, half-length 0.5 m; pole 2: 0.01 kg, half-length 0.05 m;
- gravity -9.8 m/s^2 (sign convention of the original code), hinge friction MUP = 2e-6;
- 4th-order Runge-Kutta with 0.01 s steps, two steps per network activation (0.02 s per action);
- force = (output - 0.5) * 2 * 10 N for a network output in [0, 1];
- failure when |x| > 2.4 m or either pole leans more than 36 degrees (0.628329 rad);
- start: pole 1 at 0.07 rad (about 4 degrees), everything else 0.
"""

from __future__ import annotations

import math

from numba import njit

MUP = 0.000002  # pole hinge friction coefficient
GRAVITY = -9.8  # m/s^2, negative as in the original code
MASS_CART = 1.0  # kg
MASS_POLE_1 = 0.1  # kg
HALF_LENGTH_1 = 0.5  # m
MASS_POLE_2 = 0.01  # kg
HALF_LENGTH_2 = 0.05  # m
FORCE_MAG = 10.0  # N
TAU = 0.01  # s per Runge-Kutta step
RK4_STEPS_PER_ACTION = 2
FAILURE_ANGLE = 0.628329  # rad, 36 degrees (the original code's `thirty_six_degrees`)
X_THRESHOLD = 2.4  # m
START_THETA1 = 0.07  # rad, about 4 degrees
START_STATE = (0.0, 0.0, START_THETA1, 0.0, 0.0, 0.0)


@njit(cache=True)
def derivatives(s: tuple, force: float) -> tuple:
    """d/dt of the state `s` (6-tuple) under `force` (N), as a 6-tuple."""
    cos1, sin1 = math.cos(s[2]), math.sin(s[2])
    cos2, sin2 = math.cos(s[4]), math.sin(s[4])
    g_sin1 = GRAVITY * sin1
    g_sin2 = GRAVITY * sin2
    ml1 = HALF_LENGTH_1 * MASS_POLE_1
    ml2 = HALF_LENGTH_2 * MASS_POLE_2
    friction1 = MUP * s[3] / ml1
    friction2 = MUP * s[5] / ml2
    # effective forces and masses of the poles on the cart
    fi1 = ml1 * s[3] * s[3] * sin1 + 0.75 * MASS_POLE_1 * cos1 * (friction1 + g_sin1)
    fi2 = ml2 * s[5] * s[5] * sin2 + 0.75 * MASS_POLE_2 * cos2 * (friction2 + g_sin2)
    mi1 = MASS_POLE_1 * (1.0 - 0.75 * cos1 * cos1)
    mi2 = MASS_POLE_2 * (1.0 - 0.75 * cos2 * cos2)
    x_acc = (force + fi1 + fi2) / (mi1 + mi2 + MASS_CART)
    theta1_acc = -0.75 * (x_acc * cos1 + g_sin1 + friction1) / HALF_LENGTH_1
    theta2_acc = -0.75 * (x_acc * cos2 + g_sin2 + friction2) / HALF_LENGTH_2
    return (s[1], x_acc, s[3], theta1_acc, s[5], theta2_acc)


@njit(cache=True)
def _offset(s: tuple, h: float, k: tuple) -> tuple:
    """s + h * k for 6-tuples."""
    return (s[0] + h * k[0], s[1] + h * k[1], s[2] + h * k[2],
            s[3] + h * k[3], s[4] + h * k[4], s[5] + h * k[5])


@njit(cache=True)
def rk4_step(s: tuple, force: float) -> tuple:
    """The state one TAU later, by classic 4th-order Runge-Kutta with constant `force`."""
    k1 = derivatives(s, force)
    k2 = derivatives(_offset(s, 0.5 * TAU, k1), force)
    k3 = derivatives(_offset(s, 0.5 * TAU, k2), force)
    k4 = derivatives(_offset(s, TAU, k3), force)
    h6 = TAU / 6.0
    return (
        s[0] + h6 * (k1[0] + k4[0] + 2.0 * (k2[0] + k3[0])),
        s[1] + h6 * (k1[1] + k4[1] + 2.0 * (k2[1] + k3[1])),
        s[2] + h6 * (k1[2] + k4[2] + 2.0 * (k2[2] + k3[2])),
        s[3] + h6 * (k1[3] + k4[3] + 2.0 * (k2[3] + k3[3])),
        s[4] + h6 * (k1[4] + k4[4] + 2.0 * (k2[4] + k3[4])),
        s[5] + h6 * (k1[5] + k4[5] + 2.0 * (k2[5] + k3[5])),
    )


@njit(cache=True)
def force_from_output(output: float) -> float:
    """Force (N) for a network output, clipped to [0, 1] first: (output - 0.5) * 20."""
    clipped = min(max(output, 0.0), 1.0)
    return (clipped - 0.5) * 2.0 * FORCE_MAG


@njit(cache=True)
def step_state(s: tuple, output: float) -> tuple:
    """The state after one action (two RK4 steps, 0.02 s) for network output `output`."""
    force = force_from_output(output)
    for _ in range(RK4_STEPS_PER_ACTION):
        s = rk4_step(s, force)
    return s


@njit(cache=True)
def is_failed(s: tuple) -> bool:
    """True when the cart left the track, a pole leans past 36 degrees, or a value is NaN."""
    return not (
        abs(s[0]) <= X_THRESHOLD and abs(s[2]) <= FAILURE_ANGLE and abs(s[4]) <= FAILURE_ANGLE
    )
