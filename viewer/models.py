"""Response models of the HTTP API (they make up the OpenAPI schema)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

Number = int | float


class RunSummary(BaseModel):
    """One run as shown in the run list."""

    name: str
    task: str
    generations: int
    generation: int | None
    best_fitness: Number | None
    solved: bool
    state: Literal["running", "finished", "stopped", "failed"]
    live: bool
    evaluations: int | None
    evaluations_per_second: Number | None
    last_checkpoint: str | None
    updated: Number | None
    error: str | None


class SpeciesRow(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: int
    size: int
    age: int | None = None
    best_fitness: Number | None = None
    adjusted_fitness: Number | None = None
    stagnation: int | None = None


class StatsRow(BaseModel):
    """One generation of stats.jsonl (unknown keys are passed through)."""

    model_config = ConfigDict(extra="allow")

    generation: int
    evaluations: int | None = None
    best_fitness: Number | None = None
    mean_fitness: Number | None = None
    std_fitness: Number | None = None
    species: int | None = None
    champion_id: int | None = None
    solved: bool | None = None
    seconds: Number | None = None
    evaluations_per_second: Number | None = None
    test_score: Number | None = None  # the champion on held-out episodes or levels, if tested
    test_solved: bool | None = None
    species_table: list[SpeciesRow] = []


class SpeciesGeneration(BaseModel):
    generation: int
    species: list[SpeciesRow]


class LayoutNode(BaseModel):
    id: int
    kind: Literal["input", "output", "hidden"]
    label: str
    layer: int
    x: float
    y: float
    grid: list[int] | None  # [row, col] in the input grid
    activation: str
    bias: float


class LayoutLink(BaseModel):
    innovation: int
    source: int
    target: int
    weight: float
    enabled: bool
    recurrent: bool  # closes a cycle: drawn as an arc, ignored for layering


class Layout(BaseModel):
    """A champion ready to draw, in a width x height canvas (y down); nodes in genome order."""

    width: float
    height: float
    layers: int
    input_grid: list[int] | None
    cell: float | None
    nodes: list[LayoutNode]
    links: list[LayoutLink]


GenomeRecord = dict[str, Any]
