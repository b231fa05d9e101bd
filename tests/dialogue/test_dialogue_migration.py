"""Migration 0014 creates the dialogue, consultation, public information and classification
state tables on SQLite and PostGIS, takes the stored identifications as the published state,
and removes the tables again."""

from __future__ import annotations

import json

from alembic import command
from sqlalchemy import inspect, text

from hazatlas.storage.db import alembic_config

TABLES = {"dialogue_body", "dialogue_meeting", "dialogue_action", "consultation",
          "consultation_comment", "public_info_page", "classification_state"}


def test_0014_up_and_down(empty_database):
    db = empty_database
    config = alembic_config(db)
    command.upgrade(config, "0010")
    assert not TABLES & set(inspect(db.engine).get_table_names())
    with db.engine.begin() as c:
        c.execute(text("INSERT INTO establishment (id, name, kind, country_iso3, lon, lat, status, external_ids, "
                       "disclosure, source, version, created_at, updated_at) VALUES ('A', 'A', "
                       "'industrial', 'MDA', 28.2, 45.5, 'operating', '{}', 'public', 'example', 1, "
                       "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        c.execute(text("INSERT INTO assessment (establishment_id, kind, method_version, parameters, "
                       "result, computed_at) VALUES ('A', 'classification', 'r', '{}', :result, "
                       "CURRENT_TIMESTAMP)"),
                  {"result": json.dumps({"seveso_tier": "upper",
                                         "convention_hazardous_activity": True,
                                         "annex_version": "2014"})})
    command.upgrade(config, "0014")
    assert TABLES <= set(inspect(db.engine).get_table_names())
    with db.engine.connect() as c:
        rows = c.execute(text("SELECT establishment_id, seveso_tier, convention_hazardous_activity, "
                              "annex_version FROM classification_state")).all()
    assert [tuple(r) for r in rows] == [("A", "upper", True, "2014")]
    assert db.current_revision() == "0014"
    command.downgrade(config, "0010")
    assert not TABLES & set(inspect(db.engine).get_table_names())
