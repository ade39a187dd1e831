"""Runs that cannot be hijacked, doubled or lost, through the real `neat` command (subprocesses):
foreign checkpoints, two resumes at once, nothing deleted before a resume can go on, stats repair,
gzip bombs, orphaned workers, restarting a run that died before its first checkpoint, and one-line
errors where there used to be tracebacks."""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEADLINE = 120.0  # seconds; a cold numba cache makes the first start slow
QUICK = ["--pop", "30", "--seed", "2", "--quiet", "--set", "run.stop_when_solved=false"]
SLOW = ["--pop", "1000", "--seed", "4", "--quiet", "--set", "run.stop_when_solved=false"]


def neat(cwd: Path, *args: object, check: int | None = 0) -> subprocess.CompletedProcess:
    """`python -m neat ARGS` in `cwd`; asserts the exit status `check` unless None."""
    done = subprocess.run([sys.executable, "-m", "neat", *map(str, args)], cwd=cwd, env=_env(),
                          capture_output=True, text=True, timeout=DEADLINE)
    if check is not None:
        assert done.returncode == check, done.stderr
    return done


def start(cwd: Path, *args: object) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "neat", *map(str, args)], cwd=cwd, env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _frames_in_project(err: str) -> list[str]:
    """The traceback lines of `err` that name a file of this project (not the interpreter's own
    start-up: site, the editable install's .pth hook, the standard library, runpy)."""
    project = [f'File "{REPO / package}' for package in ("neat", "fitness", "viewer")]
    return [line for line in err.splitlines() if line.strip().startswith(tuple(project))]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


