"""Benchmark: how much a viewer page open on a live run slows evolution down.

Two runs of the same evolution (the platformer unless --task names another, e.g. gym:CartPole-v1,
whose page replays the environment's rendered frames; population 300, fixed seed,
run.stop_when_solved=false) take turns on the machine: (a) `neat run` without the viewer, (b) `neat
run --view` with one headless chromium page following it (replay playing). Every `--slice` seconds
the benchmark stops one side with SIGSTOP and continues the other with SIGCONT: side (a) is the
plain run alone, side (b) the viewed run with its viewer process and chromium. This VM's speed
drifts by tens of percent over minutes, so runs made one after the other cannot resolve a few
percent; runs that take turns every few seconds see the same machine. Pairs alternate which side's
turn comes first in a round.

The seed makes both runs evolve identically (checked), so each generation's evolution time (stats
`seconds`) is compared with the same generation's in the other run, from the first generation
started after the page showed its first replay frame. A generation during which its run was
stopped (between its progress line and the one before) is left out, in both runs.

With --control side (b) is a second plain run (no viewer, no page): the figures then show what the
method reads when nothing differs, its noise. With --floor side (b) is a plain run beside a blank
page that changes a 4x4-pixel canvas 30 times a second (bench/page_cpu.py's floor page): what the
least any page drawing at 30 fps costs evolution on this host.

Prints a readable report, then one JSON line: overhead (b's evolution time over a's on the compared
generations of all pairs, minus 1), overhead_pairs (the same per pair), wall_overhead (the same on
whole loop iterations: evolution, stats, champion and checkpoint files), replay_fps (median of the
page's frame rate read at the end of b's turns), page_cores (chromium CPU seconds per second of b's
turns), viewer_cores (the same for b's viewer process, which computes the replays: for a rendered
gym: task, the environment's pictures), bytes_per_frame (WebSocket bytes of the "frames" messages
the page received over the frames in them: the JSON of activations, action, world and, for a
rendered gym: task, its picture), run_wait_plain and run_wait_viewed (the run process's threads'
time runnable but waiting for a CPU over their time on one, from /proc/PID/task/TID/schedstat read
at every stop, all pairs: what other processes took from evolution directly, which the host's
drift in speed does not move), task, compared (generations compared, all pairs), pairs,
generations, population, slice_seconds, control, floor. Target: overhead at most 0.05 on 2 cores.

Run: .venv/bin/python bench/viewer.py [--task gym:CartPole-v1] [--pairs 4] [--generations 200]
     [--population 300] [--slice 3] [--control | --floor]
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from page_cpu import CHROMIUM, CHROMIUM_ARGS, FLOOR_PAGE, VIEWER_LINE, tree_cpu
from playwright.sync_api import Page, sync_playwright

REPO = Path(__file__).resolve().parent.parent
GENERATION_LINE = re.compile(r"^gen (\d+)/")
END_LINE = re.compile(r"^(Finished|Solved at|Stopped after) generation")
LINE_TIMEOUT = 120.0  # seconds without the awaited output before the benchmark gives up
LINE_SLACK = 0.05  # seconds a progress line may reach the benchmark late
CONTROL_FIRST = 15  # --control, --floor: first generation compared (about where a page starts watching)


def send(pids: Iterable[int], signum: int) -> None:
    for pid in pids:
        with suppress(ProcessLookupError):
            os.kill(pid, signum)


def thread_sched(pid: int) -> dict[int, tuple[int, int]]:
    """thread id -> (ns on a CPU, ns waiting on a run queue) of process `pid`'s threads, from
    /proc/PID/task/TID/schedstat; empty once the process is gone."""
    found = {}
    with suppress(OSError):
        for entry in os.scandir(f"/proc/{pid}/task"):
            with suppress(OSError, ValueError):
                run, wait, _ = Path(entry.path, "schedstat").read_text().split()
                found[int(entry.name)] = (int(run), int(wait))
    return found


def chromium_pids() -> set[int]:
    return set(tree_cpu(os.getpid(), "chrom"))


@dataclass
class Side:
    """One `neat run` subprocess (and its viewer), stopped and continued as a whole; its progress
    lines are timestamped by a reader thread."""

    runs_dir: Path
    name: str
    args: argparse.Namespace
    view: bool
    lines: queue.Queue[tuple[float, str] | None] = field(default_factory=queue.Queue)
    output: list[str] = field(default_factory=list)
    line_times: dict[int, float] = field(default_factory=dict)  # generation -> its line's time
    stops: list[list[float]] = field(default_factory=list)  # [stopped at, continued at]
    sched: dict[int, tuple[int, int]] = field(default_factory=dict)  # thread -> (ns run, ns waited)

    def __post_init__(self) -> None:
        command = [sys.executable, "-m", "neat", "run", self.args.task, "--runs-dir",
                   str(self.runs_dir), "--name", self.name, "--pop", str(self.args.population),
                   "--seed", str(self.args.seed), "--generations", str(self.args.generations),
                   "--set", "run.stop_when_solved=false"]
        if self.view:
            command += ["--view", "--port", "0"]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.started = time.perf_counter()
        self.process = subprocess.Popen(command, cwd=REPO, env=env, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True)
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            now = time.perf_counter()
            self.output.append(line)
            match = GENERATION_LINE.search(line)
            if match:  # "gen G/..." is printed once generation G (stats row G) is done
                self.line_times[int(match.group(1))] = now
            self.lines.put((now, line))
        self.lines.put(None)

    def wait_for(self, pattern: re.Pattern[str]) -> re.Match[str]:
        while True:
            try:
                item = self.lines.get(timeout=LINE_TIMEOUT)
            except queue.Empty:
                raise RuntimeError(f"no output for {LINE_TIMEOUT} s from {self.name}") from None
            if item is None:
                raise RuntimeError(f"{self.name} ended unexpectedly:\n{''.join(self.output)}")
            match = pattern.search(item[1])
            if match:
                return match

    @property
    def finished(self) -> bool:
        return self.process.poll() is not None

    def pids(self) -> set[int]:
        """The run's process and its descendants (the viewer)."""
        return set(tree_cpu(self.process.pid))

    def viewer_cpu(self) -> dict[int, float]:
        """pid -> CPU seconds of the run's descendants (its viewer process)."""
        return {pid: t for pid, t in tree_cpu(self.process.pid).items() if pid != self.process.pid}

    def stop(self, pids: set[int] | None = None) -> None:
        """Stop the run: the processes `pids` (found at the last cont()) at once, then any that
        started since (the /proc scan runs while the others are stopped)."""
        send(pids or set(), signal.SIGSTOP)
        self.stops.append([time.perf_counter(), float("inf")])
        send(self.pids(), signal.SIGSTOP)
        self.sched.update(thread_sched(self.process.pid))

    def run_wait(self) -> tuple[int, int]:
        """(ns on a CPU, ns runnable but waiting for one) of the run process's threads so far, as
        read at its last stop; the waiting is what other processes (and its own threads beyond
        the cores) cost it."""
        return (sum(run for run, _ in self.sched.values()),
                sum(wait for _, wait in self.sched.values()))

    def cont(self) -> set[int]:
        """Continue the run; its process ids."""
        pids = self.pids()
        send(pids, signal.SIGCONT)
        if self.stops and self.stops[-1][1] == float("inf"):
            self.stops[-1][1] = time.perf_counter()
        return pids

    def turn(self, seconds: float) -> None:
        """Let the run go on for `seconds` (less if it exits)."""
        with suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=seconds)

    def rows(self) -> list[dict]:
        if self.process.wait(timeout=LINE_TIMEOUT) != 0:
            raise RuntimeError(f"{self.name} failed:\n{''.join(self.output)}")
        path = self.runs_dir / self.name / "stats.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()]

    def clean(self, generation: int) -> bool:
        """Whether the run was never stopped between the progress lines of `generation` - 1 and
        `generation` (so all of that generation ran within one turn)."""
        end = self.line_times.get(generation)
        start = self.line_times.get(generation - 1, self.started)
        return end is not None and not any(a < end and b > start for a, b in self.stops)

    def kill(self) -> None:
        if self.process.poll() is None:  # (a reaped pid may belong to another process by now)
            pids = self.pids()
            send(pids, signal.SIGKILL)
            send(pids, signal.SIGCONT)
            self.process.wait(timeout=10)


