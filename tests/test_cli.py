"""The `neat` command in-process: every subcommand, run directory contents, and user errors (exit 2,
one message, no traceback), including a full disk and an unwritable run directory."""

from __future__ import annotations

import errno
import gzip
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
import urllib.request
from pathlib import Path

import networkx as nx
import pytest
from PIL import Image

from neat.app.checkpoint import load_checkpoint
from neat.app.cli import build_parser, main
from neat.config import Config, load_config
from neat.serialize import genome_from_dict

QUICK = ["--pop", "30", "--seed", "2", "--quiet"]


def neat(*args: object) -> int:
    return main([str(a) for a in args])


@pytest.fixture(scope="module")
def xor_run(tmp_path_factory) -> Path:
    runs = tmp_path_factory.mktemp("runs")
    assert neat("run", "xor", "--generations", 6, "--name", "x", "--runs-dir", runs,
                "--checkpoint-every", 2, "--keep", 2, *QUICK) == 0
    return runs / "x"


def test_run_writes_a_complete_run_directory(xor_run):
    config = load_config(xor_run / "config.toml")
    assert (config.run.task, config.run.generations, config.population.size) == ("xor", 6, 30)
    rows = [json.loads(line) for line in (xor_run / "stats.jsonl").read_text().splitlines()]
    assert [r["generation"] for r in rows] == list(range(6))
    for key in ("evaluations", "best_fitness", "mean_fitness", "std_fitness", "species",
                "champion_id", "solved", "seconds"):
        assert key in rows[0]
    champions = sorted(p.name for p in (xor_run / "champions").iterdir())
    assert champions == [f"gen-{g:06d}.json" for g in range(6)]
    record = json.loads((xor_run / "champions" / "gen-000005.json").read_text())
    assert record["generation"] == 5 and record["task"] == "xor"
    assert record["input_labels"] == ["A", "B"] and record["output_labels"] == ["A XOR B"]
    assert record["key"] == rows[5]["champion_id"] and record["fitness"] <= rows[5]["best_fitness"]
    genome_from_dict(record, feed_forward=True)
    # every 2nd generation plus the final one, the newest 2 kept
    assert sorted(p.name for p in (xor_run / "checkpoints").iterdir()) == [
        "gen-000003.json.gz", "gen-000005.json.gz"]
    assert load_checkpoint(xor_run / "checkpoints" / "gen-000005.json.gz").generation == 6
    status = json.loads((xor_run / "status.json").read_text())
    assert status["state"] == "finished" and status["generation"] == 5


def test_run_stops_when_solved_and_says_where(tmp_path, capsys):
    assert neat("run", "xor", "--generations", 300, "--runs-dir", tmp_path, "--pop", "150",
                "--seed", "1") == 0
    out = capsys.readouterr().out
    (run,) = tmp_path.iterdir()
    assert run.name.startswith("xor-")
    rows = [json.loads(line) for line in (run / "stats.jsonl").read_text().splitlines()]
    assert rows[-1]["solved"] and not any(r["solved"] for r in rows[:-1])
    last = rows[-1]["generation"]
    assert f"Solved at generation {last}" in out
    assert f"Champion:   {run / 'champions' / f'gen-{last:06d}.json'}" in out
    assert "gen 0/299 [" in out  # progress lines (plain, stdout is not a terminal here)


def test_config_precedence_and_exact_config_toml(tmp_path):
    file = tmp_path / "my.toml"
    file.write_text("[population]\nsize = 50\n[mutation]\nadd_node_rate = 0.2\n")
    assert neat("run", "xor", "--config", file, "--set", "population.size=40", "--set",
                "mutation.add_node_rate=0.25", "--pop", 30, "--generations", 1, "--name", "p",
                "--runs-dir", tmp_path, "--quiet") == 0
    config = load_config(tmp_path / "p" / "config.toml")
    assert config.population.size == 30 and config.mutation.add_node_rate == 0.25


def test_tasks_lists_every_registered_task_and_what_solved_means(capsys):
    from fitness.registry import TASKS, make_task

    assert neat("tasks") == 0
    out = capsys.readouterr().out
    for name in TASKS:
        assert f"{name}  (" in out
        assert make_task(name, {}).spec.test_protocol.split()[0] in out
    assert "all four\n    outputs are on the right side of 0.5" in out and "gym:<EnvId>" in out


