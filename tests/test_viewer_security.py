"""Who may use the viewer: Host header, WebSocket Origin and token rules (viewer/security.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import viewer_fake_run as fake
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from viewer import create_app
from viewer.security import choose_token, exposure_warning, is_loopback, page_url

PORT = 8000
BASE_URL = f"http://127.0.0.1:{PORT}"
WS_URL = f"ws://127.0.0.1:{PORT}/ws"  # TestClient's websocket_connect ignores base_url
FAST = {"poll_interval": 0.05}


@pytest.fixture
def runs_dir(tmp_path: Path) -> Path:
    runs = tmp_path / "runs"
    runs.mkdir()
    fake.write_run(runs, "alpha", "fake-grid", 2)
    return runs


@pytest.fixture
def client(runs_dir: Path):
    with TestClient(create_app(runs_dir, **FAST), base_url=BASE_URL) as test_client:
        yield test_client


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost:8000", "LocalHost:8000",
                                  "[::1]:8000"])
def test_loopback_names_with_the_served_port_are_served(client: TestClient, host: str) -> None:
    assert client.get("/api/runs", headers={"host": host}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1:8001",
                                  "127.0.0.1", "localhost.evil.example:8000", "127.0.0.1:80:80",
                                  "0.0.0.0:8000", ""])
@pytest.mark.parametrize("path", ["/", "/api/runs", "/api/runs/alpha/stats", "/openapi.json",
                                  "/docs", "/js/main.js"])
def test_a_wrong_host_header_is_refused(client: TestClient, host: str, path: str) -> None:
    response = client.get(path, headers={"host": host})
    assert response.status_code == 403
    assert "Host" in response.json()["detail"]


def test_a_wrong_host_header_cannot_open_the_websocket(client: TestClient) -> None:
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(
            WS_URL, headers={"host": "evil.example:8000"}):
        pass
    assert refused.value.code == 1008


@pytest.mark.parametrize("origin", ["http://evil.example", "http://127.0.0.1:8001",
                                    "http://localhost:8000", "https://127.0.0.1:9000", "null",
                                    "file://"])
def test_the_websocket_refuses_other_origins(client: TestClient, origin: str) -> None:
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(
            WS_URL, headers={"origin": origin}):
        pass
    assert refused.value.code == 1008


@pytest.mark.parametrize("headers", [{"origin": BASE_URL}, {}], ids=["same-origin", "no-origin"])
def test_the_websocket_accepts_its_own_origin_and_clients_without_one(
    client: TestClient, headers: dict[str, str]
) -> None:
    with client.websocket_connect(WS_URL, headers=headers) as ws:
        assert ws.receive_json()["type"] == "runs"


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "", "192.0.2.7", "[2001:db8::1]"])
def test_listening_beyond_loopback_needs_a_token_and_warns(host: str) -> None:
    assert not is_loopback(host)
    token = choose_token(host, None)
    assert token and len(token) >= 24 and choose_token(host, None) != token
    assert "token" in exposure_warning(host)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"])
def test_loopback_needs_no_token_unless_given(host: str) -> None:
    assert is_loopback(host)
    assert choose_token(host, None) is None
    assert choose_token(host, "mine") == "mine"
    assert exposure_warning(host) is None


def test_the_page_address_carries_the_token_and_the_run() -> None:
    assert page_url("127.0.0.1", 8000, None) == "http://127.0.0.1:8000/"
    assert page_url("0.0.0.0", 8000, "a b", "run-1") == "http://127.0.0.1:8000/?token=a+b#/run/run-1"
    assert page_url("::", 80, None) == "http://[::1]:80/"


@pytest.fixture
def guarded(runs_dir: Path):
    """The viewer as it runs when listening on every interface (its token generated)."""
    token = choose_token("0.0.0.0", None)
    app = create_app(runs_dir, host="0.0.0.0", token=token, **FAST)
    with TestClient(app, base_url=BASE_URL, follow_redirects=False) as test_client:
        yield test_client, token


def test_off_loopback_every_request_needs_the_token(guarded) -> None:
    client, token = guarded
    for path in ("/", "/api/runs", "/js/main.js", "/docs", "/openapi.json"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "token" in response.json()["detail"]
    assert client.get("/api/runs", params={"token": token[:-1]}).status_code == 403
    assert client.get("/api/runs", params={"token": token}).status_code == 200
    assert client.get("/api/runs", headers={"authorization": f"token {token}"}).status_code == 200
    assert client.get("/api/runs", headers={"authorization": f"Bearer {token}"}).status_code == 200
    with pytest.raises(WebSocketDisconnect), client.websocket_connect(WS_URL):
        pass
    with client.websocket_connect(f"{WS_URL}?token={token}") as ws:
        assert ws.receive_json()["type"] == "runs"


def test_the_token_in_the_page_address_becomes_a_cookie(guarded) -> None:
    client, token = guarded
    response = client.get("/", params={"token": token})
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert f"neat-viewer-token-{PORT}={token}" in cookie
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert client.get("/").status_code == 200  # the client now sends the cookie
    assert client.get("/api/runs").status_code == 200
    with client.websocket_connect(WS_URL) as ws:
        assert ws.receive_json()["type"] == "runs"


def test_a_wrong_host_is_refused_off_loopback_even_with_the_token(guarded) -> None:
    client, token = guarded
    response = client.get("/api/runs", params={"token": token}, headers={"host": "evil.example:8000"})
    assert response.status_code == 403


def test_docs_work_offline(client: TestClient) -> None:
    page = client.get("/docs").text
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page)
    assert assets and all(a.startswith("/") or a.startswith("data:") for a in assets), assets
    assert not re.search(r"https?://", page)
    for asset in assets:
        if asset.startswith("/"):
            assert client.get(asset).status_code == 200, asset


def test_view_command_prints_the_token_address_and_requires_the_token(runs_dir: Path) -> None:
    import httpx2

    process = subprocess.Popen([sys.executable, "-m", "neat", "view", str(runs_dir), "--port", "0",
                                "--token", "s3cret"], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)/\?token=s3cret ", line)
        assert match, line
        assert httpx2.get(f"{match.group(1)}/api/runs", timeout=10).status_code == 403
        response = httpx2.get(f"{match.group(1)}/api/runs", params={"token": "s3cret"}, timeout=10)
        assert [r["name"] for r in response.json()] == ["alpha"]
    finally:
        process.terminate()
        process.wait(timeout=10)