@dataclass
class PairResult:
    evolution: tuple[float, float]  # compared generations' evolution seconds: (plain, viewed)
    wall: tuple[float, float]  # the same generations' loop iteration seconds
    compared: int
    first: int
    fps: list[int]
    page_cpu: float  # chromium CPU seconds during b's turns
    page_seconds: float  # wall seconds of b's turns
    viewer_cpu: float  # b's viewer process's CPU seconds during b's turns
    frame_bytes: int  # bytes of the "frames" messages the page received
    frames: int  # frames in them
    run_wait: tuple[tuple[int, int], tuple[int, int]]  # Side.run_wait() of (plain, viewed)


@dataclass
class FrameTally:
    """Bytes and frames of the "frames" messages a page receives."""

    bytes: int = 0
    frames: int = 0

    def add(self, message: str | bytes) -> None:
        if isinstance(message, str) and message.startswith('{"type":"frames"'):
            self.bytes += len(message.encode())
            self.frames += len(json.loads(message)["indices"])


def read_fps(page: Page) -> int:
    return int(page.locator("#fps").get_attribute("data-fps") or 0)


def take_turns(plain: Side, viewed: Side, page: Page | None, seconds: float, plain_first: bool
               ) -> tuple[list[int], float, float, float]:
    """Alternate turns until both runs exit (pairs alternate which side's turn comes first in a
    round); (fps samples, chromium CPU seconds, wall seconds and viewer CPU seconds of the viewed
    side's turns). Chromium runs only in the viewed side's turns."""
    me = os.getpid()
    fps, cpu, wall, viewer = [], 0.0, 0.0, 0.0

    # every /proc scan is made while both sides are stopped, or it would slow one side's turn
    def viewed_turn() -> None:
        nonlocal cpu, wall, viewer
        before = tree_cpu(me, "chrom") if page else {}
        viewer_before = viewed.viewer_cpu()
        send(before, signal.SIGCONT)
        pids = viewed.cont()
        start = time.perf_counter()
        viewed.turn(seconds)
        if page and not viewed.finished and page.url.startswith("http"):  # not the floor page
            fps.append(read_fps(page))
        send(before, signal.SIGSTOP)
        viewed.stop(pids)
        wall += time.perf_counter() - start
        after = tree_cpu(me, "chrom") if page else {}
        send(after, signal.SIGSTOP)  # any chromium process started during the turn
        cpu += sum(t - before.get(pid, 0.0) for pid, t in after.items())
        viewer += sum(t - viewer_before.get(pid, 0.0) for pid, t in viewed.viewer_cpu().items())

    def plain_turn() -> None:
        pids = plain.cont()
        plain.turn(seconds)
        plain.stop(pids)

    rounds = [(plain, plain_turn), (viewed, viewed_turn)]
    if not plain_first:
        rounds.reverse()
    if page:
        send(chromium_pids(), signal.SIGSTOP)  # the viewed run went on alone while the page opened
    viewed.stop()
    while not (plain.finished and viewed.finished):
        for side, turn in rounds:
            if not side.finished:
                turn()
    return fps, cpu, wall, viewer


