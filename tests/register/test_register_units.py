"""The storage unit's columns of the register (unit kind, anchorage, fill, tank diameter and
height): validated on import by row and column, stored, exported and read back."""

from __future__ import annotations

import pytest

from hazatlas.domain.access import SYSTEM
from hazatlas.domain.errors import ValidationError
from hazatlas.services.register import RegisterService
from hazatlas.storage.repositories import Query

UNIT = {"unit_kind": "Atmospheric_Tank", "anchored": "yes", "fill_fraction": "0.8",
        "tank_diameter_m": "30", "tank_height_m": "14,5"}


def svc(db):
    return RegisterService(db, SYSTEM)


def _rows(sample_rows, **unit):
    return [dict(sample_rows[2], **unit), sample_rows[3]]


def test_unit_columns_are_normalised_stored_and_read(db, sample_rows, make_csv):
    svc(db).import_file(make_csv(_rows(sample_rows, **UNIT), "units.csv"))
    e, _ = svc(db).get("RS-PANCEVO-HIP")
    assert e.inventory[0].extra == {"unit_kind": "atmospheric_tank", "anchored": "true",
                                    "fill_fraction": "0.8", "tank_diameter_m": "30.0",
                                    "tank_height_m": "14.5"}
    other, _ = svc(db).get("UA-KALUSH-HCB")
    assert other.inventory[0].extra == {}


@pytest.mark.parametrize("ext", ["csv", "xlsx", "geojson"])
def test_unit_columns_round_trip(db, sample_rows, make_csv, tmp_path, ext):
    svc(db).import_file(make_csv(_rows(sample_rows, **UNIT), "units.csv"))
    out = tmp_path / f"export.{ext}"
    svc(db).export_file(out)
    before = {e.id: e for e, _ in svc(db).all()}
    report = svc(db).import_file(out)
    assert report.summary.to_dict()["updated"] == 0
    assert {e.id: e for e, _ in svc(db).all()} == before
    if ext == "csv":
        text = out.read_text(encoding="utf-8")
        assert "atmospheric_tank,true,0.8,30.0,14.5" in text


def test_changed_unit_data_is_an_update(db, sample_rows, make_csv):
    svc(db).import_file(make_csv(_rows(sample_rows, **UNIT), "v1.csv"))
    report = svc(db).import_file(make_csv(_rows(sample_rows, **{**UNIT, "anchored": "no"}),
                                          "v2.csv"))
    assert report.summary.to_dict()["updated"] == 1
    e, _ = svc(db).get("RS-PANCEVO-HIP")
    assert e.inventory[0].extra["anchored"] == "false"


BAD = [
    ("unit_kind", "floating_roof_tank", "'floating_roof_tank' is not one of atmospheric_tank"),
    ("anchored", "bolted", "'bolted' is not true or false"),
    ("fill_fraction", "1.2", "'1.2' is not a number in (0, 1]"),
    ("fill_fraction", "0", "'0' is not a number in (0, 1]"),
    ("tank_diameter_m", "wide", "'wide' is not a number in (0, 1000]"),
    ("tank_diameter_m", "nan", "'nan' is not a number in (0, 1000]"),
    ("tank_height_m", "2000", "'2000' is not a number in (0, 1000]"),
]


@pytest.mark.parametrize(("column", "value", "message"), BAD, ids=[c[0] + ":" + c[1] for c in BAD])
def test_bad_unit_data_names_row_and_column(db, sample_rows, make_csv, column, value, message):
    rows = [sample_rows[3], dict(sample_rows[2], **{column: value})]
    with pytest.raises(ValidationError) as info:
        svc(db).import_file(make_csv(rows))
    problems = [str(p) for p in info.value.problems]
    assert any(p.startswith(f"bad.csv, row 3, column '{column}': {message}") for p in problems), \
        problems
    assert svc(db).list(Query())[1] == 0  # all-or-nothing: not even the good row


def test_height_without_diameter_is_refused(db, sample_rows, make_csv):
    with pytest.raises(ValidationError) as info:
        svc(db).import_file(make_csv(_rows(sample_rows, tank_height_m="12")))
    (problem,) = info.value.problems
    assert (problem.row, problem.field) == (2, "tank_height_m")
    assert "needs the tank diameter" in problem.message


def test_api_vocabulary_is_the_domain_one() -> None:
    from typing import get_args

    from hazatlas.api.schemas import UnitKind
    from hazatlas.domain.inventory import UNIT_KINDS

    assert get_args(UnitKind) == tuple(UNIT_KINDS)


@pytest.fixture
def client(db):
    from fastapi.testclient import TestClient

    from hazatlas.api.app import create_app
    from hazatlas.services import users
    from hazatlas.services.settings import Settings

    users.create_user(db, "admin", "administrator")
    token = users.issue_token(db, "admin")
    with TestClient(create_app(Settings(database_url=db.url), db)) as c:
        c.headers["Authorization"] = f"Bearer {token}"
        yield c


SITE = {"id": "MD-TEST-1", "name": "Test depot", "country_iso3": "MDA", "lon": 28.86,
        "lat": 47.01, "source": "test",
        "inventory": [{"substance_name": "Diesel", "max_quantity_kg": 2e6, "physical_state": "liquid",
                       "unit_kind": "atmospheric_tank", "anchored": False, "fill_fraction": 0.9,
                       "tank_diameter_m": 18.5, "tank_height_m": 12}]}


