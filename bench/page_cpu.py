"""Benchmark: CPU the viewer page costs in headless chromium while it replays a platformer champion.

A short platformer run (fixed seed) is evolved into a temporary folder first; then the viewer serves
that finished run from a child process (nothing else competes for the cores) and one headless
chromium page (software rendering, 1500x1000, as bench/viewer.py opens it) shows the run page.
While the champion replays, and again while the replay is paused, the CPU seconds (utime + stime
from /proc) of every chromium process (browser, renderer, GPU/compositor, utility) are summed over
windows of `--seconds`; the figure is the median over `--samples` windows, in cores (CPU seconds
per wall second). The viewer server's own CPU and the renderer's main-thread time by kind (Chrome
DevTools Performance.getMetrics: script, layout, style recalculation, other tasks) are reported too,
as are the chromium cores by process type while replaying. For scale, the same windows are measured
on a blank page that only changes a 4x4 pixel canvas square 30 times a second: what any page that
updates at 30 fps costs in this browser (floor_cores_30fps). Its canvas is opaque and desynchronized
like the run page's stage, the cheapest kind found (a default canvas costs 0.080 cores here against
0.046: each of its frames runs the page's lifecycle).

With --parts the replaying page is measured again with parts of its work switched off from the
console (the game's drawing, the brain's, the DOM a frame changes, all three), the variants taking
turns in each of `--samples` rounds, so each part's cost is read side by side with the whole page's.

Prints a readable report, then one JSON line: page_cores_replaying, page_cores_paused, replay_fps
(median of the page's data-fps during the replay windows), floor_cores_30fps,
server_cores_replaying, by_process (chromium cores by process type while replaying), main_thread
(per-second seconds of TaskDuration, ScriptDuration, LayoutDuration, RecalcStyleDuration while
replaying), samples, seconds, and with --parts parts_cores (variant -> median chromium cores).
Target: page_cores_replaying well under 0.05 at >= 30 fps on 2 cores.

Run: .venv/bin/python bench/page_cpu.py [--samples 3] [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWER_LINE = re.compile(r"Viewer: (http://[0-9.]+:[0-9]+)/")
RUN = "platformer-bench"
VIEWPORT = {"width": 1500, "height": 1000}
TIMEOUT_MS = 60_000
SETTLE_SECONDS = 2.0  # after starting or pausing the replay, before a window starts
FLOOR_PAGE = """<canvas id="c" width="4" height="4"></canvas><script>
const ctx = document.getElementById("c").getContext("2d", { alpha: false, desynchronized: true });
let n = 0;
setInterval(() => { ctx.fillStyle = n++ % 2 ? "#123" : "#321"; ctx.fillRect(0, 0, 4, 4); }, 1000 / 30);
</script>"""
SWITCH_OFF = {  # the page's methods (of window.viewerApp) each --parts variant replaces by a no-op
    "whole page": [],
    "no game drawing": ["game.draw"],
    "no brain drawing": ["brain.setActivations"],
    "no DOM updates": ["actions.show", "reflect"],
    "none of the three": ["game.draw", "brain.setActivations", "actions.show", "reflect"],
}
SWITCH_OFF_SCRIPT = """(paths) => {
  for (const path of paths) {
    const names = path.split(".");
    const owner = names.slice(0, -1).reduce((o, name) => o[name], window.viewerApp);
    const method = names[names.length - 1];
    if (typeof owner[method] !== "function") throw new Error(`no method viewerApp.${path}`);
    owner[method] = () => {};
  }
}"""
METRICS = ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")
TICKS = os.sysconf("SC_CLK_TCK")


def evolve(runs_dir: Path, generations: int, seed: int) -> None:
    """A short platformer run in `runs_dir`/RUN (its champions are what the page replays)."""
    subprocess.run([sys.executable, "-m", "neat", "run", "platformer", "--runs-dir", str(runs_dir),
                    "--name", RUN, "--generations", str(generations), "--seed", str(seed),
                    "--quiet"], cwd=REPO, check=True, stdout=subprocess.DEVNULL)


def start_viewer(runs_dir: Path) -> tuple[subprocess.Popen[str], str]:
    """`neat view runs_dir` on a free port: (process, URL). The command prints its URL once the
    port is bound, so the page can connect from then on."""
    process = subprocess.Popen([sys.executable, "-m", "neat", "view", str(runs_dir), "--port", "0"],
                               cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    match = VIEWER_LINE.search(line)
    if match is None:
        process.kill()
        raise RuntimeError(f"neat view did not start: {line!r}")
    return process, match.group(1)


def process_table() -> dict[int, tuple[int, str, float]]:
    """pid -> (parent pid, command name, CPU seconds so far) of every process now running."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1: stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        # fields[0] is the state (stat field 3): ppid is field 4, utime 14, stime 15
        table[int(entry.name)] = (int(fields[1]), name, (int(fields[11]) + int(fields[12])) / TICKS)
    return table