def one_line_error(done: subprocess.CompletedProcess, *fragments: str) -> None:
    """Exit status 2, one line on stderr holding every fragment, no traceback."""
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def snapshot(run: Path) -> dict[str, str]:
    """Every file of the run (the lock apart) by name, with a digest of its bytes."""
    return {str(p.relative_to(run)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(run.rglob("*")) if p.is_file() and p.name != "lock"}


def wait_until(condition, process: subprocess.Popen | None = None) -> None:
    """Poll `condition` until it holds (fails at the deadline, or when `process` ends first)."""
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert process is None or process.poll() is None, process.stderr.read()
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def rows(run: Path) -> list[int]:
    return [json.loads(line)["generation"] for line in (run / "stats.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    """Two finished runs: xor 'a' (checkpoints after every generation) and cartpole 'c'."""
    cwd = tmp_path_factory.mktemp("cwd")
    neat(cwd, "run", "xor", "--generations", 8, "--name", "a", "--checkpoint-every", 1, *QUICK)
    neat(cwd, "run", "cartpole", "--generations", 2, "--name", "c", "--set", "task.episodes=1",
         *QUICK)
    return cwd


def copy_run(runs: Path, name: str, tmp_path: Path) -> Path:
    shutil.copytree(runs / "runs" / name, tmp_path / "runs" / name)
    return tmp_path / "runs" / name


def test_a_foreign_checkpoint_is_refused_by_name_and_nothing_is_touched(runs, tmp_path):
    a = copy_run(runs, "a", tmp_path)
    neat(tmp_path, "run", "xor", "--generations", 3, "--name", "twin", "--checkpoint-every", 1,
         *QUICK)
    foreign = [
        (runs / "runs" / "c" / "checkpoints" / "gen-000001.json.gz", "belongs to another run"),
        (tmp_path / "runs" / "twin" / "checkpoints" / "gen-000002.json.gz", "belongs to another run"),
        (a / "checkpoints" / "gen-000003.json.gz", "does not match its name"),
    ]
    for source, message in foreign:
        planted = a / "checkpoints" / "gen-000042.json.gz"
        shutil.copy(source, planted)
        before = snapshot(a)
        one_line_error(neat(tmp_path, "resume", a, "--generations", 50, check=None),
                       str(planted), message)
        one_line_error(neat(tmp_path, "resume", planted, check=None), str(planted), message)
        assert snapshot(a) == before
        planted.unlink()


def test_a_checkpoint_with_another_config_is_refused(runs, tmp_path):
    a = copy_run(runs, "a", tmp_path)
    config = (a / "config.toml").read_text()
    (a / "config.toml").write_text(config.replace("add_node_rate = 0.03", "add_node_rate = 0.5"))
    before = snapshot(a)
    one_line_error(neat(tmp_path, "resume", a, "--generations", 12, check=None),
                   "gen-000007.json.gz", "another config", "mutation.add_node_rate: 0.03 vs 0.5")
    assert snapshot(a) == before


def test_two_resumes_at_once_the_second_is_refused_and_a_killed_holder_frees_the_run(runs, tmp_path):
    a = copy_run(runs, "a", tmp_path)
    first = start(tmp_path, "resume", a, "--generations", 100_000, "--checkpoint-every", 1)
    lock = a / "lock"
    wait_until(lambda: lock.exists() and lock.read_text().strip() == str(first.pid), first)
    second = neat(tmp_path, "resume", a, "--generations", 100_000, check=None)
    one_line_error(second, f"being evolved by process {first.pid}")
    first.kill()
    first.wait()
    newest = max(int(p.name[4:10]) for p in (a / "checkpoints").glob("gen-*.json.gz"))
    neat(tmp_path, "resume", a, "--generations", newest + 3)  # the dead process's lock is gone
    assert rows(a) == list(range(newest + 3))


def test_nothing_is_deleted_before_a_resume_can_continue(runs, tmp_path):
    a = copy_run(runs, "a", tmp_path)
    before = snapshot(a)
    old = a / "checkpoints" / "gen-000005.json.gz"
    done = neat(tmp_path, "resume", old, "--generations", 4)
    assert "already has 6 generations" in done.stdout
    one_line_error(neat(tmp_path, "resume", old, "--dask", "tcp://127.0.0.1:9", check=None),
                   "cannot reach a Dask scheduler")
    one_line_error(neat(tmp_path, "resume", old, "--dask", "process:0", check=None),
                   "worker count")
    assert snapshot(a) == before
    neat(tmp_path, "resume", old, "--generations", 7)  # now it goes on: newer files replaced
    assert rows(a) == list(range(7))
    assert sorted(p.name for p in (a / "checkpoints").iterdir())[-1] == "gen-000006.json.gz"


def test_stats_rows_before_the_checkpoint_are_verified_and_repaired_truthfully(runs, tmp_path):
    a = copy_run(runs, "a", tmp_path)
    lines = (a / "stats.jsonl").read_text().splitlines(keepends=True)
    damaged = (lines[0] + lines[2] + '{"generation": 3, "best_fitness": "x"}\n' + lines[4]
               + lines[0] + lines[5] + lines[4] + lines[6] + lines[7] + '{"generation": 8, "be')
    (a / "stats.jsonl").write_text(damaged)
    done = neat(tmp_path, "resume", a / "checkpoints" / "gen-000005.json.gz", "--generations", 9)
    err = done.stderr
    assert "no row for generation(s) 1, 3" in err and "cannot recompute" in err
    assert "removed 1 damaged stats line(s) (line 3)" in err
    assert "removed 2 duplicate stats row(s) of generation(s) 0, 4" in err
    assert "dropped 2 stats row(s) after generation 5" in err and "half-written" in err
    assert rows(a) == [0, 2, 4, 5, 6, 7, 8]
    kept = (a / "stats.jsonl").read_text().splitlines(keepends=True)
    assert kept[:4] == [lines[0], lines[2], lines[4], lines[5]]  # the original bytes


def test_stats_are_fsynced_before_each_checkpoint(tmp_path, monkeypatch):
    from neat.app import runner
    from neat.app.cli import main

    synced: list[str] = []
    real_fsync, real_save = os.fsync, runner.save_checkpoint

    def fsync(fd):
        synced.append(os.path.basename(os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def save(path, *args):
        synced.append(path.name)
        real_save(path, *args)

    monkeypatch.setattr(runner.os, "fsync", fsync)
    monkeypatch.setattr(runner, "save_checkpoint", save)
    assert main(["run", "xor", "--generations", "3", "--checkpoint-every", "2", "--runs-dir",
                 str(tmp_path), *map(str, QUICK)]) == 0
    order = [name for name in synced if name == "stats.jsonl" or name.startswith("gen-")]
    assert order == ["stats.jsonl", "gen-000001.json.gz", "stats.jsonl", "gen-000002.json.gz"]


def gzip_bomb(population: int, gigabytes: int) -> bytes:
    """A gzip stream starting like a checkpoint of `population` genomes, then `gigabytes` GB of
    spaces: about 1 MB on disk. Full flushes make every 1 MB block compress to the same bytes."""
    head = ('{"format":"neat-brain/checkpoint","version":2,"run_id":null,"task":"xor","config":'
            f'{{"run":{{"task":"xor"}},"population":{{"size":{population}}}}},"pool":').encode()
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    start = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(b" " * (1 << 20)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return start + block * (1024 * gigabytes)


MEASURE = """
import resource, sys
from neat.app.cli import main
code = main(sys.argv[1:])
print(code, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def peak_of_resume(cwd: Path, checkpoint: Path) -> tuple[int, int, str]:
    """(exit status, peak resident bytes, stderr) of `neat resume CHECKPOINT` in a fresh process."""
    done = subprocess.run([sys.executable, "-c", MEASURE, "resume", str(checkpoint)], cwd=cwd,
                          env=_env(), capture_output=True, text=True, timeout=DEADLINE)
    code, peak = map(int, done.stdout.split())
    return code, peak, done.stderr


def test_a_gzip_bomb_checkpoint_is_refused_with_bounded_memory(runs, tmp_path):
    a = copy_run(runs, "a", tmp_path)
    small = a / "checkpoints" / "gen-000006.json.gz"
    small.write_bytes(gzip_bomb(30, 0))  # the same code path, with nothing to inflate
    code, baseline, _ = peak_of_resume(tmp_path, small)
    assert code == 2
    bomb = a / "checkpoints" / "gen-000007.json.gz"
    bomb.write_bytes(gzip_bomb(30, 2))  # 2 GB of JSON from 2 MB
    assert bomb.stat().st_size < 3_000_000
    code, peak, err = peak_of_resume(tmp_path, bomb)
    assert code == 2 and "grows beyond 24,641,536 bytes" in err, err
    assert peak - baseline < 80_000_000, (peak, baseline)
    huge = a / "checkpoints" / "gen-000005.json.gz"
    huge.write_bytes(gzip_bomb(10**11, 1))
    code, _, err = peak_of_resume(tmp_path, huge)
    assert code == 2 and "declares a population of 100,000,000,000" in err
    assert "memory is available" in err


def test_a_population_beyond_memory_is_refused_with_an_estimate(tmp_path):
    one_line_error(neat(tmp_path, "run", "platformer", "--pop", 10_000_000, check=None),
                   "population.size = 10,000,000", "needs about", "GB", "per genome of 177 nodes")
    assert not (tmp_path / "runs").exists()


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def running(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in "ZX"
    except OSError:
        return False


def test_process_pool_workers_die_with_a_killed_neat(tmp_path):
    process = start(tmp_path, "run", "cartpole", "--generations", 100_000, "--dask", "process:2",
                    "--set", "task.episodes=1", *QUICK)
    try:
        wait_until(lambda: (tmp_path / "runs").exists()
                   and any(p.name == "stats.jsonl" and p.stat().st_size
                           for p in (tmp_path / "runs").rglob("stats.jsonl")), process)
        workers = [pid for pid in children(process.pid)
                   if b"multiprocessing" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        assert len(workers) >= 2
    finally:
        process.kill()
        process.wait()
    wait_until(lambda: not any(running(pid) for pid in workers))


def test_a_run_that_died_before_its_first_checkpoint_starts_again(tmp_path):
    process = start(tmp_path, "run", "xor", "--generations", 100_000, "--name", "d", *SLOW)
    run = tmp_path / "runs" / "d"
    wait_until(lambda: (run / "stats.jsonl").exists()
               and (run / "stats.jsonl").read_bytes().count(b"\n") >= 2, process)
    process.kill()
    process.wait()
    assert not list((run / "checkpoints").iterdir())
    one_line_error(neat(tmp_path, "run", "xor", "--name", "d", *SLOW, check=None),
                   "already exists", "neat resume")
    done = neat(tmp_path, "resume", run, "--generations", 4)
    assert "starting it again from generation 0" in done.stderr
    neat(tmp_path, "run", "xor", "--generations", 4, "--name", "straight", *SLOW)
    straight = tmp_path / "runs" / "straight"
    assert rows(run) == list(range(4))
    for key in ("best_fitness", "mean_fitness", "champion_id", "species"):
        assert ([json.loads(r)[key] for r in (run / "stats.jsonl").read_text().splitlines()]
                == [json.loads(r)[key] for r in (straight / "stats.jsonl").read_text().splitlines()])
    for champion in (run / "champions").iterdir():
        champion.unlink()
    done = neat(tmp_path, "resume", run, "--generations", 6)
    assert "no champion file for generation(s) 0-3" in done.stderr
    assert rows(run) == list(range(6))


@pytest.fixture(scope="module")
def nested(runs) -> Path:
    run = runs / "runs" / "nested"
    shutil.copytree(runs / "runs" / "a", run)
    (run / "champions" / "gen-000007.json").write_text("[" * 100_000 + "]" * 100_000)
    return run


@pytest.mark.parametrize(("args", "fragments"), [
    (["replay", "{nested}"], ["nested too deeply"]),
    (["export", "{nested}", "--format", "json"], ["nested too deeply"]),
    (["replay", "{a}", "--episode", "99999999999999999999999"], ["--episode", "episodes 0.."]),
    (["replay", "{a}", "--gif", "{a}"], ["is a folder"]),
    (["replay", "{a}", "--gif", "pole.png"], ["must end with .gif"]),
    (["view", "{runs}", "--port", "70000"], ["--port 70000", "65535"]),
    (["run", "xor", "--view", "--port", "-1"], ["--port -1"]),
])
def test_user_errors_are_one_line_never_a_traceback(runs, nested, args, fragments):
    names = {"nested": nested, "a": runs / "runs" / "a", "runs": runs / "runs"}
    one_line_error(neat(runs, *(arg.format(**names) for arg in args), check=None), *fragments)


def _interrupt_here() -> None:
    signal.raise_signal(signal.SIGINT)  # the command's handler raises KeyboardInterrupt here
    for _ in range(10**6):  # (Python runs the handler at the next instruction or so)
        pass
    raise AssertionError("SIGINT did not interrupt")


def _neat_runs_importing_with(import_module, folder: Path, monkeypatch) -> int:
    """`neat runs folder` in this process, cli's imports made by `import_module`; its exit status
    (the command's SIGINT handler is put back after)."""
    from neat.app import cli

    handler = signal.getsignal(signal.SIGINT)
    monkeypatch.setattr(cli.importlib, "import_module", import_module)
    try:
        return cli.main(["runs", str(folder)])
    finally:
        signal.signal(signal.SIGINT, handler)


def _interrupted_import(name: str) -> None:
    """An import that Ctrl-C stops in a class body: Python hands the KeyboardInterrupt on as the
    RuntimeError it caused, as numpy's `finfo` did in the test below."""
    try:
        _interrupt_here()
    except KeyboardInterrupt as interrupt:
        raise RuntimeError("Error calling __set_name__ on 'cached_property' instance") from interrupt


def test_ctrl_c_surfacing_as_another_error_while_modules_load_is_one_line(tmp_path, monkeypatch,
                                                                          capsys):
    assert _neat_runs_importing_with(_interrupted_import, tmp_path, monkeypatch) == 130
    assert capsys.readouterr().err.strip() == "neat runs: interrupted"
    with pytest.raises(ZeroDivisionError):  # without a Ctrl-C, an error is not hidden
        _neat_runs_importing_with(lambda name: 1 / 0, tmp_path, monkeypatch)


class _SwallowsInterrupt:
    """Stands for compiled code that checks for signals and cannot raise what it finds: Python
    hands a KeyboardInterrupt raised in `__del__` to sys.unraisablehook."""

    def __del__(self) -> None:
        _interrupt_here()


_import_module = importlib.import_module  # (the tests replace importlib's, which cli uses)


def _import_swallowing_an_interrupt(name: str, package: str | None = None) -> object:
    if name.startswith("neat.app.cli_"):  # the command's module, as cli.main imports it
        _SwallowsInterrupt()  # collected at once
    return _import_module(name, package)


def _import_printing_an_interrupt(name: str, package: str | None = None) -> object:
    """numpy's `import_array` interrupted: PyErr_Print hands the KeyboardInterrupt to
    sys.excepthook, then the extension raises ImportError."""
    if name.startswith("neat.app.cli_"):
        try:
            _interrupt_here()
        except KeyboardInterrupt as interrupt:
            sys.excepthook(KeyboardInterrupt, interrupt, interrupt.__traceback__)
            raise ImportError("numpy._core.multiarray failed to import") from None
    return _import_module(name, package)


@pytest.mark.parametrize("interrupted_import", [_import_swallowing_an_interrupt,
                                                _import_printing_an_interrupt])
def test_ctrl_c_that_compiled_code_catches_while_modules_load_is_one_line(
        tmp_path, monkeypatch, capsys, interrupted_import):
    hooks = sys.excepthook, sys.unraisablehook
    assert _neat_runs_importing_with(interrupted_import, tmp_path, monkeypatch) == 130
    assert capsys.readouterr().err.strip() == "neat runs: interrupted"
    assert (sys.excepthook, sys.unraisablehook) == hooks  # put back once the command returns


def test_ctrl_c_in_the_first_moments_never_prints_a_traceback(tmp_path):
    for step in range(11):
        process = start(tmp_path, "run", "xor", "--generations", 5, "--runs-dir", tmp_path, *QUICK)
        time.sleep(step * 0.02)  # the moment of the interrupt is what is tested
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=DEADLINE)
        if "Traceback" in err and not _frames_in_project(err):
            continue  # the interpreter's own start-up (site, .pth files, runpy), before neat runs
        assert "Traceback" not in err, err
        assert process.returncode in (0, 130, -signal.SIGINT), err
        assert len(err.strip().splitlines()) <= 2, err  # the notice, and the one line

