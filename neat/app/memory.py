"""How much memory a population needs, and whether this machine has it: `--pop` and
population.size are refused with an estimate when they cannot fit, and so is a checkpoint that
declares such a population.

The estimate is the peak resident memory of the first generations, measured with `neat run` for
several tasks and population sizes (`neat run TASK --pop N --generations 3`, the growth of the
process's peak RSS from N = 300-1,000 to N = 5,000-200,000) and fitted as a cost per genome plus
a cost per node and per connection of the initial genomes: XOR 1.47 kB per genome (3 nodes, 2
links), CartPole 3.26 kB (6, 8), the platformer 15.6 kB (173 nodes, no links) and 155 kB when
fully connected (173, 676). Genomes grow as evolution adds structure, so the estimate is a
lower bound: a population that does not fit at the start never will.
"""

from __future__ import annotations

import os

BYTES_PER_GENOME = 800
BYTES_PER_NODE = 90
BYTES_PER_CONNECTION = 210


def initial_genes(n_inputs: int, n_outputs: int, initial_connection: str, fraction: float
                  ) -> tuple[int, int]:
    """(nodes, connections) of an initial genome."""
    links = {"full": n_inputs * n_outputs, "none": 0,
             "fraction": round(fraction * n_inputs * n_outputs)}[initial_connection]
    return n_inputs + n_outputs, links


def population_bytes(size: int, nodes: int, connections: int) -> int:
    """Estimated peak memory (bytes) of evolving `size` genomes of `nodes` nodes and
    `connections` connections each."""
    return size * (BYTES_PER_GENOME + BYTES_PER_NODE * nodes + BYTES_PER_CONNECTION * connections)


def available_memory() -> int | None:
    """Bytes of memory available to a new process (MemAvailable), or None when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return None


def population_fits(size: int, nodes: int = 0, connections: int = 0) -> str | None:
    """None when `size` genomes of `nodes` nodes and `connections` connections fit in the available
    memory, else why not (with the estimate)."""
    need, available = population_bytes(size, nodes, connections), available_memory()
    if available is None or need <= available:
        return None
    per_genome = population_bytes(1, nodes, connections)
    return (f"it needs about {_size(need)} ({_size(per_genome)} per genome of {nodes} nodes and "
            f"{connections} connections: {BYTES_PER_GENOME} bytes + {BYTES_PER_NODE} per node + "
            f"{BYTES_PER_CONNECTION} per connection) but {_size(available)} of memory is "
            f"available; at most about {available // per_genome:,} genomes fit")


def _size(n: float) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")