def tree_cpu(root: int, name_prefix: str = "") -> dict[int, float]:
    """pid -> CPU seconds of `root`'s descendants (and itself) whose name starts with
    `name_prefix`."""
    table = process_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid in table and table[pid][1].startswith(name_prefix):
            found[pid] = table[pid][2]
        todo += children.get(pid, [])
    return found


def cores_used(before: dict[int, float], after: dict[int, float], seconds: float) -> float:
    """CPU seconds per wall second between two tree_cpu() snapshots (new processes count whole)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items()) / seconds


def process_type(pid: int) -> str:
    """Chromium's --type of process `pid` (renderer, gpu-process, utility...), "browser" if none."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "gone"
    return command.split("--type=")[1].split()[0] if "--type=" in command else "browser"


def cores_by_type(before: dict[int, float], after: dict[int, float],
                  seconds: float) -> dict[str, float]:
    """cores_used() split by chromium process type."""
    by_type: dict[str, float] = {}
    for pid, cpu in after.items():
        kind = process_type(pid)
        by_type[kind] = by_type.get(kind, 0.0) + (cpu - before.get(pid, 0.0)) / seconds
    return by_type


def main_thread_metrics(cdp) -> dict[str, float]:
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return {name: metrics.get(name, 0.0) for name in METRICS}


def measure_window(page: Page, cdp, server_pid: int, seconds: float) -> dict[str, object]:
    """One window: chromium and server cores, main-thread seconds per second, page fps samples."""
    me = os.getpid()
    start = time.perf_counter()
    page_before, server_before = tree_cpu(me, "chrom"), tree_cpu(server_pid)
    metrics_before = main_thread_metrics(cdp)
    fps = []
    while time.perf_counter() - start < seconds:
        time.sleep(1.0)
        fps.append(int(page.locator("#fps").get_attribute("data-fps") or 0))
    elapsed = time.perf_counter() - start
    metrics_after = main_thread_metrics(cdp)
    page_after, server_after = tree_cpu(me, "chrom"), tree_cpu(server_pid)
    return {
        "page": cores_used(page_before, page_after, elapsed),
        "by_process": cores_by_type(page_before, page_after, elapsed),
        "server": cores_used(server_before, server_after, elapsed),
        "main_thread": {k: (metrics_after[k] - metrics_before[k]) / elapsed for k in METRICS},
        "fps": statistics.median(fps),
    }


