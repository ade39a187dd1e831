"""Benchmark: how much a viewer page open on a live run slows evolution down.

The same platformer run (population 300, fixed seed, run.stop_when_solved=false) is evolved in a
`neat run` subprocess (a) without the viewer and (b) with `--view` and one headless chromium page
following the run (replay playing). Pairs are interleaved, each pair in alternating order.

The page needs a moment to open after the viewer starts, so the figure compared is the evolution
time (the sum of stats.jsonl `seconds`) of the generations after the page showed its first replay
frame, over the same generations in (a): the seed makes both runs evolve identically, which the
benchmark checks. The run's loop wall time (first to last line of the run) is reported as well.

Prints a readable report, then one JSON line: overhead (median over pairs of b/a - 1, on the
evolution time), wall_overhead (the same on loop wall time), replay_fps (median page frame rate
during (b)), page_cores (median over pairs of the CPU seconds per second all chromium processes used
while the page followed the run; bench/page_cpu.py measures the page alone), pairs, generations,
population.
Target: overhead at most 0.05 on 2 cores.

Run: .venv/bin/python bench/viewer.py [--pairs 3] [--generations 200]
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
from dataclasses import dataclass, field
from pathlib import Path

from page_cpu import CHROMIUM, CHROMIUM_ARGS, VIEWER_LINE, cores_used, tree_cpu
from playwright.sync_api import Browser, sync_playwright

REPO = Path(__file__).resolve().parent.parent
RUN_LINE = re.compile(r"^Run .*: task ")
END_LINE = re.compile(r"^(Finished|Solved at|Stopped after) generation")
LINE_TIMEOUT = 120.0  # seconds without output before the benchmark gives up
FPS_SAMPLE_MS = 1000


@dataclass
class RunResult:
    """One run: per-generation evolution seconds and best fitness, loop wall time, page figures."""

    seconds: list[float]
    best: list[float]
    wall: float
    first_watched: int = 0  # first generation that started with the page showing the replay
    fps: list[int] = field(default_factory=list)
    page_cores: float = 0.0  # chromium CPU seconds per second while the page followed the run


class NeatRun:
    """A `neat run platformer` subprocess whose output lines are timestamped by a reader thread."""

    def __init__(self, runs_dir: Path, name: str, args: argparse.Namespace, view: bool):
        self.run_dir = runs_dir / name
        command = [sys.executable, "-m", "neat", "run", "platformer", "--runs-dir", str(runs_dir),
                   "--name", name, "--pop", str(args.population), "--seed", str(args.seed),
                   "--generations", str(args.generations), "--set", "run.stop_when_solved=false"]
        if view:
            command += ["--view", "--port", "0"]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(command, cwd=REPO, env=env, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True)
        self.lines: queue.Queue[tuple[float, str] | None] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            self.lines.put((time.perf_counter(), line))
        self.lines.put(None)

    def wait_for(self, pattern: re.Pattern[str]) -> tuple[float, re.Match[str]]:
        """(time, match) of the next output line matching `pattern`."""
        while True:
            try:
                item = self.lines.get(timeout=LINE_TIMEOUT)
            except queue.Empty:
                raise RuntimeError(f"no output for {LINE_TIMEOUT} s from {self.run_dir}") from None
            if item is None:
                raise RuntimeError(f"the run ended unexpectedly:\n{''.join(self.output)}")
            match = pattern.search(item[1])
            if match:
                return item[0], match

    def generations_done(self) -> int:
        try:
            return (self.run_dir / "stats.jsonl").read_text().count("\n")
        except OSError:
            return 0

    def finish(self) -> RunResult:
        """Wait for the end of the loop and the process; the run's figures."""
        start, _ = self.wait_for(RUN_LINE)
        end, _ = self.wait_for(END_LINE)
        if self.process.wait(timeout=LINE_TIMEOUT) != 0:
            raise RuntimeError(f"the run failed:\n{''.join(self.output)}")
        rows = [json.loads(line) for line in (self.run_dir / "stats.jsonl").read_text().splitlines()]
        return RunResult([r["seconds"] for r in rows], [r["best_fitness"] for r in rows],
                         end - start)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


