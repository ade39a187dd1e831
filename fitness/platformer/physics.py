"""Frame-by-frame game dynamics: pure `@njit` functions over explicit integer state arrays.

State (all int64, sub-pixels, y grows downward, see tiles.py for units):
- player (PLAYER_FIELDS,): top-left corner, velocity, flags and counters (P* indices).
- enemies (E, ENEMY_FIELDS): position, speed, home and life state of every walker (E* indices).
- params (len(PARAM_NAMES),): physics constants, built by `make_params`.

One frame (`step`): the buttons set the horizontal speed (accelerate, skid, friction; RUN raises
the top speed); JUMP on the ground starts a jump (held, it jumps again on landing); the player
moves on x then on y with tile collisions, and gravity is added (weaker while rising with JUMP
held, so holding jumps higher: 5 tiles held, 1.7 tapped). Enemies wake when the player comes near
and patrol their stretch of ground. Then contacts are settled: landing on an enemy from above
kills it and bounces the player, any other touch kills the player. Falling below the level or
touching spikes kills the player; touching the flag pole wins. The functions also run as plain
Python (NUMBA_DISABLE_JIT=1), the pure-Python twin the tests use.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from fitness.platformer.tiles import (
    AIR,
    BLOCK,
    FLAG,
    GROUND,
    PIPE,
    PLATFORM,
    SPIKES,
    TILE,
    TILE_SHIFT,
)

LEFT, RIGHT, JUMP, RUN = 1, 2, 4, 8
"""Button bits of the `buttons` mask (0..15)."""
BUTTON_NAMES: tuple[str, ...] = ("LEFT", "RIGHT", "JUMP", "RUN")

PX, PY, PVX, PVY, P_GROUND, P_DEAD, P_WON, P_FRAME, P_MAX_X, P_IDLE = range(10)
PLAYER_FIELDS = 10
"""Player fields: position, velocity, on-ground flag, dead, won, frames played, furthest x
reached, frames since the furthest x last grew."""

EX, EY, EVX, E_HOME, E_STATE = range(5)
ENEMY_FIELDS = 5
DORMANT, WALKING, DEFEATED = 0, 1, 2
"""Enemy life states: waiting off screen, walking, stomped."""

PARAM_NAMES: tuple[str, ...] = (
    "walk_speed", "run_speed", "accel", "friction", "skid", "jump_speed", "gravity_held",
    "gravity", "max_fall", "stomp_speed", "player_w", "player_h", "enemy_w", "enemy_h",
    "enemy_speed", "wake_distance", "stomp_margin", "patrol_range",
)
(WALK_SPEED, RUN_SPEED, ACCEL, FRICTION, SKID, JUMP_SPEED, GRAVITY_HELD, GRAVITY, MAX_FALL,
 STOMP_SPEED, PLAYER_W, PLAYER_H, ENEMY_W, ENEMY_H, ENEMY_SPEED, WAKE_DISTANCE,
 STOMP_MARGIN, PATROL_RANGE) = range(len(PARAM_NAMES))

DEFAULT_PARAMS: dict[str, int] = {
    "walk_speed": 24,  # sub-pixels per frame (1.5 px)
    "run_speed": 40,  # 2.5 px per frame
    "accel": 2,  # per frame, toward the pressed direction
    "friction": 2,  # per frame, toward 0 with no direction pressed
    "skid": 4,  # per frame, when pressing against the motion
    "jump_speed": 100,  # initial upward speed of a jump (6.25 px per frame)
    "gravity_held": 4,  # gravity while rising with JUMP held
    "gravity": 16,  # gravity otherwise
    "max_fall": 80,
    "stomp_speed": 64,  # upward bounce after a stomp
    "player_w": 192,  # 12 x 14 px
    "player_h": 224,
    "enemy_w": 224,  # 14 x 15 px
    "enemy_h": 240,
    "enemy_speed": 8,  # patrol speed, sub-pixels per frame
    "wake_distance": 14 * TILE,  # enemies start walking when this close ahead of the player
    "stomp_margin": 128,  # how deep a falling player may sink into an enemy and still stomp it
    "patrol_range": 2 * TILE,  # an enemy walks at most this far either side of where it spawned
}


def make_params(**overrides: int) -> np.ndarray:
    """Physics constants as an int64 array indexed by the PARAM_NAMES constants."""
    unknown = set(overrides) - set(DEFAULT_PARAMS)
    if unknown:
        raise KeyError(f"unknown physics parameters {sorted(unknown)}; valid: {PARAM_NAMES}")
    values = {**DEFAULT_PARAMS, **overrides}
    return np.array([values[name] for name in PARAM_NAMES], dtype=np.int64)


@njit(cache=True)
def new_player(x: int, y: int) -> np.ndarray:
    """A standing player with its top-left corner at (x, y) sub-pixels, shape (PLAYER_FIELDS,)."""
    player = np.zeros(PLAYER_FIELDS, dtype=np.int64)
    player[PX], player[PY], player[P_MAX_X] = x, y, x
    return player


@njit(cache=True)
def new_enemies(spawn: np.ndarray) -> np.ndarray:
    """Dormant enemies at the (E, 2) spawn positions (x, y sub-pixels), shape (E, ENEMY_FIELDS)."""
    enemies = np.zeros((spawn.shape[0], ENEMY_FIELDS), dtype=np.int64)
    enemies[:, EX] = spawn[:, 0]
    enemies[:, EY] = spawn[:, 1]
    enemies[:, E_HOME] = spawn[:, 0]
    return enemies


@njit(cache=True)
def tile_at(tiles: np.ndarray, row: int, col: int) -> int:
    """Tile code at (row, col); open air above and below the level, walls left and right of it."""
    if row < 0 or row >= tiles.shape[0]:
        return AIR
    if col < 0 or col >= tiles.shape[1]:
        return BLOCK
    return tiles[row, col]


SOLID_MASK = (1 << GROUND) | (1 << BLOCK) | (1 << PIPE) | (1 << PLATFORM)


@njit(cache=True)
def is_solid(tile: int) -> bool:
    """True for GROUND, BLOCK, PIPE and PLATFORM (a bit test of SOLID_MASK)."""
    return (SOLID_MASK >> tile) & 1 == 1


@njit(cache=True)
def solid_in_column(tiles: np.ndarray, col: int, top: int, bottom: int) -> bool:
    """True when any tile of column `col` between sub-pixel heights top..bottom is solid."""
    for row in range(top >> TILE_SHIFT, (bottom >> TILE_SHIFT) + 1):
        if is_solid(tile_at(tiles, row, col)):
            return True
    return False


@njit(cache=True)
def solid_in_row(tiles: np.ndarray, row: int, left: int, right: int) -> bool:
    """True when any tile of row `row` between sub-pixel columns left..right is solid."""
    for col in range(left >> TILE_SHIFT, (right >> TILE_SHIFT) + 1):
        if is_solid(tile_at(tiles, row, col)):
            return True
    return False


@njit(cache=True)
def move_x(tiles: np.ndarray, x: int, y: int, vx: int, w: int, h: int) -> tuple[int, int]:
    """Move a w x h box at (x, y) by vx (|vx| < TILE); returns (x, vx), vx zeroed on a wall."""
    nx = x + vx
    if vx > 0:
        col = (nx + w - 1) >> TILE_SHIFT
        if solid_in_column(tiles, col, y, y + h - 1):
            return col * TILE - w, 0
    elif vx < 0:
        col = nx >> TILE_SHIFT
        if solid_in_column(tiles, col, y, y + h - 1):
            return (col + 1) * TILE, 0
    return nx, vx


@njit(cache=True)
def move_y(tiles: np.ndarray, x: int, y: int, vy: int, w: int, h: int) -> tuple[int, int, bool]:
    """Move a box by vy (|vy| < TILE); returns (y, vy, landed), vy zeroed on a floor or ceiling."""
    ny = y + vy
    if vy > 0:
        row = (ny + h - 1) >> TILE_SHIFT
        if solid_in_row(tiles, row, x, x + w - 1):
            return row * TILE - h, 0, True
    elif vy < 0:
        row = ny >> TILE_SHIFT
        if solid_in_row(tiles, row, x, x + w - 1):
            return (row + 1) * TILE, 0, False
    return ny, vy, False


@njit(cache=True)
def touches_tile(tiles: np.ndarray, x: int, y: int, w: int, h: int, code: int) -> bool:
    """True when the w x h box at (x, y) overlaps a tile of `code`."""
    for row in range(y >> TILE_SHIFT, ((y + h - 1) >> TILE_SHIFT) + 1):
        for col in range(x >> TILE_SHIFT, ((x + w - 1) >> TILE_SHIFT) + 1):
            if tile_at(tiles, row, col) == code:
                return True
    return False


@njit(cache=True)
def horizontal_speed(vx: int, buttons: int, params: np.ndarray) -> int:
    """Next horizontal speed from the current one and the pressed buttons."""
    top = params[RUN_SPEED] if buttons & RUN else params[WALK_SPEED]
    direction = 0
    if buttons & RIGHT and not buttons & LEFT:
        direction = 1
    elif buttons & LEFT and not buttons & RIGHT:
        direction = -1
    if direction == 0:
        if vx > 0:
            return max(vx - params[FRICTION], 0)
        return min(vx + params[FRICTION], 0)
    v = vx * direction  # speed along the pressed direction
    if v < 0:
        v = min(v + params[SKID], 0)
    elif v < top:
        v = min(v + params[ACCEL], top)
    else:
        v = max(v - params[FRICTION], top)
    return v * direction


@njit(cache=True)
def step_player(tiles: np.ndarray, player: np.ndarray, buttons: int, params: np.ndarray) -> None:
    """Advance the player one frame (speed, jump, collisions, gravity, pit death, flag)."""
    w, h = params[PLAYER_W], params[PLAYER_H]
    vx = horizontal_speed(player[PVX], buttons, params)
    vy = player[PVY]
    if buttons & JUMP and player[P_GROUND]:
        vy = -params[JUMP_SPEED]
    x, vx = move_x(tiles, player[PX], player[PY], vx, w, h)
    y, vy, landed = move_y(tiles, x, player[PY], vy, w, h)
    if vy < 0 and buttons & JUMP:
        vy += params[GRAVITY_HELD]
    else:
        vy += params[GRAVITY]
    player[PX], player[PY], player[PVX], player[PVY] = x, y, vx, min(vy, params[MAX_FALL])
    player[P_GROUND] = 1 if landed else 0
    if y >= tiles.shape[0] * TILE or touches_tile(tiles, x, y, w, h, SPIKES):
        player[P_DEAD] = 1
    elif touches_tile(tiles, x, y, w, h, FLAG):
        player[P_WON] = 1


@njit(cache=True)
def step_enemy(tiles: np.ndarray, enemy: np.ndarray, player_x: int, params: np.ndarray) -> None:
    """Advance one enemy a frame: wake up near the player, then patrol its stretch of ground
    (at most `patrol_range` either side of its spawn), turning at walls, spikes and ledges."""
    if enemy[E_STATE] == DORMANT:
        if enemy[EX] - player_x > params[WAKE_DISTANCE]:
            return
        enemy[E_STATE] = WALKING
        enemy[EVX] = -params[ENEMY_SPEED]
    if enemy[E_STATE] != WALKING:
        return
    w, h = params[ENEMY_W], params[ENEMY_H]
    x = enemy[EX] + enemy[EVX]
    front = x if enemy[EVX] < 0 else x + w - 1
    body_row = (enemy[EY] + h - 1) >> TILE_SHIFT
    floor_row = (enemy[EY] + h) >> TILE_SHIFT
    ahead = tile_at(tiles, body_row, front >> TILE_SHIFT)
    if abs(x - enemy[E_HOME]) > params[PATROL_RANGE] or is_solid(ahead) or ahead == SPIKES or (
            not is_solid(tile_at(tiles, floor_row, front >> TILE_SHIFT))):
        enemy[EVX] = -enemy[EVX]  # turn around, stay put this frame
    else:
        enemy[EX] = x


@njit(cache=True)
def settle_contact(
    player: np.ndarray, enemy: np.ndarray, falling: bool, params: np.ndarray
) -> None:
    """Stomp `enemy` when the falling player lands on it from above, else touching kills."""
    if enemy[E_STATE] != WALKING:
        return
    px, py = player[PX], player[PY]
    ex, ey = enemy[EX], enemy[EY]
    if (px + params[PLAYER_W] <= ex or ex + params[ENEMY_W] <= px
            or py + params[PLAYER_H] <= ey or ey + params[ENEMY_H] <= py):
        return
    if falling and py + params[PLAYER_H] - ey <= params[STOMP_MARGIN]:
        enemy[E_STATE] = DEFEATED
        player[PVY] = -params[STOMP_SPEED]
    else:
        player[P_DEAD] = 1


@njit(cache=True)
def step(tiles: np.ndarray, player: np.ndarray, enemies: np.ndarray, buttons: int,
         params: np.ndarray) -> None:
    """Advance the whole game one frame with `buttons` (mask of LEFT|RIGHT|JUMP|RUN) pressed.

    Also counts frames and tracks the furthest x and the frames since it last grew.
    """
    if player[P_DEAD] or player[P_WON]:
        return
    old_y = player[PY]
    step_player(tiles, player, buttons, params)
    falling = player[PY] > old_y
    for e in range(enemies.shape[0]):
        step_enemy(tiles, enemies[e], player[PX], params)
        if not player[P_DEAD]:
            settle_contact(player, enemies[e], falling, params)
    player[P_FRAME] += 1
    if player[PX] > player[P_MAX_X]:
        player[P_MAX_X] = player[PX]
        player[P_IDLE] = 0
    else:
        player[P_IDLE] += 1
