"""`neat run` and `neat resume`: build the task and population, then evolve with progress, signals,
checkpoints and (optionally) the live viewer."""

from __future__ import annotations

import argparse
import contextlib
import math
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from fitness.backends import Evaluator, make_evaluator
from fitness.registry import GYM_PREFIX, make_task, task_presets
from fitness.task import champion_test, episode_records, solved_mask
from neat import reproduction
from neat.app.checkpoint import Checkpoint
from neat.app.exits import EXIT_USER_ERROR, check_port, describe_os_error
from neat.app.kernel_cache import FIRST_COMPILE_NOTICE, kernels_cached
from neat.app.memory import initial_genes, population_fits
from neat.app.progress import ProgressDisplay, format_duration
from neat.app.resume import (
    Cleanup,
    choose_checkpoint,
    missing_champions,
    plan_stats,
    previous_champion,
)
from neat.app.rundir import (
    CHECKPOINT_FILE,
    CONFIG,
    RUN_NAME,
    RunDirectory,
    champion_name,
    default_run_name,
    is_run_dir,
    unique_run_path,
)
from neat.app.runner import Runner, RunOutcome, RunPlan, Scoring
from neat.config import Config, load_config, preset_overrides, read_config_file, set_value
from neat.errors import CheckpointError, ConfigError
from neat.genome import Genome
from neat.population import Evaluate, Population
from neat.task import Task

if TYPE_CHECKING:  # the viewer (FastAPI, uvicorn) loads only for --view
    from viewer.server import ViewerServer


def command_run(args: argparse.Namespace) -> int:
    plan_cadence(args)
    presets = task_presets(args.task)
    if presets and args.config is not None:
        _warn_preset_overrides(args.config, args.task, presets)
    config = _run_config(args, presets)
    task = make_task(config.run.task, config.task)
    check_population_memory(config, task.spec.n_inputs, task.spec.n_outputs)
    population = Population(config, task.spec.n_inputs, task.spec.n_outputs)
    runs_dir = Path(args.runs_dir)
    if args.name is not None:
        if not RUN_NAME.fullmatch(args.name) or ".." in args.name:
            raise ConfigError(f"--name {args.name!r}: use letters, digits, '.', '_' and '-' only")
        path = runs_dir / args.name
        if path.exists():
            raise ConfigError(f"{path} already exists; choose another --name, or continue it with "
                              f"`neat resume {path}`")
    else:
        path = unique_run_path(runs_dir, default_run_name(config.run.task))
    with _evaluator(task, config, args) as evaluate:
        run = RunDirectory.create(path, config.to_dict())
        try:
            meta = run.read_meta()
            return _evolve(run, population, task, config, args, evaluate,
                           meta.run_id if meta else None)
        finally:
            run.unlock()


def _warn_preset_overrides(path: str, task: str, presets: tuple[str, ...]) -> None:
    """One line on stderr when the config file sets a key of the task's presets to another value."""
    overrides = preset_overrides(read_config_file(path), presets, path)
    if overrides:
        _warn(f"{path} overrides task {task}'s presets: "
              f"{', '.join(o.describe() for o in overrides)}; the file wins (delete those keys to "
              f"keep the presets, or write the file with `neat config --defaults --task {task}`)")


def check_population_memory(config: Config, n_inputs: int, n_outputs: int) -> None:
    """ConfigError with an estimate when population.size cannot fit in this machine's memory."""
    nodes, connections = initial_genes(n_inputs, n_outputs, config.genome.initial_connection,
                                       config.genome.connection_fraction)
    problem = population_fits(config.population.size, nodes, connections)
    if problem:
        raise ConfigError(f"population.size = {config.population.size:,} is more than this "
                          f"machine's memory allows: {problem}. Choose a smaller --pop")


def _run_config(args: argparse.Namespace, presets: tuple[str, ...]) -> Config:
    """The config of `neat run`: task presets, then the file, then --set, then the flags (each
    --import adds a module to task.imports)."""
    config = load_config(args.config, args.set, presets=presets)
    set_value(config, "run", "task", args.task, "TASK")
    for key, value in (("generations", args.generations), ("seed", args.seed)):
        if value is not None:
            set_value(config, "run", key, value, f"--{key}")
    if args.pop is not None:
        set_value(config, "population", "size", args.pop, "--pop")
    if args.imports:
        if not args.task.startswith(GYM_PREFIX):
            raise ConfigError(f"--import is for {GYM_PREFIX}<EnvId> tasks (it names a module that "
                              f"registers gymnasium environments), not for '{args.task}'")
        imports = config.task.get("imports", [])
        if not isinstance(imports, list):
            raise ConfigError(f"task.imports must be a list of module names, got {imports!r}")
        config.task["imports"] = [*imports, *(m for m in args.imports if m not in imports)]
    return config


