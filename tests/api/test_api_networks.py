"""The API's ``network`` parameter: a stored network (``hazatlas network build``) for the
river scenario and the screening of a site; never a file of the server."""

from __future__ import annotations

import pytest

from hazatlas.domain.access import SYSTEM
from hazatlas.formats.network_files import write_hydrorivers
from hazatlas.geo.network_synthetic import hydrorivers_columns, synthetic_network
from hazatlas.services import networks

from .conftest import auth

RIVER = {"at": [20.15, 46.25], "mass_kg": 1000.0, "start": "2000-02-10T00:00:00", "days": 5}


@pytest.fixture(scope="module")
def gpkg(tmp_path_factory):
    table = synthetic_network(1_500, seed=5, bbox=(18.0, 42.0, 30.5, 47.6))
    path = tmp_path_factory.mktemp("net") / "danube_hydrorivers.gpkg"
    write_hydrorivers(path, hydrorivers_columns(table), table)
    return path


def test_river_scenario_and_screening_on_a_stored_network(client, db, gpkg):
    networks.build_network(db, SYSTEM, gpkg, "danube")
    r = client.post("/api/scenarios/river", json={**RIVER, "network": "danube"},
                    headers=auth(client, "rs"))  # fmt: skip
    assert r.status_code == 200, r.text
    doc = r.json()
    assert "network:danube (danube_hydrorivers.gpkg)" in [d["file"] for d in doc["provenance"]["data"]]
    stored = client.get(f"/api/scenarios/{doc['scenario_id']}", headers=auth(client, "rs")).json()
    assert stored["parameters"]["network"] == "danube"
    plain = client.post("/api/scenarios/river", json=RIVER, headers=auth(client, "rs")).json()
    assert "network" not in client.get(f"/api/scenarios/{plain['scenario_id']}",
                                       headers=auth(client, "rs")).json()["parameters"]  # fmt: skip
    s = client.get("/api/establishments/RS-PANCEVO-HIP/screening", params={"network": "danube"},
                   headers=auth(client, "rs"))  # fmt: skip
    assert s.status_code == 200, s.text
    assert s.json()["reach_id"] >= 20_000_001
    assert [d["country"] for d in s.json()["downstream"]][:1] == ["ROU"]


@pytest.mark.parametrize("name", ["nothing", "/etc/hostname", "../../pyproject.toml"])
def test_unknown_network_is_404_and_no_file_is_read(client, name):
    r = client.post("/api/scenarios/river", json={**RIVER, "network": name},
                    headers=auth(client, "rs"))  # fmt: skip
    assert r.status_code == 404, r.text
    s = client.get("/api/establishments/RS-PANCEVO-HIP/screening", params={"network": name})
    assert s.status_code == 404, s.text


def test_the_scenario_page_draws_a_run_on_the_network_it_was_made_on(client, db, gpkg, tmp_path):
    """A river run on a stored network is drawn with that network's reaches (not with bundled
    reaches that may share the ids); once the network is rebuilt from another file, the reaches
    are not drawn and the page says why."""
    from hazatlas.services import scenarios
    from hazatlas.web.scenarios import drawing, view

    networks.build_network(db, SYSTEM, gpkg, "danube", replace=True)
    doc = client.post("/api/scenarios/river", json={**RIVER, "network": "danube"},
                      headers=auth(client, "rs")).json()  # fmt: skip
    stored = scenarios.get(db, SYSTEM, doc["scenario_id"])
    net, note = view.network_of(db, stored)
    assert note is None and net is not None
    reaches = [f for f in view.scenario_view(SYSTEM, stored, {}, str, db)["layers"]["features"]
               if f["properties"]["role"] == "reach"]  # fmt: skip
    assert len(reaches) == len(doc["profile"]) > 1
    for f, p in list(zip(reaches, doc["profile"], strict=True))[1:]:
        end = net.geometry[net.index_of(int(p["reach_id"]))].coords[-1]
        assert f["geometry"]["coordinates"][-1] == [round(end[0], 5), round(end[1], 5)]
    # the bundled network has none of these reaches: drawn on it, the run lost its river
    assert not [f for f in drawing.river_layers(doc)["features"] if f["properties"]["role"] == "reach"]

    other = tmp_path / "other_hydrorivers.gpkg"
    table = synthetic_network(300, seed=9, bbox=(18.0, 42.0, 30.5, 47.6))
    write_hydrorivers(other, hydrorivers_columns(table), table)
    networks.build_network(db, SYSTEM, other, "danube", replace=True)
    net, note = view.network_of(db, stored)
    assert net is None and note is not None and "rebuilt" in note
    values = view.scenario_view(SYSTEM, stored, {}, str, db)
    assert values["network_note"] == note
    assert [f["properties"]["role"] for f in values["layers"]["features"]] == ["release"]
    page = client.get(f"/scenarios/{doc['scenario_id']}")
    if page.status_code == 200:  # anonymous readers see runs not tied to a site
        assert 'id="network-note"' in page.text and "rebuilt" in page.text
    networks.build_network(db, SYSTEM, gpkg, "danube", replace=True)
