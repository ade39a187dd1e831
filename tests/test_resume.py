"""Exact resume through the real `neat` entry point: a run interrupted and resumed equals the
uninterrupted one (stats apart from wall-clock fields, byte-identical champion files)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from neat.app.cli import main
from neat.app.resume import choose_checkpoint
from neat.app.rundir import RunDirectory
from neat.config import load_config

WALL_CLOCK = ("seconds", "evaluations_per_second")
EVOLVE = ["--pop", "40", "--seed", "11", "--quiet", "--set", "mutation.add_node_rate=0.2",
          "--set", "mutation.add_connection_rate=0.3", "--set", "run.stop_when_solved=false"]


def run_cli(*args: str) -> int:
    return main([str(a) for a in args])


def comparable_stats(run: Path) -> list[dict]:
    rows = [json.loads(line) for line in (run / "stats.jsonl").read_text().splitlines()]
    for row in rows:
        for key in WALL_CLOCK:
            row.pop(key)
    return rows


def champion_bytes(run: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((run / "champions").iterdir())}


def assert_same_run(a: Path, b: Path, generations: int) -> None:
    stats_a, stats_b = comparable_stats(a), comparable_stats(b)
    assert [r["generation"] for r in stats_a] == list(range(generations))
    assert stats_a == stats_b
    assert champion_bytes(a) == champion_bytes(b)
    assert len(champion_bytes(a)) == generations


@pytest.mark.parametrize(("task", "options"), [
    ("xor", []),
    ("xor", ["--set", "genome.feed_forward=false"]),
    ("cartpole", ["--set", "task.episodes=2"]),
    ("cartpole", ["--set", "task.episodes=2", "--set", "genome.feed_forward=false"]),
    ("double-pole-novel", ["--set", "task.champion=species", "--set", "speciation.threshold=1.0"]),
])
def test_resume_equals_uninterrupted_run(tmp_path, task, options):
    runs = tmp_path / "runs"
    common = [*EVOLVE, *options, "--runs-dir", runs]
    assert run_cli("run", task, "--generations", 10, "--name", "straight", *common) == 0
    assert run_cli("run", task, "--generations", 5, "--name", "split", *common) == 0
    assert run_cli("resume", runs / "split", "--generations", 10, "--quiet") == 0
    assert_same_run(runs / "straight", runs / "split", 10)
    status = json.loads((runs / "split" / "status.json").read_text())
    assert status["state"] == "finished" and status["generation"] == 9


def test_resume_from_an_older_checkpoint_repairs_stats_and_never_overshoots(tmp_path):
    runs = tmp_path / "runs"
    common = [*EVOLVE, "--runs-dir", runs]
    assert run_cli("run", "xor", "--generations", 12, "--name", "straight", *common) == 0
    assert run_cli("run", "xor", "--generations", 9, "--name", "split", "--checkpoint-every", 4,
                   *common) == 0
    split = runs / "split"
    # checkpoints after generations 3, 7 and the final 8; a torn half line at the end of the log
    assert sorted(p.name for p in (split / "checkpoints").iterdir()) == [
        "gen-000003.json.gz", "gen-000007.json.gz", "gen-000008.json.gz"]
    with open(split / "stats.jsonl", "a") as f:
        f.write('{"generation": 9, "best_fit')
    assert run_cli("resume", split / "checkpoints" / "gen-000003.json.gz", "--generations", 7,
                   "--quiet") == 0
    assert [r["generation"] for r in comparable_stats(split)] == list(range(7))
    assert run_cli("resume", split, "--generations", 12, "--quiet") == 0
    assert run_cli("resume", split, "--generations", 12, "--quiet") == 0  # nothing left to do
    assert_same_run(runs / "straight", split, 12)


def test_resume_skips_a_corrupt_newest_checkpoint(tmp_path, capsys):
    runs = tmp_path / "runs"
    common = [*EVOLVE, "--runs-dir", runs]
    assert run_cli("run", "xor", "--generations", 8, "--name", "straight", *common) == 0
    assert run_cli("run", "xor", "--generations", 6, "--name", "split", "--checkpoint-every", 1,
                   *common) == 0
    newest = runs / "split" / "checkpoints" / "gen-000005.json.gz"
    newest.write_bytes(newest.read_bytes()[:100])
    capsys.readouterr()
    assert run_cli("resume", runs / "split", "--generations", 8, "--quiet") == 0
    err = capsys.readouterr().err
    assert "gen-000005.json.gz" in err and "truncated" in err
    assert_same_run(runs / "straight", runs / "split", 8)


# --- interruptions of real `python -m neat` processes ---------------------------------------------

REPO = Path(__file__).resolve().parents[1]
SLOW = ["--pop", "1000", "--seed", "4", "--set", "run.stop_when_solved=false", "--set",
        "mutation.add_node_rate=0.1", "--checkpoint-every", "1"]
STARTUP_TIMEOUT = 120.0  # seconds; a cold numba cache makes the first start slow


def start_neat(cwd: Path, *args: object) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "neat", *map(str, args)], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def newest_checkpoint(run: Path) -> int:
    names = [p.name for p in (run / "checkpoints").glob("gen-*.json.gz")] if run.is_dir() else []
    return max((int(n[4:10]) for n in names), default=-1)


def wait_for(condition, process: subprocess.Popen) -> None:
    """Poll until `condition()` holds or the process ends (it may finish before we look)."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not condition() and process.poll() is None:
        assert time.monotonic() < deadline, "the neat process made no progress"
        time.sleep(0.002)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_finishes_the_generation_checkpoints_and_exits(tmp_path, signum, code):
    process = start_neat(tmp_path, "run", "xor", "--generations", 10_000, "--name", "sig", *SLOW)
    run = tmp_path / "runs" / "sig"
    wait_for(lambda: newest_checkpoint(run) >= 1, process)
    process.send_signal(signum)
    out, err = process.communicate(timeout=STARTUP_TIMEOUT)
    assert process.returncode == code, err
    assert f"neat resume {Path('runs') / 'sig'}" in out
    status = json.loads((run / "status.json").read_text())
    rows = comparable_stats(run)
    assert status["state"] == "stopped" and status["generation"] == rows[-1]["generation"]
    assert newest_checkpoint(run) == rows[-1]["generation"]  # the generation it finished


def test_killed_again_and_again_the_resumed_run_equals_the_uninterrupted_one(tmp_path):
    """SIGKILL at random moments (8 times); each time the newest complete checkpoint resumes."""
    generations = 30
    assert run_cli("run", "xor", "--generations", generations, "--name", "straight", "--runs-dir",
                   tmp_path / "runs", "--quiet", *SLOW) == 0
    rng = np.random.default_rng(2024)
    run = tmp_path / "runs" / "killed"
    command = ["run", "xor", "--generations", generations, "--name", "killed", "--quiet", *SLOW]
    kills = 0
    while kills < 8:
        before = newest_checkpoint(run)
        process = start_neat(tmp_path, *command)
        wait_for(lambda before=before: newest_checkpoint(run) > before, process)
        time.sleep(rng.uniform(0.0, 0.15))  # a random moment after progress was seen
        if process.poll() is not None:
            break  # the run finished first
        process.kill()
        process.wait()
        kills += 1
        assert choose_checkpoint(RunDirectory(run), None, load_config(run / "config.toml"),
                                 RunDirectory(run).read_meta().run_id, warn=lambda message: None)
        command = ["resume", Path("runs") / "killed", "--quiet", "--checkpoint-every", "1"]
    assert kills >= 6
    assert run_cli("resume", run, "--quiet") == 0
    assert_same_run(tmp_path / "runs" / "straight", run, generations)
