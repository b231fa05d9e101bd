"""Import and export of register files: every format, round trip, bad input, rollback."""

from __future__ import annotations

import csv

import pytest
from pyproj import Transformer

from hazatlas.domain.access import SYSTEM
from hazatlas.domain.errors import ValidationError
from hazatlas.services.register import RegisterService
from hazatlas.storage.repositories import Query


def svc(db):
    return RegisterService(db, SYSTEM)


def test_import_csv_creates_establishments_with_inventory(db, sample_csv):
    report = svc(db).import_file(sample_csv)
    assert report.summary.to_dict() == {"created": 4, "updated": 0, "unchanged": 0}
    e, full = svc(db).get("RO-BM-AURUL")
    assert full
    assert [i.substance_name for i in e.inventory] == ["Sodium cyanide", "Copper sulphate"]
    assert e.inventory[0].max_quantity_kg == 100_000.0
    assert e.inventory[1].max_quantity_kg == pytest.approx(2000 * 0.45359237)
    assert e.tailings.stored_volume_m3 == 2_500_000.0
    assert e.tailings.area_m2 == 930_000.0
    assert e.tailings.constituents[1].concentration_mg_kg == 2000.0
    assert e.external_ids == {"icpdr_ars": "RO-001", "eSPIRS": "17"}


def test_reimport_same_file_changes_nothing(db, sample_csv):
    svc(db).import_file(sample_csv)
    report = svc(db).import_file(sample_csv)
    assert report.summary.to_dict() == {"created": 0, "updated": 0, "unchanged": 4}
    _, total = svc(db).list(Query())
    assert total == 4


def test_reimport_changed_row_updates_and_keeps_history(db, sample_rows, make_csv):
    svc(db).import_file(make_csv(sample_rows, "v1.csv"))
    sample_rows[3]["quantity"] = "12000"
    report = svc(db).import_file(make_csv(sample_rows, "v2.csv"))
    assert report.summary.to_dict() == {"created": 0, "updated": 1, "unchanged": 3}
    hist = svc(db).history("UA-KALUSH-HCB")
    assert [h.action for h in hist] == ["create", "update"]
    old, new = hist[1].changes["inventory"]
    assert old[0]["max_quantity_kg"] == 11_500_000.0 and new[0]["max_quantity_kg"] == 12_000_000.0
    assert hist[1].actor == "system" and hist[1].context == "import v2.csv"


@pytest.mark.parametrize("ext", ["csv", "xlsx", "geojson", "gpkg"])
def test_round_trip_through_every_format(db, sample_csv, tmp_path, ext, sqlite_database):
    svc(db).import_file(sample_csv)
    out = tmp_path / f"export.{ext}"
    svc(db).export_file(out)
    original = {e.id: e for e, _ in svc(db).all()}
    # import the export into an empty database of the other kind when possible
    from hazatlas.storage.db import Database

    target = Database(tmp_path / "empty.sqlite")
    target.migrate()
    report = RegisterService(target, SYSTEM).import_file(out)
    assert report.summary.to_dict()["created"] == 4
    copied = {e.id: e for e, _ in RegisterService(target, SYSTEM).all()}
    assert copied == original
    target.dispose()


def test_projected_coordinates_with_crs(db, sample_rows, make_csv):
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32634", always_xy=True)
    x, y = to_utm.transform(20.69, 44.837)
    rows = [dict(sample_rows[2], lon=repr(x), lat=repr(y))]
    svc(db).import_file(make_csv(rows), crs="EPSG:32634")
    e, _ = svc(db).get("RS-PANCEVO-HIP")
    assert e.lon == pytest.approx(20.69, abs=1e-7) and e.lat == pytest.approx(44.837, abs=1e-7)


def _problems(exc: ValidationError) -> list[str]:
    return [str(p) for p in exc.problems]


BAD_CASES = [
    ("cas_number", "7782-50-6", "bad.csv, row 2, column 'cas_number': CAS number '7782-50-6' has check digit 6, expected 5"),
    ("lon", "26.10", "bad.csv, row 2, column 'lon': (26.10000, 44.83700) lies"),
    ("quantity", "-5", "bad.csv, row 2, column 'quantity': -5 is negative: expected a number ≥ 0"),
    ("quantity", "lots", "bad.csv, row 2, column 'quantity': 'lots' is not a number"),
    ("unit", "bags", "bad.csv, row 2, column 'unit': 'bags' is not a known mass unit: expected one of"),
    ("unit", "", "bad.csv, row 2, column 'unit': is required with a quantity"),
    ("country", "XXX", "bad.csv, row 2, column 'country': 'XXX' is not a known ISO 3166 alpha-3 country code"),
    ("hazard_statements", "H999x;Z1", "bad.csv, row 2, column 'hazard_statements': 'Z1' is not a CLP hazard statement code"),
    ("status", "exploded", "bad.csv, row 2, column 'status': 'exploded' is not one of operating"),
]


