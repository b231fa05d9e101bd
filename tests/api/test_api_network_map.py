"""The web map's stored river networks: ``GET /api/map/networks`` and
``GET /api/map/networks/{name}`` (reaches of the view, largest discharge first, capped), and
the map page's network choice."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from hazatlas.domain.access import SYSTEM
from hazatlas.formats.network_files import write_hydrorivers
from hazatlas.geo.network_synthetic import hydrorivers_columns, synthetic_network
from hazatlas.services import network_map, networks

BOX = (20.0, 44.0, 23.0, 46.0)


@pytest.fixture(scope="module")
def gpkg(tmp_path_factory):
    table = synthetic_network(1_500, seed=5, bbox=(18.0, 42.0, 30.5, 47.6))
    path = tmp_path_factory.mktemp("net") / "danube_hydrorivers.gpkg"
    write_hydrorivers(path, hydrorivers_columns(table), table)
    return path


@pytest.fixture
def stored(db, gpkg):
    networks.build_network(db, SYSTEM, gpkg, "danube", basin="Danube", replace=True)
    return networks.load_network(db, "danube")


def test_networks_are_listed(client, stored):
    r = client.get("/api/map/networks")
    assert r.status_code == 200
    assert r.json() == [{"name": "danube", "basin": "Danube", "reaches": len(stored)}]


def test_reaches_of_the_view_largest_discharge_first(client, stored):
    r = client.get("/api/map/networks/danube", params={"zoom": 8, "bbox": ",".join(map(str, BOX))})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/geo+json")
    doc = r.json()
    # the reaches whose line's bounding box meets the view, counted independently
    lines = np.array(stored.geometry, dtype=object)
    meets = shapely.intersects(shapely.envelope(lines), shapely.box(*BOX))
    assert doc["numberMatched"] == int(meets.sum()) > 50
    assert doc["numberReturned"] == len(doc["features"]) == doc["numberMatched"]
    assert doc["truncated"] is False
    ids = {int(stored.reach_id[i]) for i in np.flatnonzero(meets)}
    assert {f["properties"]["reach_id"] for f in doc["features"]} == ids
    q = [f["properties"]["discharge_m3_s"] for f in doc["features"]]
    assert q == sorted(q, reverse=True) and q[0] > q[-1]
    assert all(f["geometry"]["type"] == "LineString" and len(f["geometry"]["coordinates"]) >= 2
               for f in doc["features"])  # fmt: skip


def test_answer_is_capped_to_the_largest_rivers(client, stored, monkeypatch):
    monkeypatch.setattr(network_map, "MAX_REACHES", 25)
    doc = client.get("/api/map/networks/danube", params={"zoom": 5}).json()
    assert doc["numberMatched"] == len(stored) and doc["numberReturned"] == 25
    assert doc["truncated"] is True
    q = np.asarray(stored.discharge("mean"))
    top = set(np.sort(q)[::-1][:25].round(3).tolist())
    assert {f["properties"]["discharge_m3_s"] for f in doc["features"]} <= top


def test_empty_view_unknown_network_and_bad_box(client, stored):
    doc = client.get("/api/map/networks/danube", params={"bbox": "0,0,1,1"}).json()
    assert doc["numberMatched"] == 0 and doc["features"] == []
    assert client.get("/api/map/networks/nothing").status_code == 404
    assert client.get("/api/map/networks/danube", params={"bbox": "1,2,3"}).status_code == 422


def test_map_page_offers_the_networks(client, stored):
    page = client.get("/map", params={"network": "danube"}).text
    assert 'id="f-network"' in page and '<option value="danube" selected>' in page
    assert "/static/map_network.js" in page
    bad = client.get("/map", params={"network": "nope"}).text
    assert "nope" in bad and "is not a stored river network" in bad
