"""Viewer server: HTTP API, path safety, layout, and the live WebSocket protocol."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import viewer_fake_run as fake
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from websockets.sync.client import connect

from fitness import registry
from neat.genome import HIDDEN, INPUT, OUTPUT, Genome
from viewer import ViewerServer, create_app
from viewer.layout import compute_layout

FAST = {"poll_interval": 0.05}
TIMEOUT_SECONDS = 30.0
BASE_URL = "http://127.0.0.1:8000"  # a Host the viewer serves (TestClient's default is refused)


@pytest.fixture
def runs_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setitem(registry.TASKS, "fake-grid", f"{fake.__name__}:make_task")
    runs = tmp_path / "runs"
    runs.mkdir()
    fake.write_run(runs, "alpha", "fake-grid", 3, state="running", options={"steps": 12})
    fake.write_run(runs, "beta", "no-such-task", 2, state="running", pid=2**22 + 12345)
    return runs


@pytest.fixture
def client(runs_dir: Path):
    with TestClient(create_app(runs_dir, **FAST), base_url=BASE_URL) as test_client:
        yield test_client


def test_run_list_summarises_each_run(client: TestClient) -> None:
    runs = {r["name"]: r for r in client.get("/api/runs").json()}
    assert set(runs) == {"alpha", "beta"}
    alpha = runs["alpha"]
    assert alpha["task"] == "fake-grid"
    assert alpha["generations"] == 3 and alpha["generation"] == 2
    assert alpha["best_fitness"] == fake.stats_row(2)["best_fitness"]
    assert alpha["state"] == "running" and alpha["live"] is True
    assert alpha["last_checkpoint"] == "gen-000002.json.gz"
    assert runs["beta"]["state"] == "stopped"  # "running" but its pid does not exist


def test_a_failed_run_shows_why(client: TestClient, runs_dir: Path) -> None:
    from neat.app.rundir import RunDirectory

    RunDirectory(runs_dir / "alpha").write_status("failed", 2, "gymnasium environment 'X' failed")
    runs = {r["name"]: r for r in client.get("/api/runs").json()}
    assert runs["alpha"]["state"] == "failed"
    assert runs["alpha"]["reason"] == "gymnasium environment 'X' failed"
    assert runs["beta"]["reason"] is None


def test_stats_ignore_a_torn_last_line(client: TestClient, runs_dir: Path) -> None:
    stats = runs_dir / "alpha" / "stats.jsonl"
    row = json.dumps(fake.stats_row(3))
    with open(stats, "a") as f:
        f.write(row[:25])
    assert [r["generation"] for r in client.get("/api/runs/alpha/stats").json()] == [0, 1, 2]
    with open(stats, "a") as f:
        f.write(row[25:] + "\n")
    assert [r["generation"] for r in client.get("/api/runs/alpha/stats").json()] == [0, 1, 2, 3]


def test_species_history_and_champions(client: TestClient) -> None:
    history = client.get("/api/runs/alpha/species").json()
    assert [h["generation"] for h in history] == [0, 1, 2]
    assert history[1]["species"][0] == fake.stats_row(1)["species_table"][0]
    assert client.get("/api/runs/alpha/champions").json() == [0, 1, 2]
    latest = client.get("/api/runs/alpha/champions/latest").json()
    assert latest["generation"] == 2 and latest["key"] == 1002
    assert client.get("/api/runs/alpha/champions/1").json()["key"] == 1001
    assert client.get("/api/runs/alpha/champions/7").status_code == 404


def test_best_names_the_runs_best_champion(runs_dir: Path) -> None:
    stats = runs_dir / "alpha" / "stats.jsonl"
    rows = [json.loads(line) for line in stats.read_text().splitlines()]
    for row, score in zip(rows, (0.2, 0.7, 0.5), strict=True):
        row["test_score"], row["test_solved"] = score, False
    stats.write_text("".join(json.dumps(row) + "\n" for row in rows))
    fake.write_run(runs_dir, "empty", "fake-grid", 0)
    with TestClient(create_app(runs_dir, **FAST), base_url=BASE_URL) as client:
        best = client.get("/api/runs/alpha/champions/best").json()
        assert best["generation"] == 1 and best["key"] == 1001
        assert client.get("/api/runs/alpha/champions/best/layout").status_code == 200
        response = client.get("/api/runs/empty/champions/best")
        assert response.status_code == 404 and "no scored generation" in response.json()["detail"]


def test_layout_endpoint_uses_the_task_grid_and_button_names(client: TestClient) -> None:
    layout = client.get("/api/runs/alpha/champions/latest/layout").json()
    champion = client.get("/api/runs/alpha/champions/latest").json()
    assert [n["id"] for n in layout["nodes"]] == [n["id"] for n in champion["nodes"]]
    assert layout["input_grid"] == list(fake.GRID)
    grid = [n["grid"] for n in layout["nodes"] if n["grid"] is not None]
    assert grid == [[r, c] for r in range(3) for c in range(3)]
    outputs = [n["label"] for n in layout["nodes"] if n["kind"] == "output"]
    assert outputs == list(fake.BUTTONS)
    # A run whose task cannot be built falls back to the labels stored with the champion.
    beta = client.get("/api/runs/beta/champions/0/layout").json()
    assert beta["input_grid"] is None
    assert [n["label"] for n in beta["nodes"] if n["kind"] == "output"] == list(fake.BUTTONS)


def test_openapi_schema_lists_every_route(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/runs", "/api/runs/{run}/stats", "/api/runs/{run}/species",
                 "/api/runs/{run}/champions/{gen}", "/api/runs/{run}/champions/{gen}/layout"):
        assert path in paths


@pytest.mark.parametrize("url", [
    "/api/runs/..%2F..%2Fetc/stats",
    "/api/runs/..%2Falpha/stats",
    "/api/runs/%2Fetc%2Fpasswd/stats",
    "/api/runs/.hidden/stats",
    "/api/runs/alpha%2F..%2Falpha/stats",
    "/api/runs/outside/stats",
    "/api/runs/alpha/champions/..%2F..%2Fconfig.toml",
    "/api/runs/alpha/champions/3",
])
def test_paths_outside_the_runs_directory_are_never_read(
    client: TestClient, runs_dir: Path, url: str
) -> None:
    outside = runs_dir.parent / "secret"
    fake.write_run(runs_dir.parent, "secret", "fake-grid", 1)
    (runs_dir / "outside").symlink_to(outside)
    (runs_dir / "alpha" / "champions" / "gen-000003.json").symlink_to(
        outside / "champions" / "gen-000000.json")
    response = client.get(url)
    assert response.status_code in (400, 404, 422)
    assert "detail" in response.json()
    assert "outside" not in [r["name"] for r in client.get("/api/runs").json()]


@pytest.mark.parametrize("gen", ["-1", "1e3", "latest2", "0x10", "9999999999"])
def test_malformed_generations_are_rejected(client: TestClient, gen: str) -> None:
    assert client.get(f"/api/runs/alpha/champions/{gen}").status_code == 400


def _genome(hidden: list[int], links: list[tuple[int, int]], n_in: int = 2) -> Genome:
    ids = np.array(list(range(n_in + 1)) + hidden, dtype=np.int64)
    kinds = np.array([INPUT] * n_in + [OUTPUT] + [HIDDEN] * len(hidden), dtype=np.int8)
    m = len(links)
    return Genome(7, n_in, 1, ids, kinds, np.zeros(len(ids)), np.zeros(len(ids), dtype=np.int8),
                  np.arange(m, dtype=np.int64), np.array([s for s, _ in links], dtype=np.int64),
                  np.array([d for _, d in links], dtype=np.int64), np.linspace(-1, 1, m),
                  np.ones(m, dtype=np.bool_))


def test_layers_follow_the_longest_path_and_recurrent_links_are_marked() -> None:
    # 0 -> 3 -> 4 -> 2 and 1 -> 2; 4 -> 3 closes a loop and 4 -> 4 is a self-loop.
    genome = _genome([3, 4], [(0, 3), (3, 4), (4, 2), (1, 2), (4, 3), (4, 4), (0, 4)])
    layout = compute_layout(genome, ("a", "b"), ("out",))
    layer = {n["id"]: n["layer"] for n in layout["nodes"]}
    assert layer == {0: 0, 1: 0, 3: 1, 4: 2, 2: 3}
    recurrent = {(k["source"], k["target"]) for k in layout["links"] if k["recurrent"]}
    assert recurrent == {(4, 3), (4, 4)}
    x = {n["id"]: n["x"] for n in layout["nodes"]}
    assert x[0] == x[1] < x[3] < x[4] < x[2]
    assert [n["label"] for n in layout["nodes"]] == ["a", "b", "out", "3", "4"]


def _receive_until(ws, kind: str, limit: int = 50) -> dict:
    for _ in range(limit):
        message = ws.receive_json()
        if message["type"] == kind:
            return message
    raise AssertionError(f"no {kind} message in {limit} messages")


def _receive_each(ws, *kinds: str, limit: int = 50) -> list[dict]:
    """The first message of each kind, whatever order they arrive in."""
    found: dict[str, dict] = {}
    for _ in range(limit):
        message = ws.receive_json()
        found.setdefault(message["type"], message)
        if all(k in found for k in kinds):
            return [found[k] for k in kinds]
    raise AssertionError(f"missing {set(kinds) - set(found)} in {limit} messages")


def test_websocket_snapshot_replay_and_frame_pull(client: TestClient, runs_dir: Path) -> None:
    with client.websocket_connect("/ws") as ws:
        runs = _receive_until(ws, "runs")
        assert {r["name"] for r in runs["runs"]} == {"alpha", "beta"}
        ws.send_json({"type": "watch", "run": "alpha"})
        snapshot, replay = _receive_each(ws, "snapshot", "replay")  # in either order
        assert [r["generation"] for r in snapshot["stats"]] == [0, 1, 2]
        assert snapshot["champions"] == [0, 1, 2]
        assert (replay["generation"], replay["frames"], replay["error"]) == (2, 12, None)
        n_nodes = len(replay["layout"]["nodes"])
        indices, outputs = [], []
        for _ in range(3):
            ws.send_json({"type": "frames"})
            batch = _receive_until(ws, "frames")
            assert batch["count"] == 12 and len(batch["frames"]) == len(batch["indices"]) == 1
            frame = batch["frames"][0]
            indices += batch["indices"]
            outputs.append(frame["activations"][fake.N_INPUTS])
            assert len(frame["activations"]) == n_nodes
            assert frame["world"]["kind"] == "platformer"
        assert indices == [0, 1, 2]
        assert len(set(outputs)) > 1  # the activations change during the episode
        ws.send_json({"type": "select", "generation": 0})
        replay = _receive_until(ws, "replay")
        assert replay["generation"] == 0 and replay["following"] is False
        assert replay["episode"] == ["scored", 0, "the fake level"]
        assert replay["scored"] == ["the fake level"] and replay["episode_score"] == 12
        assert replay["test_episodes"] == ["the fake level, once more"] and replay["test"] is None
        ws.send_json({"type": "frames"})
        assert _receive_until(ws, "frames")["generation"] == 0
        ws.send_json({"type": "select", "generation": 0, "episode": ["test", 0]})
        replay = _receive_until(ws, "replay")
        assert replay["episode"] == ["test", 0, "the fake level, once more"]
        assert replay["frames"] == replay["episode_score"] == 13
        ws.send_json({"type": "frames"})
        assert _receive_until(ws, "frames")["episode"] == ["test", 0]
        ws.send_json({"type": "select", "generation": 0, "episode": ["training", 0]})
        assert "episode must be" in _receive_until(ws, "error")["message"]
        # A new generation arrives as appended stats rows.
        fake.append_generation(runs_dir / "alpha", 3, "fake-grid", 4, 10)
        stats = _receive_until(ws, "stats")
        assert stats["from"] == 3 and [r["generation"] for r in stats["rows"]] == [3]


def test_a_champion_arriving_while_a_replay_is_computed_waits_for_it(
        client: TestClient, runs_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Following a run whose champions come faster than their replays are computed (a rendered
    gym replay takes seconds), the page gets the replay being computed, and no other is started
    meanwhile: starting the newest each time, it would never get one."""
    from viewer.replay import ReplayStore

    computed: list[int] = []
    release = threading.Event()
    compute = ReplayStore._compute

    def slow_compute(self, run, generation, choice):
        computed.append(generation)
        assert release.wait(TIMEOUT_SECONDS)
        return compute(self, run, generation, choice)

    monkeypatch.setattr(ReplayStore, "_compute", slow_compute)
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "watch", "run": "alpha"})
        _receive_until(ws, "snapshot")
        fake.append_generation(runs_dir / "alpha", 3, "fake-grid", 4, 10)
        assert [r["generation"] for r in _receive_until(ws, "stats")["rows"]] == [3]
        ws.send_json({"type": "frames"})  # the session looks at the newest champion again
        ws.send_json({"type": "ping", "t": 1})
        _receive_until(ws, "pong")
        release.set()
        assert _receive_until(ws, "replay")["generation"] == 2
        assert computed == [2]