def test_config_defaults_is_complete_and_loads_back(tmp_path, capsys):
    assert neat("config", "--defaults") == 0
    text = capsys.readouterr().out
    assert "# generation limit" in text
    path = tmp_path / "defaults.toml"
    path.write_text(text)
    assert load_config(path) == Config()
    assert set(tomllib.loads(text)) == {*Config().to_dict()}


def test_runs_table(xor_run, capsys):
    assert neat("runs", xor_run.parent) == 0
    out = capsys.readouterr().out
    header, _, row = out.splitlines()[:3]
    assert header.split() == ["name", "task", "generations", "best", "fitness", "solved", "state",
                              "last", "checkpoint"]
    assert row.split()[:3] == ["x", "xor", "6"] and row.split()[-2:] == ["finished",
                                                                         "gen-000005.json.gz"]


def test_replay_prints_scores_and_writes_a_gif(xor_run, tmp_path, capsys):
    gif = tmp_path / "xor.gif"
    assert neat("replay", xor_run, "--generation", 2, "--gif", gif) == 0
    out = capsys.readouterr().out
    assert "gen-000002.json" in out and "[0] the four patterns" in out
    assert ": the stored fitness" in out
    with Image.open(gif) as image:
        assert image.n_frames == 4  # the four XOR patterns
    assert neat("replay", xor_run, "--test") == 0
    assert "test: 1 episodes" in capsys.readouterr().out
    assert neat("replay", xor_run, "--episode", 3) == 2
    assert "--episode 3: this champion has episodes 0..0" in capsys.readouterr().err


def test_the_best_champion_is_named_by_the_summary_replay_and_export(tmp_path, capsys):
    from neat.app.rundir import RunDirectory, best_champion

    assert neat("run", "xor", "--generations", 12, "--name", "b", "--runs-dir", tmp_path, *QUICK,
                "--set", "run.stop_when_solved=false") == 0
    run = RunDirectory(tmp_path / "b")
    best = best_champion(run.read_stats())
    assert best.generation != 11, "the newest champion is the best: choose another seed"
    champion = run.champions / f"gen-{best.generation:06d}.json"
    out = capsys.readouterr().out
    assert f"Champion:   {champion} (the best, {best.describe()})" in out
    assert f"Replay it:  neat replay {run.path} --generation best" in out
    assert neat("replay", run.path, "--generation", "best") == 0
    out = capsys.readouterr().out
    assert f"Champion {champion} (" in out and f"The run's best champion, {best.describe()}" in out
    assert neat("export", run.path, "--generation", "best", "--format", "json") == 0
    exported = json.loads(capsys.readouterr().out)
    assert len(exported["nodes"]) == len(json.loads(champion.read_text())["nodes"])
    for latest in ("latest", None):
        assert neat("replay", run.path, *(["--generation", latest] if latest else [])) == 0
        assert "gen-000011.json (" in capsys.readouterr().out
    assert neat("replay", run.path, "--generation", "bets") == 2
    assert "generation 'bets': give a number (0 or more), 'best' or 'latest'" in (
        capsys.readouterr().err)


def test_replay_cartpole_gif(tmp_path, capsys):
    assert neat("run", "cartpole", "--generations", 2, "--name", "c", "--runs-dir", tmp_path,
                "--set", "task.episodes=1", *QUICK) == 0
    gif = tmp_path / "pole.gif"
    assert neat("replay", tmp_path / "c", "--gif", gif) == 0
    steps = int(capsys.readouterr().out.split("steps ")[1].split(",")[0])
    with Image.open(gif) as image:
        # Pillow merges identical consecutive frames (a well balanced pole stands still)
        assert 1 < image.n_frames <= min(steps, 600) and image.size == (360, 220)


