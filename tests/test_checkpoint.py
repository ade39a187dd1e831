"""Checkpoint files: exact round trip, atomic writes, pruning, and clear errors for every kind of
damaged or foreign file (fuzzed with hypothesis: only CheckpointError ever comes out)."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import errno
import gzip
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fitness.registry import make_task
from neat.app.atomic import write_atomic
from neat.app.checkpoint import (
    checkpoint_to_dict,
    decode_checkpoint,
    encode_checkpoint,
    load_checkpoint,
    save_checkpoint,
)
from neat.app.rundir import RunDirectory
from neat.config import load_config
from neat.errors import CheckpointError
from neat.genome import GenomePool, check_genome
from neat.pool_check import pool_problem
from neat.population import Population
from tests.conftest import recording_test, species_population

SIZE = 20
RUN_ID = "0123456789abcdef0123456789abcdef"


def evolved(feed_forward: bool = True, generations: int = 4) -> Population:
    config = load_config(None, [f"population.size={SIZE}", "run.seed=5", "mutation.add_node_rate=0.3",
                                "mutation.add_connection_rate=0.4",
                                f"genome.feed_forward={str(feed_forward).lower()}"])
    population = Population(config, 2, 1)
    task = make_task("xor")
    population.run(task.evaluate, generations, is_solved=lambda p, f: np.zeros(len(f), bool))
    return population


@pytest.fixture(scope="module")
def population() -> Population:
    return evolved(feed_forward=False)


@pytest.fixture(scope="module")
def raw(population) -> bytes:
    return encode_checkpoint(population, "xor", RUN_ID)


NOT_STORED = {
    "members": "Species.members: positions in the last pool, reassigned by the next speciation",
    "links": "InnovationTracker.links: this generation's table, cleared before breeding",
    "splits": "InnovationTracker.splits: likewise",
    "representatives": "stored as each species' representative: compared by representative_genomes",
    "representative": "likewise",
}


def assert_same(a, b, where: str = "state") -> None:
    """`a` and `b` hold equal values, field by field through dataclasses, lists and arrays: a field
    added to the population's state but not to the checkpoint fails here."""
    if dataclasses.is_dataclass(a):
        assert type(a) is type(b), where
        for f in dataclasses.fields(a):
            if f.name not in NOT_STORED:
                assert_same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, np.random.Generator):
        assert a.bit_generator.state == b.bit_generator.state, where
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and np.array_equal(a, b), where
    elif isinstance(a, list | tuple):
        assert type(a) is type(b) and len(a) == len(b), where
        for k, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{k}]")
    else:
        assert type(a) is type(b) and (a == b or (a != a and b != b)), f"{where}: {a!r} != {b!r}"


def test_round_trip_restores_every_part_of_the_state(population, tmp_path):
    path = tmp_path / "gen-000003.json.gz"
    save_checkpoint(path, population, "xor", RUN_ID)
    loaded = load_checkpoint(path)
    assert loaded.task == "xor" and loaded.config == population.config and loaded.run_id == RUN_ID
    assert population.state.species and population.state.best_genome is not None
    assert_same(population.state, loaded.state)
    assert population.state.representatives is not None
    assert_same(population.state.representative_genomes(), loaded.state.representative_genomes(),
                "representatives")
    # the same state encodes to the same bytes, and no path of this machine is stored
    assert encode_checkpoint(loaded.population(), "xor", RUN_ID) == path.read_bytes()
    assert str(tmp_path).encode() not in gzip.decompress(path.read_bytes())


def test_the_state_comparison_sees_a_field_the_checkpoint_lost(population, tmp_path):
    loaded = decode_checkpoint(encode_checkpoint(population, "xor", RUN_ID), Path("x"))
    loaded.state.species[0].marks += 1
    with pytest.raises(AssertionError, match=r"state\.species\[0\]\.marks"):
        assert_same(population.state, loaded.state)
    assert population.state.representatives is not None
    assert_same(population.state.representative_genomes(), loaded.state.representative_genomes(),
                "representatives")


def test_non_finite_fitness_is_stored_explicitly(population):
    data = checkpoint_to_dict(population, "xor", RUN_ID)
    data["species"][0]["best_fitness"] = "-inf"
    data["best_fitness"] = "-inf"
    text = json.dumps(data, allow_nan=False)
    raw = gzip.compress(text.encode())
    state = decode_checkpoint(raw, Path("x")).state
    assert state.best_fitness == -np.inf and state.species[0].best_fitness == -np.inf