def test_frame_steps_skip_frames_and_always_show_the_last(client: TestClient) -> None:
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "watch", "run": "alpha"})
        assert _receive_until(ws, "replay")["frames"] == 12
        indices = []
        for _ in range(8):
            ws.send_json({"type": "frames", "step": 5})
            indices += _receive_until(ws, "frames")["indices"]
        assert indices == [0, 5, 10, 11, 0, 5, 10, 11]
        ws.send_json({"type": "frames", "step": 0})
        assert "step" in _receive_until(ws, "error")["message"]


def test_frame_batches_end_with_the_episode(client: TestClient) -> None:
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "watch", "run": "alpha"})
        assert _receive_until(ws, "replay")["frames"] == 12
        batches = []
        for _ in range(3):
            ws.send_json({"type": "frames", "step": 2, "count": 4})
            batch = _receive_until(ws, "frames")
            assert len(batch["frames"]) == len(batch["indices"])
            batches.append(batch["indices"])
        assert batches == [[0, 2, 4, 6], [8, 10, 11], [0, 2, 4, 6]]
        ws.send_json({"type": "frames", "count": 65})
        assert "count" in _receive_until(ws, "error")["message"]


@pytest.mark.parametrize("message", [
    "not json", "[1, 2]", '{"no": "type"}', '{"type": "explode"}',
    '{"type": "select", "generation": -4}', '{"type": "watch", "run": "../etc"}',
    '{"type": "watch", "run": 5}',
])
def test_malformed_messages_get_an_error_and_the_connection_stays_up(
    client: TestClient, message: str
) -> None:
    with client.websocket_connect("/ws") as ws:
        _receive_until(ws, "runs")
        ws.send_text(message)
        error = _receive_until(ws, "error")
        assert error["message"]
        ws.send_json({"type": "ping", "t": 42})
        assert _receive_until(ws, "pong")["t"] == 42


