"""The `neat` command: argument parsing, dispatch, and turning user errors into one clear message.

`COMMANDS` names the module of each command, imported only when that command runs, so `neat --help`
loads neither numba nor the tasks.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import select
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from types import FrameType, TracebackType
from typing import TYPE_CHECKING

from neat.app.exits import EXIT_USER_ERROR, describe_os_error
from neat.errors import NeatError

if TYPE_CHECKING:
    from sys import UnraisableHookArgs

EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE  # as a tool killed by SIGPIPE: `cmd | head` is no error
COMMANDS = {
    "run": ("neat.app.cli_run", "command_run"), "resume": ("neat.app.cli_run", "command_resume"),
    "tasks": ("neat.app.cli_info", "command_tasks"), "config": ("neat.app.cli_info", "command_config"),
    "runs": ("neat.app.cli_info", "command_runs"), "view": ("neat.app.cli_info", "command_view"),
    "replay": ("neat.app.cli_champion", "command_replay"),
    "export": ("neat.app.cli_champion", "command_export"),
}

HOST_HELP = ("address to listen on (default 127.0.0.1, this machine only; any other address "
             "requires the token)")
TOKEN_HELP = ("secret every request must carry (default: none on loopback, a random one beyond "
              "it); the printed address includes it")

GENERATION_HELP = ("the champion of generation G, 'best' (of the tested champions, those that solved "
                   "first, then the highest test score; when none was tested, the highest fitness) "
                   "or 'latest' (the default: the newest)")

MAIN_EPILOG = """examples:
  neat tasks                                  list the built-in tasks
  neat run xor                                evolve XOR into runs/xor-<time>/
  neat run cartpole --pop 300 --seed 7 --view evolve and watch it live in the browser
  neat resume runs/cartpole-20261127-153012   continue a stopped run exactly
  neat runs                                   table of the runs in ./runs
  neat replay runs/cartpole-20261127-153012 --generation best --gif pole.gif
  neat export runs/xor-20261127-153012 --format dot --output xor.dot