def test_api_takes_and_gives_unit_data(db, client):
    r = client.post("/api/establishments", json=SITE)
    assert r.status_code == 201, r.text
    e, _ = svc(db).get("MD-TEST-1")
    assert e.inventory[0].extra == {"unit_kind": "atmospheric_tank", "anchored": "false",
                                    "fill_fraction": "0.9", "tank_diameter_m": "18.5",
                                    "tank_height_m": "12.0"}
    (item,) = client.get("/api/establishments/MD-TEST-1").json()["properties"]["inventory"]
    assert {k: item[k] for k in ("unit_kind", "anchored", "fill_fraction", "tank_diameter_m",
                                 "tank_height_m")} == {
        "unit_kind": "atmospheric_tank", "anchored": False, "fill_fraction": 0.9,
        "tank_diameter_m": 18.5, "tank_height_m": 12.0}


@pytest.mark.parametrize(("change", "field"), [
    ({"unit_kind": "silo"}, "unit_kind"),
    ({"fill_fraction": 1.5}, "fill_fraction"),
    ({"tank_diameter_m": None}, "tank_height_m"),
])
def test_api_refuses_bad_unit_data(client, change, field):
    site = {**SITE, "inventory": [{**SITE["inventory"][0], **change}]}
    r = client.post("/api/establishments", json=site)
    assert r.status_code == 422 and field in r.text, r.text


DAM = {"pond_level_m": "-2.5", "crest_level_m": "1,5", "min_freeboard_m": "1"}


def test_dam_levels_are_stored_exported_and_read_back(db, sample_rows, make_csv, tmp_path):
    rows = [dict(r, **DAM) for r in sample_rows if r["establishment_id"] == "RO-BM-AURUL"]
    svc(db).import_file(make_csv(rows, "dam.csv"))
    e, _ = svc(db).get("RO-BM-AURUL")
    t = e.tailings
    assert (t.pond_level_m, t.crest_level_m, t.min_freeboard_m) == (-2.5, 1.5, 1.0)
    for ext in ("csv", "xlsx"):
        out = tmp_path / f"export.{ext}"
        svc(db).export_file(out)
        assert svc(db).import_file(out).summary.to_dict()["updated"] == 0
    assert svc(db).get("RO-BM-AURUL")[0] == e


DAM_BAD = [
    ({"pond_level_m": "3"}, "crest_level_m", "is required with pond_level_m"),
    ({"crest_level_m": ""}, "crest_level_m", "is required with pond_level_m"),
    ({"pond_level_m": "2"}, "pond_level_m", "2 m is above the crest level 1.5 m"),
    ({"min_freeboard_m": "-1"}, "min_freeboard_m", "-1 is negative"),
    ({"crest_level_m": "20000"}, "crest_level_m", "20000 is out of range"),
]


@pytest.mark.parametrize(("change", "column", "message"), DAM_BAD)
def test_bad_dam_levels_name_row_and_column(db, sample_rows, make_csv, change, column, message):
    rows = [sample_rows[3]] + [dict(r, **{**DAM, **change}) for r in sample_rows
                               if r["establishment_id"] == "RO-BM-AURUL"]
    if change == {"pond_level_m": "3"}:
        rows = [sample_rows[3]] + [dict(r, pond_level_m="3") for r in sample_rows
                                   if r["establishment_id"] == "RO-BM-AURUL"]
    with pytest.raises(ValidationError) as info:
        svc(db).import_file(make_csv(rows))
    problems = [str(p) for p in info.value.problems]
    assert any(p.startswith(f"bad.csv, row 3, column '{column}': {message}") for p in problems), \
        problems
    assert svc(db).list(Query())[1] == 0


DAM_SITE = {"id": "MD-TMF-1", "name": "Test tailings", "country_iso3": "MDA", "lon": 28.86,
            "lat": 47.01, "source": "test", "kind": "tailings",
            "tailings": {"stored_volume_m3": 1e5, "dam_height_m": 10,
                         "pond_level_m": 9.0, "crest_level_m": 10.0, "min_freeboard_m": 0.5}}


def test_api_takes_and_gives_dam_levels(db, client):
    """The establishments API round-trips the dam levels the register file holds, so a GET then
    PUT does not wipe them; the register's rules hold: both levels or neither, pond not above
    the crest."""
    r = client.post("/api/establishments", json=DAM_SITE)
    assert r.status_code == 201, r.text
    e, _ = svc(db).get("MD-TMF-1")
    assert e.tailings is not None
    assert (e.tailings.pond_level_m, e.tailings.crest_level_m, e.tailings.min_freeboard_m) == (
        9.0, 10.0, 0.5)
    out = client.get("/api/establishments/MD-TMF-1").json()["properties"]["tailings"]
    assert (out["pond_level_m"], out["crest_level_m"], out["min_freeboard_m"]) == (9.0, 10.0, 0.5)
    for change, text in (({"crest_level_m": None}, "go together"),
                         ({"pond_level_m": 11.0}, "above crest_level_m"),
                         ({"min_freeboard_m": -1}, "min_freeboard_m")):
        bad = {**DAM_SITE, "id": "MD-TMF-2", "tailings": {**DAM_SITE["tailings"], **change}}
        r = client.post("/api/establishments", json=bad)
        assert r.status_code == 422 and text in r.text, r.text
