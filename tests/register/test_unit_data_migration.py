"""Migration 0015 adds the storage unit's columns to inventory lines and the dam levels to
establishments on SQLite and PostGIS (existing rows keep them empty), and removes them again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from hazatlas.storage.db import alembic_config

ITEM = {"unit_kind", "anchored", "fill_fraction", "tank_diameter_m", "tank_height_m"}
DAM = {"pond_level_m", "crest_level_m", "min_freeboard_m"}


def _columns(db, table: str) -> set[str]:
    return {c["name"] for c in inspect(db.engine).get_columns(table)}


def test_0015_up_and_down(empty_database):
    db = empty_database
    config = alembic_config(db)
    command.upgrade(config, "0014")
    assert not ITEM & _columns(db, "inventory_item") and not DAM & _columns(db, "establishment")
    with db.engine.begin() as c:
        c.execute(text("INSERT INTO establishment (id, name, kind, country_iso3, lon, lat, status, "
                       "external_ids, disclosure, source, version, created_at, updated_at) VALUES "
                       "('A', 'A', 'industrial', 'MDA', 28.2, 45.5, 'operating', '{}', 'public', "
                       "'example', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        c.execute(text("INSERT INTO inventory_item (establishment_id, position, substance_name, "
                       "max_quantity_kg, quantity_basis, physical_state, cannot_initiate) VALUES "
                       "('A', 0, 'Diesel', 1000.0, 'published', 'liquid', false)"))
    command.upgrade(config, "0015")
    assert ITEM <= _columns(db, "inventory_item") and DAM <= _columns(db, "establishment")
    with db.engine.connect() as c:
        row = c.execute(text("SELECT unit_kind, anchored, fill_fraction, tank_diameter_m, "
                             "tank_height_m FROM inventory_item")).one()
    assert tuple(row) == (None,) * 5
    command.downgrade(config, "0014")
    assert not ITEM & _columns(db, "inventory_item") and not DAM & _columns(db, "establishment")
