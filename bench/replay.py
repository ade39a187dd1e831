"""Do replays show the scored episodes? `python bench/replay.py [--generations G] [--seed S]`.

For every built-in task and gym:CartPole-v1, a short run through the `neat` command (into a
temporary folder), then every champion file of it is played again from the episodes it records
(`neat replay --verify`); a mismatch is a champion whose replayed fitness is not bit for bit its
stored fitness. Prints one
line per task and, last, a JSON line with champions, mismatches and tasks.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from fitness.registry import TASKS
from neat.app.cli import main as neat
from neat.app.cli_champion import verify_champions
from neat.app.rundir import RunDirectory

OPTIONS = {  # smaller than the defaults where a generation would take long
    "double-pole": ["--pop", "50", "--set", "task.max_steps=5000"],
    "double-pole-novel": ["--pop", "100"],
    "platformer": ["--pop", "60"],
    "gym:CartPole-v1": ["--pop", "20", "--set", "task.test_episodes=10"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--generations", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    tasks = [*TASKS, "gym:CartPole-v1"]
    total = mismatched = 0
    with tempfile.TemporaryDirectory() as folder:
        for name in tasks:
            start = time.perf_counter()
            status = neat(["run", name, "--runs-dir", folder, "--name", name.replace(":", "-"),
                           "--quiet", "--generations", str(args.generations), "--seed",
                           str(args.seed), "--set", "run.stop_when_solved=false",
                           *OPTIONS.get(name, [])])
            if status != 0:
                raise SystemExit(f"neat run {name} failed with status {status}")
            champions, mismatches = verify_champions(
                RunDirectory(Path(folder) / name.replace(":", "-")))
            total, mismatched = total + champions, mismatched + len(mismatches)
            print(f"{name}: {champions} champions replayed, mismatches at generations "
                  f"{mismatches} ({time.perf_counter() - start:.1f} s)", flush=True)
    print(json.dumps({"champions": total, "mismatches": mismatched, "tasks": tasks}))


if __name__ == "__main__":
    main()
