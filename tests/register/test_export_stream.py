"""Streaming register exports (issue 10): chunked reads give the same rows as the domain path
for every kind of user, the stored identification is used (missing ones computed), a value a
format cannot hold is a clear error with nothing written, and the API streams the file."""

from __future__ import annotations

import csv

import pytest

from hazatlas.domain.access import ANONYMOUS, SYSTEM, Principal, Role
from hazatlas.domain.errors import ValidationError
from hazatlas.formats.register_columns import COLUMNS
from hazatlas.formats.register_export import to_rows
from hazatlas.formats.tables import cell_text
from hazatlas.services import assessments
from hazatlas.services.register import RegisterService
from hazatlas.services.register_export import EXPORT_COLUMNS, export_rows
from hazatlas.storage import export_pages
from hazatlas.storage import repositories as repo
from hazatlas.storage.mapping import ESTABLISHMENT_COLUMNS, establishment_from_values

PRINCIPALS = [
    SYSTEM,
    ANONYMOUS,
    Principal("ua", Role.NATIONAL, country_iso3="UKR", party=True),
    Principal("rs", Role.NATIONAL, country_iso3="SRB", party=False),
    Principal("icpdr", Role.BASIN),
    Principal("aurul", Role.OPERATOR, establishment_id="RO-BM-AURUL"),
]


def _expected(db, principal):
    """The rows as the previous implementation built them: domain objects, ``visible``,
    ``to_rows`` and the table writer's cell formatting."""
    svc = RegisterService(db, principal)
    with db.transaction() as s:
        stored = export_pages.stored_classifications(s, repo.all_ids(s))
    rows = []
    for e, full in svc.all():
        c = stored[e.id]
        derived = [c.seveso_tier, "" if c.convention_hazardous_activity is None
                   else str(c.convention_hazardous_activity).lower(), c.annex_version,
                   c.rules_version]
        rows += [[cell_text(r.get(k)) for k in COLUMNS] + [cell_text(v) for v in derived]
                 for r in to_rows(e, complete=full)]
    return rows


@pytest.fixture
def register(db, sample_rows, make_csv):
    rows = [dict(r) for r in sample_rows]
    rows[3].update(storage_unit="  shed 4 ", notes="line 1\nline 2", external_ids="b=2;a=1")
    rows[4].update(constituents="Arsenic:12 mg/kg;Lead:0.5 %:7439-92-1", last_inspection="2021-04-30",
                   construction_method="downstream", tailings_status="active", commodity="uranium")
    RegisterService(db, SYSTEM).import_file(make_csv(rows, "register.csv"))
    RegisterService(db, SYSTEM).ensure_classified()
    return db


@pytest.mark.parametrize("principal", PRINCIPALS, ids=lambda p: p.username)
def test_streamed_rows_equal_the_domain_rows(register, principal):
    with register.transaction() as s:
        streamed = list(export_rows(s, principal, None))
    assert streamed == _expected(register, principal)
    assert all(len(r) == len(EXPORT_COLUMNS) for r in streamed)


def test_chunk_boundaries_change_nothing(register, monkeypatch):
    with register.transaction() as s:
        whole = list(export_rows(s, SYSTEM, None))
    monkeypatch.setattr(export_pages, "EXPORT_BATCH", 3)
    with register.transaction() as s:
        assert [len(chunk) for chunk in export_pages.iter_register(s)] == [3, 1]
        assert list(export_rows(s, SYSTEM, None)) == whole


def test_values_read_back_equal_the_domain_objects(register):
    with register.transaction() as s:
        found = repo.get_many(s, repo.all_ids(s))
        for chunk in export_pages.iter_register(s, batch=3):
            for values, items, _ in chunk:
                record = dict(zip(ESTABLISHMENT_COLUMNS, values, strict=True))
                lines = [dict(zip(export_pages.ITEM_READ, i, strict=True)) for i in items]
                assert establishment_from_values(record, lines) == found[record["id"]]


def test_export_with_query_filters_and_page(register, tmp_path):
    svc = RegisterService(register, SYSTEM)
    out = tmp_path / "page.csv"
    assert svc.export_file(out, query=repo.Query(kind="tailings")) == 3  # Aurul x2 + Mailuu
    # establishments 2 and 3 by id: RO-BM-AURUL (2 lines), RS-PANCEVO-HIP
    assert svc.export_file(out, query=repo.Query(limit=2, offset=1)) == 3
    with out.open(encoding="utf-8") as fh:
        ids = [r["establishment_id"] for r in csv.DictReader(fh)]
    everything = sorted({e.id for e, _ in svc.all()})
    assert sorted(set(ids)) == everything[1:3]