def _gz(obj) -> bytes:
    return gzip.compress(json.dumps(obj).encode())


def _mutated(raw: bytes, change) -> bytes:
    data = json.loads(gzip.decompress(raw))
    change(data)
    return _gz(data)


@pytest.mark.parametrize(("make", "message"), [
    (lambda raw: b"", "is empty"),
    (lambda raw: raw[: len(raw) // 2], "truncated"),
    (lambda raw: raw[:-3], "truncated"),
    (lambda raw: raw[:40] + bytes([raw[40] ^ 0x10]) + raw[41:], "corrupt"),
    (lambda raw: b"PK\x03\x04 a zip file", "not a gzip file"),
    (lambda raw: json.dumps({"format": "neat-brain/checkpoint"}).encode(), "not a gzip file"),
    (lambda raw: gzip.compress(b"\xff\xfe not text"), "not valid JSON"),
    (lambda raw: gzip.compress(b'{"format": "neat-brain/checkpoint", "version": 1'), "not valid JSON"),
    (lambda raw: _gz({"format": "other-program/save", "version": 1}), "not a neat-brain checkpoint"),
    (lambda raw: _gz([1, 2, 3]), "not a neat-brain checkpoint"),
    (lambda raw: _mutated(raw, lambda d: d.update(version=5)), "version 5 is not supported"),
    (lambda raw: _mutated(raw, lambda d: d.update(run_id=7)), "'run_id' must be str"),
    (lambda raw: _mutated(raw, lambda d: d.update(test_episodes=-1)), "test_episodes"),
    (lambda raw: _mutated(raw, lambda d: d.update(last_test={"genome": 0})), "last_test"),
    (lambda raw: _mutated(raw, lambda d: d.pop("rng")), "'rng' is missing"),
    (lambda raw: _mutated(raw, lambda d: d["rng"].update(bit_generator="MT19937")), "PCG64"),
    (lambda raw: _mutated(raw, lambda d: d["pool"]["conn_start"].pop()), "pool.conn_start"),
    (lambda raw: _mutated(raw, lambda d: d["pool"]["conn_weight"].__setitem__(0, "x")),
     "conn_weight"),
    (lambda raw: _mutated(raw, lambda d: d["pool"]["node_kind"].__setitem__(0, 2)),
     "node kinds do not match"),
    (lambda raw: _mutated(raw, lambda d: d["pool"]["conn_dst"].__setitem__(0, 0)),
     "ends at an input node"),
    (lambda raw: _mutated(raw, lambda d: d["tracker"].update(next_node_id=3)), "next_node_id"),
    (lambda raw: _mutated(raw, lambda d: d["pool"]["activations"].__setitem__(0, "swish")),
     "known activation names"),
    (lambda raw: _mutated(raw, lambda d: d["config"]["population"].update(size=21)),
     "population.size is 21"),
    (lambda raw: _mutated(raw, lambda d: d["config"]["mutation"].update(add_node_rat=1)),
     "did you mean"),
    (lambda raw: _mutated(raw, lambda d: d.update(generation="7")), "'generation' must be int"),
    (lambda raw: _mutated(raw, lambda d: d["species"][0].update(best_fitness=None)),
     r"species\[0\].best_fitness"),
    (lambda raw: _mutated(raw, lambda d: d["species"][0].pop("last_tested")),
     r"'species\[0\].last_tested' is missing"),
    (lambda raw: _mutated(raw, lambda d: d["species"][0].update(last_tested="2")),
     r"'species\[0\].last_tested' must be int, got str"),
    (lambda raw: _mutated(raw, lambda d: d["species"][0].update(last_tested=True)),
     r"'species\[0\].last_tested' must be int, got bool"),
    (lambda raw: _mutated(raw, lambda d: d["species"][0].update(last_tested=-2)),
     r"'species\[0\].last_tested' = -2 is out of range -1..3"),
    (lambda raw: _mutated(raw, lambda d: d["species"][0].update(last_tested=4)),
     r"'species\[0\].last_tested' = 4 is out of range -1..3"),
    (lambda raw: _mutated(raw, lambda d: d["species"][0].update(created=3, last_tested=2)),
     r"'species\[0\].last_tested' = 2 is before the species was created \(generation 3\)"),
])
def test_damaged_or_foreign_files_give_a_clear_error(raw, tmp_path, make, message):
    path = tmp_path / "gen-000003.json.gz"
    path.write_bytes(make(raw))
    with pytest.raises(CheckpointError, match=message) as info:
        load_checkpoint(path)
    assert str(path) in str(info.value)


def test_activation_names_not_indices_define_the_activations(population):
    data = checkpoint_to_dict(population, "xor", RUN_ID)
    pool = data["pool"]
    pool["activations"] = list(reversed(pool["activations"]))
    last = len(pool["activations"]) - 1
    pool["node_act"] = [last - a for a in pool["node_act"]]
    state = decode_checkpoint(_gz(data), Path("x")).state
    assert np.array_equal(state.pool.node_act, population.state.pool.node_act)


def test_missing_file_is_a_checkpoint_error(tmp_path):
    with pytest.raises(CheckpointError, match=r"cannot read checkpoint .*nope\.json\.gz"):
        load_checkpoint(tmp_path / "nope.json.gz")


def test_a_cycle_in_a_feed_forward_checkpoint_is_rejected(population, raw, tmp_path):
    assert any(check_genome(g, True) for g in population.state.pool.genomes())  # some loops evolved
    data = json.loads(gzip.decompress(raw))
    data["config"]["genome"]["feed_forward"] = True
    with pytest.raises(CheckpointError, match="cycle"):
        decode_checkpoint(_gz(data), tmp_path / "c")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzzed_bytes_only_ever_raise_checkpoint_error(raw, data):
    damaged = bytearray(raw)
    for _ in range(data.draw(st.integers(1, 4))):
        kind = data.draw(st.sampled_from(["flip", "truncate", "insert", "delete"]))
        at = data.draw(st.integers(0, max(0, len(damaged) - 1)))
        if kind == "flip" and damaged:
            damaged[at] ^= 1 << data.draw(st.integers(0, 7))
        elif kind == "truncate":
            del damaged[at:]
        elif kind == "insert":
            damaged[at:at] = data.draw(st.binary(min_size=1, max_size=8))
        elif damaged:
            del damaged[at : at + data.draw(st.integers(1, 16))]
    with contextlib.suppress(CheckpointError):  # any other exception fails the test
        decode_checkpoint(bytes(damaged), Path("fuzz"))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False)
    | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6)


