"""HTTP routes: run list, stats, species history, champions and their drawable layouts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import APIRouter, HTTPException

from viewer.deps import Generation, Run, State
from viewer.models import GenomeRecord, Layout, RunSummary, SpeciesGeneration, StatsRow
from viewer.paths import UnsafePathError
from viewer.replay import champion_genome, champion_layout
from viewer.watcher import newest_first

router = APIRouter(prefix="/api/runs", tags=["runs"])


@router.get("", response_model=list[RunSummary])
def list_runs(state: State) -> list[dict]:
    """Every run under the runs directory, the most recently updated first (a run with
    unreadable files carries its error)."""
    return newest_first([state.store.summary(name) for name in state.store.run_names()])


@router.get("/{run}", response_model=RunSummary)
def get_run(run: Run, state: State) -> dict:
    return state.store.summary(run)


@router.get("/{run}/stats", response_model=list[StatsRow])
def get_stats(run: Run, state: State) -> list[dict]:
    """One row per generation (stats.jsonl)."""
    return state.store.stats(run)


@router.get("/{run}/species", response_model=list[SpeciesGeneration])
def get_species(run: Run, state: State) -> list[dict]:
    """The species table of every generation."""
    return [
        {"generation": row["generation"], "species": row["species_table"]}
        for row in state.store.stats(run)
    ]


@router.get("/{run}/champions", response_model=list[int])
def list_champions(run: Run, state: State) -> list[int]:
    """Generations that have a champion file."""
    return state.store.champion_generations(run)


@router.get("/{run}/champions/{gen}", response_model=GenomeRecord)
def get_champion(run: Run, gen: Generation, state: State) -> dict:
    """The champion genome of generation `gen` ('latest' for the newest, 'best' for the run's best
    champion: neat.app.rundir.best_champion)."""
    with _champion_errors():
        return state.store.champion(run, gen)[1]


@router.get("/{run}/champions/{gen}/layout", response_model=Layout)
def get_champion_layout(run: Run, gen: Generation, state: State) -> dict:
    """The champion of generation `gen` (a number, 'latest' or 'best') laid out for drawing."""
    with _champion_errors():
        _, genome, champion = champion_genome(state.store, run, gen)
    return champion_layout(genome, champion, state.tasks.spec(run))


@contextmanager
def _champion_errors() -> Iterator[None]:
    """Missing champion -> 404, unreadable or invalid champion file -> 422."""
    try:
        yield
    except UnsafePathError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
