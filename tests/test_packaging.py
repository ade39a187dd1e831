"""The wheel carries every package and the browser page, so a non-editable install works."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_contains_packages_and_page(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                    "-q", "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("neat_brain-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for module in ROOT.glob("**/*.py"):
        relative = module.relative_to(ROOT).as_posix()
        if relative.split("/")[0] in {"neat", "fitness", "viewer"}:
            assert relative in names, f"{relative} is missing from the wheel"
    for page_file in (ROOT / "static").rglob("*"):
        if page_file.is_file():
            assert f"viewer/static/{page_file.relative_to(ROOT / 'static').as_posix()}" in names
    assert any(n.endswith("entry_points.txt") for n in names)


def test_make_run_prints_how_to_use_neat_in_a_new_shell(tmp_path):
    """`make run` with a stand-in for the neat command (nothing installed, nothing evolved)."""
    fake = tmp_path / "neat"
    fake.write_text("#!/bin/sh\necho \"neat $*\"\n")
    fake.chmod(0o755)
    (tmp_path / "python").touch()  # the environment "exists"
    (tmp_path / "installed").touch()  # ... and is up to date
    result = subprocess.run(["make", "-s", "-C", str(ROOT), "run", f"BIN={tmp_path}",
                             f"STAMP_RUN={tmp_path / 'installed'}"], capture_output=True, text=True,
                            check=True)
    assert result.stdout.splitlines() == [
        "neat is installed in .venv/; to use the neat command in a new shell, paste:",
        f'  cd "{ROOT}" && . .venv/bin/activate',
        "neat run platformer --view",
    ]
