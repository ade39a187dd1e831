"""Shared pieces of the browser tests: Debian's chromium driven by Playwright, and page opening."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

needs_chromium = pytest.mark.skipif(not shutil.which(CHROMIUM),
                                    reason="Debian chromium not installed (make test installs it)")


def launch_chromium() -> Iterator:
    """A headless chromium for one test module (a generator for a fixture)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def open_page(browser, url: str, timeout_ms: int, on_websocket: Callable | None = None):
    """A new 1500x1000 page at `url`, and the list its uncaught errors are collected in;
    `on_websocket(ws)` is called for each WebSocket the page opens."""
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    page.set_default_timeout(timeout_ms)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    if on_websocket is not None:
        page.on("websocket", on_websocket)
    page.goto(url)
    return page, errors
