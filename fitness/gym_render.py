"""A gymnasium environment's own pictures of a replay: its `rgb_array` frames, scaled to fit
MAX_SIZE and encoded as lossless WebP (Pillow), for the viewer and for GIFs.

Lossless WebP at a low effort keeps the pictures exact and small: a CartPole frame (600 x 400) is
about 0.5 kB against 2 kB as PNG. MAX_SIZE keeps the classic-control and Box2D pictures as drawn:
scaling them down to the viewer's box cost as much CPU as rendering or encoding them (each about
2-3 ms a CartPole frame on the development machine), and the page scales them anyway.

Rendering never changes an episode: a frame is rendered from the environment after reset and after
each step, which reads the state and draws no random numbers (tests compare every rendered replay's
score with the unrendered one, bit for bit).
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from PIL import Image

from fitness.gym_env import one_line

RENDER_MODE = "rgb_array"
MAX_SIZE = (640, 480)  # (width, height) in pixels a frame is scaled down to fit, aspect kept
WEBP_OPTIONS: dict[str, Any] = {"format": "WEBP", "lossless": True, "quality": 10, "method": 1}


class RenderError(Exception):
    """The environment could not give a picture; the message says why, for people."""


def can_render(env: gym.Env) -> bool:
    """Whether `env` declares the rgb_array render mode."""
    return RENDER_MODE in (env.metadata.get("render_modes") or ())


def frame_rate(env: gym.Env, default: float) -> float:
    """Steps a second the environment plays at (its metadata's render_fps), else `default`."""
    fps = env.metadata.get("render_fps")
    return float(fps) if isinstance(fps, int | float) and 0 < fps <= 1000 else default


def headless_sdl() -> None:
    """On a machine with no display, tell SDL (pygame, used by gymnasium's classic-control
    renderers) to draw offscreen, as it would anyway, without first probing for a display server
    and printing an error about it on stderr."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")


def render_frame(env: gym.Env) -> bytes:
    """The environment's picture of its current state, encoded; RenderError when it gives none."""
    try:
        picture = env.render()
    except Exception as error:
        raise RenderError(f"{type(error).__name__}: {one_line(error)}") from error
    return encode_frame(picture)


def encode_frame(picture: Any) -> bytes:
    """An RGB(A) uint8 array (height, width, 3 or 4) as WebP bytes, scaled down to fit MAX_SIZE."""
    array = np.asarray(picture) if isinstance(picture, np.ndarray) else None
    if (array is None or array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] not in (3, 4)
            or 0 in array.shape):
        described = (f"an array of shape {array.shape} and type {array.dtype}"
                     if array is not None else type(picture).__name__)
        raise RenderError(f"render() returned {described}, not an RGB image")
    image = Image.fromarray(np.ascontiguousarray(array[..., :3]))
    scale = min(1.0, MAX_SIZE[0] / image.width, MAX_SIZE[1] / image.height)
    if scale < 1.0:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BOX)
    out = io.BytesIO()
    image.save(out, **WEBP_OPTIONS)
    return out.getvalue()


class EpisodePictures:
    """The pictures of a replayed episode, rendered when asked for: an environment made to render
    is reset with the episode's seed and stepped with the actions the replay took, so picture k
    shows the state the network saw at step k (rendering reads the state only). Pictures made are
    kept; each call plays the episode again from its reset up to the last picture it makes, which
    costs steps only (a CartPole step is some microseconds, a picture some milliseconds). Safe to
    share between threads. When a picture fails, it and every picture not made yet are None."""

    def __init__(self, make_env: Callable[[], gym.Env], seed: int, actions: Sequence[Any],
                 first: bytes | None):
        self.make_env = make_env
        self.seed = seed
        self.actions = list(actions)  # the action taken at each frame
        self.pictures: dict[int, bytes | None] = {} if first is None else {0: first}
        self.failed = ""  # why pictures stopped, for people; empty while they work
        self._lock = threading.Lock()

    def get(self, indices: Sequence[int]) -> list[bytes | None]:
        """The pictures of frames `indices` (0 <= k < len(actions)), in that order."""
        with self._lock:
            missing = sorted(set(indices) - set(self.pictures))
            if missing:
                self._render(missing)
            return [self.pictures[k] for k in indices]

    def _render(self, indices: list[int]) -> None:
        if self.failed:
            self.pictures.update(dict.fromkeys(indices))
            return
        env = None
        try:
            env = self.make_env()
            env.reset(seed=self.seed)
            step = 0
            for k in indices:
                while step < k:
                    env.step(self.actions[step])
                    step += 1
                self.pictures[k] = render_frame(env)
        except Exception as error:  # the environment's own failure costs the pictures only
            self.failed = (str(error) if isinstance(error, RenderError)
                           else f"{type(error).__name__}: {one_line(error)}")
            self.pictures.update({k: None for k in indices if k not in self.pictures})
        finally:
            if env is not None:
                env.close()


def decode_frame(data: bytes) -> Image.Image:
    """An encoded frame as an RGB picture."""
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB")
