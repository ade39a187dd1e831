"""The platformer's pixel art: the sprites are well formed, the page draws the very sprites the
rgb_array frames and GIFs do, and the tiles drawn are the grid the network sees (a solid cell is
drawn solid to its edges, an air cell is sky), in the frames and on the page."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from fitness.platformer.physics import DEFAULT_PARAMS
from fitness.platformer.render import WINDOW_COLS, render_world_rgb
from fitness.platformer.sprites import PALETTE, SKY, SPRITES, sprite_rgba, sprites_module
from fitness.platformer.tiles import (
    AIR,
    BLOCK,
    FLAG,
    GROUND,
    LEVEL_ROWS,
    PIPE,
    PLATFORM,
    SOLID_TILES,
    SPIKES,
    SUBPIXELS,
    TILE_PX,
)
from neat.app.cli import main
from tests.browser import ARTIFACTS, needs_chromium, open_page

ROOT = Path(__file__).resolve().parent.parent
ENTITIES = {"player": ("player_w", "player_h"), "enemy": ("enemy_w", "enemy_h")}


def test_the_page_draws_the_same_sprites_as_the_frames():
    assert (ROOT / "static/js/sprites.js").read_text() == sprites_module(), (
        "run: python -m fitness.platformer.sprites > static/js/sprites.js")


def test_sprites_are_rectangles_of_palette_colours_at_their_sizes():
    for name, rows in SPRITES.items():
        assert set("".join(rows)) <= {*PALETTE, "."}, name
        width, height = (DEFAULT_PARAMS[k] // SUBPIXELS for k in ENTITIES[name]) if (
            name in ENTITIES) else (TILE_PX, TILE_PX)
        assert sprite_rgba(name).shape == (height, width, 4), name
    assert SKY not in PALETTE.values()  # a sprite pixel is never mistaken for the sky


def _world(tiles: list[list[int]], **boxes) -> dict:
    return {"kind": "platformer", "x0": 10, "y0": 0, "tiles": tiles, "enemies": [],
            "player": {"x": -5.0, "y": 0.0, "w": 0.75, "h": 0.875}, "frame": 0,
            "distance": 0.0, "dead": False, "won": False, **boxes}


def _a_bit_of_everything() -> list[list[int]]:
    """Rows of tiles with every tile code in every neighbourhood the sprites vary by."""
    rng = np.random.default_rng(4)
    tiles = rng.choice([AIR, AIR, AIR, GROUND, BLOCK, PIPE, FLAG, PLATFORM, SPIKES],
                       (LEVEL_ROWS, WINDOW_COLS))
    tiles[-2:] = GROUND
    return tiles.tolist()


def _cells(image: np.ndarray) -> np.ndarray:
    """(rows, cols, 16, 16, 3): the picture cut into tiles."""
    rows, cols = image.shape[0] // TILE_PX, image.shape[1] // TILE_PX
    return image.reshape(rows, TILE_PX, cols, TILE_PX, 3).transpose(0, 2, 1, 3, 4)


def test_the_tiles_drawn_are_the_grid_the_network_sees():
    tiles = np.array(_a_bit_of_everything())
    cells = _cells(render_world_rgb(_world(tiles.tolist())))
    sky = (cells == SKY).all(axis=-1).mean(axis=(2, 3))  # each cell's share of sky pixels
    solid = np.isin(tiles, SOLID_TILES)
    assert (sky[solid] == 0).all()  # drawn solid to the cell's edges
    assert (sky[tiles == AIR] == 1).all()
    assert ((sky > 0.3) & (sky < 1))[np.isin(tiles, [FLAG, SPIKES])].all()  # not solid: sky shows
    steel = (cells == PALETTE["E"]).all(axis=-1).any(axis=(2, 3))
    assert steel[tiles == SPIKES].all()


def test_the_player_and_enemies_are_drawn_as_their_sprites_at_their_boxes():
    air = [[AIR] * WINDOW_COLS for _ in range(LEVEL_ROWS)]
    player = {"x": 13.0, "y": 4.0, "w": 0.75, "h": 0.875}
    enemy = {"x": 20.0, "y": 9.0, "w": 0.875, "h": 0.9375}
    image = render_world_rgb(_world(air, player=player, enemies=[enemy]))
    for name, box in (("player", player), ("enemy", enemy)):
        sprite = sprite_rgba(name)
        top, left = round(box["y"] * TILE_PX), round((box["x"] - 10) * TILE_PX)
        drawn = image[top : top + sprite.shape[0], left : left + sprite.shape[1]]
        opaque = sprite[..., 3] > 0
        assert (drawn[opaque] == sprite[..., :3][opaque]).all()
        assert (drawn[~opaque] == SKY).all()
    assert (image == SKY).all(axis=-1).sum() == image.shape[0] * image.shape[1] - sum(
        (sprite_rgba(n)[..., 3] > 0).sum() for n in ENTITIES)
    dead = render_world_rgb(_world(air, player=player, dead=True))
    top, left = round(player["y"] * TILE_PX), round((player["x"] - 10) * TILE_PX)
    assert (dead[top : top + 14, left : left + 12] == image[top : top + 14, left : left + 12][::-1]).all()


# -- the page ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    runs = tmp_path_factory.mktemp("runs")
    assert main(["run", "platformer", "--generations", "1", "--pop", "10", "--quiet", "--seed", "3",
                 "--runs-dir", str(runs), "--name", "plat"]) == 0
    return runs


@needs_chromium
def test_the_page_draws_the_platformer_with_its_sprites(server, browser):
    page, errors = open_page(browser, f"{server.url}/#/run/plat", 30_000)
    page.wait_for_function("Number(document.querySelector('[data-testid=frame-counter]')"
                           ".dataset.index) > 0")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "viewer-platformer-sprites.png"), full_page=True)
    with Image.open(io.BytesIO(page.locator("[data-testid=game]").screenshot())) as shot:
        pixels = np.asarray(shot.convert("RGB"))
    colours = {tuple(c) for c in np.unique(pixels.reshape(-1, 3), axis=0)}
    assert (pixels == SKY).all(axis=-1).mean() > 0.3  # the sprites' sky, drawn sharp
    for letter in "GOk":  # grass, earth and the outlines: sprite pixels, not smoothed ones
        assert PALETTE[letter] in colours, letter
    assert errors == []
    page.close()
