"""The import rules between the layers (docs/architecture.md, "Layers"): each layer imports only the
layers below it, checked twice: every import statement in a layer's files, including those inside
functions, and what importing a layer's modules loads in a fresh interpreter."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

APP = ("neat.app",)
TASKS = ("fitness",)
VIEWER = ("viewer",)
EVOLUTION = ("neat.population", "neat.reproduction", "neat.species", "neat.mutation",
             "neat.crossover", "neat.innovation", "neat.initial", "neat.app.runner",
             "neat.app.checkpoint", "neat.app.resume", "neat.app.cli", "neat.app.cli_run",
             "neat.app.cli_info", "neat.app.cli_champion")
"""The evolution loop and the app's code that drives it: the viewer reads run directories and asks
tasks to replay, it never evolves."""
NUMBA = ("numba",)


def modules_of(package: str) -> list[str]:
    """Dotted names of every module in `package`'s folder and its subfolders."""
    folder = REPO / package.replace(".", "/")
    names = []
    for path in sorted(folder.rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


CORE_MODULES = [m for m in modules_of("neat") if not within(m, APP) and m != "neat.__main__"]
LAYERS = {
    "core": (CORE_MODULES, APP + TASKS + VIEWER),
    "tasks": (modules_of("fitness"), APP + VIEWER),
    "viewer": (modules_of("viewer"), EVOLUTION),
}


def imported_names(path: Path) -> set[str]:
    """Every module an import statement of `path` names, wherever the statement is."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def path_of(module: str) -> Path:
    path = REPO / (module.replace(".", "/") + ".py")
    return path if path.exists() else REPO / module.replace(".", "/") / "__init__.py"


def loaded_by(modules: list[str] | str, code: str = "") -> dict[str, list[str]]:
    """Import `modules` one after another in a fresh interpreter (then run `code`); for each, the
    modules its import loaded."""
    script = (
        "import importlib, json, sys\n"
        "loaded = {}\n"
        f"for name in {modules!r}:\n"
        "    before = set(sys.modules)\n"
        "    importlib.import_module(name)\n"
        "    loaded[name] = sorted(set(sys.modules) - before)\n"
        f"{code}\n"
        "print(json.dumps(loaded))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         cwd=REPO, timeout=300).stdout
    return json.loads(out.splitlines()[-1])


def offenders(loaded: dict[str, list[str]], forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    found = {name: [m for m in mods if within(m, forbidden)] for name, mods in loaded.items()}
    return {name: mods for name, mods in found.items() if mods}


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_no_import_statement_reaches_a_layer_above(layer):
    modules, forbidden = LAYERS[layer]
    assert modules
    found = {m: sorted(n for n in imported_names(path_of(m)) if within(n, forbidden))
             for m in modules}
    assert {m: names for m, names in found.items() if names} == {}


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_importing_a_layer_loads_nothing_above_it(layer):
    modules, forbidden = LAYERS[layer]
    assert offenders(loaded_by(modules), forbidden) == {}


def test_the_rules_see_a_forbidden_import(tmp_path):
    """The checks above fail on a module that breaks them."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from neat.app import rundir\n    import viewer.models\n")
    assert imported_names(bad) == {"neat.app", "neat.app.rundir", "viewer.models"}
    loaded = loaded_by(["neat.errors", "viewer.models"])
    assert list(offenders(loaded, APP)) == ["viewer.models"]
    assert "neat.app.rundir" in offenders(loaded, APP)["viewer.models"]


def test_the_command_line_help_and_the_run_reader_load_no_numba():
    readers = ["neat", "neat.errors", "neat.app.rundir", "viewer.rundir", "viewer.models",
               "neat.app.cli"]
    helps = ("from neat.app.cli import main\n"
             "for argv in (['--help'], ['run', '--help'], ['replay', '--help']):\n"
             "    try:\n"
             "        main(argv)\n"
             "    except SystemExit:\n"
             "        pass\n"
             "loaded['neat --help'] = sorted(sys.modules)")
    assert offenders(loaded_by(readers, helps), NUMBA + EVOLUTION[:7]) == {}
