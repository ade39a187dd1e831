"""Episodes of a packed population on gymnasium environments, where each episode costs only its own
steps.

`play_episodes` keeps a few environments ("slots") stepping in lockstep. A slot plays one genome's
episodes one after another, then takes the next genome that has not started; every step activates
the networks of the live slots in one compiled call and then steps each of their environments.
An environment is never stepped after its episode ends (no autoreset, no masking), so every step
counts, and batching the activations keeps the network's share of a step small (measured against
a plain loop that plays each genome alone: docs/performance.md).

An episode's return is the sum of its rewards as float64 in step order, exactly as a replay adds
them (fitness.gym_adapter.GymTask.replay), so replays give back the stored fitness bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import gymnasium as gym
import numpy as np

from fitness.gym_env import reset_env, step_env
from neat.network import PackedNetworks, activate_population, reset_values

Observe = Callable[[Any, np.ndarray], None]  # (observation, out (n_inputs,)) -> None
Act = Callable[[np.ndarray], np.ndarray]  # outputs (K, n_outputs) -> K actions


def play_episodes(envs: Sequence[gym.Env], packed: PackedNetworks, seeds: Sequence[Sequence[int]],
                  observe: Observe, act: Act, max_steps: int, env_id: str) -> list[list[float]]:
    """The return of every episode: result[i][k] for network i of `packed` in the episode reset
    with seeds[i][k], each at most `max_steps` steps, played on `envs` (one slot each)."""
    n_slots = min(len(envs), len(seeds))
    returns: list[list[float]] = [[] for _ in seeds]
    if n_slots == 0:
        return returns
    net, values = tuple(packed.arrays), packed.new_values()  # plain: see neat.network.reset_values
    inputs = np.zeros((n_slots, packed.n_inputs))
    genome_of = np.zeros(n_slots, dtype=np.int64)
    episode_of = [0] * n_slots
    total = [0.0] * n_slots
    steps = [0] * n_slots
    waiting = iter(range(len(seeds)))

    def begin(slot: int, genome: int, episode: int) -> None:
        genome_of[slot], episode_of[slot] = genome, episode
        total[slot], steps[slot] = 0.0, 0
        reset_values(net, genome, values)
        observe(reset_env(envs[slot], seeds[genome][episode], env_id), inputs[slot])

    def next_genome(slot: int) -> bool:
        """Start the next waiting genome's first episode in `slot`; False when none waits."""
        for genome in waiting:
            if seeds[genome]:
                begin(slot, genome, 0)
                return True
        return False

    live = [slot for slot in range(n_slots) if next_genome(slot)]
    while live:
        rows = np.array(live)
        outputs = activate_population(packed, inputs[rows], values, genome_of[rows])
        actions = act(outputs)
        ended = []
        for j, slot in enumerate(live):
            observation, reward, over = step_env(envs[slot], actions[j], env_id)
            total[slot] += reward
            steps[slot] += 1
            if over or steps[slot] >= max_steps:
                ended.append(slot)
            else:
                observe(observation, inputs[slot])
        for slot in ended:
            genome = int(genome_of[slot])
            returns[genome].append(total[slot])
            if episode_of[slot] + 1 < len(seeds[genome]):
                begin(slot, genome, episode_of[slot] + 1)
            elif not next_genome(slot):
                live.remove(slot)
    return returns
