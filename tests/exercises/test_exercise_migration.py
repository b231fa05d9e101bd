"""Migration 0012 creates the exercise tables on SQLite and PostGIS and removes them again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from hazatlas.storage.db import alembic_config


def test_0012_up_and_down(empty_database):
    db = empty_database
    config = alembic_config(db)
    command.upgrade(config, "0010")
    assert "exercise" not in inspect(db.engine).get_table_names()
    command.upgrade(config, "0012")
    assert {"exercise", "exercise_journal"} <= set(inspect(db.engine).get_table_names())
    assert {c["name"] for c in inspect(db.engine).get_columns("exercise_journal")} == {
        "exercise_id", "seq", "at", "scenario_s", "kind", "party", "actor", "text", "inject_id",
        "report_id"}
    command.downgrade(config, "0010")
    assert "exercise" not in inspect(db.engine).get_table_names()
    assert db.current_revision() == "0010"
