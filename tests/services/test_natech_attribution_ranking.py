"""Layer attribution in the other answers that use hazard layers: the THI inputs of the
accident ranking (``ranking(layers=...)``) and the Natech map layer (``GET /api/map/natech``).
Sites and rasters of tests/damage/test_damage_effect.py, with the earthquake layer made
non-commercial and user-supplied here."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.damage.test_damage_effect import filled, folder  # noqa: F401

from hazatlas.api.app import create_app
from hazatlas.domain.access import SYSTEM
from hazatlas.services import ranking
from hazatlas.services.settings import Settings


@pytest.fixture
def nc_folder(folder):  # noqa: F811
    path = folder / "layers.toml"
    text = path.read_text(encoding="utf-8")
    head, quake = text.split('[[layer]]\nid = "pga475"', 1)
    quake = quake.replace('licence = "CC0"', 'licence = "CC BY-NC-SA 4.0"\nuser_supplied = true')
    path.write_text(head + '[[layer]]\nid = "pga475"' + quake, encoding="utf-8")
    return folder


def test_thi_inputs_name_their_layers(filled, nc_folder):  # noqa: F811
    rows = {r["establishment_id"]: r for r in
            ranking.ranking(filled, SYSTEM, layers=nc_folder / "layers.toml")}
    inputs = rows["RS-DAM"]["thi_inputs"]
    assert inputs["layer_ids"] == ["flood100", "pga475"]
    assert inputs["attribution"] == ["built in the test (licence CC0)",
                                     "built in the test (licence CC BY-NC-SA 4.0)"]
    (notice,) = inputs["licence_notice"]
    assert "pga475" in notice and "non-commercial" in notice and "user-supplied" in notice
    only_flood = {r["establishment_id"]: r for r in
                  ranking.ranking(filled, SYSTEM, layers=nc_folder / "flood.toml")}
    assert only_flood["RS-DAM"]["thi_inputs"]["licence_notice"] is None


def test_map_layer_carries_attribution(filled, nc_folder):  # noqa: F811
    app = create_app(Settings(database_url=filled.url, hazard_layers_dir=str(nc_folder)), filled)
    with TestClient(app) as c:
        doc = c.get("/api/map/natech", params={"layers": "layers", "bbox": "19,43,23,47"}).json()
    by_id = {la["id"]: la for la in doc["layer_attribution"]}
    assert by_id["pga475"]["licence"] == "CC BY-NC-SA 4.0"
    assert by_id["pga475"]["user_supplied"] is True and by_id["pga475"]["licence_notice"]
    assert by_id["flood100"]["licence_notice"] is None
    props = {f["id"]: f["properties"] for f in doc["features"]}
    assert "pga475" in props["RS-SMALL"]["layer_ids"]
    assert props["RS-SMALL"]["licence_notice"] == [by_id["pga475"]["licence_notice"]]
