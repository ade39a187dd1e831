import numba
import numpy as np
import pytest

from neat import network
from neat.activations import ACTIVATIONS, apply_activation, apply_activation_py
from neat.config import load_config
from neat.genome import GenomePool
from neat.network import ReferenceNetwork, activate_population, pack_population
from neat.population import Population
from tests.conftest import make_genome


@pytest.mark.parametrize("kind", range(len(ACTIVATIONS)))
def test_activation_kernels_match_reference(kind):
    for x in np.linspace(-40, 40, 81):
        assert apply_activation(kind, x) == pytest.approx(apply_activation_py(kind, x), abs=1e-12)


def test_feed_forward_by_hand():
    # 0,1 inputs; 2 output; 3 hidden.  h = sig(1*x0 - 1*x1), out = sig(0.7*x0 + 2*h + 0.5)
    g = make_genome(2, 1, [3], [(0, 0, 2, 0.7, True), (1, 0, 3, 1.0, True), (2, 1, 3, -1.0, True),
                                (3, 3, 2, 2.0, True)], biases={2: 0.5})
    packed = pack_population(GenomePool.from_genomes([g]), recurrent=False)
    out = activate_population(packed, np.array([[1.0, 0.5]]))[0, 0]
    sig = lambda z: 1 / (1 + np.exp(-4.9 * z))  # noqa: E731
    assert out == pytest.approx(sig(0.7 + 2 * sig(0.5) + 0.5))


def test_nodes_off_the_output_paths_are_skipped():
    # hidden node 4 only feeds hidden node 5, which feeds nothing
    g = make_genome(1, 1, [4, 5], [(0, 0, 1, 1.0, True), (1, 0, 4, 1.0, True), (2, 4, 5, 1.0, True)])
    packed = pack_population(GenomePool.from_genomes([g]), recurrent=False)
    assert packed.eval_end[0] - packed.eval_start[0] == 1  # only the output is computed


def test_disabled_links_are_ignored():
    g = make_genome(1, 1, [], [(0, 0, 1, 5.0, False)], biases={1: 0.2})
    packed = pack_population(GenomePool.from_genomes([g]), recurrent=False)
    assert activate_population(packed, np.array([[1.0]]))[0, 0] == pytest.approx(
        1 / (1 + np.exp(-4.9 * 0.2)))


def _evolved_pool(feed_forward: bool, seed: int) -> GenomePool:
    cfg = load_config(None, [f"run.seed={seed}", "mutation.add_node_rate=0.3",
                             "mutation.add_connection_rate=0.5", "population.size=40",
                             f"genome.feed_forward={'true' if feed_forward else 'false'}"])
    pop = Population(cfg, 3, 2)
    rng = np.random.default_rng(seed)
    for _ in range(15):
        pop.tell(rng.random(len(pop.ask())))
    return pop.ask()


@pytest.fixture(params=["serial", "chunks"])
def threads(request, monkeypatch):
    """Population loops run serially, or in chunks over 2 threads however small the work."""
    if request.param == "chunks":
        monkeypatch.setattr(network, "PACK_PARALLEL_MIN", 0)
        monkeypatch.setattr(network, "ACTIVATE_PARALLEL_MIN", 0)
        original = numba.get_num_threads()
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        yield request.param
        numba.set_num_threads(original)
    else:
        yield request.param


@pytest.mark.parametrize("feed_forward", [True, False])
def test_compiled_networks_match_the_reference(feed_forward, threads):
    pool = _evolved_pool(feed_forward, seed=3)
    assert pool.node_counts().max() > 5  # the test covers hidden nodes
    packed = pack_population(pool, recurrent=not feed_forward)
    refs = [ReferenceNetwork(g, recurrent=not feed_forward) for g in pool.genomes()]
    values = packed.new_values()
    rng = np.random.default_rng(0)
    for _ in range(4):  # several steps, so recurrent state matters
        inputs = rng.normal(size=(len(pool), 3))
        outputs = activate_population(packed, inputs, values)
        expected = np.array([r.activate(list(x)) for r, x in zip(refs, inputs, strict=True)])
        np.testing.assert_allclose(outputs, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("recurrent", [False, True])
def test_chunked_loops_are_bit_identical_to_serial_ones(recurrent, monkeypatch):
    pool = _evolved_pool(not recurrent, seed=4)
    inputs = np.random.default_rng(1).normal(size=(3, len(pool), 3))
    results = {}
    for minimum in (10**12, 0):
        monkeypatch.setattr(network, "PACK_PARALLEL_MIN", minimum)
        monkeypatch.setattr(network, "ACTIVATE_PARALLEL_MIN", minimum)
        packed = pack_population(pool, recurrent)
        values = packed.new_values()
        results[minimum] = (packed, [activate_population(packed, x, values) for x in inputs])
    (serial, serial_out), (chunked, chunked_out) = results.values()
    for name in ("eval_start", "eval_end", "eval_node", "in_start", "in_end", "in_src", "in_weight"):
        np.testing.assert_array_equal(getattr(serial, name), getattr(chunked, name), err_msg=name)
    for a, b in zip(serial_out, chunked_out, strict=True):
        np.testing.assert_array_equal(a, b)


def test_activating_some_networks_equals_those_rows_of_all():
    pool = _evolved_pool(False, seed=5)
    packed = pack_population(pool, recurrent=True)
    inputs = np.random.default_rng(2).normal(size=(len(pool), 3))
    everything = activate_population(packed, inputs, packed.new_values())
    some = np.array([7, 0, 31, 8])
    values = packed.new_values()
    np.testing.assert_array_equal(activate_population(packed, inputs[some], values, some),
                                  everything[some])
    untouched = np.setdiff1d(np.arange(len(pool)), some)
    starts = packed.node_start
    assert not any(values[starts[g]:starts[g + 1]].any() for g in untouched)
