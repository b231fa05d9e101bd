"""Bulk import paths: the fast paths store exactly what the plain ones store."""

from __future__ import annotations

import gc

import pytest
from sqlalchemy import text

from hazatlas.domain.access import SYSTEM
from hazatlas.domain.gc_pause import gc_paused
from hazatlas.formats import register_items
from hazatlas.formats.register_rows import parse_register
from hazatlas.formats.tables import RawTable, Row, read_table
from hazatlas.services.geodata import country_polygons
from hazatlas.services.register import RegisterService
from hazatlas.storage import repositories as repo
from hazatlas.storage.mapping import comparable, diff

# Stored values as text, the same on both backends (JSON and dates as the database keeps them).
SNAPSHOT = {
    "establishment": "SELECT id, name, kind, country_iso3, lon, lat, status, operator, nace_code, "
    "receiving_water, site_polygon_wkt, CAST(external_ids AS TEXT), disclosure, source, "
    "CAST(source_date AS TEXT), notes, stored_volume_m3, dam_height_m, area_m2, "
    "construction_method, commodity, tailings_status, CAST(last_inspection AS TEXT), "
    "CAST(constituents AS TEXT), version FROM establishment ORDER BY id",
    "inventory_item": "SELECT establishment_id, position, substance_name, cas_number, "
    "hazard_statements, clp_classification, seveso_categories, seveso_entry, max_quantity_kg, "
    "quantity_basis, physical_state, storage_unit, cannot_initiate, water_hazard_class "
    "FROM inventory_item ORDER BY establishment_id, position",
    "change_log": "SELECT entity_type, entity_id, action, actor, CAST(changes AS TEXT), context "
    "FROM change_log ORDER BY id",
}


def _snapshot(db) -> dict[str, list[tuple]]:
    with db.transaction() as s:
        return {name: [tuple(r) for r in s.execute(text(sql))] for name, sql in SNAPSHOT.items()}


def _empty(db) -> None:
    with db.transaction() as s:
        for table in ("assessment", "inventory_item", "change_log", "establishment"):
            s.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - fixed table names


@pytest.fixture
def many_rows(sample_rows):
    """The sample register repeated 40 times under new ids: 160 establishments, 160 lines
    (more than repositories._BULK_MIN_ROWS)."""
    return [
        dict(r, establishment_id=f"{r['establishment_id']}-{k}")
        for k in range(40)
        for r in sample_rows
    ]


def test_bulk_import_stores_the_same_as_plain_inserts(db, many_rows, make_csv, monkeypatch):
    path = make_csv(many_rows, "many.csv")
    svc = RegisterService(db, SYSTEM)
    assert svc.import_file(path).summary.to_dict()["created"] == 160
    fast = _snapshot(db)
    _empty(db)
    monkeypatch.setattr(repo, "_BULK_MIN_ROWS", 10**9)  # every write through Core executemany
    assert svc.import_file(path).summary.to_dict()["created"] == 160
    assert _snapshot(db) == fast
    assert len(fast["inventory_item"]) == 160
    # one entry per establishment created, and one per identification as a Seveso
    # establishment or Convention activity (the open data feed's, storage/change_feed.py)
    kinds = [r[0] for r in fast["change_log"]]
    assert kinds.count("establishment") == 160
    assert set(kinds) == {"establishment", "classification"}


def test_bulk_history_and_reimport(db, many_rows, make_csv):
    svc = RegisterService(db, SYSTEM)
    svc.import_file(make_csv(many_rows, "v1.csv"))
    e, _ = svc.get("RS-PANCEVO-HIP-7")
    assert svc.history(e.id)[0].changes == diff(None, e)
    again = svc.import_file(make_csv(many_rows, "v1.csv"))
    assert again.summary.to_dict() == {"created": 0, "updated": 0, "unchanged": 160}
    many_rows[5 * 7 + 2]["quantity"] = "16000"  # RS-PANCEVO-HIP-7
    report = svc.import_file(make_csv(many_rows, "v2.csv"))
    assert report.summary.updated == ["RS-PANCEVO-HIP-7"]
    after, _ = svc.get("RS-PANCEVO-HIP-7")
    hist = svc.history(e.id)
    assert [h.action for h in hist] == ["create", "update"]
    assert hist[1].changes == diff(e, after)
    assert hist[1].changes["inventory"][1][0]["max_quantity_kg"] == 16_000_000.0


