"""Benchmark of network activation and the compiled CartPole evaluator.

Prints a readable report, then one JSON line with: speedup_small, speedup_large (batched compiled
activations per second over the pure-Python ReferenceNetwork), ns_per_connection and
ns_per_connection_limit (3x a plain compiled dot-product loop over as many weights, both on one
thread, each network activated EPISODE_STEPS times in a row as the evaluators' episodes do),
ns_per_connection_sweep and its _limit (the same, sweeping 10,000 networks once each, which
streams every array from memory), cartpole_speedup (one generation: compiled task vs the same networks, each a
ReferenceNetwork, driving gymnasium's CartPole-v1 through its Python API, one env per genome in a
loop), cartpole_pop10000_seconds, warm_start_seconds (a fresh Python process with a warm
numba cache, from start to its first cartpole evaluation done), and the figures under load:
speedup_small_loaded and speedup_large_loaded (batched activations per second of 10,000 networks
while one other process keeps a core busy: activate_population over the numba `prange` loop it
used before, kept below as the baseline, both measured in turns in this run), loss_small_loaded
and loss_large_loaded (activate_population's rate without the busy process over its rate with
it), pack_speedup_loaded and pack_loss_loaded (the same for packing 10,000 genomes).

Run: .venv/bin/python bench/evaluate.py
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import gymnasium as gym
import numba
import numpy as np
from numba import njit, prange

from fitness.cartpole import make_task
from fitness.cartpole_dynamics import initial_state
from fitness.seeding import draw_base_seed, episode_seed
from neat.activations import ACTIVATION_IDS
from neat.borrow import borrow
from neat.genome import INPUT, OUTPUT, Genome, GenomePool, largest_genome
from neat.network import (
    PackedNetworks,
    PackOutput,
    ReferenceNetwork,
    _pack_genomes,
    _workspace,
    activate,
    activate_population,
    activate_with,
    pack_population,
)

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 5


def median_seconds(run: Callable[[], object], repeats: int = REPEATS) -> float:
    """Median wall time of `run` over `repeats` calls (after one warm-up call)."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@njit(cache=True)
def activate_serially(net, recurrent, inputs, values, scratch, outputs, rounds) -> None:
    """`rounds` activations of every network, one thread."""
    for _ in range(rounds):
        for g in range(inputs.shape[0]):
            activate_with(net, g, recurrent, inputs[g], values, scratch, outputs[g])


@njit(cache=True)
def activate_in_episodes(net, n_genomes, recurrent, values, scratch, steps) -> None:
    """Each network activated `steps` times in a row, as the evaluators' episodes do; one thread."""
    net, values, scratch = borrow(net), borrow(values), borrow(scratch)
    for g in range(n_genomes):
        for _ in range(steps):
            activate(net, g, recurrent, values, scratch)


@njit(cache=True)
def dot_products_in_episodes(weights, x, per_network, steps) -> float:
    """The same pattern of plain dot products: each network's share of weights `steps` times."""
    total = 0.0
    for start in range(0, len(weights), per_network):
        for _ in range(steps):
            s = 0.0
            for k in range(start, start + per_network):
                s += weights[k] * x[k]
            total += s
    return total


@njit(cache=True)
def dot_products(weights, x, rounds) -> float:
    """`rounds` plain dot products of two equal-length arrays, one thread."""
    total = 0.0
    for _ in range(rounds):
        s = 0.0
        for k in range(len(weights)):
            s += weights[k] * x[k]
        total += s
    return total


def evaluated_connections(packed: PackedNetworks) -> int:
    """Connections read in one activation of every network."""
    entries = np.concatenate([np.arange(s, e) for s, e in zip(packed.eval_start, packed.eval_end,
                                                               strict=True)])
    return int(np.sum(packed.in_end[entries] - packed.in_start[entries]))


