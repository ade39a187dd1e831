"""How a run continues: which checkpoint (only one that belongs to the run), what its stats log
and champions lack, and the clean-up that waits until the resumed run reaches its first generation.

A checkpoint belongs to a run when its run id, task and config (run.generations apart, which
`neat resume --generations` changes) match the run's run.json and config.toml, and its generation
matches its file name. Nothing here deletes or rewrites a file before `Cleanup` is called.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neat.app.checkpoint import Checkpoint, load_checkpoint
from neat.app.rundir import CHECKPOINT_FILE, RunDirectory, StatsRow, parse_stats_line
from neat.config import Config
from neat.errors import CheckpointError, RunFileError
from neat.genome import Genome
from neat.serialize import genome_from_dict


def choose_checkpoint(run: RunDirectory, requested: Path | None, config: Config, run_id: str | None,
                      warn: Callable[[str], None]) -> Checkpoint | None:
    """The checkpoint to continue from: `requested`, or the newest that loads (damaged newer ones
    are skipped with `warn`); None when the run has no checkpoint file at all (it restarts).
    CheckpointError when the chosen one does not belong to the run or none loads."""
    if requested is not None:
        checkpoint = load_checkpoint(requested)
        check_belongs(checkpoint, config, run_id)
        return checkpoint
    files = run.checkpoint_files()
    if not files:
        return None
    problems = []
    for _, path in reversed(files):
        try:
            checkpoint = load_checkpoint(path)
        except CheckpointError as exc:
            warn(f"skipping {exc}")
            problems.append(str(exc))
            continue
        check_belongs(checkpoint, config, run_id)
        return checkpoint
    raise CheckpointError(f"no usable checkpoint in {run.checkpoints}: {problems[0]}. Move the "
                          "damaged files out of that folder to start the run again from generation 0")


def check_belongs(checkpoint: Checkpoint, config: Config, run_id: str | None) -> None:
    """CheckpointError, naming the file, unless `checkpoint` is this run's (see the module doc)."""
    path = checkpoint.path
    move = f"Move it out of {path.parent} and resume again"
    if checkpoint.run_id != run_id:
        raise CheckpointError(f"{path} belongs to another run (run id {checkpoint.run_id}; this "
                              f"run's is {run_id}). {move}")
    if checkpoint.task != config.run.task:
        raise CheckpointError(f"{path} is a checkpoint of task '{checkpoint.task}' but this run "
                              f"evolves '{config.run.task}'. {move}")
    difference = config_difference(checkpoint.config, config)
    if difference:
        raise CheckpointError(f"{path} was made with another config than this run's config.toml "
                              f"({difference}). {move}")
    match = CHECKPOINT_FILE.fullmatch(path.name)
    if match is None or int(match.group(1)) + 1 != checkpoint.generation:
        raise CheckpointError(f"{path} holds generation {checkpoint.generation}, which does not "
                              f"match its name (gen-NNNNNN.json.gz is written after generation "
                              f"NNNNNN); it was renamed or copied from elsewhere. {move}")


def config_difference(a: Config, b: Config) -> str | None:
    """The first key (run.generations aside) whose value differs, as 'key: a vs b'."""
    first, second = a.to_dict(), b.to_dict()
    for section in sorted(first.keys() | second.keys()):
        values_a, values_b = first.get(section, {}), second.get(section, {})
        for key in sorted(values_a.keys() | values_b.keys()):
            if (section, key) == ("run", "generations"):
                continue
            if values_a.get(key) != values_b.get(key):
                return f"{section}.{key}: {values_a.get(key)!r} vs {values_b.get(key)!r}"
    return None


@dataclass
class StatsPlan:
    """stats.jsonl as the resumed run needs it: one row per generation before the checkpoint."""

    lines: list[bytes]  # the rows kept, in generation order (their original bytes)
    rows: list[StatsRow]
    changed: bool  # the file must be rewritten
    repairs: list[str] = field(default_factory=list)  # what the rewrite fixes
    gaps: list[str] = field(default_factory=list)  # what cannot be recomputed


