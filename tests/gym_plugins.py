"""A gymnasium plugin for the tests: importing it registers small environments in the namespace
`neat-test`, as a third-party package would (`gym:tests.gym_plugins:neat-test/Countdown-v0`)."""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces


class CountdownEnv(gym.Env):
    """Episodes of a seeded random length (1 to 40 steps) with fractional rewards; refuses to step
    after its episode ended. `steps_taken` counts every step of every instance in this process."""

    steps_taken = 0
    observation_space = spaces.Box(-1.0, 1.0, (4,), np.float32)
    action_space = spaces.Discrete(2)

    def __init__(self) -> None:
        self.left = 0

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[Any, dict]:
        super().reset(seed=seed)
        self.left = int(self.np_random.integers(1, 41))
        return self._observation(), {}

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict]:
        if self.left <= 0:
            raise RuntimeError("stepped after the episode ended")
        CountdownEnv.steps_taken += 1
        self.left -= 1
        observation = self._observation()
        reward = 0.1 * int(action) + float(observation[0]) / 3.0
        return observation, reward, self.left == 0, False, {}

    def _observation(self) -> np.ndarray:
        return self.np_random.uniform(-1.0, 1.0, 4).astype(np.float32)


class FailingEnv(CountdownEnv):
    """Raises a two-line RuntimeError in `fail_in` ("reset" or "step") once `after` steps ran; with
    fail_in = "observation", returns 5 values instead of 4 from then on."""

    def __init__(self, fail_in: str = "step", after: int = 5) -> None:
        super().__init__()
        self.fail_in, self.after, self.count = fail_in, after, 0

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[Any, dict]:
        if self.fail_in == "reset" and self.count >= self.after:
            raise RuntimeError("the simulator exploded\n  while resetting")
        return super().reset(seed=seed)

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict]:
        self.count += 1
        if self.fail_in == "step" and self.count > self.after:
            raise RuntimeError(f"the simulator exploded\n  at step {self.count}")
        observation, *rest = super().step(action)
        if self.fail_in == "observation" and self.count > self.after:
            observation = np.append(observation, np.float32(0.0))
        return observation, *rest


class ImageEnv(gym.Env):
    """Seeded random 48x64 RGB images (9,216 values), 10 steps an episode; reward: the mean red
    value of the left half over 255 when action 1 is taken."""

    observation_space = spaces.Box(0, 255, (48, 64, 3), np.uint8)
    action_space = spaces.Discrete(2)

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[Any, dict]:
        super().reset(seed=seed)
        self.t = 0
        self.image = self._image()
        return self.image, {}

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict]:
        reward = float(self.image[:, :32, 0].mean()) / 255 if int(action) == 1 else 0.0
        self.t += 1
        self.image = self._image()
        return self.image, reward, self.t >= 10, False, {}

    def _image(self) -> np.ndarray:
        return self.np_random.integers(0, 256, (48, 64, 3), dtype=np.uint8)


class DictEnv(CountdownEnv):
    """A Dict observation space, which the adapter does not support."""

    observation_space = spaces.Dict({"position": spaces.Box(-1.0, 1.0, (3,), np.float32)})


class ThrustersEnv(gym.Env):
    """A craft at a seeded random height steered by two action values of unequal bounds (steer in
    [-2, 2], throttle in [0, 5]); 40 steps an episode; reward -|height|. Draws itself (a 64x48
    picture, the craft a white square) and names its values as a plugin may (fitness.gym_labels)."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array"], "render_fps": 20}
    observation_space = spaces.Box(-10.0, 10.0, (3,), np.float64)
    action_space = spaces.Box(np.array([-2.0, 0.0]), np.array([2.0, 5.0]), dtype=np.float64)
    observation_labels = ("height", "speed", "fuel")
    action_labels = ("steer", "throttle")

    def __init__(self, render_mode: str | None = None) -> None:
        self.render_mode = render_mode
        self.state = np.zeros(3)
        self.t = 0

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[Any, dict]:
        super().reset(seed=seed)
        self.state = np.array([self.np_random.uniform(-5.0, 5.0), 0.0, 10.0])
        self.t = 0
        return self.state.copy(), {}

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict]:
        steer, throttle = (float(a) for a in action)
        height, speed, fuel = self.state
        speed = 0.9 * speed + 0.1 * (steer + throttle - 2.5)
        self.state = np.clip([height + speed, speed, fuel - throttle / 10.0], -10.0, 10.0)
        self.t += 1
        return self.state.copy(), -abs(float(self.state[0])), self.t >= 40, False, {}

    def render(self) -> np.ndarray | None:
        if self.render_mode != "rgb_array":
            return None
        picture = np.zeros((48, 64, 3), dtype=np.uint8)
        row = int(np.clip(24 - 2 * self.state[0], 2, 45))
        column = 2 + self.t
        picture[row - 2 : row + 2, column - 2 : column + 2] = 255
        return picture


class BadPictureEnv(CountdownEnv):
    """Declares the rgb_array render mode, then draws a picture twice and fails on the third."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array"], "render_fps": 10}

    def __init__(self, render_mode: str | None = None) -> None:
        super().__init__()
        self.render_mode = render_mode
        self.drawn = 0

    def render(self) -> np.ndarray:
        self.drawn += 1
        if self.drawn > 2:
            raise RuntimeError("no screen today")
        return np.full((10, 10, 3), 40 * self.drawn, dtype=np.uint8)


ENVS = {"Countdown-v0": CountdownEnv, "Failing-v0": FailingEnv, "Image-v0": ImageEnv,
        "Dict-v0": DictEnv, "Thrusters-v0": ThrustersEnv, "BadPicture-v0": BadPictureEnv}
"""The environments this plugin registers, by name in the namespace neat-test."""

for name, entry in ENVS.items():
    gym.register(id=f"neat-test/{name}", entry_point=entry)
