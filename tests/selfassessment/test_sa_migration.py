"""Migration 0013 creates the self-assessment tables on SQLite and PostGIS and removes them."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from hazatlas.storage.db import alembic_config


def test_0013_up_and_down(empty_database):
    db = empty_database
    config = alembic_config(db)
    command.upgrade(config, "0010")
    assert "sa_document" not in inspect(db.engine).get_table_names()
    command.upgrade(config, "0013")
    tables = set(inspect(db.engine).get_table_names())
    assert {"sa_document", "sa_document_version", "sa_action"} <= tables
    uniques = inspect(db.engine).get_unique_constraints("sa_action")
    assert [u["column_names"] for u in uniques] == [["country_iso3", "source", "source_ref"]]
    assert db.current_revision() == "0013"
    command.downgrade(config, "0010")
    assert "sa_action" not in inspect(db.engine).get_table_names()
    assert db.current_revision() == "0010"
