"""Run the documentation's examples (`make docs-check`), so the docs cannot drift from the code.

`python tests/docs_check.py [FILE | FILE#Heading ...]` (default: DOCS) runs, for each file in its
own fresh temporary folder and in document order, every shell command and every Python block, and
fails at the first that does not exit 0. The convention (also in docs/architecture.md, "Tested
documentation"):

- Fenced blocks tagged `sh`, `bash` or `shell` run command by command: one command per line (a
  trailing backslash joins lines, `#` comment lines are skipped), each with bash and `pipefail`,
  empty stdin, a timeout, and this Python's bin folder first on PATH (so `neat`, `python` and
  `pip` are the environment's). A `cd` or a variable does not carry over to the next line.
- Blocks tagged `python` run as scripts, in the same folder.
- Blocks with any other tag (`text`, `json`, `toml`, ...) are shown, never run. A block without a
  tag is an error: say what it is.
- HTML comments on the lines right before a block's opening fence (blank lines between allowed)
  change how it runs; readers of the rendered page do not see them:
  `<!-- docs-check: skip (why) -->`      not run (it blocks, needs a tool or a network); say why.
  `<!-- docs-check: run-args ARGS -->`   ARGS are appended to each `neat run` / `neat resume` of
                                         the block (a repeated flag's last value wins), e.g.
                                         `--generations 2` for a run that would take minutes.
  `<!-- docs-check: setup COMMAND -->`   COMMAND runs before the block, e.g. a run it needs.
`FILE#Heading` checks only that section: from the heading to the next one of its level or above.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ("docs/cli.md", "docs/algorithm.md#Using the library directly", "README.md")
"""What `make docs-check` checks. README.md is checked by section until its rewrite places the
markers above; then name the whole file here."""
SHELL = ("sh", "bash", "shell")
PYTHON = ("python",)
TIMEOUT = 300.0
"""Seconds a command or Python block may take (a command that waits for Ctrl-C fails, not hangs)."""
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
MARKER = re.compile(r"^\s*<!--\s*docs-check:\s*(.*?)\s*-->\s*$")
SKIP = re.compile(r"skip\s*\((.*\S.*)\)")
RUN_COMMANDS = (("neat", "run"), ("neat", "resume"))
OUTPUT_LINES = 15  # lines of a failing example's output shown


class DocsError(ValueError):
    """A Markdown file that breaks the convention (the message gives FILE:LINE and what to do)."""


@dataclass
class Block:
    """A fenced code block and the markers before it; `line` is its first code line (1-based)."""

    source: str
    line: int
    language: str
    code: list[str]
    skip: str | None = None
    run_args: list[str] = field(default_factory=list)
    setup: list[str] = field(default_factory=list)

    @property
    def runs(self) -> bool:
        return self.skip is None and self.language in SHELL + PYTHON


@dataclass(frozen=True)
class Step:
    """One thing to run: a shell command or a Python script, with where it comes from."""

    where: str  # FILE:LINE
    shell: str | None = None
    python: str | None = None

    def describe(self) -> str:
        return f"`{self.shell}`" if self.shell is not None else "the python block"


def read_section(spec: str) -> tuple[str, list[tuple[int, str]]]:
    """(file name, [(line number, text)]) of FILE or of the section FILE#Heading."""
    name, _, heading = spec.partition("#")
    path = Path(name) if Path(name).is_absolute() else ROOT / name
    lines = list(enumerate(path.read_text(encoding="utf-8").splitlines(), 1))
    if not heading:
        return name, lines
    fence, start, level = "", None, 0
    for index, (_, text) in enumerate(lines):
        if fence:
            fence = "" if _closes(text, fence) else fence
            continue
        opened = FENCE.match(text)
        if opened:
            fence = opened.group(1)
            continue
        found = HEADING.match(text)
        if not found:
            continue
        if start is None and found.group(2) == heading:
            start, level = index, len(found.group(1))
        elif start is not None and len(found.group(1)) <= level:
            return name, lines[start:index]
    if start is None:
        raise DocsError(f"{name}: no heading {heading!r}")
    return name, lines[start:]