def run_pair(runs_dir: Path, pair: int, args: argparse.Namespace, browser) -> PairResult:
    plain = Side(runs_dir, f"plain-{pair}", args, view=False)
    plain.stop()  # waits until the viewed run's page shows its replay
    viewed = Side(runs_dir, f"watch-{pair}", args, view=not (args.control or args.floor))
    page = None if args.control else browser.new_page(viewport={"width": 1500, "height": 1000})
    tally = FrameTally()
    if page is not None:
        page.on("websocket", lambda ws: ws.on("framereceived", tally.add))
    try:
        if page is None:
            first = CONTROL_FIRST
        elif args.floor:
            page.set_content(FLOOR_PAGE)
            first = CONTROL_FIRST
        else:
            url = viewed.wait_for(VIEWER_LINE).group(1)
            page.goto(f"{url}/#/run/watch-{pair}")
            page.wait_for_function("Number(document.querySelector('#fps').dataset.fps) > 0",
                                   timeout=LINE_TIMEOUT * 1000)
            first = len(viewed.line_times) + 1  # generations started before may not be watched
        fps, cpu, wall, viewer = take_turns(plain, viewed, page, args.slice, plain_first=pair % 2 == 1)
        run_wait = (plain.run_wait(), viewed.run_wait())
        a, b = plain.rows(), viewed.rows()
    finally:
        send(chromium_pids(), signal.SIGCONT)
        if page is not None:
            page.close()
        plain.kill()
        viewed.kill()
    if [r["best_fitness"] for r in a] != [r["best_fitness"] for r in b]:
        raise RuntimeError("the two runs evolved differently; the comparison is void")
    kept = [g for g in range(first, len(a)) if plain.clean(g) and viewed.clean(g)]
    if not kept:
        raise RuntimeError("no generation ran within one turn in both runs; use a longer --slice")

    def iteration(side: Side, g: int) -> float:
        return side.line_times[g] - side.line_times.get(g - 1, side.started)

    for side, rows in ((plain, a), (viewed, b)):  # a generation's own time fits in its iteration
        late = [g for g in kept if rows[g]["seconds"] > iteration(side, g) + LINE_SLACK]
        if late:
            raise RuntimeError(f"{side.name}: generation {late[0]} took {rows[late[0]]['seconds']:.3f} s "
                               f"but its progress lines came {iteration(side, late[0]):.3f} s apart: "
                               "the progress lines and stats rows are matched wrongly")

    return PairResult(
        evolution=(sum(a[g]["seconds"] for g in kept), sum(b[g]["seconds"] for g in kept)),
        wall=(sum(iteration(plain, g) for g in kept), sum(iteration(viewed, g) for g in kept)),
        compared=len(kept), first=first, fps=fps, page_cpu=cpu, page_seconds=wall, viewer_cpu=viewer,
        frame_bytes=tally.bytes, frames=tally.frames, run_wait=run_wait)