def command_resume(args: argparse.Namespace) -> int:
    plan_cadence(args)
    run, requested = _resume_target(Path(args.path))
    with run.locked():
        meta = run.read_meta()
        run_id = meta.run_id if meta else None
        run_config = Config.from_dict(run.read_config_data(), source=str(run.path / CONFIG))
        checkpoint = choose_checkpoint(run, requested, run_config, run_id, _warn)
        config = run_config if checkpoint is None else checkpoint.config
        if args.generations is not None:
            set_value(config, "run", "generations", args.generations, "--generations")
        next_generation = 0 if checkpoint is None else checkpoint.generation
        stats = plan_stats(run.stats_bytes(), next_generation)
        for note in (*stats.gaps, missing_champions(run, next_generation)):
            if note:
                _warn(note)
        last = stats.rows[-1] if stats.rows else None
        if (last is not None and last.generation == next_generation - 1 and last.solved
                and config.run.stop_when_solved):
            print(f"Run {run.path} was solved at generation {next_generation - 1} and "
                  "run.stop_when_solved is true; nothing to resume.")
            return 0
        if next_generation >= config.run.generations:
            print(f"Run {run.path} already has {next_generation} generations; pass a larger "
                  "--generations to continue it.")
            return 0
        task = make_task(config.run.task, config.task)
        if checkpoint is None:
            check_population_memory(config, task.spec.n_inputs, task.spec.n_outputs)
            population = Population(config, task.spec.n_inputs, task.spec.n_outputs)
            previous = None
        else:
            _check_sizes(checkpoint, task.spec.n_inputs, task.spec.n_outputs)
            population = checkpoint.population()
            previous = previous_champion(run, next_generation - 1, config.genome.feed_forward)
        cleanup = Cleanup(run, next_generation - 1, stats, config.to_dict(), _warn)
        with _evaluator(task, config, args) as evaluate:
            if checkpoint is None:
                _warn(f"run {run.path} has no checkpoint: starting it again from generation 0 "
                      f"with its config (seed {config.run.seed}), which repeats it exactly")
            elif not args.quiet:
                print(f"Resuming {run.path} from {checkpoint.path.name} (generation "
                      f"{next_generation})")
            return _evolve(run, population, task, config, args, evaluate, run_id, cleanup,
                           previous)


def _resume_target(path: Path) -> tuple[RunDirectory, Path | None]:
    """The run directory to resume and the checkpoint file asked for (None: the newest)."""
    if path.is_dir():
        if not is_run_dir(path):
            raise CheckpointError(f"{path} is not a run directory (no config.toml or stats.jsonl)")
        return RunDirectory(path), None
    if path.is_file():
        run = RunDirectory(path.parent.parent)
        if (path.parent.name != "checkpoints" or not is_run_dir(run.path)
                or not CHECKPOINT_FILE.fullmatch(path.name)):
            raise CheckpointError(f"{path} is not a checkpoint file (gen-NNNNNN.json.gz) inside a "
                                  "run directory's checkpoints/ folder")
        return run, path
    raise CheckpointError(f"{path} does not exist; give a run directory or a checkpoint file")


def _evaluator(task: Task, config: Config, args: argparse.Namespace) -> Evaluator:
    """The evaluation backend of --dask (in this process when not given); a context manager."""
    return make_evaluator(task, args.dask, config.run.task, config.task)


def plan_cadence(args: argparse.Namespace) -> None:
    """Check the checkpoint and viewer flags; without --checkpoint-every or --checkpoint-seconds,
    checkpoints are written at most every RunPlan.checkpoint_seconds (30 s)."""
    if args.checkpoint_every is not None and args.checkpoint_every < 1:
        raise ConfigError(f"--checkpoint-every {args.checkpoint_every}: must be at least 1")
    if args.checkpoint_seconds is not None and not 0 <= args.checkpoint_seconds < math.inf:
        raise ConfigError(f"--checkpoint-seconds {args.checkpoint_seconds}: must be 0 or more")
    if args.checkpoint_every is None and args.checkpoint_seconds is None:
        args.checkpoint_seconds = RunPlan.checkpoint_seconds
    if args.keep < 1:
        raise ConfigError(f"--keep {args.keep}: must be at least 1")
    check_port(args.port)


def _check_sizes(checkpoint: Checkpoint, n_inputs: int, n_outputs: int) -> None:
    state = checkpoint.state
    if (state.n_inputs, state.n_outputs) != (n_inputs, n_outputs):
        raise CheckpointError(
            f"{checkpoint.path}: its genomes have {state.n_inputs} inputs and {state.n_outputs} "
            f"outputs but task '{checkpoint.task}' needs {n_inputs} and {n_outputs}")


def _warn(message: str) -> None:
    print(f"neat: warning: {message}", file=sys.stderr)


