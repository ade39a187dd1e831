"""The viewer in chromium against other web pages: a page from another origin cannot read /ws, the
viewer's own page can, the token travels from the printed address to the API and the WebSocket,
and /docs works with every request beyond the viewer blocked."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import viewer_fake_run as fake

from fitness import registry
from tests.browser import needs_chromium, open_page
from viewer import ViewerServer

pytest.importorskip("playwright.sync_api")

pytestmark = needs_chromium

TIMEOUT_MS = 15_000
# Opens the viewer's WebSocket and records what happens: every message's type, errors, the close.
PROBE = """<!doctype html><script>
window.probe = {messages: [], error: false, closed: null, opened: false};
const ws = new WebSocket("ws://127.0.0.1:%d/ws");
ws.onopen = () => { probe.opened = true; ws.send(JSON.stringify({type: "watch", run: "alpha"})); };
ws.onmessage = (e) => probe.messages.push(JSON.parse(e.data).type);
ws.onerror = () => { probe.error = true; };
ws.onclose = (e) => { probe.closed = e.code; };
</script>"""


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory: pytest.TempPathFactory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(registry.TASKS, "fake-grid", f"{fake.__name__}:make_task")
        runs = tmp_path_factory.mktemp("runs")
        fake.write_run(runs, "alpha", "fake-grid", 3, options={"steps": 50})
        yield runs


@pytest.fixture
def foreign_site(server: ViewerServer) -> Iterator[str]:
    """Another web site on this machine (another port), serving the probe page."""
    page = (PROBE % server.port).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    site = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{site.server_address[1]}/"
    finally:
        site.shutdown()
        site.server_close()


def test_a_page_from_another_origin_cannot_read_the_websocket(foreign_site: str, browser) -> None:
    page, errors = open_page(browser, foreign_site, TIMEOUT_MS)
    page.wait_for_function("window.probe.closed !== null")
    probe = page.evaluate("window.probe")
    assert probe["opened"] is False and probe["messages"] == []
    assert probe["error"] is True and probe["closed"] == 1006  # the handshake was refused
    assert errors == []
    page.close()


def test_the_viewer_page_itself_can(server: ViewerServer, browser) -> None:
    page, errors = open_page(browser, server.url + "/api/runs", TIMEOUT_MS)  # no script of its own
    page.set_content(PROBE % server.port)  # keeps the document's origin: the viewer's
    page.wait_for_function("window.probe.messages.includes('snapshot')")
    assert page.evaluate("window.probe.opened") is True
    assert errors == []
    page.close()


def test_the_token_goes_from_the_address_to_the_api_and_the_websocket(runs_dir: Path,
                                                                       browser) -> None:
    with ViewerServer(runs_dir, token="let-me-in", poll_interval=0.1) as guarded:
        page, errors = open_page(browser, f"{guarded.url}/#/run/alpha", TIMEOUT_MS)
        assert "needs its token" in page.inner_text("body")  # no token: nothing but the refusal
        page.goto(guarded.page_url("alpha"))
        page.wait_for_selector("#brain .nodes [data-node-id]", state="attached")
        assert page.url == f"{guarded.url}/#/run/alpha"  # the token left the address bar
        assert page.locator("[data-testid=disconnected]").is_hidden()
        status = page.evaluate("fetch('/api/runs').then((r) => r.status)")
        assert status == 200  # the cookie carries it
        assert errors == []
        page.close()


def test_docs_work_with_everything_beyond_the_viewer_blocked(server: ViewerServer,
                                                             browser) -> None:
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    outside: list[str] = []

    def only_the_viewer(route) -> None:
        if route.request.url.startswith(server.url + "/"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_viewer)
    page.goto(f"{server.url}/docs")
    page.wait_for_selector(".opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/runs/{run}/stats" in [p.replace("\u200b", "") for p in paths]
    assert outside == []
    page.close()
