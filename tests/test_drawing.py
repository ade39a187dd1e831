"""Replay pictures: every world kind draws, and the picture follows the world's state."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from fitness.drawing import MAX_GIF_FRAMES, draw_frame, draw_world, save_gif
from fitness.gym_render import encode_frame
from fitness.task import Frame
from neat.errors import TaskError

WORLDS = {
    "cartpole": ({"kind": "cartpole", "x": 0.0, "theta": 0.0, "x_threshold": 2.4},
                 {"kind": "cartpole", "x": 1.0, "theta": 0.2, "x_threshold": 2.4}),
    "double-pole": ({"kind": "double-pole", "x": 0.0, "theta1": 0.0, "theta2": 0.0,
                     "length1": 1.0, "length2": 0.1, "x_threshold": 2.4},
                    {"kind": "double-pole", "x": 0.0, "theta1": 0.0, "theta2": 0.5,
                     "length1": 1.0, "length2": 0.1, "x_threshold": 2.4}),
    "xor": ({"kind": "xor", "inputs": [0.0, 1.0], "target": 1.0, "output": 0.9},
            {"kind": "xor", "inputs": [1.0, 1.0], "target": 0.0, "output": 0.1}),
    "vector": ({"kind": "vector", "values": [0.0, 1.0, -2.0]},
               {"kind": "vector", "values": [0.5, -1.0, 2.0]}),
}


@pytest.mark.parametrize("kind", sorted(WORLDS))
def test_each_kind_draws_and_follows_the_state(kind):
    a, b = (np.asarray(draw_world(w)) for w in WORLDS[kind])
    assert a.shape == b.shape and a.ndim == 3 and a.shape[2] == 3
    assert (a != b).any()


def test_unknown_kind_gets_a_labelled_blank_frame():
    image = np.asarray(draw_world({"kind": "teapot"}))
    assert (image != image[0, 0]).any()  # the text


def test_a_frame_with_its_own_picture_is_shown_as_that_picture():
    picture = np.zeros((30, 40, 3), dtype=np.uint8)
    picture[10:20, 5:15] = (250, 20, 20)
    frame = Frame([], [], [], {"kind": "vector", "values": [1.0]}, image=encode_frame(picture))
    assert (np.asarray(draw_frame(frame)) == picture).all()  # lossless
    assert (np.asarray(draw_frame(Frame([], [], [], frame.world)))
            == np.asarray(draw_world(frame.world))).all()


def test_gif_samples_long_episodes(tmp_path):
    frames = [Frame([], [], [], {"kind": "cartpole", "x": 0.001 * i, "theta": 0.01 * (i % 50),
                                 "x_threshold": 2.4}) for i in range(2 * MAX_GIF_FRAMES + 1)]
    count = save_gif(frames, tmp_path / "a.gif")
    assert count == len(frames[::3])
    with Image.open(tmp_path / "a.gif") as image:
        assert 1 < image.n_frames <= count


@pytest.mark.parametrize(("fps", "step", "delay"), [(30, 1, 33), (50, 1, 20), (60, 2, 33)])
def test_gif_plays_at_the_game_s_frame_rate_skipping_frames_too_short_for_browsers(
        tmp_path, fps, step, delay):
    frames = [Frame([], [], [], {"kind": "vector", "values": [np.sin(i)]}) for i in range(12)]
    assert save_gif(frames, tmp_path / "a.gif", fps) == len(frames[::step])
    with Image.open(tmp_path / "a.gif") as image:
        assert abs(image.info["duration"] - delay) <= 5  # GIF delays are in hundredths
    with pytest.raises(TaskError, match="no frames"):
        save_gif([], tmp_path / "b.gif")