def wait_fraction(results: list[PairResult], side: int) -> float:
    """The run process's time waiting for a CPU over its time on one, all pairs, one side."""
    run = sum(r.run_wait[side][0] for r in results)
    return sum(r.run_wait[side][1] for r in results) / max(run, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="platformer",
                        help="the task both runs evolve (default platformer)")
    parser.add_argument("--pairs", type=int, default=4)
    parser.add_argument("--generations", type=int, default=200)
    parser.add_argument("--population", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--slice", type=float, default=3.0,
                        help="seconds of each turn (default 3)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--control", action="store_true",
                      help="side b without viewer or page: the method's noise")
    mode.add_argument("--floor", action="store_true",
                      help="side b without viewer, beside a blank page animating at 30 fps")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        runs_dir = Path(folder)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        warm = argparse.Namespace(**{**vars(args), "generations": 2})
        warm_up = Side(runs_dir, "warm-up", warm, view=False)  # compile caches, page cache
        warm_up.rows()
        print(f"{args.task}, population {args.population}, {args.generations} generations, "
              f"seed {args.seed}, {os.cpu_count()} cores, turns of {args.slice:g} s"
              f"{', CONTROL: side b is a plain run too' if args.control else ''}"
              f"{', FLOOR: side b is a plain run beside a blank 30 fps page' if args.floor else ''}")
        print("pair  compared      plain s  viewer s  overhead   wall plain  wall viewer  "
              "wall ovh  page fps  page cores  viewer cores  bytes/frame  wait plain  wait viewer")
        for pair in range(args.pairs):
            r = run_pair(runs_dir, pair, args, browser)
            results.append(r)
            (a, b), (wa, wb) = r.evolution, r.wall
            print(f"{pair:4d}  {r.compared:3d} of {r.first}..{args.generations - 1:<3d} "
                  f"{a:8.3f}  {b:8.3f}  {b / a - 1:+8.1%}  {wa:10.2f}s  {wb:10.2f}s  "
                  f"{wb / wa - 1:+8.1%}  {statistics.median(r.fps or [0]):8.0f}  "
                  f"{r.page_cpu / max(r.page_seconds, 1e-9):10.3f}  "
                  f"{r.viewer_cpu / max(r.page_seconds, 1e-9):12.3f}  "
                  f"{r.frame_bytes / max(r.frames, 1):11.0f}  "
                  f"{wait_fraction([r], 0):10.1%}  {wait_fraction([r], 1):11.1%}")
        browser.close()
    fps = [f for r in results for f in r.fps]
    figures = {
        "overhead": round(sum(r.evolution[1] for r in results)
                          / sum(r.evolution[0] for r in results) - 1, 4),
        "overhead_pairs": [round(r.evolution[1] / r.evolution[0] - 1, 4) for r in results],
        "wall_overhead": round(sum(r.wall[1] for r in results)
                               / sum(r.wall[0] for r in results) - 1, 4),
        "replay_fps": statistics.median(fps) if fps else 0,
        "page_cores": round(sum(r.page_cpu for r in results)
                            / max(sum(r.page_seconds for r in results), 1e-9), 4),
        "viewer_cores": round(sum(r.viewer_cpu for r in results)
                              / max(sum(r.page_seconds for r in results), 1e-9), 4),
        "bytes_per_frame": round(sum(r.frame_bytes for r in results)
                                 / max(sum(r.frames for r in results), 1)),
        "run_wait_plain": round(wait_fraction(results, 0), 4),
        "run_wait_viewed": round(wait_fraction(results, 1), 4),
        "task": args.task,
        "compared": sum(r.compared for r in results),
        "pairs": args.pairs,
        "generations": args.generations,
        "population": args.population,
        "slice_seconds": args.slice,
        "control": args.control,
        "floor": args.floor,
    }
    print(f"overhead {figures['overhead']:+.1%} on evolution time "
          f"({', '.join(f'{o:+.1%}' for o in figures['overhead_pairs'])} by pair), "
          f"{figures['wall_overhead']:+.1%} on loop time; "
          + (f"the blank page used {figures['page_cores']:.3f} cores; " if args.floor else
             f"page replay {figures['replay_fps']} fps using {figures['page_cores']:.3f} cores, "
             f"{figures['bytes_per_frame']:,} bytes a frame sent; ")
          + f"the run waited for a CPU {figures['run_wait_plain']:.1%} of its running time "
          f"alone, {figures['run_wait_viewed']:.1%} with the viewer (target: overhead at most 5%)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