@pytest.mark.parametrize(("column", "value", "message"), BAD_CASES, ids=[c[0] + ":" + c[1] for c in BAD_CASES])
def test_bad_input_is_rejected_with_row_and_column(db, sample_rows, make_csv, column, value, message):
    rows = [dict(sample_rows[2], **{column: value}), sample_rows[3]]
    with pytest.raises(ValidationError) as info:
        svc(db).import_file(make_csv(rows))
    assert any(p.startswith(message) for p in _problems(info.value)), _problems(info.value)
    _, total = svc(db).list(Query())
    assert total == 0  # nothing written, not even the good row


def test_duplicate_id_with_different_values(db, sample_rows, make_csv):
    rows = [sample_rows[3], dict(sample_rows[3], name="Another name")]
    with pytest.raises(ValidationError) as info:
        svc(db).import_file(make_csv(rows))
    assert _problems(info.value) == [
        "bad.csv, row 3, column 'name': duplicate id 'UA-KALUSH-HCB' with a different name than "
        "row 2 ('Another name' vs 'Kalush HCB storage')"]


def test_every_bad_row_is_listed(db, sample_rows, make_csv):
    rows = [dict(sample_rows[2], quantity="x"), sample_rows[3], dict(sample_rows[4], lat="95")]
    with pytest.raises(ValidationError) as info:
        svc(db).import_file(make_csv(rows))
    assert [(p.row, p.field) for p in info.value.problems] == [(2, "quantity"), (4, "lat")]


def test_missing_required_column(db, tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("establishment_id,name,country,lon,lat\nA,B,SRB,20.5,44.8\n", encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        svc(db).import_file(path)
    assert _problems(info.value) == ["short.csv, row 1, column 'source': required column is missing"]


def test_failed_import_rolls_back_existing_register(db, sample_csv, sample_rows, make_csv):
    svc(db).import_file(sample_csv)
    before = {e.id: e for e, _ in svc(db).all()}
    rows = [dict(sample_rows[3], quantity="1"), dict(sample_rows[2], cas_number="50-00-1")]
    with pytest.raises(ValidationError):
        svc(db).import_file(make_csv(rows))
    assert {e.id: e for e, _ in svc(db).all()} == before
    assert [h.action for h in svc(db).history("UA-KALUSH-HCB")] == ["create"]


def test_database_error_mid_import_rolls_back(db, sample_csv, monkeypatch):
    from hazatlas.storage import repositories

    real = repositories.insert

    def failing_insert(table):
        if getattr(table, "name", "") == "change_log":
            raise RuntimeError("disk full")
        return real(table)

    monkeypatch.setattr(repositories, "insert", failing_insert)
    with pytest.raises(RuntimeError):
        svc(db).import_file(sample_csv)
    monkeypatch.setattr(repositories, "insert", real)
    assert svc(db).list(Query())[1] == 0


def test_skip_invalid_imports_good_rows_and_writes_rejects(db, sample_rows, make_csv, tmp_path):
    rows = [sample_rows[0], dict(sample_rows[1], unit="bags"), sample_rows[3]]
    rejects = tmp_path / "rejects.csv"
    report = svc(db).import_file(make_csv(rows), skip_invalid=True, rejects=rejects)
    assert report.summary.created == ["UA-KALUSH-HCB"]
    assert report.rejected_rows == 2  # both rows of the establishment with a bad line
    with rejects.open(encoding="utf-8") as fh:
        got = list(csv.DictReader(fh))
    assert [r["row"] for r in got] == ["2", "3"]
    assert got[1]["error"].startswith("unit: 'bags' is not a known mass unit")
    assert got[0]["error"] == "another row of this establishment has a problem"


def test_unknown_file_type(db, tmp_path):
    path = tmp_path / "register.ods"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(ValidationError, match="unknown file type '.ods'"):
        svc(db).import_file(path)


def test_bad_crs_parameter(db, sample_csv):
    with pytest.raises(ValidationError, match="'EPSG:999999' is not a known coordinate reference system"):
        svc(db).import_file(sample_csv, crs="EPSG:999999")


def test_export_carries_identification_and_reimports(db, sample_csv, tmp_path):
    svc(db).import_file(sample_csv)
    out = tmp_path / "with-tiers.csv"
    svc(db).export_file(out)
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    pancevo = next(r for r in rows if r["establishment_id"] == "RS-PANCEVO-HIP")
    assert pancevo["seveso_tier"] == "upper" and pancevo["convention_hazardous_activity"] == "true"
    assert pancevo["rules_version"].startswith("hazatlas-rules/")
    report = svc(db).import_file(out)  # derived columns are ignored on import
    assert report.summary.to_dict() == {"created": 0, "updated": 0, "unchanged": 4}
