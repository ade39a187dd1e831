"""`neat replay` and `neat export`: a run's champion played again, or written as a graph."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from neat.config import Config, load_config
from neat.errors import CheckpointError, ConfigError
from neat.export import genome_graph, graph_to_text
from neat.genome import Genome
from neat.rundir import CONFIG, RunDirectory, champion_name, is_run_dir
from neat.serialize import genome_from_dict

MAX_SEED = 2**63 - 1  # run.seed's range


def find_run(name: str) -> RunDirectory:
    """A run directory given as a path, or as a name under ./runs."""
    for path in (Path(name), Path("runs") / name):
        if path.is_dir() and is_run_dir(path):
            return RunDirectory(path)
    raise ConfigError(f"{name} is not a run directory (no config.toml or stats.jsonl); see `neat runs`")


def load_champion(run: RunDirectory, generation: int | None,
                  feed_forward: bool) -> tuple[Path, Genome, dict[str, Any]]:
    """(file, genome, record) of the champion of `generation` (None = the newest); a champion stored
    as a reference to an earlier generation's genome comes back complete."""
    generation, record = run.read_champion(generation)
    path = run.champions / champion_name(generation)
    try:
        genome = genome_from_dict(record, feed_forward)
    except CheckpointError as exc:
        raise CheckpointError(f"champion {path}: {exc}") from None
    return path, genome, record


def _run_config(run: RunDirectory) -> Config:
    return load_config(run.path / CONFIG)


def check_gif_path(gif: str) -> Path:
    """The --gif path, refused unless it names a .gif file in an existing folder."""
    path = Path(gif)
    if path.is_dir():
        raise ConfigError(f"--gif {gif}: is a folder; give a file name such as {path / 'replay.gif'}")
    if path.suffix.lower() != ".gif":
        raise ConfigError(f"--gif {gif}: the file name must end with .gif")
    if not path.parent.is_dir():
        raise ConfigError(f"--gif {gif}: the folder {path.parent} does not exist")
    return path


def command_replay(args: argparse.Namespace) -> int:
    if args.episodes < 1:
        raise ConfigError(f"--episodes {args.episodes}: must be at least 1")
    if args.seed is not None and not 0 <= args.seed <= MAX_SEED - args.episodes:
        raise ConfigError(f"--seed {args.seed}: must be from 0 to {MAX_SEED - args.episodes:,} "
                          f"(episode e uses seed S+e)")
    gif = check_gif_path(args.gif) if args.gif else None
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
    if gif is not None:
        from fitness.drawing import save_gif

        count = save_gif([f.world for f in first_frames or []], gif)
        print(f"Wrote {gif} ({count} frames of episode 0)")
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