def test_server_heartbeat_and_silent_clients_are_dropped(runs_dir: Path) -> None:
    app = create_app(runs_dir, heartbeat_interval=0.05, heartbeat_timeout=0.4, **FAST)
    with TestClient(app, base_url=BASE_URL) as test_client, test_client.websocket_connect("/ws") as ws:
        ping = _receive_until(ws, "ping")
        ws.send_json({"type": "pong", "t": ping["t"]})
        with pytest.raises(WebSocketDisconnect):
            for _ in range(1000):
                ws.receive_json()


def test_a_stalled_client_does_not_block_another(runs_dir: Path) -> None:
    # Frames of a 2,000-node genome are ~20 kB each: enough to fill the socket buffers quickly.
    fake.write_run(runs_dir, "big", "fake-grid", 1, n_hidden=2000, n_connections=3000)
    with ViewerServer(runs_dir, send_timeout=2.0, **FAST) as server:
        stalled = _raw_websocket(server.port)
        _send_masked(stalled, json.dumps({"type": "watch", "run": "big"}))
        with connect(f"ws://127.0.0.1:{server.port}/ws") as healthy:
            healthy.send(json.dumps({"type": "watch", "run": "alpha"}))
            _receive_ws_until(healthy, "snapshot")
            request = json.dumps({"type": "frames"})
            for _ in range(1000):  # the stalled client keeps asking for frames, never reads them
                _send_masked(stalled, request)
                time.sleep(0.001)  # pace requests: back-to-back ones coalesce into one frame
            fake.append_generation(runs_dir / "alpha", 3, "fake-grid", 4, 10)
            started = time.monotonic()
            stats = _receive_ws_until(healthy, "stats")
            assert stats["rows"][0]["generation"] == 3
            assert time.monotonic() - started < 1.5
            # The server gives up on the stalled client once a send times out (2 s).
            watcher = server.app.state.viewer.watcher
            deadline = time.monotonic() + 10
            while watcher.subscribers > 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert watcher.subscribers == 1
        stalled.close()