def plan_stats(data: bytes, next_generation: int) -> StatsPlan:
    """Check stats.jsonl against a checkpoint holding `next_generation`: rows of generations
    0..next_generation-1 once each and in order; later rows are recomputed by the resumed run."""
    complete, _, torn = data.rpartition(b"\n")
    kept: dict[int, tuple[bytes, StatsRow]] = {}
    damaged, duplicates, after, disordered = [], [], 0, False
    for number, line in enumerate(complete.split(b"\n") if complete else [], 1):
        if not line.strip():
            damaged.append(number)
            continue
        try:
            row = parse_stats_line(line)
        except RunFileError:
            damaged.append(number)
            continue
        if row.generation >= next_generation:
            after += 1
        elif row.generation in kept:
            duplicates.append(row.generation)
        else:
            disordered |= bool(kept) and row.generation < max(kept)
            kept[row.generation] = (line, row)
    plan = StatsPlan([kept[g][0] for g in sorted(kept)], [kept[g][1] for g in sorted(kept)],
                     bool(damaged or duplicates or after or disordered or torn.strip()))
    last = next_generation - 1
    if after:
        plan.repairs.append(f"dropped {after} stats row(s) after generation {last} (the resumed run "
                            "recomputes them)" if last >= 0 else
                            f"dropped the {after} stats row(s) of the attempt that died (the run "
                            "starts again and recomputes them)")
    if torn.strip():
        plan.repairs.append("dropped a half-written last stats line")
    if damaged:
        plan.repairs.append(f"removed {len(damaged)} damaged stats line(s) (line {spans(damaged)})")
    if duplicates:
        plan.repairs.append(f"removed {len(duplicates)} duplicate stats row(s) of generation(s) "
                            f"{spans(sorted(set(duplicates)))}, keeping the first of each")
    if disordered:
        plan.repairs.append("put the stats rows back in generation order")
    missing = [g for g in range(next_generation) if g not in kept]
    if missing:
        plan.gaps.append(f"stats.jsonl has no row for generation(s) {spans(missing)}; a resume "
                         "cannot recompute generations before its checkpoint, so they stay missing")
    return plan


def spans(numbers: list[int]) -> str:
    """'3-5, 9' for [3, 4, 5, 9]."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def missing_champions(run: RunDirectory, next_generation: int) -> str | None:
    """A note when champion files of generations before the checkpoint are missing."""
    present = set(run.champion_generations())
    missing = [g for g in range(next_generation) if g not in present]
    if not missing:
        return None
    return (f"no champion file for generation(s) {spans(missing)}; a resume cannot recompute them, "
            "so `neat replay` and the viewer cannot show those generations")


def previous_champion(run: RunDirectory, generation: int, feed_forward: bool
                      ) -> tuple[Genome, int] | None:
    """(genome, generation whose file holds it in full) of `generation`'s champion, for the runner
    to keep storing an unchanged champion as a reference; None when it is missing or unreadable."""
    if generation < 0:
        return None
    try:
        genome_of = run.champion_genome_of(generation)
        _, record = run.read_champion(genome_of)
        return genome_from_dict(record, feed_forward), genome_of
    except (RunFileError, CheckpointError):
        return None


@dataclass
class Cleanup:
    """What a resume changes in the run directory, done once its first generation is evaluated:
    the repaired stats log, champions and checkpoints after the checkpoint deleted, the config."""

    run: RunDirectory
    completed: int  # the last generation kept (-1 when the run starts again)
    stats: StatsPlan
    config: dict[str, Any]
    warn: Callable[[str], None]

    def __call__(self) -> None:
        if self.stats.changed:
            self.run.write_stats_lines(self.stats.lines)
        for repair in self.stats.repairs:
            self.warn(repair)
        newer = self.run.discard_after(self.completed)
        if newer:
            self.warn(f"deleted {newer} checkpoint(s) after generation {self.completed}: the run "
                      "continues from an older one")
        self.run.write_config(self.config)
        self.run.write_status("running", self.completed if self.completed >= 0 else None)

