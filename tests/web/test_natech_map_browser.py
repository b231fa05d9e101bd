"""The map's Natech layer in headless Chromium against the demo (``hazatlas demo``), with the
demo flood proxy layers (``hazatlas natech demo-layers``) in the server's
HAZATLAS_HAZARD_LAYERS_DIR and a public damage event recorded with ``hazatlas damage add``:
the manifest offered, sites coloured by their screening, the damaged site ringed with its
popup; no request leaves 127.0.0.1 (``open_page``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import screenshot, start_demo

pytestmark = pytest.mark.browser

DAMAGED = "RS-BOR-VK"  # a Serbian record of the demo register


def _hazatlas(*args: str) -> str:
    exe = str(Path(sys.executable).with_name("hazatlas"))
    done = subprocess.run([exe, *args], text=True, capture_output=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def natech_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("natech")
    db = folder / "demo.sqlite"
    _hazatlas("demo", "--no-serve", "--db", str(db))
    _hazatlas("natech", "demo-layers", str(folder / "layers"), "--bbox", "19,43.5,23,46",
              "--return-period", "100")
    _hazatlas("damage", "add", "--establishment", DAMAGED, "--date", "2024-05-01", "--cause",
              "accident", "--extent", "severe", "--source", "browser test (not a real event)",
              "--reliability", "unverified", "--public", "--db", str(db))
    proc, url = start_demo(db, env={"HAZATLAS_HAZARD_LAYERS_DIR": str(folder / "layers")})
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_natech_layer(natech_server, open_page):
    page = open_page(natech_server + "/map?z=8&lat=44.6&lon=21.0")
    page.wait_for_function("document.getElementById('natech-layers').dataset.ready === '1'")
    assert page.locator("#natech-layers").input_value() == "layers"
    page.check("#natech-on")
    page.wait_for_function("Number(document.getElementById('map').dataset.natechLoads || 0) >= 1",
                           timeout=60_000)
    sites = int(page.locator("#map").get_attribute("data-natech-sites"))
    assert sites > 0
    assert int(page.locator("#map").get_attribute("data-natech-damaged")) == 1
    assert page.locator("#map path.natech-marker").count() == sites
    classes = " ".join(m.get_attribute("class") for m in page.locator("#map path.natech-marker").all())
    assert "natech-exposed" in classes or "natech-release-expected" in classes
    assert "natech-not-exposed" in classes
    assert page.locator("#natech-legend li").count() == 5
    assert "1 with damage events" in page.locator("#natech-status").inner_text()
    page.locator("#map path.natech-damaged").click(force=True)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "severe (unassessed)" in popup.inner_text()
    assert popup.locator("a").get_attribute("href") == f"/sites/{DAMAGED}"
    screenshot(page, "map-natech")
    # without a manifest: the damaged site only
    page.select_option("#natech-layers", "")
    page.wait_for_function("Number(document.getElementById('map').dataset.natechLoads) >= 2",
                           timeout=60_000)
    assert page.locator("#map path.natech-marker").count() == 1