def measure(url: str, server_pid: int, args: argparse.Namespace
            ) -> tuple[list[dict], list[dict], list[float], dict[str, list[float]], str]:
    """Replaying and paused windows of the run page at `url`, floor windows, --parts windows (by
    variant), the brain's caption."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=VIEWPORT)
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{url}/#/run/{RUN}")
        page.wait_for_function("Number(document.querySelector('#fps').dataset.fps) > 0")
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        caption = page.locator("#brain-caption").inner_text()
        time.sleep(SETTLE_SECONDS)
        if args.screenshot:
            page.screenshot(path=str(args.screenshot))
        replaying = [measure_window(page, cdp, server_pid, args.seconds)
                     for _ in range(args.samples)]
        page.click("[data-testid=play]")
        time.sleep(SETTLE_SECONDS)
        paused = [measure_window(page, cdp, server_pid, args.seconds)
                  for _ in range(args.samples)]
        page.close()
        floor = [measure_floor(browser, args.seconds) for _ in range(args.samples)]
        parts = measure_parts(browser, url, args) if args.parts else {}
        browser.close()
    return replaying, paused, floor, parts, caption


def settled_chromium_cores(seconds: float) -> float:
    """Chromium cores over a window of `seconds`, after SETTLE_SECONDS for the page to settle."""
    time.sleep(SETTLE_SECONDS)
    before, start = tree_cpu(os.getpid(), "chrom"), time.perf_counter()
    time.sleep(seconds)
    return cores_used(before, tree_cpu(os.getpid(), "chrom"), time.perf_counter() - start)


def measure_floor(browser, seconds: float) -> float:
    """Chromium cores over one window on FLOOR_PAGE (a page changing 4x4 pixels at 30 fps)."""
    page = browser.new_page(viewport=VIEWPORT)
    page.set_content(FLOOR_PAGE)
    cores = settled_chromium_cores(seconds)
    page.close()
    return cores


def measure_parts(browser, url: str, args: argparse.Namespace) -> dict[str, list[float]]:
    """Chromium cores of the replaying run page with each SWITCH_OFF variant's methods replaced by
    no-ops: `args.samples` rounds, every variant once per round."""
    found: dict[str, list[float]] = {name: [] for name in SWITCH_OFF}
    for _ in range(args.samples):
        for name, paths in SWITCH_OFF.items():
            page = browser.new_page(viewport=VIEWPORT)
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(f"{url}/#/run/{RUN}")
            page.wait_for_function("Number(document.querySelector('#fps').dataset.fps) > 0")
            page.evaluate(SWITCH_OFF_SCRIPT, paths)
            found[name].append(settled_chromium_cores(args.seconds))
            page.close()
    return found


def median_of(windows: list[dict], key: str) -> float:
    return statistics.median(w[key] for w in windows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=3, help="windows per state")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of one window")
    parser.add_argument("--generations", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--screenshot", type=Path, help="save a screenshot of the replaying page")
    parser.add_argument("--parts", action="store_true",
                        help="also measure the page with parts of its work switched off")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        runs_dir = Path(folder)
        evolve(runs_dir, args.generations, args.seed)
        server, url = start_viewer(runs_dir)
        try:
            replaying, paused, floor, parts, caption = measure(url, server.pid, args)
        finally:
            server.terminate()
            server.wait()
    main_thread = {k: round(statistics.median(w["main_thread"][k] for w in replaying), 4)
                   for k in METRICS}
    figures = {
        "page_cores_replaying": round(median_of(replaying, "page"), 4),
        "page_cores_paused": round(median_of(paused, "page"), 4),
        "replay_fps": median_of(replaying, "fps"),
        "floor_cores_30fps": round(statistics.median(floor), 4),
        "server_cores_replaying": round(median_of(replaying, "server"), 4),
        "by_process": {k: round(statistics.median(w["by_process"].get(k, 0.0) for w in replaying), 4)
                       for k in sorted({k for w in replaying for k in w["by_process"]})},
        "main_thread": main_thread,
        "samples": args.samples,
        "seconds": args.seconds,
    }
    if parts:
        figures["parts_cores"] = {name: round(statistics.median(cores), 4)
                                  for name, cores in parts.items()}
    print(f"platformer champion {caption.strip('· ')}, viewport {VIEWPORT['width']}x"
          f"{VIEWPORT['height']}, {os.cpu_count()} cores, {args.samples} x {args.seconds:g} s")
    print("state      chromium cores  server cores  page fps")
    for w in replaying:
        print(f"replaying  {w['page']:14.4f}  {w['server']:12.4f}  {w['fps']:8.0f}")
    for w in paused:
        print(f"paused     {w['page']:14.4f}  {w['server']:12.4f}         -")
    for cores in floor:
        print(f"floor      {cores:14.4f}             -        30  (blank page, 4x4 px at 30 fps)")
    print("chromium cores by process while replaying: "
          + ", ".join(f"{k} {v:.4f}" for k, v in figures["by_process"].items()))
    print("renderer main thread while replaying, seconds per second: "
          + ", ".join(f"{k.removesuffix('Duration')} {v:.4f}" for k, v in main_thread.items()))
    for name, rounds in parts.items():
        print(f"{name:18s} {statistics.median(rounds):.4f} cores replaying (rounds: "
              f"{', '.join(f'{c:.4f}' for c in rounds)})")
    print(f"median: page {figures['page_cores_replaying']:.4f} cores replaying at "
          f"{figures['replay_fps']:g} fps, {figures['page_cores_paused']:.4f} paused; any page at "
          f"30 fps: {figures['floor_cores_30fps']:.4f} (target: well under 0.05 while replaying at "
          f">= 30 fps)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