def _paths(obj, prefix=()):
    """Every (path) to a value inside nested dicts and lists (lists sampled at a few indices)."""
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(obj, list) and obj:
        for i in sorted({0, len(obj) // 2, len(obj) - 1}):
            yield from _paths(obj[i], (*prefix, i))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzzed_fields_only_ever_raise_checkpoint_error(population, raw, data):
    original = json.loads(gzip.decompress(raw))
    paths = [p for p in _paths(original) if p]
    mutated = copy.deepcopy(original)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths))
        parent = mutated
        try:
            for key in path[:-1]:
                parent = parent[key]
            action = data.draw(st.sampled_from(["replace", "delete", "nudge"]))
            if action == "delete":
                del parent[path[-1]]
            elif action == "nudge" and isinstance(parent[path[-1]], int | float):
                parent[path[-1]] += data.draw(st.sampled_from([-1, 1, 1000, -(2**63)]))
            else:
                parent[path[-1]] = data.draw(JSON_VALUES)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed this path
    try:
        checkpoint = decode_checkpoint(_gz(mutated), Path("fuzz"))
    except CheckpointError:
        return
    # whatever loads must also breed a generation
    restored = checkpoint.population()
    restored.tell(np.zeros(len(restored.ask())))


def test_pool_check_agrees_with_check_genome(population):
    rng = np.random.default_rng(3)
    genomes = population.state.pool.genomes()
    for trial in range(300):
        g = genomes[rng.integers(len(genomes))].copy()
        kind = trial % 7
        if kind == 0 and len(g.conn_dst):
            g.conn_dst[rng.integers(len(g.conn_dst))] = rng.integers(0, 6)
        elif kind == 1 and len(g.conn_src) > 1:
            g.conn_src[1], g.conn_dst[1] = g.conn_src[0], g.conn_dst[0]
        elif kind == 2:
            g.node_kind[rng.integers(len(g.node_kind))] = rng.integers(0, 3)
        elif kind == 3 and len(g.node_id) > 3:
            g.node_id[-1] = g.node_id[-2]
        elif kind == 4 and len(g.conn_innov) > 1:
            g.conn_innov[0] = g.conn_innov[1]
        elif kind == 5 and len(g.conn_weight):
            g.conn_weight[0] = np.nan
        elif kind == 6 and len(g.conn_src):
            g.conn_src[0] = 10**9
        for feed_forward in (True, False):
            expected = check_genome(g, feed_forward)
            found = pool_problem(GenomePool.from_genomes([g]), feed_forward)
            assert (found is None) == (not expected), (expected, found)
            if found:
                assert any(p in found for p in expected)


