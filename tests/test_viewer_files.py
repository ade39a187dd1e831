"""The viewer reads only regular files inside a run folder, and one bad file or row never breaks
another run's listing: symbolic links out, a FIFO named stats.jsonl, NaN and wrongly typed rows."""

from __future__ import annotations

import os
from pathlib import Path

import httpx2
import pytest
import viewer_fake_run as fake
from fastapi.testclient import TestClient

from fitness import registry
from viewer import ViewerServer, create_app

FAST = {"poll_interval": 0.05}


@pytest.fixture
def runs_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setitem(registry.TASKS, "fake-grid", f"{fake.__name__}:make_task")
    runs = tmp_path / "runs"
    runs.mkdir()
    fake.write_run(runs, "alpha", "fake-grid", 2, options={"steps": 12})
    fake.write_run(runs, "beta", "fake-grid", 3, options={"steps": 12})
    return runs


@pytest.fixture
def client(runs_dir: Path):
    with TestClient(create_app(runs_dir, **FAST)) as test_client:
        yield test_client


def outside_file(runs_dir: Path, name: str, text: str) -> Path:
    path = runs_dir.parent / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("name", ["stats.jsonl", "status.json", "config.toml"])
def test_a_file_linked_out_of_the_run_is_never_served(client, runs_dir, name):
    real = (runs_dir / "alpha" / name).read_text()
    secret = {"stats.jsonl": '{"generation": 0, "best_fitness": 4242.0, "note": "s3cr3t"}\n',
              "status.json": '{"state": "failed", "generation": 4242, "updated": 4242.0}',
              "config.toml": real.replace('task = "fake-grid"', 'task = "s3cr3t"')}[name]
    assert secret != real
    target = outside_file(runs_dir, "secret", secret)
    (runs_dir / "alpha" / name).unlink()
    (runs_dir / "alpha" / name).symlink_to(target)
    for url in ("/api/runs", "/api/runs/alpha", "/api/runs/alpha/stats"):
        response = client.get(url)
        assert response.status_code == 200 and "s3cr3t" not in response.text
        assert "4242" not in response.text and '"failed"' not in response.text
    runs = {r["name"]: r for r in client.get("/api/runs").json()}
    assert runs["beta"]["generations"] == 3 and runs["beta"]["error"] is None
    if name != "status.json":
        assert "symbolic link" in runs["alpha"]["error"]


def test_a_fifo_named_stats_jsonl_does_not_hang_the_server(runs_dir):
    stats = runs_dir / "alpha" / "stats.jsonl"
    stats.unlink()
    os.mkfifo(stats)  # nobody writes to it: a blocking open or read would never return
    with ViewerServer(runs_dir, **FAST) as server:
        runs = {r["name"]: r for r in httpx2.get(f"{server.url}/api/runs", timeout=10).json()}
        assert "not a regular file" in runs["alpha"]["error"] and runs["beta"]["generations"] == 3
        assert httpx2.get(f"{server.url}/api/runs/alpha/stats", timeout=10).json() == []
        assert httpx2.get(f"{server.url}/", timeout=10).status_code == 200


def test_non_finite_numbers_become_null_and_bad_rows_are_skipped(client, runs_dir, caplog):
    with open(runs_dir / "alpha" / "stats.jsonl", "a") as f:
        f.write('{"generation": 2, "best_fitness": NaN, "mean_fitness": Infinity, '
                '"std_fitness": -Infinity, "species_table": []}\n')
        f.write('{"generation": "three", "best_fitness": []}\n')
        f.write('{"generation": 4, "solved": "yes"}\n')
    rows = client.get("/api/runs/alpha/stats").json()
    assert [r["generation"] for r in rows] == [0, 1, 2]
    assert (rows[2]["best_fitness"], rows[2]["mean_fitness"], rows[2]["std_fitness"]) == (
        None, None, None)
    assert "skipping a stats line" in caplog.text
    listing = client.get("/api/runs")
    assert listing.status_code == 200
    assert {r["name"]: r["generations"] for r in listing.json()} == {"alpha": 3, "beta": 3}
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "watch", "run": "alpha"})
        for _ in range(50):
            message = ws.receive_json()
            if message["type"] == "snapshot":
                assert message["stats"][2]["best_fitness"] is None
                break
        else:
            raise AssertionError("no snapshot")


def test_a_run_with_garbage_files_is_listed_with_its_error(client, runs_dir):
    (runs_dir / "alpha" / "config.toml").write_text("this is = not [toml")
    (runs_dir / "alpha" / "status.json").write_text("[1, 2")
    runs = {r["name"]: r for r in client.get("/api/runs").json()}
    assert "not valid TOML" in runs["alpha"]["error"] and runs["alpha"]["state"] == "stopped"
    assert runs["beta"]["task"] == "fake-grid" and runs["beta"]["error"] is None
