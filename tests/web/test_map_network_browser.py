"""A stored river network on the map page, in headless Chromium against ``hazatlas demo``: the
network picked in the form replaces the bundled rivers with its reaches of the view (fetched
for the view and zoom, never the whole network), the choice is kept in the URL, and the
bundled rivers come back when it is unset."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from hazatlas.domain.access import SYSTEM
from hazatlas.formats.network_files import write_hydrorivers
from hazatlas.geo.network_synthetic import hydrorivers_columns, synthetic_network
from hazatlas.services import networks
from hazatlas.services.store import open_database

from .conftest import screenshot, start_demo

NAME = "danube-test"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("network-map")
    proc, url = start_demo(folder / "demo.sqlite")
    try:
        table = synthetic_network(1_500, seed=5, bbox=(18.0, 42.0, 30.5, 47.6))
        gpkg = folder / "danube_hydrorivers.gpkg"
        write_hydrorivers(gpkg, hydrorivers_columns(table), table)
        db = open_database(f"sqlite:///{folder / 'demo.sqlite'}")
        networks.build_network(db, SYSTEM, gpkg, NAME, basin="Danube")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _reaches(page, more_than: int = 0) -> int:
    page.wait_for_function(
        f"Number(document.getElementById('map').dataset.networkReaches || -1) > {more_than}")
    return int(page.locator("#map").get_attribute("data-network-reaches"))


def _rivers_shown(page) -> bool:
    return page.evaluate("window.hazatlasMap.getPane('base-rivers').style.display") != "none"


def test_stored_network_on_the_map(server, open_page, chromium):
    page = open_page(server + "/map?z=6&lat=45.0&lon=22.0")
    assert page.locator("#f-network option").all_inner_texts() == [
        "bundled (Natural Earth)", f"{NAME} (Danube)"]
    assert _rivers_shown(page)
    with page.expect_response(lambda r: f"/api/map/networks/{NAME}?" in r.url) as first:
        page.select_option("#f-network", NAME)
    doc = first.value.json()
    drawn = _reaches(page)
    assert drawn == doc["numberReturned"] > 20 and not _rivers_shown(page)
    assert NAME in page.locator("#network-status").inner_text()
    assert parse_qs(urlsplit(page.url).query)["network"] == [NAME]
    # what was asked: the page's zoom and view, not the whole network
    query = parse_qs(urlsplit(first.value.url).query)
    assert query["zoom"] == ["6"]
    w, s, e, n = map(float, query["bbox"][0].split(","))
    assert w < 22.0 < e and s < 45.0 < n and e - w < 40
    api = httpx.get(first.value.url).json()
    assert api["numberMatched"] == doc["numberMatched"]
    screenshot(page, "map-network")
    # zoomed in: a new answer for the smaller view
    with page.expect_response(lambda r: f"/api/map/networks/{NAME}?zoom=8" in r.url) as closer:
        page.evaluate("() => { window.hazatlasMap.setZoom(8); }")
    assert closer.value.json()["numberMatched"] < doc["numberMatched"]
    # the shared link opens with the network drawn
    again = open_page(page.url)
    assert again.locator("#f-network").input_value() == NAME
    assert _reaches(again) > 0 and not _rivers_shown(again)
    # back to the bundled rivers
    again.select_option("#f-network", "")
    again.wait_for_function("!document.getElementById('map').dataset.networkReaches")
    assert _rivers_shown(again) and "network" not in parse_qs(urlsplit(again.url).query)


def test_unknown_network_in_the_link_is_named(server, open_page):
    page = open_page(server + "/map?network=nothing-here")
    assert "nothing-here" in page.locator("#filter-errors").inner_text()
    assert page.locator("#f-network").input_value() == ""
