"""The champion API (neat.app.champion): compiled activation against ReferenceNetwork, loading from a
run folder or a champion file (reference records included), playing on its task and in gymnasium,
and that loading imports neither the tasks nor the viewer."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

from fitness.cartpole_dynamics import initial_state
from neat.app.champion import Champion, load_champion
from neat.app.cli import main
from neat.app.rundir import RunDirectory
from neat.config import load_config
from neat.errors import CheckpointError, ConfigError, NetworkInputError, RunFileError
from neat.genome import Genome
from neat.network import ReferenceNetwork
from neat.population import Population

QUICK = ["--pop", "30", "--seed", "2", "--quiet"]


def evolved_genomes(recurrent: bool, count: int = 6) -> list[Genome]:
    """Genomes with hidden nodes (and, when recurrent, cycles) from a few generations of random
    fitness."""
    config = load_config(None, ["run.seed=5", "mutation.add_node_rate=0.3", "population.size=40",
                                "mutation.add_connection_rate=0.5",
                                f"genome.feed_forward={'false' if recurrent else 'true'}"])
    population = Population(config, 3, 2)
    rng = np.random.default_rng(5)
    for _ in range(15):
        population.tell(rng.random(len(population.ask())))
    genomes = sorted(population.ask().genomes(), key=lambda g: -g.n_hidden)[:count]
    assert genomes[0].n_hidden >= 3
    return genomes


@pytest.fixture(scope="module")
def pole_run(tmp_path_factory) -> Path:
    runs = tmp_path_factory.mktemp("runs")
    assert main(["run", "cartpole", "--generations", "3", "--name", "pole", "--runs-dir",
                 str(runs), "--set", "task.episodes=2", "--set", "task.test_episodes=3",
                 "--set", "run.stop_when_solved=false", *QUICK]) == 0
    return runs / "pole"


@pytest.mark.parametrize("recurrent", [False, True])
def test_activate_matches_the_reference_network_step_by_step(recurrent):
    rng = np.random.default_rng(0)
    for genome in evolved_genomes(recurrent):
        net, reference = Champion(genome, recurrent), ReferenceNetwork(genome, recurrent)
        for _ in range(5):  # several steps: recurrent state carries over
            observation = rng.normal(size=3)
            np.testing.assert_allclose(net.activate(observation),
                                       reference.activate(list(observation)), rtol=0, atol=1e-12)
        net.reset()
        fresh = ReferenceNetwork(genome, recurrent)
        observation = rng.normal(size=3)
        np.testing.assert_allclose(net.activate(observation), fresh.activate(list(observation)),
                                   rtol=0, atol=1e-12)


def test_a_batch_is_played_by_independent_copies_that_keep_their_state():
    genome = evolved_genomes(recurrent=True)[0]
    net = Champion(genome, recurrent=True)
    references = [ReferenceNetwork(genome, True) for _ in range(4)]
    rng = np.random.default_rng(1)
    for _ in range(4):
        batch = rng.normal(size=(4, 3))
        expected = [r.activate(list(row)) for r, row in zip(references, batch, strict=True)]
        np.testing.assert_allclose(net.activate_batch(batch), expected, rtol=0, atol=1e-12)
    with pytest.raises(NetworkInputError, match=r"holds the state of 4 episode\(s\); call reset"):
        net.activate(batch[0])
    net.reset()
    assert net.activate(batch[0]).shape == (2,)
    feed_forward = Champion(evolved_genomes(recurrent=False)[0], recurrent=False)
    one = feed_forward.activate_batch(batch)
    np.testing.assert_array_equal(feed_forward.activate_batch(batch[:2]), one[:2])


@pytest.mark.parametrize(("call", "shape", "message"), [
    ("activate", (2,), r"one observation of 3 inputs, got shape \(2,\)"),
    ("activate", (1, 3), r"got shape \(1, 3\); use activate_batch"),
    ("activate_batch", (3,), r"rows of 3 inputs \(shape \(B, 3\)\), got shape \(3,\)"),
    ("activate_batch", (2, 4), r"got shape \(2, 4\)"),
])
def test_inputs_of_the_wrong_shape_say_what_fits(call, shape, message):
    net = Champion(evolved_genomes(recurrent=False)[0], recurrent=False)
    with pytest.raises(NetworkInputError, match=message):
        getattr(net, call)(np.zeros(shape))


def test_load_a_champion_from_its_run_by_generation_best_or_latest(pole_run):
    run = RunDirectory(pole_run)
    best = run.best_champion().generation
    for choice, generation in ((None, 2), ("latest", 2), ("best", best), (1, 1), ("0", 0)):
        net = load_champion(pole_run, choice)
        record = run.read_champion(generation)[1]
        assert (net.generation, net.fitness, net.genome.key) == (generation, record["fitness"],
                                                                 record["key"])
        assert net.path == pole_run / "champions" / f"gen-{generation:06d}.json"
        assert net.task_name == "cartpole" and net.task_options == {"episodes": 2,
                                                                   "test_episodes": 3}
        assert not net.recurrent and net.input_labels == record["input_labels"]
    file = load_champion(pole_run / "champions" / "gen-000001.json")
    assert file.genome.equals(load_champion(pole_run, 1).genome) and file.generation == 1


def test_a_reference_record_loads_whole_through_its_run_and_alone_says_what_to_do(tmp_path):
    assert main(["run", "xor", "--generations", "40", "--name", "e", "--runs-dir", str(tmp_path),
                 *QUICK, "--set", "run.stop_when_solved=false"]) == 0
    champions = tmp_path / "e" / "champions"
    refs = [p for p in sorted(champions.iterdir())
            if json.loads(p.read_text())["format"] == "neat-brain/genome-ref"]
    assert refs, "the elite never stayed champion: choose another seed"
    net = load_champion(refs[-1])
    genome_of = json.loads(refs[-1].read_text())["genome_of"]
    assert net.genome.equals(load_champion(tmp_path / "e", genome_of).genome)
    assert net.generation == int(refs[-1].name[4:10])
    alone = tmp_path / "alone.json"
    shutil.copy(refs[-1], alone)
    with pytest.raises(RunFileError, match="holds no genome: it refers to generation"):
        load_champion(alone, recurrent=False)


def test_a_champion_file_on_its_own_needs_its_network_type(pole_run, tmp_path):
    alone = tmp_path / "champion.json"
    shutil.copy(pole_run / "champions" / "gen-000000.json", alone)
    with pytest.raises(ConfigError, match="pass recurrent=True or False"):
        load_champion(alone)
    net = load_champion(alone, recurrent=False)
    np.testing.assert_array_equal(net.activate(np.ones(4)),
                                  load_champion(pole_run, 0).activate(np.ones(4)))
    assert load_champion(alone, recurrent=True).recurrent


@pytest.mark.parametrize(("args", "error", "message"), [
    (("nowhere",), RunFileError, "nowhere does not exist; give a run folder or a champion file"),
    (("{run}", 99), RunFileError, "no champion for generation 99"),
    (("{run}", "first"), ConfigError, "give a number"),
    (("{run}/champions/gen-000000.json", 0), ConfigError, "a generation is chosen only with a run"),
    (("{run}/champions",), ConfigError, "is not a run folder"),
])
def test_loading_errors_say_what_to_do(pole_run, args, error, message):
    with pytest.raises(error, match=message):
        load_champion(*(a.format(run=pole_run) if isinstance(a, str) else a for a in args))
    with pytest.raises(ConfigError, match="evolved feed-forward networks"):
        load_champion(pole_run, recurrent=True)


def test_play_gives_back_the_stored_fitness_and_test_the_stored_test(pole_run):
    net = load_champion(pole_run, "best")
    scores = [net.play(episode).score for episode in net.episodes()]
    assert len(scores) == 2 and sum(scores) / 2 == net.fitness
    replay = net.play(net.episodes(test=True)[0], max_frames=5)
    assert len(replay.frames) == min(5, replay.steps)
    result = net.test()
    assert (result.score, result.solved, result.episodes) == (
        net.record["test"]["score"], net.record["test"]["solved"], 3)


def test_in_gymnasium_it_balances_as_long_as_on_its_task(pole_run):
    """The README's loop: net.activate on gymnasium's CartPole-v1 from the task's start states."""
    net = load_champion(pole_run, "best")
    env = gym.make("CartPole-v1")
    for episode in net.episodes(test=True):
        env.reset(seed=0)
        state = np.array(initial_state(np.uint64(episode.seed)))
        env.unwrapped.state = state
        observation, steps, done = state.astype(np.float32), 0, False
        net.reset()
        while not done:
            action = int(np.argmax(net.activate(observation)))
            observation, _, terminated, truncated, _ = env.step(action)
            steps, done = steps + 1, terminated or truncated
        assert steps == net.play(episode).steps


def test_loading_and_activating_import_no_task_viewer_or_evolution_code(pole_run):
    script = ("import sys; from neat.app.champion import load_champion; "
              f"net = load_champion({str(pole_run)!r}, 'best'); net.activate([0.0] * 4); "
              "print(sorted(m for m in sys.modules if m.split('.')[0] in ('fitness', 'viewer', "
              "'gymnasium', 'fastapi', 'PIL') or m in ('neat.population', 'neat.app.checkpoint')))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, check=True)
    assert result.stdout.strip() == "[]"


def test_a_damaged_genome_names_its_file(pole_run, tmp_path):
    record = json.loads((pole_run / "champions" / "gen-000000.json").read_text())
    record["connections"][0]["target"] = 999
    damaged = tmp_path / "damaged.json"
    damaged.write_text(json.dumps(record))
    with pytest.raises(CheckpointError, match=f"champion {damaged}: invalid genome"):
        load_champion(damaged, recurrent=False)
