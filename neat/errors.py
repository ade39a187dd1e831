"""The project's exception types: one per kind of user mistake, each a ValueError."""


class NeatError(ValueError):
    """Base class of every error this project raises for bad input."""


class ConfigError(NeatError):
    """A config key or value is wrong; the message names it and the allowed values."""


class CheckpointError(NeatError):
    """A checkpoint file cannot be loaded; the message names the file and the problem."""


class TaskError(NeatError):
    """An unknown task or an environment this project cannot drive."""


class FitnessError(NeatError):
    """An evaluator returned fitness values that cannot be used (NaN, infinite, wrong length)."""


class RunFileError(NeatError):
    """A file of a run directory is missing, damaged, too large, or not a regular file inside it."""


class RunLockedError(NeatError):
    """Another process is evolving the run (it holds the run's lock)."""


class NetworkInputError(NeatError):
    """Inputs given to a network do not fit it (wrong shape or size); the message says what fits."""
