import tomllib

import pytest

from neat.config import Config, apply_override, config_to_toml, load_config
from neat.errors import ConfigError


def test_defaults_follow_the_paper():
    c = Config()
    assert c.population.size == 150
    assert (c.speciation.excess_coefficient, c.speciation.disjoint_coefficient,
            c.speciation.weight_coefficient, c.speciation.threshold) == (1.0, 1.0, 0.4, 3.0)
    assert c.mutation.weight_mutate_rate == 0.8 and c.mutation.weight_perturb_rate == 0.9
    assert c.mutation.add_node_rate == 0.03 and c.mutation.add_connection_rate == 0.05
    assert c.reproduction.crossover_rate == 0.75 and c.reproduction.interspecies_rate == 0.001
    assert c.reproduction.disabled_gene_rate == 0.75
    assert c.stagnation.max_stagnation == 15 and c.reproduction.survival_threshold == 0.2


def test_defaults_round_trip_through_commented_toml():
    text = config_to_toml(Config())
    assert "# " in text
    assert Config.from_dict(tomllib.loads(text)) == Config()


def test_file_and_overrides(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[population]\nsize = 300\n[task]\nepisodes = 3\n")
    c = load_config(path, ["mutation.add_node_rate=0.1", "run.task=cartpole"])
    assert c.population.size == 300 and c.mutation.add_node_rate == 0.1
    assert c.run.task == "cartpole" and c.task == {"episodes": 3}


@pytest.mark.parametrize(("override", "message"), [
    ("mutation.add_nod_rate=0.1", "did you mean 'mutation.add_node_rate'"),
    ("mutaton.add_node_rate=0.1", "did you mean 'mutation.add_node_rate'"),
    ("mutation.add_node_rate=1.5", "out of range; allowed: 0 to 1"),
    ("population.size=1", "out of range"),
    ("population.size=2.5", "expected an integer"),
    ("genome.initial_connection=\"sparse\"", "choose one of full, none, fraction"),
    ("genome.feed_forward=3", "expected true or false"),
    ("nodot=3", "expected section.key=value"),
])
def test_bad_overrides_name_key_value_and_fix(override, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        apply_override(Config(), override)


def test_bad_file_sections_and_toml(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[populaton]\nsize = 3\n")
    with pytest.raises(ConfigError, match="did you mean 'population'"):
        load_config(path)
    path.write_text("[population\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "missing.toml")


def test_activation_options_are_checked():
    with pytest.raises(ConfigError, match="activation_options"):
        load_config(None, ['genome.activation_options=["sigmoid", "cube"]'])
