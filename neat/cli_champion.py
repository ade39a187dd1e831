"""`neat replay` and `neat export`: a run's champion played again, or written as a graph."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from neat.config import Config, load_config
from neat.errors import CheckpointError, ConfigError
from neat.export import genome_graph, graph_to_text
from neat.genome import Genome
from neat.rundir import RunDirectory, is_run_dir
from neat.serialize import genome_from_dict


def find_run(name: str) -> RunDirectory:
    """A run directory given as a path, or as a name under ./runs."""
    for path in (Path(name), Path("runs") / name):
        if path.is_dir() and is_run_dir(path):
            return RunDirectory(path)
    raise ConfigError(f"{name} is not a run directory (no config.toml or stats.jsonl); see `neat runs`")


def load_champion(run: RunDirectory, generation: int | None,
                  feed_forward: bool) -> tuple[Path, Genome, dict[str, Any]]:
    """(file, genome, record) of the champion of `generation` (None = the newest)."""
    try:
        path = run.champion_path(generation)
    except FileNotFoundError as exc:
        raise ConfigError(str(exc)) from None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise CheckpointError(f"champion {path} is not valid JSON ({exc})") from None
    try:
        genome = genome_from_dict(record, feed_forward)
    except CheckpointError as exc:
        raise CheckpointError(f"champion {path}: {exc}") from None
    return path, genome, record


def _run_config(run: RunDirectory) -> Config:
    return load_config(run.path / "config.toml")


def command_replay(args: argparse.Namespace) -> int:
    if args.episodes < 1:
        raise ConfigError(f"--episodes {args.episodes}: must be at least 1")
    run = find_run(args.run)
    config = _run_config(run)
    path, genome, record = load_champion(run, args.generation, config.genome.feed_forward)
    from fitness.registry import make_task

    task = make_task(config.run.task, config.task)
    seed = config.run.seed if args.seed is None else args.seed
    recurrent = not config.genome.feed_forward
    print(f"Champion {path} (genome {genome.key}, generation {record.get('generation')}, "
          f"fitness {record.get('fitness')})")
    first_frames = None
    scores = []
    for episode in range(args.episodes):
        frames = task.replay(genome, seed + episode, recurrent)
        score = sum(float(f.reward) for f in frames)
        scores.append(score)
        print(f"episode {episode}  seed {seed + episode}  steps {len(frames)}  score {score:.6g}")
        if first_frames is None:
            first_frames = frames
    if args.episodes > 1:
        print(f"mean score {sum(scores) / len(scores):.6g} over {args.episodes} episodes")
    if args.gif:
        from fitness.drawing import save_gif

        count = save_gif([f.world for f in first_frames or []], Path(args.gif))
        print(f"Wrote {args.gif} ({count} frames of episode 0)")
    return 0


def command_export(args: argparse.Namespace) -> int:
    run = find_run(args.run)
    config = _run_config(run)
    path, genome, record = load_champion(run, args.generation, config.genome.feed_forward)
    graph = genome_graph(genome, record.get("input_labels") or (), record.get("output_labels") or ())
    text = graph_to_text(graph, args.format)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"Wrote {args.output} (champion {path.name}, {graph.number_of_nodes()} nodes, "
              f"{graph.number_of_edges()} connections)", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