def test_a_double_pole_replay_says_what_its_steps_score_and_gif_are(tmp_path, capsys):
    """A fitness of 100,000 is 100,000 steps balanced; the GIF shows the first 1,000 of them."""
    assert neat("run", "double-pole", "--generations", 30, "--pop", 100, "--seed", 1, "--name",
                "dp", "--runs-dir", tmp_path, "--quiet") == 0
    assert "score 100000, solved" in capsys.readouterr().out
    gif = tmp_path / "dp.gif"
    assert neat("replay", tmp_path / "dp", "--generation", "best", "--gif", gif) == 0
    out = capsys.readouterr().out
    assert "[0] balancing from the standard start: steps 100000, score 100000" in out
    assert re.search(r"Wrote \S+dp\.gif: episode 0, \d+ frames showing its first 1,000 of "
                     r"100,000 steps", out)


@pytest.mark.parametrize("fmt", ["json", "graphml", "dot"])
def test_export_formats(xor_run, tmp_path, fmt):
    out = tmp_path / f"champion.{fmt}"
    assert neat("export", xor_run, "--format", fmt, "--output", out) == 0
    record = json.loads((xor_run / "champions" / "gen-000005.json").read_text())
    text = out.read_text()
    if fmt == "json":
        graph = nx.node_link_graph(json.loads(text), edges="edges")
    elif fmt == "graphml":
        graph = nx.read_graphml(out, node_type=int)
    else:
        assert text.startswith("digraph genome {") and text.rstrip().endswith("}")
        assert text.count(" -> ") == len(record["connections"])
        assert 'label="A XOR B\\n' in text
        return
    assert graph.number_of_nodes() == len(record["nodes"])
    assert graph.nodes[0]["label"] == "A" and graph.nodes[2]["label"] == "A XOR B"
    assert graph.nodes[2]["kind"] == "output" and "activation" in graph.nodes[2]
    conn = record["connections"][0]
    edge = graph.edges[conn["source"], conn["target"]]
    assert edge["innovation"] == conn["innovation"] and edge["weight"] == conn["weight"]
    assert edge["enabled"] == conn["enabled"]


def test_every_command_has_help_whose_examples_parse(capsys):
    """Each command's --help ends with examples of that command, and the parser accepts every one
    of them (an example that names a removed option or a wrong value fails here)."""
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    for name in commands:
        with pytest.raises(SystemExit) as exit_info:
            main([name, "--help"])
        assert exit_info.value.code == 0
        examples = capsys.readouterr().out.split("examples:\n")[1].strip().splitlines()
        assert examples, name
        for line in examples:
            command = re.split(r"\s{2,}[(#]", line)[0]  # a comment after the command
            words = shlex.split(command.split("|")[0].split(">")[0])
            assert words[:2] == ["neat", name], line
            assert parser.parse_args(words[1:]).command == name, line


