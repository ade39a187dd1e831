"""The run-directory module: models, the TOML writer, champion references, safe file reading, the
lock, and that importing the reader loads no numba."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

from fitness.random_genomes import random_genome
from neat.app.rundir import (
    STATS,
    RunDirectory,
    StatsRow,
    best_champion,
    parse_generation_choice,
    parse_stats_line,
    read_run_file,
)
from neat.config import Config
from neat.errors import ConfigError, RunFileError, RunLockedError
from neat.serialize import genome_to_dict

REPO = Path(__file__).resolve().parents[1]


def test_importing_the_run_directory_readers_loads_no_numba_nor_evolution():
    code = ("import sys, neat.app.rundir, neat.app.cli, viewer.rundir, viewer.models; "
            "print(sorted(m for m in sys.modules if m == 'numba' or m.startswith('numba.') "
            "or m in ('neat.population', 'neat.genome', 'fitness.registry')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=REPO).stdout
    assert out.strip() == "[]"


def made_run(tmp_path: Path, **task_options) -> RunDirectory:
    config = Config()
    config.task = dict(task_options)
    run = RunDirectory.create(tmp_path / "r", config.to_dict())
    run.unlock()
    return run


def test_a_new_run_has_an_identity_a_config_that_reads_back_and_a_status(tmp_path):
    text = 'a "quoted"\nline\\ and \t tab \u00e9'
    run = made_run(tmp_path, level=text, nested={"x": [1.5, 2]})
    data = tomllib.loads((run.path / "config.toml").read_text())
    assert data["task"] == {"level": text, "nested": {"x": [1.5, 2]}}
    assert Config.from_dict(data) == Config.from_dict(run.read_config_data())
    meta = run.read_meta()
    assert len(meta.run_id) == 32 and meta.task == "xor"
    assert run.read_status().state == "running" and run.read_status().pid == os.getpid()
    assert made_run(tmp_path / "other").read_meta().run_id != meta.run_id


def test_stats_rows_turn_non_finite_numbers_into_null_and_keep_unknown_keys():
    row = parse_stats_line(b'{"generation": 3, "best_fitness": NaN, "mean_fitness": -Infinity, '
                           b'"std_fitness": 1e999, "test_score": 2.5, "test_solved": true, '
                           b'"test_episodes": 40, "test_details": {"levels": [1, NaN]}, '
                           b'"newer": {"x": Infinity}}')
    assert (row.best_fitness, row.mean_fitness, row.std_fitness) == (None, None, None)
    assert (row.test_score, row.test_solved, row.test_episodes) == (2.5, True, 40)
    dumped = row.model_dump()
    assert dumped["test_details"] == {"levels": [1, None]} and dumped["newer"] == {"x": None}
    json.dumps(dumped, allow_nan=False)
    assert parse_stats_line(b'{"generation": 0}').test_score is None


@pytest.mark.parametrize("line", [b'{"generation": "3"}', b'{"generation": -1}', b'[1, 2]',
                                  b'{"generation": 1, "solved": "yes"}', b'{"generation": 1,',
                                  b'{"generation": 1, "species_table": [{"id": "a"}]}'])
def test_rows_with_wrong_types_are_refused(line):
    with pytest.raises(RunFileError):
        parse_stats_line(line)


def test_read_stats_skips_bad_rows_with_a_notice(tmp_path, caplog):
    run = made_run(tmp_path)
    (run.path / STATS).write_bytes(b'{"generation": 0}\n{"generation": "x"}\n\n{"generation": 1}\n'
                                   b'{"generation": 2')
    with caplog.at_level(logging.WARNING):
        assert [r.generation for r in run.read_stats()] == [0, 1]
    assert "line 2 skipped" in caplog.text


def champion_record(key: int, generation: int, fitness: float) -> dict:
    genome = random_genome(np.random.default_rng(key), key, (2, 1, 2), 4)
    return genome_to_dict(genome, generation=generation, fitness=fitness, task="xor",
                          input_labels=["A", "B"], output_labels=["A XOR B"])


def test_an_unchanged_champion_is_stored_as_a_reference_and_read_back_whole(tmp_path):
    run = made_run(tmp_path)
    full = champion_record(5, 0, 1.0)
    run.write_champion(0, full)
    run.write_champion(1, champion_record(5, 1, 2.0), genome_of=0)
    run.write_champion(2, champion_record(5, 2, 3.0), genome_of=0)
    stored = json.loads((run.champions / "gen-000002.json").read_text())
    assert stored["format"] == "neat-brain/genome-ref" and "nodes" not in stored
    assert (run.champions / "gen-000002.json").stat().st_size < 300
    generation, record = run.read_champion(2)
    assert generation == 2 and record["generation"] == 2 and record["fitness"] == 3.0
    assert record["nodes"] == full["nodes"] and record["connections"] == full["connections"]
    assert record["format"] == "neat-brain/genome" and "genome_of" not in record
    assert run.champion_genome_of(2) == 0 and run.read_champion(None)[0] == 2
    (run.champions / "gen-000000.json").unlink()
    with pytest.raises(RunFileError, match="no champion for generation 0"):
        run.read_champion(1)


def rows(*values: tuple) -> list[StatsRow]:
    """Stats rows from (champion fitness, test score, test solved), generation by generation; a
    genome that passed training may be fitter than the champion (best_fitness 99)."""
    return [StatsRow(generation=g, best_fitness=99.0, champion_fitness=f,
                     test_score=t, test_solved=s) for g, (f, t, s) in enumerate(values)]


def test_the_best_champion_is_the_best_tested_one_else_the_fittest_ties_to_the_earliest():
    # the best test score wins over a higher fitness; an untested champion never competes
    best = best_champion(rows((-90, -80, False), (-60, None, None), (-70, -62, False),
                              (-64, -75, False), (-70, -62, False)))
    assert (best.generation, best.by, best.test_score, best.fitness) == (2, "test", -62, -70)
    assert best.describe() == "by its test: score -62, not solved; fitness -70"
    # a solved test ranks above any unsolved one (XOR: a test score is not monotone in solved)
    assert best_champion(rows((15, 15.5, False), (13, 13.0, True))).generation == 1
    # nothing tested: the highest champion fitness, the earliest of equals
    best = best_champion(rows((1, None, None), (3, None, None), (3, None, None), (2, None, None)))
    assert (best.generation, best.by, best.test_score) == (1, "fitness", None)
    assert best.describe() == "by fitness: 3; no champion was tested"
    # older rows without champion_fitness: best_fitness
    assert best_champion([StatsRow(generation=0, best_fitness=2.0),
                          StatsRow(generation=1, best_fitness=5.0)]).generation == 1
    assert best_champion([]) is None and best_champion([StatsRow(generation=0)]) is None


def test_best_and_latest_name_champions_of_a_run(tmp_path):
    run = made_run(tmp_path)
    with open(run.path / STATS, "a") as f:
        for row in rows((1, None, None), (4, None, None), (2, None, None)):
            f.write(row.model_dump_json() + "\n")
    for g in range(3):
        run.write_champion(g, champion_record(g, g, float(g)))
    assert run.champion_generation("best") == 1 and run.read_champion("best")[0] == 1
    assert run.champion_generation("latest") == run.champion_generation(None) == 2
    assert [parse_generation_choice(t) for t in ("7", 7, "best", "latest", None)] == [
        7, 7, "best", "latest", None]
    for bad in ("-1", "bst", "1.5", -1, True, "\u0661"):
        with pytest.raises(ConfigError, match="give a number"):
            parse_generation_choice(bad)


def test_a_deeply_nested_champion_is_a_one_line_error(tmp_path):
    run = made_run(tmp_path)
    (run.champions / "gen-000000.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(RunFileError, match="nested too deeply"):
        run.read_champion(0)


def test_files_are_read_only_when_regular_and_inside_the_run(tmp_path):
    run = made_run(tmp_path)
    outside = tmp_path / "secret.jsonl"
    outside.write_text('{"generation": 0}\n')
    (run.path / STATS).unlink()
    (run.path / STATS).symlink_to(outside)
    with pytest.raises(RunFileError, match="symbolic link"):
        read_run_file(run.path, STATS, 1000)
    with pytest.raises(RunFileError, match="symbolic link"):
        run.read_stats()
    (run.path / STATS).unlink()
    os.mkfifo(run.path / STATS)  # with no writer: reading it would block forever
    with pytest.raises(RunFileError, match="not a regular file"):
        run.read_stats()
    real_champions = tmp_path / "elsewhere"
    real_champions.mkdir()
    (real_champions / "gen-000000.json").write_text(json.dumps(champion_record(1, 0, 1.0)))
    run.champions.rmdir()
    run.champions.symlink_to(real_champions)
    with pytest.raises(RunFileError, match="symbolic link"):
        run.read_champion(0)
    (run.path / "status.json").write_bytes(b" " * 2_000_000)
    with pytest.raises(RunFileError, match="larger than"):
        run.read("status.json")
    assert run.read_status().state == "stopped"


def test_the_lock_is_exclusive_names_its_holder_and_dies_with_it(tmp_path):
    run = made_run(tmp_path)
    run.lock()
    with pytest.raises(RunLockedError, match=f"process {os.getpid()}"):
        RunDirectory(run.path).lock()
    run.unlock()
    code = "import sys; from neat.app.rundir import RunDirectory; RunDirectory(sys.argv[1]).lock()"
    subprocess.run([sys.executable, "-c", code, str(run.path)], check=True, cwd=REPO)
    with RunDirectory(run.path).locked():  # the lock of the process that exited is gone
        pass