def layered_pool(rng: np.random.Generator, size: int, shape: tuple[int, int, int],
                 n_connections: int) -> GenomePool:
    """Feed-forward genomes whose every link lies on a path to an output: random input -> hidden
    links, each hidden node to one random output, and any links beyond those from inputs straight
    to outputs (n_connections in all)."""
    n_in, n_out, n_hidden = shape
    n = n_in + n_out + n_hidden
    hidden = np.arange(n_in + n_out, n)
    genomes = []
    for key in range(size):
        n_first = min(n_connections - n_hidden, n_in * n_hidden)
        pairs = rng.choice(n_in * n_hidden, size=n_first, replace=False)
        direct = rng.choice(n_in * n_out, size=n_connections - n_hidden - n_first, replace=False)
        src = np.concatenate([pairs // n_hidden, hidden, direct // n_out])
        dst = np.concatenate([hidden[pairs % n_hidden], n_in + rng.integers(0, n_out, n_hidden),
                              n_in + direct % n_out])
        kind = np.array([INPUT] * n_in + [OUTPUT] * n_out + [2] * n_hidden, dtype=np.int8)
        genomes.append(Genome(
            key, n_in, n_out, np.arange(n), kind, rng.standard_normal(n) * (kind != INPUT),
            np.full(n, ACTIVATION_IDS["sigmoid"], dtype=np.int8), np.arange(len(src)), src, dst,
            rng.standard_normal(len(src)), np.ones(len(src), dtype=np.bool_)))
    return GenomePool.from_genomes(genomes)


def activation_rates(shape: tuple[int, int, int], n_connections: int) -> dict[str, float]:
    """Activations per second, compiled batched vs ReferenceNetwork, and ns per connection."""
    rng = np.random.default_rng(0)
    size = 10_000
    pool = layered_pool(rng, size, shape, n_connections)
    packed = pack_population(pool, False)
    inputs = rng.standard_normal((size, shape[0]))
    values = packed.new_values()
    compiled = median_seconds(lambda: activate_population(packed, inputs, values))
    references = [ReferenceNetwork(pool.genome(g), False) for g in range(100)]
    rows = [row.tolist() for row in inputs[:100]]
    python = median_seconds(lambda: [n.activate(r) for n, r in zip(references, rows, strict=True)])
    compiled_rate, python_rate = size / compiled, 100 / python

    rounds = 5
    outputs = np.empty((size, shape[1]))
    scratch = packed.new_values()
    original = numba.get_num_threads()
    serial = median_seconds(lambda: activate_serially(packed.arrays, False, inputs, values,
                                                      scratch, outputs, rounds))
    connections = evaluated_connections(packed)
    weights = rng.standard_normal(connections)
    x = rng.standard_normal(connections)
    dot = median_seconds(lambda: dot_products(weights, x, rounds))
    numba.set_num_threads(original)
    episode_ns, episode_dot_ns = episode_figures(rng, shape, n_connections)
    return {
        "episode_ns_per_connection": episode_ns,
        "episode_dot_ns_per_weight": episode_dot_ns,
        "compiled_rate": compiled_rate,
        "python_rate": python_rate,
        "speedup": compiled_rate / python_rate,
        "connections_per_network": connections / size,
        "ns_per_connection": serial / (rounds * connections) * 1e9,
        "dot_ns_per_weight": dot / (rounds * connections) * 1e9,
    }


EPISODE_POPULATION = 300  # the platformer's population
EPISODE_STEPS = 200


def episode_figures(rng: np.random.Generator, shape: tuple[int, int, int],
                    n_connections: int) -> tuple[float, float]:
    """ns per connection when each network plays an episode (EPISODE_STEPS activations in a row,
    as every built-in task does), and a plain dot product over the same weights the same way."""
    pool = layered_pool(rng, EPISODE_POPULATION, shape, n_connections)
    packed = pack_population(pool, False)
    values, scratch = packed.new_values(), packed.new_values()
    for start in packed.node_start[:-1]:
        values[start:start + shape[0]] = rng.standard_normal(shape[0])  # the input slots
    seconds = median_seconds(lambda: activate_in_episodes(
        packed.arrays, EPISODE_POPULATION, False, values, scratch, EPISODE_STEPS))
    connections = evaluated_connections(packed)
    weights, x = rng.standard_normal(connections), rng.standard_normal(connections)
    dot = median_seconds(lambda: dot_products_in_episodes(
        weights, x, connections // EPISODE_POPULATION, EPISODE_STEPS))
    per_connection = 1e9 / (EPISODE_STEPS * connections)
    return seconds * per_connection, dot * per_connection


def controller_pool(size: int, rng: np.random.Generator) -> GenomePool:
    """Linear controllers near a good one (most balance all 500 steps): RIGHT = w . obs, LEFT = 0."""
    genomes = []
    for key in range(size):
        weights = np.array([0.5, 1.0, 10.0, 2.0]) * (1 + 0.5 * rng.standard_normal(4))
        genomes.append(Genome(
            key, 4, 2, np.arange(6), np.array([INPUT] * 4 + [OUTPUT] * 2, dtype=np.int8),
            np.zeros(6), np.full(6, ACTIVATION_IDS["identity"], dtype=np.int8), np.arange(4),
            np.arange(4), np.full(4, 5), weights, np.ones(4, dtype=np.bool_)))
    return GenomePool.from_genomes(genomes)


def gymnasium_generation(pool: GenomePool, base: int, episodes: int) -> np.ndarray:
    """The same networks (ReferenceNetwork) and starting states on gymnasium's CartPole-v1."""
    env = gym.make("CartPole-v1")
    fitness = np.zeros(len(pool))
    for g in range(len(pool)):
        genome = pool.genome(g)
        for episode in range(episodes):
            network = ReferenceNetwork(genome, False)
            env.reset(seed=0)
            state = np.array(initial_state(np.uint64(episode_seed(base, genome.key, episode))))
            env.unwrapped.state = state
            observation = state.astype(np.float32)
            done = False
            while not done:
                outputs = network.activate(observation.tolist())
                action = 1 if outputs[1] > outputs[0] else 0
                observation, reward, terminated, truncated, _ = env.step(action)
                fitness[g] += reward
                done = terminated or truncated
    env.close()
    return fitness / episodes


def cartpole_figures() -> dict[str, float]:
    """One generation (150 genomes, 5 episodes of up to 500 steps): compiled vs gymnasium."""
    task = make_task({"episodes": 5})
    pool = controller_pool(150, np.random.default_rng(1))
    packed = pack_population(pool, False)
    compiled = median_seconds(lambda: task.evaluate(packed, np.random.default_rng(2)))
    fitness = task.evaluate(packed, np.random.default_rng(2))
    start = time.perf_counter()
    reference = gymnasium_generation(pool, draw_base_seed(np.random.default_rng(2)), 5)
    python = time.perf_counter() - start
    big = pack_population(controller_pool(10_000, np.random.default_rng(3)), False)
    big_seconds = median_seconds(lambda: task.evaluate(big, np.random.default_rng(4)), repeats=3)
    return {
        "compiled_seconds": compiled,
        "gymnasium_seconds": python,
        "speedup": python / compiled,
        "mean_steps": float(fitness.mean()),
        "agreement": float(np.mean(fitness == reference)),
        "pop10000_seconds": big_seconds,
    }


@njit(cache=True, parallel=True)
def activate_prange(net, recurrent, inputs, values, scratch, outputs) -> None:
    """The batched activation before dynamic chunks (the baseline): numba's prange, which gives
    each thread a fixed half of the networks. `net` is borrowed inside the loop: numba's prange
    cannot rebuild a named tuple that a call outside the loop returned (see neat/borrow.py)."""
    values, scratch = borrow(values), borrow(scratch)
    inputs, outputs = borrow(inputs), borrow(outputs)
    for g in prange(inputs.shape[0]):
        activate_with(borrow(net), g, recurrent, inputs[g], values, scratch, outputs[g])


@njit(cache=True, parallel=True)
def pack_prange(n_inputs, n_outputs, recurrent, pool, out) -> None:
    """Packing before dynamic chunks (the baseline): a prange over genomes."""
    max_nodes, max_conns = largest_genome(pool.node_start, pool.conn_start)
    for g in prange(len(pool.node_start) - 1):
        _pack_genomes(g, g + 1, n_inputs, n_outputs, recurrent, pool, out,
                      _workspace(max_nodes, max_conns))


LOAD_ROUNDS = 5  # new and old code take turns this many times per condition


def pack_prange_call(pool: GenomePool) -> Callable[[], object]:
    """One call of the prange packing baseline on `pool` (output arrays allocated once)."""
    out = PackOutput.zeros(len(pool), len(pool.node_id), len(pool.conn_innov))
    arrays = pool.arrays
    return lambda: pack_prange(pool.n_inputs, pool.n_outputs, False, arrays, out)


def loop_pairs() -> dict[str, tuple[Callable[[], object], Callable[[], object]]]:
    """(new, old) calls of each population loop measured under load, on 10,000 genomes."""
    pairs = {}
    for name, shape, n_connections in (("small", (2, 1, 1), 4), ("large", (169, 4, 30), 300)):
        rng = np.random.default_rng(0)
        packed = pack_population(layered_pool(rng, 10_000, shape, n_connections), False)
        inputs = rng.standard_normal((10_000, shape[0]))
        values, scratch = packed.new_values(), packed.new_values()
        outputs = np.empty((10_000, shape[1]))
        pairs[name] = (
            lambda packed=packed, inputs=inputs, values=values: activate_population(
                packed, inputs, values),
            lambda packed=packed, inputs=inputs, values=values, scratch=scratch,
            outputs=outputs: activate_prange(packed.arrays, False, inputs, values, scratch,
                                             outputs))
    pool = layered_pool(np.random.default_rng(1), 10_000, (8, 3, 12), 56)
    pairs["pack"] = (lambda: pack_population(pool, False), pack_prange_call(pool))
    return pairs


def rates_in_turns(pairs: dict[str, tuple[Callable[[], object], Callable[[], object]]]
                   ) -> dict[str, tuple[list[float], list[float]]]:
    """Calls per second of the new and the old code of each pair, taking turns LOAD_ROUNDS times
    (each figure the median of REPEATS calls)."""
    rates: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in pairs}
    for _ in range(LOAD_ROUNDS):
        for name, calls in pairs.items():
            for side, call in enumerate(calls):
                rates[name][side].append(1 / median_seconds(call))
    return rates


def loaded_figures() -> dict[str, dict[str, float]]:
    """Rates of the new and the old population loops, without and then with one other process
    keeping a core busy (`python -c "while True: pass"`), side by side in this run."""
    pairs = loop_pairs()
    idle = rates_in_turns(pairs)
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        loaded = rates_in_turns(pairs)
    finally:
        busy.kill()
        busy.wait()
    figures = {}
    for name in pairs:
        (new_idle, old_idle), (new_loaded, old_loaded) = idle[name], loaded[name]
        figures[name] = {
            "new_idle": statistics.median(new_idle), "old_idle": statistics.median(old_idle),
            "new_loaded": statistics.median(new_loaded), "old_loaded": statistics.median(old_loaded),
            "new_loaded_spread": (min(new_loaded), max(new_loaded)),
            "old_loaded_spread": (min(old_loaded), max(old_loaded)),
        }
    return figures


WARM_START = """
import numpy as np
from fitness.cartpole import make_task
from fitness.random_genomes import random_pool
from neat.network import pack_population
packed = pack_population(random_pool(np.random.default_rng(0), 150, (4, 2, 2), 8), False)
make_task({}).evaluate(packed, np.random.default_rng(0))
"""


def warm_start_seconds() -> float:
    """Wall time of a new process reaching its first cartpole evaluation (cache warmed first)."""
    command = [sys.executable, "-c", WARM_START]
    subprocess.run(command, cwd=ROOT, check=True)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    print(f"numba threads: {numba.get_num_threads()}, load average {os.getloadavg()[0]:.1f}")
    small = activation_rates((2, 1, 1), 4)
    large = activation_rates((169, 4, 30), 300)
    for name, r in (("small (2 in, 1 out, 1 hidden)", small),
                    ("large (169 in, 4 out, 30 hidden, 300 links)", large)):
        print(f"{name}: compiled batched {r['compiled_rate']:,.0f} activations/s, "
              f"ReferenceNetwork {r['python_rate']:,.0f}/s, speedup {r['speedup']:,.0f}x; "
              f"{r['connections_per_network']:.1f} connections evaluated per network")
    print(f"ns per connection, large nets, one thread, each network playing an episode of "
          f"{EPISODE_STEPS} activations ({EPISODE_POPULATION} networks, as the evaluators run): "
          f"{large['episode_ns_per_connection']:.2f}; plain dot product the same way: "
          f"{large['episode_dot_ns_per_weight']:.2f} ns per weight "
          f"({large['episode_ns_per_connection'] / large['episode_dot_ns_per_weight']:.1f}x)")
    print(f"ns per connection, large nets, one thread, sweeping 10,000 networks once each (every "
          f"array streamed from memory): {large['ns_per_connection']:.2f}; plain dot product over "
          f"as many weights: {large['dot_ns_per_weight']:.2f} ns per weight "
          f"({large['ns_per_connection'] / large['dot_ns_per_weight']:.1f}x)")
    cart = cartpole_figures()
    print(f"cartpole generation (150 genomes x 5 episodes, mean {cart['mean_steps']:.0f} steps): "
          f"compiled {cart['compiled_seconds'] * 1e3:.1f} ms, gymnasium CartPole-v1 + "
          f"ReferenceNetwork {cart['gymnasium_seconds']:.2f} s, speedup {cart['speedup']:,.0f}x; "
          f"identical fitness for {cart['agreement']:.0%} of genomes")
    print(f"cartpole generation, population 10,000: {cart['pop10000_seconds']:.2f} s")
    warm = warm_start_seconds()
    print(f"warm start to first cartpole evaluation: {warm:.2f} s")
    loads = loaded_figures()
    print(f"population loops on 10,000 genomes, calls per second, new (dynamic chunks or serial) vs "
          f"old (prange), medians of {LOAD_ROUNDS} turns; without / with one busy process "
          f"(load average now {os.getloadavg()[0]:.1f}):")
    for name, f in loads.items():
        print(f"  {name:>5}: without {f['new_idle']:9.1f} vs {f['old_idle']:9.1f}; with "
              f"{f['new_loaded']:9.1f} vs {f['old_loaded']:9.1f} (turns {f['new_loaded_spread'][0]:.1f}"
              f"-{f['new_loaded_spread'][1]:.1f} vs {f['old_loaded_spread'][0]:.1f}-"
              f"{f['old_loaded_spread'][1]:.1f}): {f['new_loaded'] / f['old_loaded']:.2f}x the old "
              f"code under load, {f['new_idle'] / f['new_loaded']:.2f}x lost to the load")
    print(json.dumps({
        "speedup_small": round(small["speedup"], 1),
        "speedup_large": round(large["speedup"], 1),
        "ns_per_connection": round(large["episode_ns_per_connection"], 3),
        "ns_per_connection_limit": round(3 * large["episode_dot_ns_per_weight"], 3),
        "ns_per_connection_sweep": round(large["ns_per_connection"], 3),
        "ns_per_connection_sweep_limit": round(3 * large["dot_ns_per_weight"], 3),
        "cartpole_speedup": round(cart["speedup"], 1),
        "cartpole_pop10000_seconds": round(cart["pop10000_seconds"], 3),
        "warm_start_seconds": round(warm, 3),
        **{f"speedup_{name}_loaded": round(loads[name]["new_loaded"] / loads[name]["old_loaded"], 2)
           for name in ("small", "large")},
        **{f"loss_{name}_loaded": round(loads[name]["new_idle"] / loads[name]["new_loaded"], 2)
           for name in ("small", "large")},
        "pack_speedup_loaded": round(loads["pack"]["new_loaded"] / loads["pack"]["old_loaded"], 2),
        "pack_loss_loaded": round(loads["pack"]["new_idle"] / loads["pack"]["new_loaded"], 2),
    }))


if __name__ == "__main__":
    main()
