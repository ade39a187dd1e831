"""`neat tasks`, `neat config`, `neat runs` and `neat view`: look at tasks, configs and runs."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from fitness.registry import GYM_PREFIX, TASKS, make_task, task_presets
from neat.app.exits import check_port
from neat.app.rundir import RunDirectory, is_run_dir
from neat.config import (
    Config,
    config_to_toml,
    load_config,
    preset_config,
    preset_keys,
    read_config_file,
    set_value,
    toml_value,
)
from neat.errors import ConfigError, NeatError


def format_table(headers: list[str], rows: list[list[str]]) -> str:
    """Left-aligned columns separated by two spaces; the last column is not padded (its rule is
    as long as its header)."""
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    rule = ["-" * w for w in widths[:-1]] + ["-" * len(headers[-1])]
    lines = []
    for row in [headers, rule, *rows]:
        cells = [c.ljust(w) for c, w in zip(row[:-1], widths, strict=False)] + [row[-1]]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def command_tasks(args: argparse.Namespace) -> int:
    for name in TASKS:
        try:
            spec = make_task(name, {}).spec
        except (NeatError, ImportError) as exc:
            print(f"{name}: unavailable ({exc})\n")
            continue
        print(f"{name}  ({spec.n_inputs} inputs, {spec.n_outputs} output"
              f"{'s' if spec.n_outputs > 1 else ''})")
        print(textwrap.fill(spec.description, 100, initial_indent="  ", subsequent_indent="  "))
        print(textwrap.fill(f"solved: {spec.test_protocol}", 100, initial_indent="  ",
                            subsequent_indent="    "))
        print()
    print(f"Any gymnasium environment also works as {GYM_PREFIX}<EnvId>, e.g. "
          f"`neat run {GYM_PREFIX}CartPole-v1` (Box observations; Discrete, MultiBinary or Box actions);\n"
          f"a plugin's as {GYM_PREFIX}<MODULE>:<EnvId> or with --import MODULE, e.g. "
          f"`neat run {GYM_PREFIX}ALE/Pong-v5 --import ale_py` with task.env_kwargs = "
          '{obs_type = "ram"}.')
    print("Task options go in the config's [task] table, e.g. --set task.episodes=10.")
    return 0


def command_config(args: argparse.Namespace) -> int:
    if args.defaults == bool(args.file):
        raise ConfigError("give either --defaults or a config FILE to check")
    config = load_config(args.file, args.set)
    task = args.task or (config.run.task if args.file and _names_task(args.file) else None)
    if task is None:
        print(config_to_toml(config), end="")
        return 0
    presets = task_presets(task)
    config = load_config(args.file, args.set, presets)
    set_value(config, "run", "task", task, "--task")
    if args.defaults:
        print(f"# every key with its default, and task {task}'s presets (marked: preset)")
    else:
        print(f"# {args.file} as `neat run {task} --config {args.file}` uses it: task {task}'s "
              "presets, then the file, then --set")
    print(config_to_toml(config, notes=_preset_notes(config, task, presets)), end="")
    return 0


def _names_task(path: str) -> bool:
    """True when the config file sets run.task."""
    return "task" in (read_config_file(path).get("run") or {})


def _preset_notes(config: Config, task: str, presets: tuple[str, ...]) -> dict[str, str]:
    """A comment for each key that task `task` presets: whether `config` keeps the preset."""
    used, preset, defaults = config.to_dict(), preset_config(presets).to_dict(), Config().to_dict()
    notes = {}
    for key in preset_keys(presets):
        section, _, name = key.partition(".")
        value, default = preset[section].get(name), defaults[section].get(name)
        if used[section].get(name) != value:
            notes[key] = f"over task {task}'s preset {toml_value(value)}"
        else:
            notes[key] = f"preset of task {task}" + (
                "" if default is None else f" (default {toml_value(default)})")
    return notes


def command_runs(args: argparse.Namespace) -> int:
    folder = Path(args.dir)
    if not folder.is_dir():
        raise ConfigError(f"{folder} is not a folder of runs")
    rows = [_run_row(RunDirectory(path))
            for path in sorted(p for p in folder.iterdir() if p.is_dir() and is_run_dir(p))]
    if not rows:
        print(f"No runs in {folder}.")
        return 0
    print(format_table(["name", "task", "generations", "best fitness", "solved", "state",
                        "last checkpoint"], [row for row, _ in rows]))
    for (name, *_), reason in rows:
        if reason:
            print(f"{name} failed: {reason}")
    return 0


def _run_row(run: RunDirectory) -> tuple[list[str], str | None]:
    """One line of `neat runs` and the reason the run failed, if it did; an unreadable file shows
    as '?' (one bad run never hides another)."""
    try:
        stats = run.read_stats()
    except NeatError:
        stats = []
    try:
        task = run.read_config().run.task
    except NeatError:
        task = "?"
    best = [r.best_fitness for r in stats if r.best_fitness is not None]
    checkpoints = run.checkpoint_files()
    status = run.read_status()
    return [run.name, task, str(len(stats)), f"{max(best):.6g}" if best else "-",
            "yes" if any(r.solved for r in stats) else "no", status.state,
            checkpoints[-1][1].name if checkpoints else "-"], (
        status.reason if status.state == "failed" else None)


def command_view(args: argparse.Namespace) -> int:
    check_port(args.port)
    folder = Path(args.dir)
    if not folder.is_dir():
        raise ConfigError(f"{folder} is not a folder of runs")
    from viewer import serve
    from viewer.security import exposure_warning

    warning = exposure_warning(args.host)
    if warning:
        print(f"neat: warning: {warning}", file=sys.stderr, flush=True)
    serve(folder, host=args.host, port=args.port, token=args.token,
          announce=lambda url: print(f"Viewer: {url}  (Ctrl-C to stop)", flush=True))
    return 0

