"""The app layer: the `neat` command, the runner, run directories, checkpoints and the champion API.

It is the one layer that ties the algorithm core (`neat`), the tasks (`fitness`) and the viewer
together. This module imports nothing, so the run-directory reader (`neat.app.rundir`) stays light.
"""