def test_missing_identification_is_computed_and_stored(register, tmp_path):
    with register.transaction() as s:
        assessments.invalidate(s, ["RS-PANCEVO-HIP", "UA-KALUSH-HCB"])
        assert len(export_pages.stored_classifications(s, repo.all_ids(s))) == 2
    out = tmp_path / "x.csv"
    RegisterService(register, SYSTEM).export_file(out)
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert all(r["seveso_tier"] and r["rules_version"] for r in rows)
    pancevo = next(r for r in rows if r["establishment_id"] == "RS-PANCEVO-HIP")
    assert pancevo["seveso_tier"] == "upper" and pancevo["convention_hazardous_activity"] == "true"
    with register.transaction() as s:
        assert len(export_pages.stored_classifications(s, repo.all_ids(s))) == 4


def test_xlsx_export_names_a_value_it_cannot_hold_and_writes_nothing(register, tmp_path):
    svc = RegisterService(register, SYSTEM)
    e, _ = svc.get("UA-KALUSH-HCB")
    e.notes = "bell \x07 here"
    with register.transaction() as s:
        repo.upsert_many(s, [e], actor="test")
    out = tmp_path / "out" / "x.xlsx"
    out.parent.mkdir()
    out.write_bytes(b"previous export")
    with pytest.raises(ValidationError) as info:
        svc.export_file(out)
    (problem,) = info.value.problems
    assert problem.field == "notes" and "U+0007" in problem.message and "CSV" in problem.message
    assert out.read_bytes() == b"previous export"
    assert [p.name for p in out.parent.iterdir()] == ["x.xlsx"]  # no partial file
    # the same value goes to CSV unchanged
    assert svc.export_file(tmp_path / "x.csv") == 5


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson", "gpkg"])
def test_empty_register_exports_a_header_only_file(db, tmp_path, fmt):
    from hazatlas.formats.tables import read_table

    out = tmp_path / f"empty.{fmt}"
    assert RegisterService(db, SYSTEM).export_file(out) == 0
    assert read_table(out).rows == []


def test_api_export_streams_the_file(register, tmp_path):
    from fastapi.testclient import TestClient

    from hazatlas.api.app import create_app
    from hazatlas.services.settings import Settings

    expected = tmp_path / "expected.csv"
    RegisterService(register, ANONYMOUS).export_file(expected)
    with TestClient(create_app(Settings(database_url=register.url), register)) as client:
        with client.stream("GET", "/api/export", params={"format": "csv"}) as r:
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/csv")
            assert 'filename="hazatlas-register.csv"' in r.headers["content-disposition"]
            assert int(r.headers["content-length"]) == expected.stat().st_size
            body = b"".join(r.iter_bytes())
        assert body == expected.read_bytes()
        r = client.get("/api/export", params={"format": "gpkg"})
        assert r.status_code == 200 and r.content[:16] == b"SQLite format 3\x00"


def test_export_is_the_register_of_one_moment(register, tmp_path, monkeypatch):
    """A record written by someone else while an export is being read is not half in it."""
    import dataclasses

    monkeypatch.setattr(export_pages, "EXPORT_BATCH", 1)
    read_pages = export_pages.iter_register
    meddled = []

    def meddle(session, *args, **kwargs):
        for page in read_pages(session, *args, **kwargs):
            yield page
            if not meddled:  # after the first page was read: another user writes and commits
                meddled.append(page)
                e, _ = RegisterService(register, SYSTEM).get("UA-KALUSH-HCB")
                with register.transaction() as other:
                    repo.upsert_many(other, [dataclasses.replace(e, id="ZZ-LATE-1")], actor="other")
                    repo.delete_establishment(other, "RS-PANCEVO-HIP", actor="other")

    monkeypatch.setattr(export_pages, "iter_register", meddle)
    out = tmp_path / "moment.csv"
    RegisterService(register, SYSTEM).export_file(out)
    with out.open(encoding="utf-8") as fh:
        ids = sorted({r["establishment_id"] for r in csv.DictReader(fh)})
    assert meddled
    assert ids == ["KG-MAILUU-TP3", "RO-BM-AURUL", "RS-PANCEVO-HIP", "UA-KALUSH-HCB"]


def test_geojson_text_is_what_json_dumps_gives(tmp_path):
    import json

    from hazatlas.formats.tables import write_rows

    columns = ["establishment_id", "name", "lon", "lat", "notes"]
    rows = [["A-1", 'q"uote \\ back', "24.37", "49.02", "tab\tnew\nline \x01 é € 😀 </script>"],
            ["B-2", "", "-0.5", "1e-07", "'=x"]]
    out = tmp_path / "x.geojson"
    assert write_rows(out, columns, rows) == 2
    expected = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [float(r[2]), float(r[3])]},
         "properties": {"establishment_id": r[0], "name": r[1], "notes": r[4]}} for r in rows]}
    assert out.read_text(encoding="utf-8") == json.dumps(expected, ensure_ascii=False)