def _raw_websocket(port: int) -> socket.socket:
    """A WebSocket client made by hand, with a tiny receive buffer, that we never read from."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.sendall(
        f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    response = b""
    while b"\r\n\r\n" not in response:
        response += sock.recv(1)
    assert b" 101 " in response.split(b"\r\n")[0]
    return sock


def _send_masked(sock: socket.socket, text: str) -> None:
    """One client->server text frame (payload < 126 bytes, masked as the protocol requires)."""
    payload, mask = text.encode(), b"\x01\x02\x03\x04"
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    sock.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + masked)


def _receive_ws_until(ws, kind: str, limit: int = 200) -> dict:
    for _ in range(limit):
        message = json.loads(ws.recv(timeout=5))
        if message["type"] == kind:
            return message
    raise AssertionError(f"no {kind} message in {limit} messages")


def test_viewer_server_reports_its_port_and_stops(runs_dir: Path) -> None:
    import httpx2

    server = ViewerServer(runs_dir, **FAST).start()
    try:
        assert server.port > 0
        assert httpx2.get(f"{server.url}/api/runs").status_code == 200
        assert "<svg" in httpx2.get(f"{server.url}/").text
    finally:
        server.stop()
    with pytest.raises(httpx2.ConnectError):
        httpx2.get(f"{server.url}/api/runs", timeout=1)


def _child_processes(module: str) -> list[int]:
    """Pids of this process's children running `python -m module`."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and module.encode() in command:
            found.append(int(stat.parent.name))
    return found


