"""Live progress of a run on the console: generation bar, fitness, species, speed and ETA.

On a terminal one line is redrawn in place (carriage return); otherwise each generation is one plain
line, which suits logs and pipes. Generations count from 0, as everywhere else. The ETA leaves out
the session's first generation, which also pays for loading (or, on a first run, compiling) the
numba kernels; it shows once a second generation is done.
"""

from __future__ import annotations

import time
from typing import TextIO

from neat.report import GenerationReport

BAR_WIDTH = 20
REDRAW_SECONDS = 0.1  # a terminal line is redrawn at most this often (the last one always)


def format_duration(seconds: float) -> str:
    """H:MM:SS (or M:SS under an hour)."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ProgressDisplay:
    """A reporter that shows one generation at a time; call `close()` when the run ends."""

    def __init__(self, stream: TextIO, total_generations: int, first_generation: int,
                 live: bool | None = None):
        self.stream = stream
        self.total = total_generations
        self.first = first_generation
        self.live = stream.isatty() if live is None else live
        self._first_done: float | None = None  # when the session's first generation ended
        self._drawn = False
        self._last_draw = -REDRAW_SECONDS

    def __call__(self, report: GenerationReport) -> None:
        done = report.generation + 1  # generations finished
        now = time.perf_counter()
        if self._first_done is None:
            self._first_done = now
        if self.live and now - self._last_draw < REDRAW_SECONDS and done < self.total \
                and not report.solved:
            return
        self._last_draw = now
        timed = done - self.first - 1  # generations finished after the session's first
        eta = (format_duration((now - self._first_done) / timed * max(0, self.total - done))
               if timed > 0 else "-")
        share = done / self.total if self.total else 1.0
        filled = min(BAR_WIDTH, int(share * BAR_WIDTH))
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        line = (f"gen {report.generation}/{self.total - 1} [{bar}] best {report.best_fitness:.4g} "
                f"mean {report.mean_fitness:.4g} species {len(report.species)} "
                f"{report.evaluations_per_second:,.0f} eval/s ETA {eta}"
                f"{'  SOLVED' if report.solved else ''}")
        if self.live:
            self.stream.write("\r\x1b[2K" + line)
            self._drawn = True
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End the redrawn line so later output starts on a fresh one."""
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
