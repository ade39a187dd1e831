"""Response models of the HTTP API (they make up the OpenAPI schema); the stats row is the run
directory's own model (neat.app.rundir)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from neat.app.rundir import SpeciesRow, State, StatsRow

__all__ = ["GenomeRecord", "Layout", "RunSummary", "SpeciesGeneration", "StatsRow"]

Number = int | float


class RunSummary(BaseModel):
    """One run as shown in the run list."""

    name: str
    task: str
    generations: int
    generation: int | None
    best_fitness: Number | None
    solved: bool
    state: State
    live: bool
    reason: str | None = None  # why a failed run failed
    evaluations: int | None
    evaluations_per_second: Number | None
    last_checkpoint: str | None
    updated: Number | None
    error: str | None


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
