"""Migration 0010 creates the plan tables on SQLite and PostGIS and removes them again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from hazatlas.storage.db import alembic_config


def test_0010_up_and_down(empty_database):
    db = empty_database
    config = alembic_config(db)
    command.upgrade(config, "0009")
    assert "plan" not in inspect(db.engine).get_table_names()
    command.upgrade(config, "0010")
    tables = set(inspect(db.engine).get_table_names())
    assert {"plan", "plan_version"} <= tables
    assert {c["name"] for c in inspect(db.engine).get_columns("plan_version")} == {
        "plan_id", "revision", "version", "action", "saved_by", "saved_at", "document"}
    assert db.current_revision() == "0010"
    command.downgrade(config, "0009")
    assert "plan" not in inspect(db.engine).get_table_names()
    assert db.current_revision() == "0009"
