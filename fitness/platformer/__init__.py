"""A small Mario-like platformer, fully compiled, that NEAT networks learn to play (MarI/O style).

Importing the package registers the gymnasium environment `neat/Platformer-v0`.
"""

import gymnasium

ENV_ID = "neat/Platformer-v0"

if ENV_ID not in gymnasium.registry:
    gymnasium.register(id=ENV_ID, entry_point="fitness.platformer.env:PlatformerEnv")