@pytest.mark.parametrize("count", [0, 1, 3])
def test_gpkg_written_directly_is_what_gdal_writes(tmp_path, count):
    """The GeoPackage is written with sqlite3, not GDAL: GDAL reads it as it reads its own
    (fields, points, bounds, SRS, spatial index used by a bbox filter), and can edit it after
    (its R-tree and feature-count triggers are in place)."""
    import numpy as np
    import pyogrio
    import shapely

    from hazatlas.formats.tables import write_rows

    columns = ["establishment_id", "name", "lon", "lat", "notes", 'q"uote']
    rows = [["A-1", "é € 😀 </x>", "24.37", "49.02", "", "'=x"],
            ["B-2", "", "-0.5", "1e-07", "tab\tnew\nline", ""],
            ["B-2", "", "-0.5", "1e-07", "second line of B-2", "x"]][:count]
    ours = tmp_path / "ours.gpkg"
    assert write_rows(ours, columns, rows) == count
    gdal = tmp_path / "gdal.gpkg"
    fields = ["establishment_id", "name", "notes", 'q"uote']
    pyogrio.raw.write(
        gdal, geometry=np.array(shapely.to_wkb(shapely.points(
            [float(r[2]) for r in rows], [float(r[3]) for r in rows])), dtype=object),
        field_data=[np.array([r[columns.index(f)] for r in rows], dtype=object) for f in fields],
        fields=fields, geometry_type="Point", crs="EPSG:4326", driver="GPKG", layer="register")

    a, b = pyogrio.read_dataframe(ours), pyogrio.read_dataframe(gdal)
    assert list(a.columns) == fields + ["geometry"]
    assert a.drop(columns="geometry").equals(b.drop(columns="geometry"))
    assert list(a.geometry.to_wkb()) == list(b.geometry.to_wkb())
    info, ref = pyogrio.read_info(ours), pyogrio.read_info(gdal)
    for key in ("layer_name", "crs", "fields", "dtypes", "fid_column", "geometry_name",
                "geometry_type", "features", "total_bounds", "capabilities"):
        assert np.array_equal(info[key], ref[key]) if key in ("fields", "dtypes") else (
            info[key] == ref[key] or (count == 0 and key == "total_bounds")), key
    assert info["capabilities"]["fast_spatial_filter"]
    assert len(pyogrio.read_dataframe(ours, bbox=(-1, -1, 0, 1))) == (count > 1) + (count > 2)

    # GDAL appends a feature: its triggers keep the index and the count in step
    pyogrio.raw.write(
        ours, geometry=np.array([shapely.to_wkb(shapely.Point(10, 20))], dtype=object),
        field_data=[np.array(["C-3"], dtype=object)] * len(fields), fields=fields,
        geometry_type="Point", crs="EPSG:4326", driver="GPKG", layer="register", append=True)
    assert pyogrio.read_info(ours)["features"] == count + 1
    assert list(pyogrio.read_dataframe(ours, bbox=(9, 19, 11, 21)).establishment_id) == ["C-3"]


@pytest.mark.parametrize("count", [1, 51, 52, 3000])
def test_gpkg_spatial_index_bulk_loaded_finds_every_point(tmp_path, count):
    """The R-tree is written node by node (not point by point): SQLite's own check finds it
    sound, whatever its depth, and a box query through it (SQLite's, and GDAL's bbox filter)
    finds exactly the points inside, repeated points included."""
    import random
    import sqlite3

    import pyogrio

    from hazatlas.formats.tables import write_rows

    rng = random.Random(count)
    rows = [[str(i), repr(rng.uniform(-180, 180)), repr(rng.uniform(-90, 90))] for i in range(count)]
    rows += rows[: count // 3]
    out = tmp_path / "r.gpkg"
    write_rows(out, ["id", "lon", "lat"], rows)
    con = sqlite3.connect(out)
    try:
        assert con.execute("SELECT rtreecheck('rtree_register_geom')").fetchone()[0] == "ok"
        assert con.execute("SELECT count(*) FROM rtree_register_geom").fetchone()[0] == len(rows)
        for _ in range(20):
            x0, y0 = rng.uniform(-180, 170), rng.uniform(-90, 80)
            x1, y1 = x0 + rng.uniform(0, 60), y0 + rng.uniform(0, 40)
            inside = [i + 1 for i, r in enumerate(rows)
                      if x0 <= float(r[1]) <= x1 and y0 <= float(r[2]) <= y1]
            found = sorted(i for (i,) in con.execute(
                "SELECT id FROM rtree_register_geom WHERE minx <= ? AND maxx >= ? "
                "AND miny <= ? AND maxy >= ?", (x1, x0, y1, y0)))
            assert found == inside
            gdal = pyogrio.read_dataframe(out, bbox=(x0, y0, x1, y1), fid_as_index=True)
            assert sorted(gdal.index) == inside
    finally:
        con.close()
