"""Plays a fixed scenario of the platformer and prints it as JSON; the physics test runs it with
and without NUMBA_DISABLE_JIT=1 and compares the two outputs (compiled vs plain Python)."""

import json

import numba
import numpy as np

from fitness.platformer.observe import observe
from fitness.platformer.physics import new_enemies, new_player, step
from fitness.platformer.task import make_task
from fitness.random_genomes import random_pool
from neat.network import pack_population

task = make_task({"levels": ["1-2"], "random_levels": 1, "extra_inputs": True,
                  "max_frames": 400})
level_tiles, tile_map, spawn, start = task.world(task.test_episodes()[0])
rng = np.random.default_rng(7)
buttons = np.repeat(rng.integers(0, 16, 150), 12)
buttons[::3] |= 2  # lean right so the run covers ground and meets enemies
player, enemies = new_player(start[0], start[1]), new_enemies(spawn)
inputs = np.empty(task.spec.n_inputs)
states, observations = [], []
for t, b in enumerate(buttons):
    step(level_tiles, player, enemies, int(b), task.params)
    states.append(player.tolist() + enemies.ravel().tolist())
    if t % 25 == 0:
        observe(tile_map, player, enemies, task.params, task.options.grid, inputs)
        observations.append(inputs.tolist())
pool = random_pool(np.random.default_rng(1), 8, (task.spec.n_inputs, 4, 2), 60, recurrent=True)
pool.node_bias[pool.node_start[:-1] + task.spec.n_inputs + 1] = 2.0  # RIGHT pressed by default
fitness, frames = task.evaluate_frames(pack_population(pool, True), np.random.default_rng(0))
print(json.dumps({"jit": not numba.config.DISABLE_JIT, "states": states,
                  "observations": observations, "fitness": fitness.tolist(),
                  "frames": frames.tolist()}))
