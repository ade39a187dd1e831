"""Replays play exactly the episodes a champion was scored on: for every built-in task and a
gymnasium environment, every champion file of a short run, replayed from the episodes it records,
gives back its stored fitness bit for bit (`neat replay --verify`)."""

from __future__ import annotations

import json

import pytest

from neat.app.cli import main

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
def test_every_champion_replays_to_its_stored_fitness(task_name, tmp_path, capsys):
    runs = tmp_path / "runs"
    assert main(["run", task_name, "--runs-dir", str(runs), "--name", "r", "--quiet",
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