def run_without_viewer(runs_dir: Path, name: str, args: argparse.Namespace) -> RunResult:
    run = NeatRun(runs_dir, name, args, view=False)
    try:
        return run.finish()
    finally:
        run.kill()


def run_with_page(runs_dir: Path, name: str, args: argparse.Namespace,
                  browser: Browser) -> RunResult:
    """Evolve with --view and one page following the run; sample its replay frame rate."""
    run = NeatRun(runs_dir, name, args, view=True)
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    try:
        _, match = run.wait_for(VIEWER_LINE)
        page.goto(f"{match.group(1)}/#/run/{name}")
        page.wait_for_function("Number(document.querySelector('#fps').dataset.fps) > 0",
                               timeout=LINE_TIMEOUT * 1000)
        first_watched = run.generations_done() + 1
        chromium, start = tree_cpu(os.getpid(), "chrom"), time.perf_counter()
        fps = []
        while run.process.poll() is None:
            page.wait_for_timeout(FPS_SAMPLE_MS)
            if run.process.poll() is None:
                fps.append(int(page.locator("#fps").get_attribute("data-fps") or 0))
        page_cores = cores_used(chromium, tree_cpu(os.getpid(), "chrom"),
                                time.perf_counter() - start)
        result = run.finish()
    finally:
        page.close()
        run.kill()
    result.first_watched, result.fps, result.page_cores = first_watched, fps, page_cores
    return result


def evolution_seconds(result: RunResult, first: int) -> float:
    return sum(result.seconds[first:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--generations", type=int, default=200)
    parser.add_argument("--population", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    overheads, wall_overheads, fps_all, page_cores = [], [], [], []
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        runs_dir = Path(folder)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        warm = argparse.Namespace(**{**vars(args), "generations": 2})
        run_without_viewer(runs_dir, "warm-up", warm)  # compile caches, page cache
        print(f"platformer, population {args.population}, {args.generations} generations, "
              f"seed {args.seed}, {os.cpu_count()} cores")
        print("pair  watched  plain s  viewer s  overhead  wall plain  wall viewer  page fps  "
              "page cores")
        for pair in range(args.pairs):
            runs = {}
            for view in ((False, True) if pair % 2 == 0 else (True, False)):
                name = f"{'viewer' if view else 'plain'}-{pair}"
                runs[view] = (run_with_page(runs_dir, name, args, browser) if view
                              else run_without_viewer(runs_dir, name, args))
            plain, viewed = runs[False], runs[True]
            if plain.best != viewed.best:
                raise RuntimeError("the two runs evolved differently; the comparison is void")
            first = viewed.first_watched
            a, b = evolution_seconds(plain, first), evolution_seconds(viewed, first)
            overheads.append(b / a - 1)
            wall_overheads.append(viewed.wall / plain.wall - 1)
            fps_all += viewed.fps
            page_cores.append(viewed.page_cores)
            fps = statistics.median(viewed.fps) if viewed.fps else 0
            print(f"{pair:4d}  {first:3d}..{args.generations - 1:<3d} {a:8.3f}  {b:8.3f}  "
                  f"{overheads[-1]:+8.1%}  {plain.wall:9.2f}s  {viewed.wall:10.2f}s  {fps:8.0f}  "
                  f"{viewed.page_cores:10.3f}")
        browser.close()
    figures = {
        "overhead": round(statistics.median(overheads), 4),
        "wall_overhead": round(statistics.median(wall_overheads), 4),
        "replay_fps": statistics.median(fps_all) if fps_all else 0,
        "page_cores": round(statistics.median(page_cores), 4),
        "pairs": args.pairs,
        "generations": args.generations,
        "population": args.population,
    }
    print(f"median overhead {figures['overhead']:+.1%} on evolution time, "
          f"{figures['wall_overhead']:+.1%} on loop wall time; page replay "
          f"{figures['replay_fps']} fps using {figures['page_cores']:.3f} cores "
          f"(target: overhead at most 5%)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
