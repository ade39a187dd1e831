import numpy as np
import pytest

from fitness.registry import make_task
from neat.app.checkpoint import POOL_ARRAYS
from neat.config import load_config
from neat.errors import ConfigError, FitnessError
from neat.genome import check_genome
from neat.network import pack_genome
from neat.population import Population, TotalExtinctionError
from neat.report import TestResult as Result  # aliased: pytest would collect Test*
from neat.task import CHAMPION_CHOICES, ChampionTest
from tests.conftest import recording_test, species_population


def _run(seed, generations=12, *overrides):
    cfg = load_config(None, [f"run.seed={seed}", "population.size=60", *overrides])
    pop = Population(cfg, 2, 1)
    task = make_task("xor")
    reports = []
    pop.run(task.evaluate, generations, is_solved=task.solved, reporters=[reports.append])
    return pop, reports


def test_same_seed_same_run():
    (a, ra), (b, rb) = _run(5), _run(5)
    assert [r.best_fitness for r in ra] == [r.best_fitness for r in rb]
    assert [len(r.species) for r in ra] == [len(r.species) for r in rb]
    assert all(x.equals(y) for x, y in zip(a.ask().genomes(), b.ask().genomes(), strict=True))
    _, rc = _run(6)
    assert [r.best_fitness for r in ra] != [r.best_fitness for r in rc]


def test_genomes_stay_valid_over_a_run():
    pop, _ = _run(2, 25, "mutation.add_node_rate=0.2", "mutation.add_connection_rate=0.3",
                  "run.stop_when_solved=false")
    for g in pop.ask().genomes():
        assert not check_genome(g, feed_forward=True)
    assert len(pop.ask()) == 60


def test_xor_is_solved():
    cfg = load_config(None, ["run.seed=1"])
    pop = Population(cfg, 2, 1)
    task = make_task("xor")
    champion = pop.run(task.evaluate, 200, is_solved=task.solved)
    packed = pack_genome(champion, False)
    assert task.solved(packed, task.evaluate(packed, None))[0]


@pytest.mark.parametrize(("fitness", "message"), [
    (np.full(60, np.nan), "fitness of genome 0 .* is nan"),
    (np.r_[np.ones(59), np.inf], "fitness of genome 59 .* is inf"),
    (np.ones(59), r"shape \(60,\); got shape \(59,\)"),
])
def test_bad_fitness_is_a_clear_error(fitness, message):
    pop = Population(load_config(None, ["population.size=60"]), 2, 1)
    with pytest.raises(FitnessError, match=message):
        pop.tell(fitness)


def test_tell_reports_the_seconds_it_took(monkeypatch):
    pop = Population(load_config(None, ["population.size=20"]), 2, 1)
    clock = iter([10.0])  # tell() starts at 10 s, and every later reading says 10.5 s
    monkeypatch.setattr("neat.population.time.perf_counter", lambda: next(clock, 10.5))
    assert pop.tell(np.ones(20)).seconds == 0.5


def test_population_below_two_is_rejected():
    with pytest.raises(ConfigError, match=r"population\.size = 1 is out of range"):
        load_config(None, ["population.size=1"])


def test_total_extinction_is_an_error_or_a_restart():
    overrides = ["population.size=20", "stagnation.max_stagnation=2", "stagnation.protect_best=false"]
    pop = Population(load_config(None, overrides), 2, 1)
    with pytest.raises(TotalExtinctionError, match="reset_on_extinction"):
        for _ in range(30):  # flat fitness: every species stagnates within a few generations
            pop.tell(np.ones(20))
    pop = Population(load_config(None, [*overrides, "population.reset_on_extinction=true"]), 2, 1)
    restarted = False
    for _ in range(30):
        pop.tell(np.ones(20))
        if not pop.state.species:  # a restart drops every species and makes a fresh population
            restarted = True
            break
    assert restarted and len(pop.ask()) == 20
    assert np.all(pop.ask().genome_ids >= pop.state.next_genome_key - 20)  # all of them new


@pytest.mark.parametrize("choose", ["best", "species"])
def test_the_report_names_the_genome_tested_with_its_own_fitness(choose):
    task, tested = make_task("xor"), []
    pop = species_population()
    reports = [pop.step(task.evaluate, None, recording_test(tested, choose)) for _ in range(10)]
    keys = [g.key for g in tested]
    assert len(set(keys)) == len(keys)  # a genome tested again is the previous one: not re-run
    for r in reports:
        assert r.test is not None and r.test.score == keys.index(r.champion.key) + 1
        own = task.evaluate(pack_genome(r.champion, False), None)[0]
        assert r.champion_fitness == own <= r.best_fitness
    assert reports[-1].test_episodes == 3 * len(tested) == pop.state.test_episodes
    below_top = sum(r.champion_fitness < r.best_fitness for r in reports)
    assert below_top == 0 if choose == "best" else below_top >= 3


def test_the_champion_choice_changes_the_genome_tested_never_evolution():
    task = make_task("xor")
    stagnant = ("stagnation.max_stagnation=2", "stagnation.protect_best=false")  # species die
    runs = {c: (species_population(1, *stagnant), recording_test([], c)) for c in CHAMPION_CHOICES}
    differ = 0
    for _ in range(10):
        reports = {c: pop.step(task.evaluate, None, test) for c, (pop, test) in runs.items()}
        differ += reports["best"].champion.key != reports["species"].champion.key
        a, b = (pop.state for pop, _ in runs.values())
        for name in POOL_ARRAYS:
            assert np.array_equal(getattr(a.pool, name), getattr(b.pool, name))
        assert a.rng.bit_generator.state == b.rng.bit_generator.state
        assert [s.key for s in a.species] == [s.key for s in b.species]
        assert a.best_genome.equals(b.best_genome) and a.best_fitness == b.best_fitness
    assert differ >= 3


def test_a_solving_genome_of_the_rotation_is_the_runs_champion():
    task, tested = make_task("xor"), []
    pop = species_population(seed=3)  # its 4th tested genome is not the generation's fittest
    reports = []
    champion = pop.run(task.evaluate, 20, reporters=[reports.append],
                       test=recording_test(tested, "species", solve_at=4))
    assert len(tested) == 4 and reports[-1].solved and len(reports) < 20
    assert champion is reports[-1].champion and champion.key == tested[-1].key
    assert reports[-1].champion_fitness < reports[-1].best_fitness  # not the fittest genome


def test_champion_choice_is_validated():
    with pytest.raises(ValueError, match="one of best, species"):
        ChampionTest(lambda genome: Result(0.0, False, 0), True, "fittest")
    with pytest.raises(ValueError, match="every_champion"):
        ChampionTest(lambda genome: Result(0.0, False, 0), False, "species")
    with pytest.raises(ValueError, match="one of best, species"):
        species_population().tell(np.zeros(60), choose="rotation")
