"""The Natech screening of register sites uses the register's unit columns: non-tank unit kinds
are listed as having no fragility model, and given anchorage and diameter win over defaults."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import Affine

from hazatlas.domain.access import SYSTEM
from hazatlas.formats.register_columns import COLUMNS
from hazatlas.services import natech
from hazatlas.services.register import RegisterService

SITE = dict(establishment_id="RS-TEST-UNITS", name="Test depot", country="SRB", lon="20.6900",
            lat="44.8370", source="https://example.org/t", quantity_basis="illustrative")


def row(**values: str) -> dict[str, str]:
    return {**dict.fromkeys(COLUMNS, ""), **SITE, **values}


ROWS = [
    row(substance_name="Toluene", quantity="5000", unit="t", physical_state="liquid",
        storage_unit="T-1", unit_kind="atmospheric_tank", anchored="true", tank_diameter_m="25"),
    row(substance_name="Process water", quantity="20000", unit="t", physical_state="liquid",
        storage_unit="P-1", unit_kind="pond"),
    row(substance_name="Contaminated soil", quantity="300", unit="t", physical_state="slurry",
        storage_unit="D-1", unit_kind="drums"),
    row(substance_name="Diesel", quantity="1000", unit="t", physical_state="liquid",
        storage_unit="T-2"),
]


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    with rasterio.open(tmp_path / "pga.tif", "w", driver="GTiff", height=12, width=20, count=1,
                       dtype="float64", crs="EPSG:4326",
                       transform=Affine(0.5, 0.0, 16.0, 0.0, -0.5, 48.0), nodata=-9999.0) as ds:
        ds.write(np.full((12, 20), 0.3), 1)
    path = tmp_path / "layers.toml"
    path.write_text('[[layer]]\nid = "pga475"\nkind = "raster"\npath = "pga.tif"\n'
                    'hazard = "earthquake"\nintensity_measure = "PGA"\nunit = "g"\n'
                    'return_period_years = 475\nscenario = "baseline"\n'
                    'source = "built in the test"\nlicence = "CC0"\nsampling = "nearest"\n',
                    encoding="utf-8")
    return path


def test_unit_kinds_and_given_data_in_the_screening(db, make_csv, manifest):
    RegisterService(db, SYSTEM).import_file(make_csv(ROWS, "units.csv"))
    (site,) = natech.screen(db, SYSTEM, manifest)["sites"]
    units = {u["unit"]["unit_id"]: u for u in site["units"]}
    assert set(units) == {"T-1", "T-2"}  # the pond and the drums are not screened as tanks
    for label in ("P-1", "D-1"):
        assert any(w.startswith(label) and "no fragility model for this unit kind" in w
                   for w in site["warnings"]), site["warnings"]
    given, defaulted = units["T-1"], units["T-2"]
    assert given["unit"]["diameter_m"] == 25.0
    assert {"unit_kind", "tank_model", "diameter_m"}.isdisjoint(given["unit"]["assumed"])
    assert given["events"][0]["model"] == "hazus-steel-tank-anchored"
    assert {"unit_kind", "tank_model", "diameter_m"} <= set(defaulted["unit"]["assumed"])
    assert defaulted["events"][0]["model"] == "hazus-steel-tank-unanchored"