class StopRequest:
    """SIGINT / SIGTERM handler: the first signal asks the run to stop after the current generation;
    a second one aborts at once (KeyboardInterrupt)."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._previous: dict[int, Any] = {}

    def __call__(self) -> bool:
        return self.signum is not None

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in (signal.SIGINT, signal.SIGTERM):
            self._previous[signum] = signal.signal(signum, self._handle)

    def restore(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is not None:
            raise KeyboardInterrupt
        self.signum = signum
        sys.stderr.write(f"\n{signal.Signals(signum).name}: stopping after this generation "
                         "(send it again to abort now)\n")
        sys.stderr.flush()


def _evolve(run: RunDirectory, population: Population, task: Task, config: Config,
            args: argparse.Namespace, evaluate: Evaluate, run_id: str | None,
            prepare: Cleanup | None = None, previous: tuple[Genome, int] | None = None) -> int:
    spec = task.spec
    plan = RunPlan(task=config.run.task, generations=config.run.generations,
                   input_labels=tuple(spec.input_labels), output_labels=tuple(spec.output_labels),
                   stop_when_solved=config.run.stop_when_solved,
                   checkpoint_every=args.checkpoint_every,
                   checkpoint_seconds=args.checkpoint_seconds, keep_checkpoints=args.keep,
                   run_id=run_id)
    viewer = _start_viewer(run, args) if args.view else None
    try:
        outcome, signum = _run_generations(run, population, task, config, plan, args, evaluate,
                                           prepare, previous)
        if outcome is None:
            return EXIT_USER_ERROR
        _summary(run, outcome)
        if viewer is not None:
            _linger(viewer)
    finally:
        _stop_viewer(viewer)
    if outcome.reason == "stopped" and signum is not None:
        return 128 + signum
    return 0


def _run_generations(run: RunDirectory, population: Population, task: Task, config: Config,
                     plan: RunPlan, args: argparse.Namespace, evaluate: Evaluate,
                     prepare: Cleanup | None, previous: tuple[Genome, int] | None
                     ) -> tuple[RunOutcome | None, int | None]:
    """Evolve with progress and signal handling; (None, None) after a disk error (reported)."""
    stop = StopRequest()
    progress = None if args.quiet else ProgressDisplay(sys.stdout, plan.generations,
                                                       population.state.generation)
    if not args.quiet:
        print(f"Run {run.path}: task {plan.task}, population {config.population.size}, "
              f"generations {population.state.generation}..{plan.generations - 1}")
        if not all(kernels_cached(m) for m in (reproduction, sys.modules[type(task).__module__])):
            print(FIRST_COMPILE_NOTICE, flush=True)
    try:
        scoring = Scoring(
            evaluate, lambda packed, fitness: solved_mask(task, packed, fitness),
            champion_test(task, population.recurrent),
            lambda base_seed, genome_id: episode_records(task, base_seed, genome_id))
        runner = Runner(population, run, plan, scoring, reporters=[progress] if progress else [],
                        should_stop=stop, prepare=prepare, previous_champion=previous)
        stop.install()
        try:
            return runner.run(), stop.signum
        finally:
            stop.restore()
            if progress:
                progress.close()
    except OSError as exc:
        checkpoints = run.checkpoint_files()
        kept = (f"the last checkpoint {checkpoints[-1][1]} is intact" if checkpoints
                else "no checkpoint was written, so a resume starts it again from generation 0")
        print(f"neat: error: the run stopped, its files cannot be written ({describe_os_error(exc)}); "
              f"{kept}. Free some space or fix the permissions, then `neat resume {run.path}`.",
              file=sys.stderr)
        return None, None


def _summary(run: RunDirectory, outcome: RunOutcome) -> None:
    took = format_duration(outcome.seconds)
    if outcome.reason == "solved":
        print(f"Solved at generation {outcome.generation} in {took}.")
    elif outcome.reason == "stopped":
        print(f"Stopped after generation {outcome.generation} ({took}).")
    else:
        print(f"Finished generation {outcome.generation} in {took}.")
    print(f"Run:        {run.path}")
    best = run.best_champion()
    if best is not None:
        path = run.champions / champion_name(best.generation)
        print(f"Champion:   {path} (the best, {best.describe()})")
        print(f"Replay it:  neat replay {run.path} --generation best")
    if outcome.checkpoint is not None:
        print(f"Checkpoint: {outcome.checkpoint}")
    if outcome.reason == "stopped":
        print(f"Resume with: neat resume {run.path}")


def _start_viewer(run: RunDirectory, args: argparse.Namespace) -> ViewerServer | None:
    """The viewer serving the run's folder, or None (with a warning) when it cannot start."""
    try:
        from viewer import ViewerServer
        from viewer.security import exposure_warning

        server = ViewerServer(run.path.parent, host=args.host, port=args.port, token=args.token,
                              process=True, nice=args.view_nice).start()
    except Exception as exc:  # a viewer failure must never stop evolution
        _warn(f"the viewer did not start ({exc}); evolving without it")
        return None
    warning = exposure_warning(args.host)
    if warning:
        _warn(warning)
    print(f"Viewer: {server.page_url(run.name)}", flush=True)
    return server


def _stop_viewer(viewer: ViewerServer | None) -> None:
    if viewer is None:
        return
    try:
        viewer.stop()
    except Exception as exc:  # shutting down: report and go on
        _warn(f"the viewer did not stop cleanly ({exc})")


def _linger(viewer: ViewerServer) -> None:
    """On a terminal, keep serving the finished run until Ctrl-C; otherwise stop the viewer."""
    if sys.stdin.isatty() and sys.stdout.isatty():
        print(f"The viewer keeps serving at {viewer.page_url()} - press Ctrl-C to quit.")
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