"""


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)


def _add(sub: argparse._SubParsersAction, name: str, help_text: str,
         examples: str) -> argparse.ArgumentParser:
    return sub.add_parser(name, help=help_text, description=help_text,
                          epilog="examples:\n" + examples, formatter_class=_formatter)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="neat", description="NEAT neuroevolution with compiled game evaluators and a live "
        "brain viewer.", epilog=MAIN_EPILOG, formatter_class=_formatter)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = _add(sub, "run", "Evolve networks for a task, recording a run directory.",
             "  neat run xor\n"
             "  neat run cartpole --generations 50 --pop 200 --seed 3 --name pole\n"
             "  neat run xor --config my.toml --set mutation.add_node_rate=0.1\n"
             "  neat run cartpole --set genome.feed_forward=false --checkpoint-every 10\n"
             "  neat run platformer --view --port 8080\n"
             "  neat run cartpole --dask local:4\n"
             "  neat run gym:LunarLander-v3 --dask process:2\n"
             "  neat run gym:ALE/Pong-v5 --import ale_py --set 'task.env_kwargs={obs_type=\"ram\"}' "
             "--set task.observation=scaled\n")
    p.add_argument("task", metavar="TASK", help="task name (see `neat tasks`), gym:<EnvId> or "
                   "gym:<MODULE>:<EnvId> (a plugin's environment)")
    p.add_argument("--config", metavar="FILE", help="TOML config file (see `neat config --defaults`)")
    p.add_argument("--set", metavar="SECTION.KEY=VALUE", action="append", default=[],
                   help="override one config key, e.g. population.size=300 (repeatable)")
    p.add_argument("--generations", type=int, metavar="N", help="generation limit (run.generations)")
    p.add_argument("--pop", type=int, metavar="N", help="population size (population.size)")
    p.add_argument("--seed", type=int, metavar="S", help="random seed (run.seed)")
    p.add_argument("--import", dest="imports", metavar="MODULE", action="append", default=[],
                   help="import MODULE first, which registers gymnasium environments, e.g. ale_py "
                        "(repeatable; kept in the config as task.imports, for resumes and workers)")
    p.add_argument("--name", help="run directory name (default: TASK-YYYYmmdd-HHMMSS)")
    p.add_argument("--runs-dir", default="runs", metavar="DIR",
                   help="folder holding run directories (default: ./runs)")
    _add_checkpoint_options(p)
    _add_live_options(p)

    p = _add(sub, "resume", "Continue a run exactly where its newest valid checkpoint left it.",
             "  neat resume runs/xor-20261127-153012\n"
             "  neat resume runs/xor-20261127-153012 --generations 500\n"
             "  neat resume runs/xor-20261127-153012/checkpoints/gen-000040.json.gz\n")
    p.add_argument("path", metavar="PATH", help="a run directory, or one checkpoint file in it")
    p.add_argument("--generations", type=int, metavar="N",
                   help="total generations to reach (default: the run's run.generations)")
    _add_checkpoint_options(p)
    _add_live_options(p)

    p = _add(sub, "tasks", "List the built-in tasks.", "  neat tasks\n")

    p = _add(sub, "config", "Print the default config (complete and commented) or a checked one, "
             "as a run will use it.",
             "  neat config --defaults > my.toml\n"
             "  neat config --defaults --task platformer > platformer.toml\n"
             "  neat config my.toml --task platformer --set population.size=300\n")
    p.add_argument("file", nargs="?", metavar="FILE", help="a config file to check and print")
    p.add_argument("--defaults", action="store_true", help="print every key with its default")
    p.add_argument("--task", metavar="TASK", help="apply this task's presets first, as `neat run "
                   "TASK` does (default: the file's run.task, if it sets one)")
    p.add_argument("--set", metavar="SECTION.KEY=VALUE", action="append", default=[],
                   help="override one config key (repeatable)")

    p = _add(sub, "runs", "Table of the runs in a folder.", "  neat runs\n  neat runs my-runs\n")
    p.add_argument("dir", nargs="?", default="runs", metavar="DIR", help="default: ./runs")

    p = _add(sub, "replay", "Play a champion's scored episodes again (or its test) and print the "
             "scores.",
             "  neat replay runs/cartpole-20261127-153012\n"
             "  neat replay runs/cartpole-20261127-153012 --generation best --test\n"
             "  neat replay runs/cartpole-20261127-153012 --generation 10\n"
             "  neat replay runs/platformer-20261127-153012 --episode 2 --gif level.gif\n"
             "  neat replay runs/cartpole-20261127-153012 --verify\n")
    p.add_argument("run", metavar="RUN", help="a run directory (or a run name under ./runs)")
    p.add_argument("--generation", metavar="G", help=GENERATION_HELP)
    p.add_argument("--test", action="store_true", help="the task's test episodes (held out from "
                   "training) instead of the episodes the champion was scored on")
    p.add_argument("--episode", type=int, metavar="K", help="only episode K of those")
    p.add_argument("--gif", metavar="FILE", help="write the first episode played as an animated "
                   "GIF")
    p.add_argument("--verify", action="store_true", help="replay every champion of the run and "
                   "check it gives back its stored fitness (exit status 1 if one does not)")

    p = _add(sub, "export", "Write a champion as a graph: node-link JSON, GraphML or DOT.",
             "  neat export runs/xor-20261127-153012 --generation best --format graphml --output "
             "xor.graphml\n"
             "  neat export runs/xor-20261127-153012 --format dot | dot -Tsvg > xor.svg\n")
    p.add_argument("run", metavar="RUN", help="a run directory (or a run name under ./runs)")
    p.add_argument("--generation", metavar="G", help=GENERATION_HELP)
    p.add_argument("--format", required=True, choices=("json", "graphml", "dot"),
                   help="json: networkx node-link; graphml; dot: Graphviz text (draw it with "
                   "Graphviz's `dot -Tsvg`)")
    p.add_argument("--output", metavar="FILE", help="default: standard output")

    p = _add(sub, "view", "Serve the live viewer for a folder of runs (blocks until Ctrl-C).",
             "  neat view\n  neat view my-runs --port 8080\n"
             "  neat view --host 0.0.0.0          (prints an address with a token, and a warning)\n")
    p.add_argument("dir", nargs="?", default="runs", metavar="DIR", help="default: ./runs")
    p.add_argument("--host", default="127.0.0.1", help=HOST_HELP)
    p.add_argument("--port", type=int, default=8000, help="default: 8000; 0 = any free port")
    p.add_argument("--token", help=TOKEN_HELP)
    return parser


def _add_checkpoint_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--checkpoint-seconds", type=float, metavar="S",
                   help="write a checkpoint at most every S seconds (default 30 when neither this "
                        "nor --checkpoint-every is given; 0 = every generation); the last "
                        "generation and a stop always write one")
    p.add_argument("--checkpoint-every", type=int, metavar="K",
                   help="write a checkpoint every K generations (instead of by time, unless "
                        "--checkpoint-seconds is also given)")
    p.add_argument("--keep", type=int, default=5, metavar="L",
                   help="keep the newest L checkpoints (default 5)")


def _add_live_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--view", action="store_true",
                   help="serve the live viewer in this process while evolving")
    p.add_argument("--host", default="127.0.0.1", help="viewer " + HOST_HELP)
    p.add_argument("--port", type=int, default=8000, help="viewer port (default 8000; 0 = any free)")
    p.add_argument("--token", help="viewer " + TOKEN_HELP)
    p.add_argument("--view-nice", type=int, default=10, choices=range(20), metavar="N",
                   help="lower the viewer server's scheduling priority by N, 0 to 19 (default 10), "
                        "so it yields the CPU to evolution; above 0 it also runs as a batch "
                        "process (the browser's own use is not affected)")
    p.add_argument("--dask", metavar="SPEC", help="evaluate elsewhere: process:N, local:N (Dask "
                   "LocalCluster) or tcp://HOST:PORT (a Dask scheduler)")
    p.add_argument("--quiet", action="store_true", help="print only the final summary")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `neat` command; returns the exit status (0 ok, 2 user error, 128+signal stopped).
    Ctrl-C at any moment, even while the command's modules load, ends with one line and 130."""
    interrupted = _watch_for_interrupts()
    with _silent_caught_interrupts(interrupted):
        return _command(argv, interrupted)


