"""The demo as a user runs it: `hazatlas demo` in a subprocess, then the page in headless
Chromium (Debian's package, driven by Playwright with ``executable_path``)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

CHROMIUM = os.environ.get("HAZATLAS_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    db = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    port = _free_port()
    exe = Path(sys.executable).with_name("hazatlas")
    log = (db.parent / "server.log").open("wb")
    proc = subprocess.Popen([str(exe), "demo", "--db", str(db), "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "HAZATLAS_DATABASE_URL": ""})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"hazatlas demo exited: {(db.parent / 'server.log').read_text()}")
            try:
                if httpx.get(url + "/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            pytest.fail("hazatlas demo did not start serving within 120 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def test_demo_serves_the_register(demo_server):
    body = httpx.get(demo_server + "/api/establishments", params={"limit": 1000}).json()
    assert body["numberMatched"] >= 40
    countries = {f["properties"]["country_iso3"] for f in body["features"]}
    assert {"ROU", "SRB", "UKR", "KGZ", "UZB"} <= countries
    assert any(f["properties"]["kind"] == "tailings" for f in body["features"])


def test_root_page_in_chromium(demo_server):
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        if IN_CI:
            pytest.fail(f"Chromium is required under CI but {CHROMIUM} is missing")
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page()
        page.goto(demo_server + "/register")
        rows = page.locator("#register tbody tr")
        n_all = rows.count()
        assert n_all >= 40
        assert page.locator("footer").inner_text().startswith("Made with Natural Earth")
        page.fill("input[name=country]", "KGZ")
        page.select_option("select[name=kind]", "tailings")
        page.click("button[type=submit]")
        page.wait_for_url("**country=KGZ**")
        kinds = page.locator("#register tbody tr td:nth-child(3)").all_inner_texts()
        assert kinds and set(kinds) == {"tailings"}
        assert "Kyrgyzstan" in page.locator("#summary").inner_text()
        assert rows.count() < n_all
        browser.close()