def test_the_viewer_child_process_runs_at_a_lower_priority(runs_dir: Path) -> None:
    import httpx2

    with ViewerServer(runs_dir, process=True, nice=7, **FAST) as server:
        assert httpx2.get(f"{server.url}/api/runs").status_code == 200
        [child] = _child_processes("viewer.child")
        assert os.getpriority(os.PRIO_PROCESS, child) == os.getpriority(os.PRIO_PROCESS, 0) + 7
        if hasattr(os, "SCHED_BATCH"):  # its wake-ups do not preempt evolution
            assert os.sched_getscheduler(child) == os.SCHED_BATCH
        group = Path(f"/proc/{child}/autogroup")
        if group.exists():  # its session's group yields to evolution's too
            assert group.read_text().split()[-2:] == ["nice", "7"]
    with pytest.raises(ValueError, match="from 0 to 19"):
        ViewerServer(runs_dir, process=True, nice=20)
    with pytest.raises(ValueError, match="process=True"):
        ViewerServer(runs_dir, nice=3)


def test_replay_frames_are_encoded_once_when_first_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    from fitness.task import Frame
    from viewer import replay

    encoded = []
    monkeypatch.setattr(replay, "encode_world", lambda world: encoded.append(world) or "{}")
    frames = replay.EncodedFrames([
        Frame([0.0], [0.123456, float("nan")], [np.float64(0.9)], {"t": t}, float("inf"))
        for t in range(100)
    ])
    assert len(frames) == 100 and encoded == []
    assert json.loads(frames[3]) == {"activations": [0.1235, 0.0], "action": [0.9], "world": {},
                                     "reward": 0.0}
    assert frames[3] == frames[3] and encoded == [{"t": 3}]


