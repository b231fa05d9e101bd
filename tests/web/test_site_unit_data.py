"""The site page's inventory table shows each line's storage unit data (kind, size, fill,
anchorage), translated."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from hazatlas.api.app import create_app
from hazatlas.domain.access import SYSTEM
from hazatlas.formats.register_columns import COLUMNS
from hazatlas.services.register import RegisterService
from hazatlas.services.settings import Settings

SITE = dict(establishment_id="RS-TEST-UNITS", name="Test depot", country="SRB", lon="20.6900",
            lat="44.8370", source="https://example.org/t", disclosure="public")


def row(**values: str) -> dict[str, str]:
    return {**dict.fromkeys(COLUMNS, ""), **SITE, **values}


@pytest.fixture
def client(sqlite_db, make_csv):
    rows = [row(substance_name="Toluene", quantity="5000", unit="t", physical_state="liquid",
                storage_unit="T-1", unit_kind="atmospheric_tank", anchored="false",
                tank_diameter_m="25", tank_height_m="12.5", fill_fraction="0.85"),
            row(substance_name="Process water", quantity="20000", unit="t", storage_unit="P-1",
                unit_kind="pond"),
            row(substance_name="Diesel", quantity="100", unit="t", storage_unit="T-9")]
    RegisterService(sqlite_db, SYSTEM).import_file(make_csv(rows, "units.csv"))
    app = create_app(Settings(database_url=sqlite_db.url, secret_key="test-secret"), sqlite_db)
    with TestClient(app) as c:
        yield c


def test_inventory_table_shows_unit_data(client):
    page = client.get("/sites/RS-TEST-UNITS")
    assert page.status_code == 200
    text = page.text
    assert ("T-1<br><span class=\"unit-data\">atmospheric tank, diameter 25 m, height 12.5 m, "
            "fill 0.85, not anchored</span>") in text
    assert "P-1<br><span class=\"unit-data\">pond or lagoon</span>" in text
    assert "<td>T-9</td>" in text  # no unit data: nothing added


def test_unit_data_is_translated(client):
    page = client.get("/sites/RS-TEST-UNITS", headers={"Accept-Language": "ru"})
    assert "атмосферный резервуар, диаметр 25 м, высота 12,5 м, заполнение 0,85, " \
           "не заанкерован" in page.text
