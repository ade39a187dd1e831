"""Typed, validated configuration loaded from TOML; defaults follow the NEAT paper.

Every key lives in a section dataclass with its type, allowed range and a one-line doc; unknown keys and
bad values raise ConfigError naming the key, the value and what is allowed.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from neat.activations import ACTIVATIONS
from neat.errors import ConfigError

INF = math.inf


def _opt(default: Any, doc: str, lo: float | None = None, hi: float | None = None,
         choices: tuple[str, ...] | None = None) -> Any:
    meta = {"doc": doc, "lo": lo, "hi": hi, "choices": choices}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass
class RunConfig:
    task: str = _opt("xor", "task name (see `neat tasks`) or gym:<EnvId>")
    seed: int = _opt(0, "seed of the run's single random Generator", 0, 2**63 - 1)
    generations: int = _opt(300, "generation limit", 1, 10**9)
    stop_when_solved: bool = _opt(True, "stop when the champion reaches the task's solved fitness")


@dataclass
class PopulationConfig:
    size: int = _opt(150, "number of genomes per generation", 2, 10**7)
    reset_on_extinction: bool = _opt(
        False, "when every species dies: start a fresh population (true) or stop with an error")


@dataclass
class GenomeConfig:
    feed_forward: bool = _opt(True, "false allows recurrent links (one propagation step per activation)")
    initial_connection: str = _opt(
        "full", "initial topology: full (inputs->outputs, the paper), none (minimal), fraction",
        choices=("full", "none", "fraction"))
    connection_fraction: float = _opt(
        0.5, "share of input->output links when initial_connection = fraction", 0.0, 1.0)
    activation: str = _opt("sigmoid", "activation of new nodes", choices=ACTIVATIONS)
    activation_options: list = _opt(  # noqa: RUF009 (_opt gives a default_factory for lists)
        ["sigmoid"], "activations that activation mutation picks from")
    weight_init_stdev: float = _opt(1.0, "stdev of new connection weights (normal, mean 0)", 0.0, 1e6)
    bias_init_stdev: float = _opt(0.0, "stdev of initial node biases (normal, mean 0)", 0.0, 1e6)
    weight_max: float = _opt(8.0, "weights and biases are clamped to [-weight_max, weight_max]", 1e-9, 1e9)


@dataclass
class MutationConfig:
    weight_mutate_rate: float = _opt(0.8, "chance a genome's weights are mutated (paper: 0.8)", 0.0, 1.0)
    weight_perturb_rate: float = _opt(
        0.9, "per weight: chance of a perturbation; otherwise it is replaced (paper: 0.9)", 0.0, 1.0)
    weight_perturb_power: float = _opt(
        1.0, "size of a weight perturbation: stdev (gaussian) or half-width (uniform)", 0.0, 1e6)
    perturb_distribution: str = _opt(
        "gaussian", "weight and bias perturbations: gaussian N(0, power) or uniform U(-power, power) "
        "(the paper's 'uniformly perturbed'; NEAT C++)", choices=("gaussian", "uniform"))
    bias_mutate_rate: float = _opt(0.7, "chance a genome's biases are mutated", 0.0, 1.0)
    bias_perturb_rate: float = _opt(0.9, "per bias: chance of a perturbation; otherwise replaced", 0.0, 1.0)
    bias_perturb_power: float = _opt(
        0.5, "size of a bias perturbation: stdev (gaussian) or half-width (uniform)", 0.0, 1e6)
    add_node_rate: float = _opt(0.03, "chance of an add-node mutation (paper: 0.03)", 0.0, 1.0)
    add_connection_rate: float = _opt(
        0.05, "chance of an add-connection mutation (paper: 0.05; 0.3 for large populations)", 0.0, 1.0)
    add_connection_tries: int = _opt(20, "random node pairs tried to find a new connection", 1, 10**6)
    toggle_enable_rate: float = _opt(0.01, "chance of flipping one connection's enabled flag", 0.0, 1.0)
    delete_connection_rate: float = _opt(
        0.0, "chance of deleting one connection (off in the paper)", 0.0, 1.0)
    delete_node_rate: float = _opt(
        0.0, "chance of deleting one hidden node and its links (off in the paper)", 0.0, 1.0)
    structural_exclusive: bool = _opt(
        False, "a child that draws add-node gets no other mutation, one that draws add-connection "
        "(tried only without add-node) none either; false: all mutations independent (NEAT C++: true)")
    activation_mutate_rate: float = _opt(
        0.0, "per hidden/output node: chance its activation is redrawn from activation_options", 0.0, 1.0)


@dataclass
class ReproductionConfig:
    crossover_rate: float = _opt(
        0.75, "share of offspring made by crossover (paper: 25% mutation only)", 0.0, 1.0)
    mutate_after_crossover: bool = _opt(True, "crossover offspring are mutated too")
    interspecies_rate: float = _opt(
        0.001, "chance a crossover takes its second parent from another species", 0.0, 1.0)
    disabled_gene_rate: float = _opt(
        0.75, "chance a gene disabled in either parent stays disabled in the child (paper: 0.75)", 0.0, 1.0)
    elitism_min_species_size: int = _opt(
        5, "species with at least this many members (or offspring, see elitism_rule) keep their "
        "champion unchanged (0 = off)", 0, 10**9)
    elitism_rule: str = _opt(
        "members", "what elitism_min_species_size counts: a species' members this generation (the "
        "paper's text) or its offspring quota for the next (NEAT C++: champion copied when more than "
        "5 offspring)", choices=("members", "offspring"))
    survival_threshold: float = _opt(0.2, "share of each species (best first) allowed to breed", 1e-9, 1.0)


@dataclass
class SpeciationConfig:
    excess_coefficient: float = _opt(1.0, "c1: weight of excess genes in the distance", 0.0, 1e6)
    disjoint_coefficient: float = _opt(1.0, "c2: weight of disjoint genes in the distance", 0.0, 1e6)
    weight_coefficient: float = _opt(
        0.4, "c3: weight of the mean weight difference of matching genes", 0.0, 1e6)
    threshold: float = _opt(3.0, "compatibility threshold delta_t", 1e-9, 1e9)
    small_genome_genes: int = _opt(
        20, "N = 1 when both genomes have fewer genes than this (paper); 0 always divides by N", 0, 10**9)
    representative: str = _opt(
        "random", "which member of a species represents it in the next generation's speciation: "
        "random (the paper) or champion (its fittest; NEAT C++)", choices=("random", "champion"))
    assignment: str = _opt(
        "first", "a genome joins the first species whose representative is within the threshold "
        "(the paper) or the closest one (with representative = champion an elite keeps its species)",
        choices=("first", "closest"))
    target_species: int = _opt(0, "dynamic threshold steering toward this many species (0 = fixed)", 0, 10**7)
    threshold_step: float = _opt(0.3, "how much the dynamic threshold moves per generation", 0.0, 1e9)
    threshold_min: float = _opt(0.3, "lowest value of the dynamic threshold", 1e-9, 1e9)


@dataclass
class StagnationConfig:
    max_stagnation: int = _opt(
        15, "generations without improvement after which a species gets no offspring", 1, 10**9)
    protect_best: bool = _opt(True, "the species holding the population's best genome never stagnates")
    extinction_fraction: float = _opt(
        0.0, "species in this bottom share of a generation get a mark (0 = rule off)", 0.0, 1.0)
    extinction_marks: int = _opt(3, "marks in a row that kill a species", 1, 10**9)


SECTIONS: dict[str, type] = {
    "run": RunConfig,
    "population": PopulationConfig,
    "genome": GenomeConfig,
    "mutation": MutationConfig,
    "reproduction": ReproductionConfig,
    "speciation": SpeciationConfig,
    "stagnation": StagnationConfig,
}


@dataclass
class Config:
    run: RunConfig = field(default_factory=RunConfig)
    population: PopulationConfig = field(default_factory=PopulationConfig)
    genome: GenomeConfig = field(default_factory=GenomeConfig)
    mutation: MutationConfig = field(default_factory=MutationConfig)
    reproduction: ReproductionConfig = field(default_factory=ReproductionConfig)
    speciation: SpeciationConfig = field(default_factory=SpeciationConfig)
    stagnation: StagnationConfig = field(default_factory=StagnationConfig)
    task: dict[str, Any] = field(default_factory=dict)
    """Options of the task, passed through to it (validated by the task)."""

    @staticmethod
    def from_dict(data: dict[str, Any], source: str = "config", base: Config | None = None) -> Config:
        """Build and validate a Config from a nested dict (as read from TOML); keys missing from
        `data` keep their values from `base` (default: the defaults)."""
        if not isinstance(data, dict):
            raise ConfigError(f"{source}: expected a table of sections")
        config = copy.deepcopy(base) if base is not None else Config()
        for section, values in data.items():
            if section == "task":
                if not isinstance(values, dict):
                    raise ConfigError(f"{source}: [task] must be a table of task options")
                config.task = dict(values)
                continue
            if section not in SECTIONS:
                hint = _suggest(section, [*SECTIONS, "task"])
                raise ConfigError(f"{source}: unknown section [{section}]{hint}")
            if not isinstance(values, dict):
                raise ConfigError(f"{source}: [{section}] must be a table of keys")
            for key, value in values.items():
                set_value(config, section, key, value, source)
        config.validate()
        return config

    def to_dict(self) -> dict[str, Any]:
        out = {name: dataclasses.asdict(getattr(self, name)) for name in SECTIONS}
        out["task"] = dict(self.task)
        return out

    def validate(self) -> None:
        """Checks that span several keys."""
        unknown = [a for a in self.genome.activation_options if a not in ACTIVATIONS]
        if unknown or not self.genome.activation_options:
            raise ConfigError(
                f"genome.activation_options = {self.genome.activation_options!r}: each entry must be one "
                f"of {', '.join(ACTIVATIONS)} and the list must not be empty")


def _suggest(name: str, valid: list[str]) -> str:
    close = difflib.get_close_matches(name, valid, n=1, cutoff=0.5)
    return f"; did you mean '{close[0]}'?" if close else f"; valid: {', '.join(valid)}"


def _all_keys() -> list[str]:
    return [f"{s}.{f.name}" for s, cls in SECTIONS.items() for f in dataclasses.fields(cls)]


def set_value(config: Config, section: str, key: str, value: Any, source: str = "config") -> None:
    """Set `section.key` to `value`, checking type and range."""
    if section == "task":
        config.task[key] = value
        return
    cls = SECTIONS.get(section)
    fields = {f.name: f for f in dataclasses.fields(cls)} if cls else {}
    if key not in fields:
        close = difflib.get_close_matches(f"{section}.{key}", _all_keys(), n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else "; run `neat config --defaults` for all keys"
        raise ConfigError(f"{source}: unknown key '{section}.{key}'{hint}")
    f = fields[key]
    name = f"{section}.{key}"
    expected = type(f.default) if f.default is not dataclasses.MISSING else list
    value = _coerce(name, value, expected, source)
    meta = f.metadata
    if meta["choices"] and value not in meta["choices"]:
        raise ConfigError(
            f"{source}: {name} = {value!r} is not allowed; choose one of {', '.join(meta['choices'])}")
    lo, hi = meta["lo"], meta["hi"]
    if lo is not None and not (lo <= value <= hi):
        raise ConfigError(
            f"{source}: {name} = {value!r} is out of range; allowed: {_number(lo)} to {_number(hi)}")
    setattr(getattr(config, section), key, value)


def _coerce(name: str, value: Any, expected: type, source: str) -> Any:
    if expected is bool:
        if isinstance(value, bool):
            return value
    elif expected is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif expected is float:
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
    elif expected is str:
        if isinstance(value, str):
            return value
    elif expected is list and isinstance(value, list):
        return list(value)
    kind = {bool: "true or false", int: "an integer", float: "a finite number", str: "a string",
            list: "a list"}[expected]
    raise ConfigError(f"{source}: {name} = {value!r} has the wrong type; expected {kind}")


def read_config_file(path: str | Path) -> dict[str, Any]:
    """A TOML config file as a nested dict (not yet checked against the config's keys)."""
    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None


def load_config(path: str | Path | None = None, overrides: list[str] | None = None,
                presets: tuple[str, ...] = ()) -> Config:
    """Load a TOML config file (or the defaults) and apply `section.key=value` overrides.

    `presets` (a task's recommended settings) apply first, so the file and overrides win over them.
    """
    data = {} if path is None else read_config_file(path)
    config = preset_config(presets)
    config = Config.from_dict(data, str(path) if path else "config", base=config)
    for item in overrides or []:
        apply_override(config, item)
    config.validate()
    return config


def preset_config(presets: tuple[str, ...]) -> Config:
    """The defaults with a task's `presets` ("section.key=value") applied."""
    config = Config()
    for item in presets:
        apply_override(config, item, source="task preset")
    return config


@dataclass(frozen=True)
class PresetOverride:
    """A key that a config file sets to another value than a task preset does."""

    key: str  # "section.key"
    file_value: Any
    preset_value: Any

    def describe(self) -> str:
        return f"{self.key} = {toml_value(self.file_value)} (preset {toml_value(self.preset_value)})"


def preset_keys(presets: tuple[str, ...]) -> list[str]:
    """The "section.key" names that `presets` set, in order."""
    return [item.partition("=")[0].strip() for item in presets]


def preset_overrides(data: dict[str, Any], presets: tuple[str, ...],
                     source: str = "config") -> list[PresetOverride]:
    """The keys of a config file's `data` that override one of `presets` with another value."""
    preset = preset_config(presets)
    from_file = Config.from_dict(data, source)
    overrides = []
    for key in preset_keys(presets):
        section, _, name = key.partition(".")
        if name not in (data.get(section) or {}):
            continue
        file_value, preset_value = _get(from_file, section, name), _get(preset, section, name)
        if file_value != preset_value:
            overrides.append(PresetOverride(key, file_value, preset_value))
    return overrides


def _get(config: Config, section: str, name: str) -> Any:
    return config.task.get(name) if section == "task" else getattr(getattr(config, section), name)


def apply_override(config: Config, item: str, source: str = "--set") -> None:
    """Apply one `section.key=value` override; the value is parsed as TOML, else taken as a string."""
    target, sep, raw = item.partition("=")
    section, dot, key = target.strip().partition(".")
    if not sep or not dot or not key:
        raise ConfigError(f"{source} {item!r}: expected section.key=value, e.g. population.size=300")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    set_value(config, section, key.strip(), value, source=source)


def config_to_toml(config: Config, comments: bool = True,
                   notes: dict[str, str] | None = None) -> str:
    """The config as TOML text; with `comments`, each key carries its doc and allowed values.
    `notes` ("section.key" -> text) end their keys' lines as comments (e.g. a task preset)."""
    notes = notes or {}

    def line(section: str, key: str, value: Any) -> str:
        note = notes.get(f"{section}.{key}")
        return f"{key} = {toml_value(value)}" + (f"  # {note}" if note else "")

    lines: list[str] = []
    for section, cls in SECTIONS.items():
        lines.append(f"[{section}]")
        for f in dataclasses.fields(cls):
            value = getattr(getattr(config, section), f.name)
            if comments:
                meta = f.metadata
                allowed = (f" (one of: {', '.join(meta['choices'])})" if meta["choices"] else
                           f" ({_number(meta['lo'])} to {_number(meta['hi'])})" if meta["lo"] is not None
                           else "")
                lines.append(f"# {meta['doc']}{allowed}")
            lines.append(line(section, f.name, value))
        lines.append("")
    lines.append("[task]")
    if comments:
        lines.append("# options of the task (see `neat tasks`), e.g. episodes = 5")
    lines.extend(line("task", k, v) for k, v in config.task.items())
    return "\n".join(lines) + "\n"


def _number(value: float) -> str:
    """A range bound as people write it: 0, 1, 1000000, 2**63-1 as digits, 1e-09, 0.5."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def toml_value(value: Any) -> str:
    """`value` as a TOML value (tomli-w writes and escapes it; tables inline)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{tomli_w.dumps({k: 0}).split(' = ')[0]} = {toml_value(v)}"
                               for k, v in value.items()) + "}"
    return tomli_w.dumps({"v": value}).split(" = ", 1)[1].rstrip("\n")
