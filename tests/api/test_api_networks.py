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
