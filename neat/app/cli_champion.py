"""`neat replay` and `neat export`: a run's champion played again, or written as a graph."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from neat.app.rundir import (
    BEST,
    CONFIG,
    GenerationChoice,
    RunDirectory,
    champion_name,
    is_run_dir,
    parse_generation_choice,
)
from neat.config import Config, load_config
from neat.errors import CheckpointError, ConfigError
from neat.export import genome_graph, graph_to_text
from neat.genome import Genome
from neat.serialize import genome_from_dict

if TYPE_CHECKING:
    from fitness.task import EpisodeReplay


def find_run(name: str) -> RunDirectory:
    """A run directory given as a path, or as a name under ./runs."""
    for path in (Path(name), Path("runs") / name):
        if path.is_dir() and is_run_dir(path):
            return RunDirectory(path)
    raise ConfigError(f"{name} is not a run directory (no config.toml or stats.jsonl); see `neat runs`")


def read_champion_genome(run: RunDirectory, choice: GenerationChoice,
                         feed_forward: bool) -> tuple[Path, Genome, dict[str, Any]]:
    """(file, genome, record) of the champion `choice` names (a generation, "best", or "latest"/
    None: the newest); a champion stored as a reference to an earlier generation's genome comes
    back complete."""
    generation, record = run.read_champion(choice)
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


def verify_champions(run: RunDirectory) -> tuple[int, list[int]]:
    """Play every champion of `run` again from the episodes its file records: (champions,
    generations whose replayed fitness is not bit for bit the stored one)."""
    from fitness.registry import make_task
    from fitness.task import replayed_fitness

    config = _run_config(run)
    task = make_task(config.run.task, config.task)
    generations = run.champion_generations()
    mismatches = []
    for generation in generations:
        _, genome, record = read_champion_genome(run, generation, config.genome.feed_forward)
        replayed = replayed_fitness(task, genome, not config.genome.feed_forward,
                                    record.get("episodes"))
        if replayed != record.get("fitness"):
            mismatches.append(generation)
    return len(generations), mismatches


def command_replay(args: argparse.Namespace) -> int:
    gif = check_gif_path(args.gif) if args.gif else None
    run = find_run(args.run)
    if args.verify:
        champions, mismatches = verify_champions(run)
        print(f"{champions} champions replayed from the episodes they record: "
              + (f"generations {mismatches} do NOT give back their stored fitness" if mismatches
                 else "each gives back its stored fitness exactly"))
        return 1 if mismatches else 0
    config = _run_config(run)
    choice = parse_generation_choice(args.generation)
    path, genome, record = read_champion_genome(run, choice, config.genome.feed_forward)
    from fitness.registry import make_task
    from fitness.task import episode_from_record, mean_score

    task = make_task(config.run.task, config.task)
    recurrent = not config.genome.feed_forward
    print(f"Champion {path} (genome {genome.key}, generation {record.get('generation')}, "
          f"fitness {record.get('fitness')})")
    best = run.best_champion() if choice == BEST else None
    if best is not None:
        print(f"The run's best champion, {best.describe()}")
    if args.test:
        episodes = task.test_episodes()
    elif isinstance(record.get("episodes"), list):
        episodes = [episode_from_record(e) for e in record["episodes"]]
    else:
        raise CheckpointError(f"champion {path} does not record the episodes it was scored on "
                              "(an older file); use --test to play the task's test episodes")
    chosen = range(len(episodes))
    if args.episode is not None:
        if not 0 <= args.episode < len(episodes):
            raise ConfigError(f"--episode {args.episode}: this champion has episodes 0.."
                              f"{len(episodes) - 1}")
        chosen = range(args.episode, args.episode + 1)
    if args.test and args.episode is None and gif is None:
        result = task.test(genome, recurrent)
        print(f"test: {result.episodes} episodes, score {result.score:.6g}, "
              f"{'solved' if result.solved else 'not solved'} ({task.spec.test_protocol})")
        for key, value in result.details.items():
            print(f"  {key}: {value}")
        return 0
    replays: list[EpisodeReplay] = []
    for k in chosen:
        replay = task.replay(genome, recurrent, episodes[k], max_frames=None if gif and
                             not replays else 0)
        replays.append(replay)
        print(f"[{k}] {replay.episode.label}: steps {replay.steps}, score {replay.score:.6g}")
    if not args.test and args.episode is None:
        fitness = mean_score([r.score for r in replays])
        verdict = "the stored fitness" if fitness == record.get("fitness") else (
            f"NOT the stored fitness {record.get('fitness')!r}")
        print(f"fitness {fitness:.6g} (the mean score of the {len(replays)} episode(s)): {verdict}")
    if gif is not None:
        from fitness.drawing import save_gif

        shown, steps = len(replays[0].frames), replays[0].steps
        count = save_gif(replays[0].pictured_frames(), gif, task.spec.frame_rate)
        span = f"its first {shown:,} of {steps:,} steps" if shown < steps else f"its {steps:,} steps"
        print(f"Wrote {gif}: episode {chosen[0]}, {count} frames showing {span}")
    return 0


def command_export(args: argparse.Namespace) -> int:
    run = find_run(args.run)
    config = _run_config(run)
    path, genome, record = read_champion_genome(run, parse_generation_choice(args.generation),
                                                config.genome.feed_forward)
    graph = genome_graph(genome, record.get("input_labels") or (), record.get("output_labels") or ())
    text = graph_to_text(graph, args.format)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"Wrote {args.output} (champion {path.name}, {graph.number_of_nodes()} nodes, "
              f"{graph.number_of_edges()} connections)", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
