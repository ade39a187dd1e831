"""Replays play exactly the episodes a champion was scored on: for every built-in task and a
gymnasium environment, every champion file of a short run, replayed from the episodes it records,
gives back its stored fitness bit for bit."""

from __future__ import annotations

import pytest

from fitness.registry import make_task
from fitness.task import replayed_fitness
from neat.cli import main
from neat.config import load_config
from neat.rundir import RunDirectory
from neat.serialize import genome_from_dict

RUNS = {
    "xor": ["--generations", "3"],
    "cartpole": ["--generations", "3", "--set", "task.episodes=3"],
    "double-pole": ["--generations", "2", "--pop", "30", "--set", "task.max_steps=2000"],
    "double-pole-novel": ["--generations", "2", "--pop", "40"],
    "platformer": ["--generations", "3", "--pop", "20", "--set", "task.random_levels=2",
                   "--set", "task.heldout_levels=6", "--set", "task.named_variants=1"],
    "gym:CartPole-v1": ["--generations", "2", "--pop", "8", "--set", "task.episodes=2",
                        "--set", "task.test_episodes=3"],
}


@pytest.mark.parametrize("task_name", sorted(RUNS))
def test_every_champion_replays_to_its_stored_fitness(task_name, tmp_path):
    runs = tmp_path / "runs"
    status = main(["run", task_name, "--runs-dir", str(runs), "--name", "r", "--quiet",
                   "--seed", "5", "--set", "run.stop_when_solved=false", *RUNS[task_name]])
    assert status == 0
    config = load_config(runs / "r" / "config.toml")
    task = make_task(config.run.task, config.task)
    run = RunDirectory(runs / "r")
    generations = run.champion_generations()
    assert len(generations) >= 2
    for generation in generations:
        _, record = run.read_champion(generation)
        genome = genome_from_dict(record, config.genome.feed_forward)
        replayed = replayed_fitness(task, genome, not config.genome.feed_forward,
                                    record["episodes"])
        assert replayed == record["fitness"], generation
