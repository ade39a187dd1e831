"""`neat run gym:...` from the command line: a plugin environment (Atari Pong through ale-py, RAM
observations) evolves, resumes and replays exactly; every failure of an environment ends with one
line on stderr and exit status 2, and a run that fails is marked failed with the reason."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from neat.app.cli import main

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = "gym:tests.gym_plugins:neat-test"
FAILING = [f"{PLUGIN}/Failing-v0", "--pop", "6", "--set", "task.episodes=1", "--generations", "20"]
ERRORS = {
    "unknown id": (["gym:NoSuchGame-v0"], "gymnasium cannot make environment 'NoSuchGame-v0'"),
    "plugin not imported": (["gym:ALE/Pong-v5"], "as gym:MODULE:ALE/Pong-v5 or with --import"),
    "Atari images": (["gym:ale_py:ALE/Pong-v5"], 'for Atari, the console\'s RAM (task.env_kwargs = '
                     '{obs_type = "ram"}'),
    "missing plugin": (["gym:no_such_plugin:Game-v0"], "cannot import module 'no_such_plugin'"),
    "missing --import": (["gym:CartPole-v1", "--import", "no_such_plugin"],
                         "cannot import module 'no_such_plugin'"),
    "--import without gym": (["cartpole", "--import", "ale_py"], "--import is for gym:<EnvId>"),
    "wrong space": ([f"{PLUGIN}/Dict-v0"], "has observation space Dict("),
    "too many inputs": ([f"{PLUGIN}/Image-v0"], 'task.observation = "grayscale:16x16"'),
    "exception in step": ([*FAILING, "--name", "step", "--set",
                           'task.env_kwargs={fail_in="step", after=60}'],
                          "'neat-test/Failing-v0' failed in step: RuntimeError"),
    "exception in reset": ([*FAILING, "--name", "reset", "--set",
                            'task.env_kwargs={fail_in="reset", after=0}'],
                           "'neat-test/Failing-v0' failed in reset: RuntimeError"),
    "exception in a worker": ([*FAILING, "--name", "worker", "--dask", "process:2", "--set",
                               'task.env_kwargs={fail_in="step", after=200}'],
                              "'neat-test/Failing-v0' failed in step: RuntimeError"),
}


@pytest.fixture(scope="module")
def failures(tmp_path_factory) -> tuple[Path, dict[str, subprocess.CompletedProcess]]:
    """Every case of ERRORS run as a real `neat run` process, all at once."""
    runs = tmp_path_factory.mktemp("runs")
    processes = {
        case: subprocess.Popen([sys.executable, "-m", "neat", "run", *args, "--runs-dir", str(runs),
                                "--quiet"], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        for case, (args, _) in ERRORS.items()
    }
    results = {}
    for case, process in processes.items():
        out, err = process.communicate(timeout=300)
        results[case] = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    return runs, results


@pytest.mark.parametrize("case", list(ERRORS))
def test_each_failure_of_an_environment_is_one_line_and_exit_2(case, failures):
    result = failures[1][case]
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and lines[0].startswith("neat run: error: "), result.stderr
    assert ERRORS[case][1] in lines[0]


@pytest.mark.parametrize(("name", "completed"), [("step", True), ("reset", False),
                                                 ("worker", True)])
def test_a_run_whose_environment_fails_is_marked_failed_with_the_reason(name, completed, failures,
                                                                       capsys):
    runs = failures[0]
    status = json.loads((runs / name / "status.json").read_text())
    assert status["state"] == "failed" and "RuntimeError: the simulator exploded" in status["reason"]
    rows = (runs / name / "stats.jsonl").read_text().splitlines()
    assert bool(rows) == completed  # a step fails after a generation or more, a reset at once
    assert main(["runs", str(runs)]) == 0
    assert f"{name} failed: gymnasium environment 'neat-test/Failing-v0'" in capsys.readouterr().out


PONG = ["--import", "ale_py", "--pop", "10", "--seed", "3", "--quiet",
        "--set", 'task.env_kwargs={obs_type="ram", repeat_action_probability=0.25}',
        "--set", 'task.observation="scaled"', "--set", "task.episodes=1",
        "--set", "task.max_steps=200", "--set", "run.stop_when_solved=false"]


def test_atari_pong_on_ram_evolves_resumes_and_replays_from_the_command_line(tmp_path, capsys):
    pytest.importorskip("ale_py")
    runs = tmp_path / "runs"
    assert main(["run", "gym:ALE/Pong-v5", "--generations", "2", "--runs-dir", str(runs),
                 "--name", "pong", *PONG]) == 0
    run = runs / "pong"
    config = tomllib.loads((run / "config.toml").read_text())
    assert config["task"]["imports"] == ["ale_py"] and config["task"]["observation"] == "scaled"
    assert len((run / "stats.jsonl").read_text().splitlines()) == 2
    assert main(["resume", str(run), "--generations", "3", "--quiet"]) == 0  # imports ale_py again
    rows = [json.loads(line) for line in (run / "stats.jsonl").read_text().splitlines()]
    assert [r["generation"] for r in rows] == [0, 1, 2]
    capsys.readouterr()
    assert main(["replay", str(run), "--verify"]) == 0
    assert "3 champions replayed" in capsys.readouterr().out