def test_stored_comparable_matches_domain_comparable(db, many_rows, make_csv):
    RegisterService(db, SYSTEM).import_file(make_csv(many_rows[:20], "some.csv"))
    with db.transaction() as s:
        ids = repo.all_ids(s)
        stored = repo._stored_comparables(s, ids)
        assert stored == {i: comparable(e) for i, e in repo.get_many(s, ids).items()}
    assert {v["kind"] for v in stored.values()} == {"industrial", "tailings"}


def test_row_mapping_reads_like_a_dict(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,c\n 1 ,2\n\n,,\nx,y,z\n", encoding="utf-8")
    table = read_table(path)
    assert [n for n, _ in table.rows] == [2, 5]
    short = table.rows[0][1]
    assert isinstance(short, Row)
    assert dict(short) == {"a": "1", "b": "2"} and len(short) == 2
    assert short.get("c") is None and short.get("c", "") == "" and "c" not in short
    with pytest.raises(KeyError):
        short["c"]
    assert table.rows[1][1] == {"a": "x", "b": "y", "c": "z"}


def test_repeated_lines_report_every_row(sample_rows, monkeypatch):
    """Cached substance checks still report each bad line with its own row and quantity."""
    monkeypatch.setattr(register_items, "_ITEM_CACHE_MAX", 1)
    bad = dict(sample_rows[3], cas_number="118-74-2", unit="bags")
    rows = [bad, dict(bad, quantity="-1"), dict(sample_rows[2], quantity="x"), bad]
    columns = list(rows[0])
    table = RawTable("f.csv", columns, [(n, dict(r)) for n, r in enumerate(rows, start=2)])
    problems = [(p.row, p.field) for p in parse_register(table, country_polygons()).problems]
    assert problems == [
        (2, "cas_number"),
        (2, "unit"),
        (3, "cas_number"),
        (3, "quantity"),
        (3, "unit"),
        (4, "quantity"),
        (5, "cas_number"),
        (5, "unit"),
    ]


@pytest.mark.parametrize("enabled", [True, False])
def test_gc_paused_restores_the_collector(enabled):
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        with gc_paused():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_bulk_import_failing_midway_leaves_nothing(db, many_rows, make_csv, monkeypatch):
    """Establishments and lines already written by the fast path are rolled back too."""
    real = repo.insert

    def failing_insert(table):
        if getattr(table, "name", "") == "change_log":
            raise RuntimeError("disk full")
        return real(table)

    monkeypatch.setattr(repo, "insert", failing_insert)
    with pytest.raises(RuntimeError):
        RegisterService(db, SYSTEM).import_file(make_csv(many_rows, "many.csv"))
    assert _snapshot(db) == {"establishment": [], "inventory_item": [], "change_log": []}


def test_short_rows_with_many_extra_columns(tmp_path, sample_rows):
    """Columns starting with "_" are ignored; a row may stop before the last of them."""
    extra = [f"_x{i}" for i in range(60)]
    header = list(sample_rows[3]) + extra
    line = ",".join(f'"{v}"' for v in sample_rows[3].values())
    path = tmp_path / "wide.csv"
    path.write_text(",".join(header) + "\n" + line + "\n", encoding="utf-8")
    parsed = parse_register(read_table(path), country_polygons())
    assert parsed.problems == [] and [e.id for e in parsed.establishments] == ["UA-KALUSH-HCB"]