def _command(argv: Sequence[str] | None, interrupted: threading.Event) -> int:
    name = "neat"
    try:
        args = build_parser().parse_args(argv)
        name = f"neat {args.command}"
        module_name, function = COMMANDS[args.command]
        command = getattr(importlib.import_module(module_name), function)
        if interrupted.is_set():  # a Ctrl-C that compiled code swallowed while the modules loaded
            raise KeyboardInterrupt
        return command(args)
    except NeatError as exc:
        print(f"{name}: error: {exc}", file=sys.stderr)
    except BrokenPipeError as exc:
        if not _stdout_closed():
            print(f"{name}: error: {describe_os_error(exc)}", file=sys.stderr)
            return EXIT_USER_ERROR
        return EXIT_BROKEN_PIPE
    except OSError as exc:
        print(f"{name}: error: {describe_os_error(exc)}", file=sys.stderr)
    except KeyboardInterrupt:
        print(f"\n{name}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if not (interrupted.is_set() and _from_interrupt(exc)):
            raise
        print(f"\n{name}: interrupted", file=sys.stderr)
        return 130
    return EXIT_USER_ERROR


@contextlib.contextmanager
def _silent_caught_interrupts(interrupted: threading.Event) -> Iterator[None]:
    """After a Ctrl-C, a KeyboardInterrupt that compiled code catches and prints is not printed.
    An extension module whose loading is interrupted prints it with PyErr_Print (numpy's
    `import_array`, which then raises the ImportError that main() reports as the interrupt) or
    PyErr_WriteUnraisable, through sys.excepthook or sys.unraisablehook: both drop it while the
    command runs and are put back after."""
    excepthook, unraisablehook = sys.excepthook, sys.unraisablehook

    def on_exception(kind: type[BaseException], value: BaseException,
                     traceback: TracebackType | None) -> None:
        if not (interrupted.is_set() and kind is KeyboardInterrupt):
            excepthook(kind, value, traceback)

    def on_unraisable(unraisable: UnraisableHookArgs) -> None:
        if not (interrupted.is_set() and unraisable.exc_type is KeyboardInterrupt):
            unraisablehook(unraisable)

    sys.excepthook, sys.unraisablehook = on_exception, on_unraisable
    try:
        yield
    finally:
        sys.excepthook, sys.unraisablehook = excepthook, unraisablehook


def _from_interrupt(exc: BaseException) -> bool:
    """Whether `exc` is how a Ctrl-C surfaced while modules loaded: an extension module's import
    fails with an ImportError, and a KeyboardInterrupt raised while a class body's attributes are
    set up comes out as the RuntimeError it caused (numpy's `finfo`, for one)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ImportError | KeyboardInterrupt):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _watch_for_interrupts() -> threading.Event:
    """Ctrl-C raises KeyboardInterrupt as usual, and also sets the returned event (commands that
    handle SIGINT themselves replace this handler while they run)."""
    interrupted = threading.Event()
    if threading.current_thread() is threading.main_thread():
        def on_interrupt(signum: int, frame: FrameType | None) -> None:
            interrupted.set()
            raise KeyboardInterrupt

        signal.signal(signal.SIGINT, on_interrupt)
    return interrupted


def _stdout_closed() -> bool:
    """True when standard output is a pipe whose reader has gone (`neat export ... | head`); then
    it is pointed at /dev/null, so the interpreter's final flush cannot fail again."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return False
    poll = select.poll()
    poll.register(fd, select.POLLOUT)
    if not any(events & select.POLLERR for _, events in poll.poll(0)):
        return False
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)
    return True


if __name__ == "__main__":
    sys.exit(main())
