"""What a `gym:` task's networks see: an environment's Box observation turned into float64 inputs.

The task option `observation` chooses:

- "raw" (default): the observation flattened, values unchanged.
- "scaled": each value mapped from its Box bounds [low, high] to [0, 1] (every bound finite), e.g.
  Atari RAM bytes 0..255.
- "grayscale:WxH": an image observation (height, width[, channels]) as a grid of H rows and W
  columns: luminance (0.299 R + 0.587 G + 0.114 B) averaged over equal-as-possible blocks of
  pixels, scaled to [0, 1] by the space's bounds. The viewer lays these inputs out as the grid.

A network may have at most `max_inputs` inputs (task option, default 1,024): larger observations
are refused with a message naming the preprocessing that makes them small.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from gymnasium import spaces

from neat.errors import ConfigError, TaskError

DEFAULT_MAX_INPUTS = 1024
LUMA = np.array([0.299, 0.587, 0.114])
GRAYSCALE = re.compile(r"grayscale:(\d+)x(\d+)")
MODES = 'raw, scaled or grayscale:WxH (such as "grayscale:16x16")'


@dataclass(frozen=True, eq=False)
class Observer:
    """Writes network inputs (n_inputs,) float64 for an observation: `observer(obs, out)`."""

    mode: str  # "raw", "scaled" or "grayscale"
    n_inputs: int
    input_grid: tuple[int, int] | None = None  # (rows, cols) for grayscale
    low: np.ndarray | float = 0.0
    span: np.ndarray | float = 1.0  # high - low
    row_edges: np.ndarray | None = None  # first pixel row of each grid row (grayscale)
    col_edges: np.ndarray | None = None
    block_pixels: np.ndarray | None = None  # (rows, cols) pixels per block

    def __call__(self, observation: object, out: np.ndarray) -> None:
        if self.mode == "raw":
            out[:] = np.asarray(observation).reshape(-1)
        elif self.mode == "scaled":
            np.subtract(np.asarray(observation).reshape(-1), self.low, out=out)
            out /= self.span
        else:
            assert self.row_edges is not None and self.col_edges is not None  # grayscale has them
            image = np.asarray(observation, dtype=np.float64)
            if image.ndim == 3:
                image = image[..., :3] @ LUMA if image.shape[2] >= 3 else image[..., 0]
            blocks = np.add.reduceat(np.add.reduceat(image, self.row_edges, axis=0),
                                     self.col_edges, axis=1)
            out[:] = ((blocks / self.block_pixels - self.low) / self.span).reshape(-1)


def make_observer(task: str, option: str, space: spaces.Box) -> Observer:
    """The Observer for task option observation = `option` on observation space `space`."""
    if option == "raw":
        return Observer("raw", int(np.prod(space.shape)))
    if option == "scaled":
        low, high = _finite_bounds(task, option, space)
        return Observer("scaled", len(low), low=low, span=np.where(high > low, high - low, 1.0))
    match = GRAYSCALE.fullmatch(option)
    if match is None:
        raise ConfigError(f"task '{task}' option 'observation' must be {MODES}, got {option!r}.")
    cols, rows = int(match[1]), int(match[2])
    shape = space.shape
    if not (len(shape) == 2 or (len(shape) == 3 and shape[2] in (1, 3, 4))):
        raise TaskError(f"task '{task}': observation = {option!r} needs an image observation "
                        f"(height, width[, channels]), but the environment observes shape {shape}.")
    if not (1 <= rows <= shape[0] and 1 <= cols <= shape[1]):
        raise ConfigError(f"task '{task}' option observation = {option!r}: the grid must be 1x1 "
                          f"to {shape[1]}x{shape[0]} (the image's width x height).")
    low, high = _finite_bounds(task, option, space)
    row_edges = _edges(shape[0], rows)
    col_edges = _edges(shape[1], cols)
    pixels = np.outer(np.diff([*row_edges, shape[0]]), np.diff([*col_edges, shape[1]]))
    lo, hi = float(low.min()), float(high.max())
    return Observer("grayscale", rows * cols, (rows, cols), lo, hi - lo if hi > lo else 1.0,
                    row_edges, col_edges, pixels.astype(np.float64))


def check_size(task: str, observer: Observer, space: spaces.Box, max_inputs: int) -> None:
    """TaskError naming the preprocessing options when the inputs exceed `max_inputs`."""
    if observer.n_inputs > max_inputs:
        raise TaskError(
            f"task '{task}' would give networks {observer.n_inputs:,} inputs (observation shape "
            f"{space.shape}), more than task.max_inputs = {max_inputs:,} allows. Use a smaller "
            'observation: task.observation = "grayscale:16x16" (an image as a 16x16 grayscale '
            "grid) or, for Atari, the console's RAM (task.env_kwargs = {obs_type = \"ram\"}, 128 "
            "inputs, with task.observation = \"scaled\"); or raise task.max_inputs."
        )


def _finite_bounds(task: str, option: str, space: spaces.Box) -> tuple[np.ndarray, np.ndarray]:
    low = np.asarray(space.low, dtype=np.float64).reshape(-1)
    high = np.asarray(space.high, dtype=np.float64).reshape(-1)
    if not (np.isfinite(low).all() and np.isfinite(high).all()):
        raise TaskError(f"task '{task}': observation = {option!r} needs finite observation bounds, "
                        "but some are infinite; use observation = \"raw\".")
    return low, high


def _edges(pixels: int, cells: int) -> np.ndarray:
    """First pixel of each of `cells` equal-as-possible blocks of `pixels`."""
    return (np.arange(cells) * pixels) // cells
