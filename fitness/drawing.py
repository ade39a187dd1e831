"""Pictures of replay frames: one RGB image per frame, and animated GIFs (Pillow).

A frame with the game's own picture (a gymnasium environment's rendered frame, fitness.gym_render)
is shown as that picture; any other frame is drawn from its world dict. World kinds drawn:
"platformer" (the task's own sprite renderer), "cartpole", "double-pole", "xor" and "vector" (a bar
per observation value); other kinds get a blank frame with their name.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from fitness.task import Frame
from neat.errors import TaskError

WIDTH, HEIGHT = 360, 220
BACKGROUND = (250, 250, 247)
INK = (40, 40, 40)
CART = (60, 90, 160)
POLE_COLORS = ((200, 120, 40), (200, 40, 60))
MIN_POLE_PX = 24
MAX_GIF_FRAMES = 600
MIN_GIF_DELAY_MS = 20  # browsers slow down GIFs whose frames are shorter than 20 ms


def draw_frame(frame: Frame) -> Image.Image:
    """An RGB picture of one frame: its own picture when it has one, else its world drawn."""
    if frame.image is None:
        return draw_world(frame.world)
    with Image.open(io.BytesIO(frame.image)) as picture:
        return picture.convert("RGB")


def draw_world(world: dict[str, Any]) -> Image.Image:
    """An RGB picture of one frame's world dict."""
    kind = world.get("kind")
    if kind == "platformer":
        from fitness.platformer.render import render_world_rgb

        return Image.fromarray(render_world_rgb(world)).convert("RGB")
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    if kind == "cartpole":
        _draw_poles(draw, world, [(world["theta"], 1.0)])
    elif kind == "double-pole":
        _draw_poles(draw, world, [(world["theta1"], world.get("length1", 1.0)),
                                  (world["theta2"], world.get("length2", 0.1))])
    elif kind == "xor":
        _draw_xor(draw, world)
    elif kind == "vector":
        _draw_bars(draw, world.get("values", []))
    else:
        draw.text((10, 10), f"no picture for world kind {kind!r}", fill=INK)
    return image


def _draw_poles(draw: ImageDraw.ImageDraw, world: dict[str, Any],
                poles: list[tuple[float, float]]) -> None:
    """Track, cart and poles; angles in radians from upright, lengths in metres (1 m = 80 px, short
    poles drawn at least MIN_POLE_PX long so they stay visible)."""
    half_track = float(world.get("x_threshold", 2.4))
    scale = (WIDTH - 40) / (2 * half_track)
    ground = HEIGHT - 40
    draw.line([(20, ground), (WIDTH - 20, ground)], fill=INK, width=2)
    cx = WIDTH / 2 + float(world["x"]) * scale
    draw.rectangle([cx - 22, ground - 18, cx + 22, ground - 2], fill=CART)
    for i, (theta, length) in enumerate(poles):
        pixels = max(MIN_POLE_PX, 80.0 * float(length))
        top = (cx + pixels * math.sin(theta), ground - 18 - pixels * math.cos(theta))
        draw.line([(cx, ground - 18), top], fill=POLE_COLORS[i % 2], width=6 - 2 * (i % 2))


def _draw_xor(draw: ImageDraw.ImageDraw, world: dict[str, Any]) -> None:
    """The two input bits as squares, then the output as a bar against the 0.5 line and target."""
    for i, bit in enumerate(world.get("inputs", [])):
        x = 30 + i * 70
        draw.rectangle([x, 70, x + 50, 120], fill=INK if bit > 0.5 else BACKGROUND, outline=INK)
        draw.text((x + 20, 130), "AB"[i] if i < 2 else str(i), fill=INK)
    output = min(1.0, max(0.0, float(world.get("output", 0.0))))
    draw.rectangle([230, 40, 270, 180], outline=INK)
    draw.rectangle([230, 180 - 140 * output, 270, 180], fill=CART)
    draw.line([(222, 110), (278, 110)], fill=POLE_COLORS[0], width=2)
    draw.text((215, 190), f"out {output:.2f} target {world.get('target', 0):g}", fill=INK)


def _draw_bars(draw: ImageDraw.ImageDraw, values: Sequence[float]) -> None:
    """One bar per value, squashed with tanh so any range fits; zero is the middle line."""
    middle = HEIGHT / 2
    draw.line([(10, middle), (WIDTH - 10, middle)], fill=INK)
    if not values:
        return
    width = (WIDTH - 20) / len(values)
    for i, value in enumerate(values):
        height = math.tanh(float(value)) * (middle - 20)
        x0 = 10 + i * width
        draw.rectangle([x0 + 1, min(middle, middle - height), x0 + width - 1,
                        max(middle, middle - height)], fill=CART)


def save_gif(frames: Sequence[Frame], path: Path, fps: float = 30.0) -> int:
    """Write the frames as an animated GIF playing `fps` frames a second of game time (at most
    MAX_GIF_FRAMES, evenly sampled, and no more than browsers show: one each MIN_GIF_DELAY_MS);
    returns the number of frames written."""
    if not frames:
        raise TaskError("the replay has no frames, so there is nothing to animate")
    step = max(1, math.ceil(len(frames) / MAX_GIF_FRAMES), math.ceil(fps * MIN_GIF_DELAY_MS / 1000))
    images = [draw_frame(f) for f in frames[::step]]
    images[0].save(Path(path), save_all=True, append_images=images[1:],
                   duration=round(1000 * step / fps), loop=0)
    return len(images)
