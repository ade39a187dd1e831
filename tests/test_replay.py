"""Replays play exactly the episodes a champion was scored on: for every built-in task and a
gymnasium environment, every champion file of a short run, replayed from the episodes it records,
gives back its stored fitness bit for bit (`neat replay --verify`)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from fitness.double_pole import DoublePoleTask
from neat.app.cli import main
from neat.app.rundir import RunDirectory

RUNS = {
    "xor": ["--generations", "3"],
    "cartpole": ["--generations", "3", "--set", "task.episodes=3"],
    "double-pole": ["--generations", "2", "--pop", "30", "--set", "task.max_steps=2000"],
    "double-pole-novel": ["--generations", "2", "--pop", "40"],
    "double-pole-novel --set task.champion=best": ["--generations", "4", "--pop", "40"],
    "platformer": ["--generations", "3", "--pop", "20", "--set", "task.random_levels=2",
                   "--set", "task.heldout_levels=6", "--set", "task.named_variants=1"],
    "gym:CartPole-v1": ["--generations", "2", "--pop", "8", "--set", "task.episodes=2",
                        "--set", "task.test_episodes=3"],
}


@pytest.mark.parametrize("task_name", sorted(RUNS))
def test_every_champion_replays_to_its_stored_fitness(task_name, tmp_path, capsys):
    runs = tmp_path / "runs"
    assert main(["run", *task_name.split(), "--runs-dir", str(runs), "--name", "r", "--quiet",
                 "--seed", "5", "--set", "run.stop_when_solved=false", *RUNS[task_name]]) == 0
    capsys.readouterr()
    assert main(["replay", str(runs / "r"), "--verify"]) == 0
    assert "each gives back its stored fitness exactly" in capsys.readouterr().out


def test_verify_catches_a_champion_whose_fitness_was_not_earned(tmp_path, capsys):
    runs = tmp_path / "runs"
    assert main(["run", "cartpole", "--runs-dir", str(runs), "--name", "r", "--quiet",
                 "--generations", "2", "--set", "run.stop_when_solved=false"]) == 0
    path = runs / "r" / "champions" / "gen-000001.json"
    record = json.loads(path.read_text())
    record["fitness"] += 1.0
    path.write_text(json.dumps(record))
    capsys.readouterr()
    assert main(["replay", str(runs / "r"), "--verify"]) == 1
    assert "generations [1] do NOT give back" in capsys.readouterr().out


def test_a_solving_genome_of_the_species_rotation_is_its_generations_champion_file(
        tmp_path, capsys, monkeypatch):
    """double-pole-novel with champion = "species": the third genome tested is declared solved (it
    is not its generation's fittest); the run stops there, with that genome, its own fitness and
    its test in the generation's champion file, which replays to that fitness."""
    real_test, tested = DoublePoleTask.test, []

    def test(self, genome, recurrent):
        tested.append(genome.key)
        return dataclasses.replace(real_test(self, genome, recurrent), solved=len(tested) == 3)

    monkeypatch.setattr(DoublePoleTask, "test", test)
    runs = tmp_path / "runs"
    assert main(["run", "double-pole-novel", "--runs-dir", str(runs), "--name", "r", "--quiet",
                 "--seed", "5", "--generations", "20", "--pop", "40",
                 "--set", "task.champion=species"]) == 0
    run = RunDirectory(runs / "r")
    last = run.read_stats()[-1]
    assert last.test_solved and len(tested) == 3 and last.generation < 19
    generation, record = run.read_champion(last.generation)
    assert generation == run.best_champion().generation == last.generation
    assert record["key"] == tested[-1] == last.champion_id and record["test"]["solved"]
    assert record["fitness"] == last.champion_fitness < last.best_fitness
    capsys.readouterr()
    assert main(["replay", str(runs / "r"), "--verify"]) == 0
    assert "each gives back its stored fitness exactly" in capsys.readouterr().out