def test_write_atomic_keeps_the_old_file_when_the_disk_is_full(tmp_path, monkeypatch):
    path = tmp_path / "file.bin"
    write_atomic(path, b"old")

    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("neat.app.atomic.os.fsync", full)
    with pytest.raises(OSError, match="No space"):
        write_atomic(path, b"new" * 1000)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["file.bin"]


def test_prune_keeps_the_newest(population, tmp_path):
    run = RunDirectory(tmp_path)
    run.checkpoints.mkdir()
    for generation in range(7):
        save_checkpoint(run.checkpoints / f"gen-{generation:06d}.json.gz", population, "xor", RUN_ID)
    (run.checkpoints / ".gen-000009.json.gz.123.tmp").write_bytes(b"half")
    run.prune_checkpoints(3)
    assert [g for g, _ in run.checkpoint_files()] == [4, 5, 6]
    assert sorted(p.name for p in run.checkpoints.iterdir()) == [
        "gen-000004.json.gz", "gen-000005.json.gz", "gen-000006.json.gz"]


@pytest.fixture(scope="module")
def rotated() -> Population:
    """XOR after 6 generations of the species rotation: some species tested, a test recorded."""
    population, task = species_population(), make_task("xor")
    test = recording_test([], "species")
    for _ in range(6):
        population.step(task.evaluate, None, test)
    return population


# the fields each version added: an older file lacks them, and they load as "not yet known"
ADDED_IN = {2: ("run_id",), 3: ("test_episodes", "last_test"), 4: ("last_tested",)}


@pytest.mark.parametrize("version", [1, 2, 3])
def test_older_versions_load_without_the_fields_added_since(rotated, version):
    data = checkpoint_to_dict(rotated, "xor", RUN_ID)
    assert data["version"] == 4 and data["test_episodes"] > 0 and data["last_test"] is not None
    assert any(s["last_tested"] >= 0 for s in data["species"])
    data["version"] = version
    for added in range(version + 1, 5):
        for key in ADDED_IN[added]:
            for record in data["species"] if key == "last_tested" else [data]:
                del record[key]
    loaded = decode_checkpoint(_gz(data), Path("x"))
    state, original = loaded.state, rotated.state
    assert loaded.run_id == (None if version == 1 else RUN_ID)
    assert (state.test_episodes, state.last_test is None) == (
        (0, True) if version < 3 else (original.test_episodes, False))
    assert [s.last_tested for s in state.species] == [-1] * len(original.species)
    assert [s.last_improved for s in state.species] == [s.last_improved for s in original.species]
    assert np.array_equal(state.pool.conn_weight, original.pool.conn_weight)


def test_the_species_rotation_resumes_exactly_from_a_checkpoint(tmp_path):
    task = make_task("xor")

    def champions(pop: Population, generations: int, tested: list) -> list[int]:
        test = recording_test(tested, "species")
        return [pop.step(task.evaluate, None, test).champion.key for _ in range(generations)]

    straight, tested = species_population(), []
    expected = champions(straight, 12, tested)
    split, tested_split = species_population(), []
    first = champions(split, 6, tested_split)
    path = tmp_path / "gen-000005.json.gz"
    save_checkpoint(path, split, "xor", RUN_ID)
    assert any(s["last_tested"] >= 0 for s in json.loads(gzip.decompress(path.read_bytes()))["species"])
    resumed = load_checkpoint(path).population()
    assert first + champions(resumed, 6, tested_split) == expected
    assert resumed.state.test_episodes == straight.state.test_episodes
    assert encode_checkpoint(resumed, "xor", RUN_ID) == encode_checkpoint(straight, "xor", RUN_ID)
    forgetful = load_checkpoint(path).population()  # the rotation's memory matters:
    for species in forgetful.state.species:
        species.last_tested = -1
    assert first + champions(forgetful, 6, []) != expected