def test_replay_worlds_become_plain_json() -> None:
    from viewer.replay import encode_world

    world = {"tiles": np.arange(4).reshape(2, 2), "x": np.float32(1.5), "ok": np.bool_(True),
             "n": np.int64(3), "bad": float("nan")}
    assert json.loads(encode_world(world)) == {"tiles": [[0, 1], [2, 3]], "x": 1.5, "ok": True,
                                              "n": 3, "bad": 0.0}
    assert json.loads(encode_world({"x": np.float64(0.25), "v": [1, 2]})) == {"x": 0.25,
                                                                              "v": [1, 2]}


def test_the_run_list_shows_the_most_recently_updated_run_first(
    client: TestClient, runs_dir: Path
) -> None:
    fake.write_run(runs_dir, "zulu", "fake-grid", 1)
    for name, updated in (("alpha", 1.0e9), ("beta", 1.9e9), ("zulu", 1.8e9)):
        status = runs_dir / name / "status.json"
        status.write_text(json.dumps({**json.loads(status.read_text()), "updated": updated}))
    assert [r["name"] for r in client.get("/api/runs").json()] == ["beta", "zulu", "alpha"]
    with client.websocket_connect("/ws") as ws:
        runs = _receive_until(ws, "runs")["runs"]
        while [r["name"] for r in runs] != ["beta", "zulu", "alpha"]:  # the watcher catches up
            runs = _receive_until(ws, "runs")["runs"]


def test_watching_a_missing_run_names_it_and_sends_nothing_of_the_previous_run(
    client: TestClient,
) -> None:
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "watch", "run": "alpha"})
        _receive_each(ws, "snapshot", "replay")
        ws.send_json({"type": "watch", "run": "does-not-exist"})
        error = _receive_until(ws, "error")
        assert (error["context"], error["run"]) == ("watch", "does-not-exist")
        assert "no run named 'does-not-exist'" in error["message"]
        ws.send_json({"type": "frames"})
        ws.send_json({"type": "ping", "t": 1})
        message = ws.receive_json()  # frames of alpha would come before the pong
        assert message["type"] == "pong", message


def test_a_run_deleted_while_watched_is_reported_once(client: TestClient, runs_dir: Path) -> None:
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "watch", "run": "alpha"})
        _receive_each(ws, "snapshot", "replay")
        # gone at once (an rmtree seen half-way by the watcher still lists the run)
        (runs_dir / "alpha").rename(runs_dir.parent / "alpha-deleted")
        error, runs = _receive_each(ws, "error", "runs")
        assert (error["context"], error["run"]) == ("watch", "alpha")
        assert [r["name"] for r in runs["runs"]] == ["beta"]
        fake.write_run(runs_dir, "gamma", "fake-grid", 1)  # another change: no second error
        while [r["name"] for r in runs["runs"]] != ["gamma", "beta"]:  # newest first
            runs = ws.receive_json()
            while runs["type"] == "ping":  # the server's keep-alive may come at any time
                runs = ws.receive_json()
            assert runs["type"] == "runs", runs