@pytest.mark.parametrize(("args", "message"), [
    (["run", "xr"], "unknown task 'xr'. Did you mean 'xor'?"),
    (["run", "xor", "--set", "population.sise=3"], "did you mean 'population.size'"),
    (["run", "xor", "--pop", "1"], "population.size = 1 is out of range"),
    (["run", "xor", "--config", "missing.toml"], "config file missing.toml does not exist"),
    (["run", "xor", "--set", "task.episodes=3"], "takes no options"),
    (["run", "xor", "--name", "../escape"], "--name"),
    (["run", "xor", "--checkpoint-every", "0"], "--checkpoint-every 0"),
    (["resume", "nowhere"], "nowhere does not exist"),
    (["replay", "nowhere"], "not a run directory"),
    (["config"], "either --defaults or a config FILE"),
])
def test_user_errors_exit_2_with_one_message(tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    assert neat(*args) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert "Traceback" not in captured.err and len(captured.err.strip().splitlines()) == 1


def test_existing_run_name_is_refused(xor_run, capsys):
    assert neat("run", "xor", "--name", "x", "--runs-dir", xor_run.parent, *QUICK) == 2
    assert "already exists" in capsys.readouterr().err


def test_corrupt_checkpoint_file_given_to_resume(xor_run, tmp_path, capsys):
    run = tmp_path / "x"
    shutil.copytree(xor_run, run)
    bad = run / "checkpoints" / "gen-000001.json.gz"
    bad.write_bytes(gzip.compress(b'{"format": "something-else"}'))
    assert neat("resume", bad) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "not a neat-brain checkpoint" in err
    assert neat("resume", tmp_path / "elsewhere.json.gz") == 2
    assert "does not exist" in capsys.readouterr().err


def test_unwritable_runs_dir_is_a_clear_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert neat("run", "xor", "--runs-dir", blocker, "--name", "r", *QUICK) == 2
    err = capsys.readouterr().err
    assert str(blocker) in err and "Traceback" not in err


def test_disk_full_during_a_checkpoint_stops_the_run_and_keeps_the_last_one(tmp_path, monkeypatch,
                                                                          capsys):
    from neat.app import runner

    real_save = runner.save_checkpoint

    def save(path, population, task, run_id):
        if population.state.generation == 4:  # the checkpoint after generation 3
            with open(path.with_name(f".{path.name}.tmp"), "wb") as f:
                f.write(b"\x1f\x8b partial")
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real_save(path, population, task, run_id)

    monkeypatch.setattr(runner, "save_checkpoint", save)
    assert neat("run", "xor", "--generations", 10, "--name", "full", "--runs-dir", tmp_path,
                "--checkpoint-every", 1, *QUICK) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and "gen-000002.json.gz is intact" in err
    run = tmp_path / "full"
    assert load_checkpoint(run / "checkpoints" / "gen-000002.json.gz").generation == 3
    assert json.loads((run / "status.json").read_text())["state"] == "failed"
    monkeypatch.undo()
    assert neat("resume", run, "--quiet") == 0  # the leftover temp file is cleaned up
    assert not list((run / "checkpoints").glob(".*.tmp"))
    rows = (run / "stats.jsonl").read_text().splitlines()
    assert [json.loads(r)["generation"] for r in rows] == list(range(10))


def test_unwritable_run_directory_mid_run(tmp_path, monkeypatch, capsys):
    from neat.app import rundir

    real = rundir.RunDirectory.write_champion

    def write_champion(self, generation, record, genome_of=None):
        if generation == 2:
            raise PermissionError(errno.EACCES, "Permission denied", str(self.champions))
        return real(self, generation, record, genome_of)

    monkeypatch.setattr(rundir.RunDirectory, "write_champion", write_champion)
    assert neat("run", "xor", "--generations", 5, "--name", "ro", "--runs-dir", tmp_path,
                "--checkpoint-every", 1, *QUICK) == 2
    err = capsys.readouterr().err
    assert "Permission denied" in err and "gen-000001.json.gz is intact" in err


def test_view_serves_the_runs_folder_while_evolving(tmp_path, monkeypatch, capsys):
    import httpx2

    from neat.app import cli_run

    listed, refused, printed = [], [], []
    real_summary = cli_run._summary

    def summary(run, outcome):  # called after evolving, while the viewer still serves
        match = re.search(r"Viewer: ((http://[0-9.]+:[0-9]+)/\S*)", capsys.readouterr().out)
        printed.append(match.group(1))
        api = f"{match.group(2)}/api/runs"
        refused.append(httpx2.get(api, timeout=10).status_code)
        listed.extend(r["name"] for r in httpx2.get(api, params={"token": "t0k"}, timeout=10).json())
        real_summary(run, outcome)

    monkeypatch.setattr(cli_run, "_summary", summary)
    assert neat("run", "xor", "--generations", 2, "--name", "v", "--runs-dir", tmp_path,
                "--view", "--port", 0, "--token", "t0k", *QUICK) == 0
    assert listed == ["v"] and refused == [403]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?token=t0k#/run/v", printed[0])


def test_a_failing_viewer_never_stops_evolution(tmp_path, monkeypatch, capsys):
    import viewer

    class Broken:
        def __init__(self, *args, **kwargs):
            raise OSError(98, "Address already in use")

    monkeypatch.setattr(viewer, "ViewerServer", Broken)
    assert neat("run", "xor", "--generations", 2, "--name", "b", "--runs-dir", tmp_path, "--view",
                *QUICK) == 0
    assert "the viewer did not start (" in capsys.readouterr().err
    assert len((tmp_path / "b" / "stats.jsonl").read_text().splitlines()) == 2


def test_dask_option_evaluates_elsewhere_with_identical_results(tmp_path):
    common = ["--generations", 3, "--runs-dir", tmp_path, *QUICK]
    assert neat("run", "cartpole", "--name", "here", *common, "--set", "task.episodes=1") == 0
    assert neat("run", "cartpole", "--name", "pool", *common, "--set", "task.episodes=1",
                "--dask", "process:2") == 0
    rows = [[{k: v for k, v in json.loads(line).items()
              if k not in ("seconds", "evaluations_per_second")}
             for line in (tmp_path / name / "stats.jsonl").read_text().splitlines()]
            for name in ("here", "pool")]
    assert rows[0] == rows[1]


def test_unknown_backend_is_a_user_error(tmp_path, capsys):
    assert neat("run", "xor", "--runs-dir", tmp_path, "--dask", "carrier-pigeon", *QUICK) == 2
    assert "unknown evaluation backend" in capsys.readouterr().err


def test_progress_redraws_one_line_on_a_terminal_and_prints_lines_otherwise(monkeypatch):
    import io

    import numpy as np

    from fitness.random_genomes import random_genome
    from neat.app.progress import ProgressDisplay
    from neat.report import GenerationReport, SpeciesRow

    genome = random_genome(np.random.default_rng(0), 0, (2, 1, 0), 2)

    def report(generation):
        return GenerationReport(generation, 10 * (generation + 1), 3.5, 1.25, 0.5, genome, 3.5,
                                False, 0.01, [SpeciesRow(1, 10, 2, 3.5, 1.0, 0)])

    # the first generation ends after 100 s (compiling), each later one 10 s after the previous
    clock = iter([100.0, 110.0, 120.0, 130.0, 100.0, 110.0, 120.0, 130.0])
    monkeypatch.setattr("neat.app.progress.time.perf_counter", lambda: next(clock))
    plain, live = io.StringIO(), io.StringIO()
    for stream, is_live in ((plain, False), (live, True)):
        display = ProgressDisplay(stream, total_generations=4, first_generation=0, live=is_live)
        for generation in range(4):
            display(report(generation))
        display.close()
    lines = plain.getvalue().splitlines()
    assert len(lines) == 4 and lines[0].startswith("gen 0/3 [#####.....") and "ETA -" in lines[0]
    assert "best 3.5 mean 1.25 species 1 1,000 eval/s" in lines[0]
    assert [line.split("ETA ")[1] for line in lines] == ["-", "0:20", "0:10", "0:00"]
    assert "\r" in live.getvalue() and live.getvalue().count("\n") == 1
    assert "gen 3/3 [####################]" in live.getvalue()


def test_view_on_port_0_prints_the_port_it_serves(xor_run):
    """`neat view --port 0` binds a free port and prints that one, not 0."""
    process = subprocess.Popen([sys.executable, "-m", "neat", "view", str(xor_run.parent),
                                "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match and match.group(1) != "0", line
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"http://127.0.0.1:{match.group(1)}/api/runs", timeout=10) as response:
            assert xor_run.name in response.read().decode()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_view_nice_outside_0_to_19_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        neat("run", "xor", "--runs-dir", tmp_path, "--view", "--view-nice", 25, *QUICK)
    assert exit_info.value.code == 2
    assert "--view-nice: invalid choice: 25" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_checkpoints_are_written_by_time_by_default_or_every_k_generations(tmp_path):
    def checkpoints(name: str, *flags: object) -> list[str]:
        assert neat("run", "xor", "--generations", 6, "--name", name, "--runs-dir", tmp_path,
                    *flags, *QUICK, "--set", "run.stop_when_solved=false") == 0
        return sorted(p.name[4:10] for p in (tmp_path / name / "checkpoints").iterdir())

    assert checkpoints("by-time") == ["000005"]  # 30 s never passed: only the last generation
    assert checkpoints("always", "--checkpoint-seconds", 0) == [f"00000{g}" for g in range(1, 6)]
    assert checkpoints("every", "--checkpoint-every", 4) == ["000003", "000005"]
    assert checkpoints("both", "--checkpoint-every", 4, "--checkpoint-seconds", 1000) == [
        "000003", "000005"]


def test_an_unchanged_champion_is_stored_once_and_shown_for_every_generation(tmp_path, capsys):
    from fastapi.testclient import TestClient

    from viewer import create_app

    assert neat("run", "xor", "--generations", 40, "--name", "e", "--runs-dir", tmp_path,
                *QUICK, "--set", "run.stop_when_solved=false") == 0
    run = tmp_path / "e"
    records = {int(p.name[4:10]): json.loads(p.read_text()) for p in (run / "champions").iterdir()}
    assert sorted(records) == list(range(40))
    refs = [g for g, r in records.items() if r["format"] == "neat-brain/genome-ref"]
    assert refs, "the elite never stayed champion: choose another seed"
    g = refs[-1]
    base = records[records[g]["genome_of"]]
    assert base["format"] == "neat-brain/genome" and base["key"] == records[g]["key"]
    rows = [json.loads(line) for line in (run / "stats.jsonl").read_text().splitlines()]
    assert records[g]["key"] == rows[g]["champion_id"]
    with TestClient(create_app(tmp_path)) as client:
        shown = client.get(f"/api/runs/e/champions/{g}").json()
        assert client.get("/api/runs/e/champions").json() == list(range(40))
        assert client.get(f"/api/runs/e/champions/{g}/layout").status_code == 200
    assert shown["generation"] == g and shown["nodes"] == base["nodes"]
    assert shown["fitness"] == records[g]["fitness"]
    capsys.readouterr()
    assert neat("replay", run, "--generation", g) == 0
    assert f"gen-{g:06d}.json (genome {base['key']}, generation {g}" in capsys.readouterr().out
    assert neat("export", run, "--generation", g, "--format", "json") == 0
    assert len(json.loads(capsys.readouterr().out)["nodes"]) == len(base["nodes"])


def test_a_config_with_any_string_reads_back(capsys):
    """TOML values are written by tomli-w: newlines, quotes and backslashes survive."""
    assert neat("config", "--defaults", "--set", 'task.level="a\\nb \\"q\\" \\\\ end"') == 0
    assert tomllib.loads(capsys.readouterr().out)["task"] == {"level": 'a\nb "q" \\ end'}


def test_view_beyond_loopback_warns_and_prints_a_token_address(xor_run, monkeypatch, capsys):
    """`neat view --host 0.0.0.0` (the server itself replaced: nothing is bound to the network)."""
    import viewer
    from viewer.security import choose_token, page_url

    served = {}

    def serve(folder, host, port, token, announce):
        served["token"] = choose_token(host, token)
        announce(page_url(host, 8123, served["token"]))

    monkeypatch.setattr(viewer, "serve", serve)
    assert neat("view", xor_run.parent, "--host", "0.0.0.0") == 0
    out, err = capsys.readouterr()
    assert "neat: warning: the viewer listens on every network interface" in err
    assert f"Viewer: http://127.0.0.1:8123/?token={served['token']}  (Ctrl-C to stop)" in out
    assert neat("view", xor_run.parent) == 0
    out, err = capsys.readouterr()
    assert err == "" and "?token=" not in out


def test_run_view_beyond_loopback_warns_and_prints_a_token_address(tmp_path, monkeypatch, capsys):
    import viewer
    from viewer.security import choose_token, page_url

    class Recorder:  # a ViewerServer that binds nothing
        def __init__(self, runs_dir, host, port, token, process, nice):
            self.host, self.port, self.token = host, 8124, choose_token(host, token)

        def start(self):
            return self

        def page_url(self, run=None):
            return page_url(self.host, self.port, self.token, run)

        def stop(self):
            pass

    monkeypatch.setattr(viewer, "ViewerServer", Recorder)
    assert neat("run", "xor", "--generations", 1, "--name", "w", "--runs-dir", tmp_path, "--view",
                "--host", "0.0.0.0", *QUICK) == 0
    out, err = capsys.readouterr()
    assert "neat: warning: the viewer listens on every network interface" in err
    assert re.search(r"Viewer: http://127\.0\.0\.1:8124/\?token=[\w-]{24,}#/run/w\n", out)


def test_a_reader_that_stops_early_ends_the_command_quietly(xor_run):
    """`neat export ... | head`: no "Broken pipe" error, the status of a tool killed by SIGPIPE."""
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written
    try:
        result = subprocess.run([sys.executable, "-m", "neat", "export", str(xor_run), "--format",
                                 "json"], stdout=write, stderr=subprocess.PIPE, text=True,
                                timeout=120)
    finally:
        os.close(write)
    assert (result.returncode, result.stderr) == (141, "")


def test_a_broken_pipe_elsewhere_is_still_an_error(monkeypatch, capsys):
    from neat.app import cli_info

    def broken(args):
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    monkeypatch.setattr(cli_info, "command_tasks", broken)
    assert neat("tasks") == 2
    assert capsys.readouterr().err == "neat tasks: error: Broken pipe\n"


def test_config_files_keep_task_presets_and_say_what_a_run_uses(tmp_path, monkeypatch, capsys):
    """`neat config --defaults --task T` writes T's presets in; `neat config FILE --task T` prints
    exactly the config.toml that `neat run T --config FILE` records; a file that overrides a preset
    gets one warning line naming both values."""
    monkeypatch.chdir(tmp_path)
    small = ["--set", "population.size=20", "--set", "run.generations=1"]
    assert neat("config", "--defaults", "--task", "platformer") == 0
    Path("platformer.toml").write_text(capsys.readouterr().out)
    assert neat("config", "--defaults") == 0
    Path("plain.toml").write_text(capsys.readouterr().out)
    text = Path("platformer.toml").read_text()
    assert "size = 300  # preset of task platformer (default 150)\n" in text
    assert 'initial_connection = "none"  # preset of task platformer (default "full")\n' in text
    assert tomllib.loads(text)["run"]["task"] == "platformer"
    for file, warned in (("platformer.toml", False), ("plain.toml", True)):
        assert neat("config", file, "--task", "platformer", *small) == 0
        shown = tomllib.loads(capsys.readouterr().out)
        assert neat("run", "platformer", "--config", file, *small, "--name", file, "--quiet") == 0
        err = capsys.readouterr().err
        assert shown == tomllib.loads((Path("runs") / file / "config.toml").read_text())
        assert shown["genome"]["initial_connection"] == ("full" if warned else "none")
        if warned:
            assert len(err.splitlines()) == 1 and err.startswith(
                "neat: warning: plain.toml overrides task platformer's presets: run.generations "
                "= 300 (preset 3000), population.size = 150 (preset 300), "
                'genome.initial_connection = "full" (preset "none"), ')
        else:
            assert err == ""
    assert neat("config", "plain.toml", "--task", "platformer") == 0
    out = capsys.readouterr().out
    assert out.startswith("# plain.toml as `neat run platformer --config plain.toml` uses it")
    assert "size = 150  # over task platformer's preset 300\n" in out
    assert neat("config", "platformer.toml") == 0  # the file names its task: its presets apply
    assert "size = 300  # preset of task platformer" in capsys.readouterr().out


def test_a_first_run_says_numba_compiles_before_generation_0(tmp_path, monkeypatch, capsys):
    """The notice shows while numba's on-disk cache holds none of the run's kernels, and only then
    (numba's own config is left alone: only what neat.app.kernel_cache reads of it is replaced)."""
    import types

    from neat.app import kernel_cache

    cache = tmp_path / "numba-cache"
    cache.mkdir()
    monkeypatch.setattr(kernel_cache, "numba_config", types.SimpleNamespace(CACHE_DIR=str(cache)))
    args = ["--generations", 1, "--runs-dir", tmp_path / "runs", "--pop", 20]
    assert neat("run", "cartpole", "--name", "cold", *args) == 0
    assert kernel_cache.FIRST_COMPILE_NOTICE in capsys.readouterr().out
    for name in ("reproduction.breed-1.py311.nbi", "cartpole.play-2.py311.nbi"):
        (cache / "some" / "folder").mkdir(parents=True, exist_ok=True)
        (cache / "some" / "folder" / name).touch()
    assert neat("run", "cartpole", "--name", "warm", *args) == 0
    assert "First run" not in capsys.readouterr().out