def extract(name: str, lines: list[tuple[int, str]]) -> list[Block]:
    """The code blocks of `lines` with their markers; DocsError for a broken convention."""
    blocks: list[Block] = []
    markers: list[tuple[int, str]] = []
    fence, block = "", None
    for number, text in lines:
        if block is not None:
            if _closes(text, fence):
                blocks.append(block)
                fence, block = "", None
            else:
                block.code.append(text)
            continue
        opened = FENCE.match(text)
        marker = MARKER.match(text)
        if opened:
            fence = opened.group(1)
            if not opened.group(2):
                raise DocsError(f"{name}:{number}: a code block without a language: tag it sh or "
                                "python to run it, or text (json, toml, ...) to show it")
            block = Block(name, number + 1, opened.group(2).lower(), [])
            _apply_markers(block, markers)
            markers = []
        elif marker:
            markers.append((number, marker.group(1)))
        elif text.strip() and markers:
            raise DocsError(f"{name}:{markers[0][0]}: a docs-check marker must come right before "
                            "a code block's opening fence")
    if block is not None:
        raise DocsError(f"{name}:{block.line - 1}: the code block is never closed")
    if markers:
        raise DocsError(f"{name}:{markers[0][0]}: a docs-check marker with no code block after it")
    return blocks


def _closes(text: str, fence: str) -> bool:
    """True when `text` closes a block opened with `fence` (the same character, at least as many)."""
    stripped = text.strip()
    return (len(text) - len(text.lstrip(" ")) <= 3 and len(stripped) >= len(fence)
            and stripped == fence[0] * len(stripped))


def _apply_markers(block: Block, markers: list[tuple[int, str]]) -> None:
    for number, directive in markers:
        where = f"{block.source}:{number}"
        word, _, rest = directive.partition(" ")
        skip = SKIP.fullmatch(directive)
        if skip:
            block.skip = skip.group(1).strip()
        elif word == "skip":
            raise DocsError(f"{where}: say why the block is skipped: <!-- docs-check: skip (why) -->")
        elif word == "run-args" and rest.strip():
            block.run_args.extend(shlex.split(rest))
        elif word == "setup" and rest.strip():
            block.setup.append(rest.strip())
        else:
            raise DocsError(f"{where}: unknown docs-check marker {directive!r}; use skip (why), "
                            "run-args ARGS or setup COMMAND")
    if block.skip is not None and (block.run_args or block.setup):
        raise DocsError(f"{block.source}:{block.line - 1}: a skipped block takes no run-args or setup")
    if block.run_args and block.language not in SHELL:
        raise DocsError(f"{block.source}:{block.line - 1}: run-args apply to sh blocks only")


def steps(block: Block) -> list[Step]:
    """What running `block` means, in order (nothing when it is skipped or only shown)."""
    if not block.runs:
        return []
    where = f"{block.source}:{block.line - 1}"
    setup = [Step(f"{where} (setup)", shell=command) for command in block.setup]
    if block.language in PYTHON:
        return [*setup, Step(where, python="\n".join(block.code) + "\n")]
    commands, pending, first = [], "", 0
    for number, text in enumerate(block.code, block.line):
        if not pending and (not text.strip() or text.strip().startswith("#")):
            continue
        first = first or number
        if text.rstrip().endswith("\\"):
            pending += text.rstrip()[:-1] + " "
            continue
        command = _with_run_args(pending + text.strip(), block.run_args, f"{block.source}:{first}")
        commands.append(Step(f"{block.source}:{first}", shell=command))
        pending, first = "", 0
    if pending:
        raise DocsError(f"{block.source}:{first}: the command's last line ends with a backslash")
    return [*setup, *commands]


