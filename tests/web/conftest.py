"""The browser test harness: the app as a user starts it (``hazatlas demo`` in a subprocess, on
127.0.0.1) and Debian's Chromium driven by Playwright with ``executable_path``.

Every page opened through :func:`open_page` records its requests; a test fails if any request
leaves 127.0.0.1 (no CDN, no tiles, no fonts from the internet). Screenshots go to
``HAZATLAS_SCREENSHOTS`` (default ``tests/web/screenshots/``, not committed).

The HTTP tests of the pages (``TestClient`` against the app in-process) share
:func:`client_of` (a client signed in as a user whose password is :data:`PASSWORD`) and
:func:`csrf` (the CSRF token of a page's forms).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

CHROMIUM = os.environ.get("HAZATLAS_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SCREENSHOTS = Path(os.environ.get("HAZATLAS_SCREENSHOTS", Path(__file__).parent / "screenshots"))
# The flags of issue 13: nothing in the background that would reach the internet.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
LOCAL_HOSTS = {"127.0.0.1"}
LOCAL_SCHEMES = {"data", "blob", "about"}
#: the password the HTTP tests give the users they create
PASSWORD = "correct horse battery staple"


def client_of(app, username: str | None) -> TestClient:
    """A client of ``app``, signed in as ``username`` (password :data:`PASSWORD`) unless None."""
    c = TestClient(app)
    if username:
        r = c.post("/login", data={"username": username, "password": PASSWORD,
                                   "csrf_token": csrf(c, "/login")}, follow_redirects=False)
        assert r.status_code == 303, r.text[:300]
    return c


def csrf(client: TestClient, path: str) -> str:
    """The CSRF token in the forms of the page at ``path`` (the session's)."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found
    return found.group(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_demo(db: Path, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """``hazatlas demo`` on a free port; (process, base URL) once ``/api/health`` answers."""
    port = free_port()
    exe = Path(sys.executable).with_name("hazatlas")
    log = (db.parent / "server.log").open("wb")
    proc = subprocess.Popen([str(exe), "demo", "--db", str(db), "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "HAZATLAS_DATABASE_URL": "", **(env or {})})
    log.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"hazatlas demo exited: {(db.parent / 'server.log').read_text()}")
        try:
            if httpx.get(url + "/api/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.terminate()
    pytest.fail("hazatlas demo did not start serving within 120 s")


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory):
    proc, url = start_demo(tmp_path_factory.mktemp("demo") / "demo.sqlite")
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def require_chromium() -> None:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        if IN_CI:
            pytest.fail(f"Chromium is required under CI but {CHROMIUM} is missing")
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture(scope="module")
def chromium():
    """Headless Chromium (a fresh temporary profile per launch, as Playwright starts it).

    Module-scoped: Playwright's sync API runs an event loop while it is open, which would make
    ``asyncio.run`` fail in any test that runs after it in the same session."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def foreign(url: str) -> bool:
    """Whether a request to ``url`` leaves this machine's loopback address."""
    parts = urlsplit(url)
    return parts.scheme not in LOCAL_SCHEMES and parts.hostname not in LOCAL_HOSTS


@pytest.fixture
def open_page(chromium):
    """``open_page(url)``: a new page at ``url`` whose requests are recorded; the test fails
    at teardown if any went to a host other than 127.0.0.1."""
    contexts = []
    requested: list[str] = []

    def _open(url: str, **context_args):
        context = chromium.new_context(viewport={"width": 1280, "height": 800}, **context_args)
        contexts.append(context)
        page = context.new_page()
        page.on("request", lambda r: requested.append(r.url))
        page.goto(url)
        return page

    yield _open
    for c in contexts:
        c.close()
    outside = [u for u in requested if foreign(u)]
    assert requested, "no request was recorded"
    assert not outside, f"requests left 127.0.0.1: {outside}"


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    print(f"screenshot: {path}")
    return path
