"""A real HTTP server for the app on loopback and a headless Chromium (Debian's package) driven by Playwright.

Without /usr/bin/chromium the browser fixture skips with a reason; under SURVEY_REQUIRE_SERVICES=1 that skip fails.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("SURVEY_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Without the background-networking switches Chromium tries to reach Google's hosts, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


class LiveServer:
    """The app served by werkzeug on 127.0.0.1 on a free port, in a background thread."""

    def __init__(self, app: Flask) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    """The test's app on a real loopback server (BASE_URL is set to its address)."""
    with LiveServer(app) as server:
        app.config["BASE_URL"] = server.url
        yield server


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """A headless Chromium browser (Playwright); skips when Chromium is not installed."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (Debian package 'chromium')")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone_page(chromium: Any) -> Iterator[Any]:
    """A page in a fresh context at a 360×740 phone viewport."""
    context = chromium.new_context(
        viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desktop_page(chromium: Any) -> Iterator[Any]:
    """A page in a fresh context at a 1280×900 desktop viewport."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()