def _with_run_args(command: str, run_args: list[str], where: str) -> str:
    """`command` with `run_args` appended when it is a `neat run` or `neat resume`."""
    if not run_args:
        return command
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split, lexer.commenters = True, "#"  # words as the shell splits them
    tokens = list(lexer)
    if tuple(tokens[:2]) not in RUN_COMMANDS:
        return command
    if any(t and set(t) <= set("|&;<>()") for t in tokens):
        raise DocsError(f"{where}: run-args cannot be appended to a command with a pipe, list or "
                        "redirection; give it a block of its own")
    return shlex.join([*tokens, *run_args])


def run_steps(todo: list[Step], folder: Path, timeout: float = TIMEOUT,
              echo: bool = False) -> str | None:
    """Run `todo` in `folder`; None when all exit 0, else what failed and its output's end."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    scripts = Path(tempfile.mkdtemp(prefix="docs-check-scripts-"))
    try:
        for number, step in enumerate(todo):
            started = time.perf_counter()
            if step.python is not None:
                script = scripts / f"block_{number}.py"
                script.write_text(step.python, encoding="utf-8")
                argv = [sys.executable, str(script)]
            else:
                argv = ["bash", "-o", "pipefail", "-c", step.shell or ""]
            problem = _run(argv, folder, env, timeout)
            if problem:
                return f"{step.where}: {step.describe()} {problem}"
            if echo:
                print(f"{step.where}: {time.perf_counter() - started:5.1f} s  {step.describe()}",
                      flush=True)
    finally:
        for script in scripts.iterdir():
            script.unlink()
        scripts.rmdir()
    return None


def _run(argv: list[str], folder: Path, env: dict[str, str], timeout: float) -> str | None:
    """Run `argv` in a session of its own; on timeout the whole session is killed (a server it
    started too), so nothing outlives the check."""
    with subprocess.Popen(argv, cwd=folder, env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          start_new_session=True) as process:
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
            return (f"did not finish within {timeout:g} s (does it wait for Ctrl-C or input? "
                    f"then mark the block <!-- docs-check: skip (why) -->){_tail(output)}")
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # anything it left running
    if process.returncode != 0:
        return f"exited with status {process.returncode}{_tail(output)}"
    return None


def _tail(output: str) -> str:
    lines = output.rstrip().splitlines()[-OUTPUT_LINES:]
    return "".join(f"\n    {line}" for line in lines)


def check(spec: str, timeout: float = TIMEOUT, echo: bool = False) -> str | None:
    """Run the examples of FILE or FILE#Heading in a fresh folder; None when every one works."""
    name, lines = read_section(spec)
    todo = [step for block in extract(name, lines) for step in steps(block)]
    with tempfile.TemporaryDirectory(prefix="docs-check-") as folder:
        return run_steps(todo, Path(folder), timeout, echo)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("docs", nargs="*", default=list(DOCS), metavar="FILE[#Heading]")
    parser.add_argument("--timeout", type=float, default=TIMEOUT, metavar="S")
    parser.add_argument("--list", action="store_true", help="print what would run, run nothing")
    args = parser.parse_args(argv)
    failures = 0
    for spec in args.docs:
        started = time.perf_counter()
        try:
            if args.list:
                name, lines = read_section(spec)
                for block in extract(name, lines):
                    shown = "skip: " + block.skip if block.skip else (
                        "runs" if block.runs else "shown")
                    print(f"{block.source}:{block.line - 1} {block.language} ({shown})")
                    for step in steps(block):
                        print(f"    {step.describe()}")
                continue
            problem = check(spec, args.timeout, echo=True)
        except (DocsError, OSError) as exc:
            problem = str(exc)
        if problem:
            failures += 1
            print(f"docs-check: FAILED {problem}", file=sys.stderr)
        elif not args.list:
            print(f"docs-check: {spec}: every example works "
                  f"({time.perf_counter() - started:.0f} s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
