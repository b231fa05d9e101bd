"""Writes that cross an access boundary are refused, naming the field, through the API, the CLI
and imports alike (``access.write_problems``), on SQLite and PostGIS."""

from __future__ import annotations

import dataclasses
import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hazatlas.api.app import create_app
from hazatlas.cli.main import app as cli_app
from hazatlas.domain.access import SYSTEM
from hazatlas.domain.establishment import Disclosure, Establishment, Provenance
from hazatlas.domain.inventory import InventoryItem
from hazatlas.formats.register_export import to_rows
from hazatlas.services import users
from hazatlas.services.register import RegisterService
from hazatlas.services.settings import Settings

SITE = Establishment(
    id="RS-W-1", name="Write depot", country_iso3="SRB", lon=20.69, lat=44.837,
    operator="Depot Ltd", disclosure=Disclosure.NATIONAL, provenance=Provenance("test"),
    notes="n", inventory=[InventoryItem("Chlorine", 20_000.0, cas_number="7782-50-5")],
)
BODY = {"id": SITE.id, "name": SITE.name, "country_iso3": "SRB", "lon": 20.69, "lat": 44.837,
        "operator": "Depot Ltd", "source": "test", "disclosure": "national", "notes": "n",
        "inventory": [{"substance_name": "Chlorine", "cas_number": "7782-50-5", "max_quantity_kg": 20000}]}
IN_HUNGARY = {"country_iso3": "HUN", "lon": 19.04, "lat": 47.50}


@pytest.fixture
def client(db):
    RegisterService(db, SYSTEM).save(SITE, create=True)
    for name, role, kw in [("rs", "national", {"country": "SRB"}), ("hu", "national", {"country": "HUN"}),
                           ("icpdr", "basin", {}), ("op", "operator", {"establishment_id": SITE.id}),
                           ("op2", "operator", {"establishment_id": "RS-W-2"})]:
        users.create_user(db, name, role, **kw)
    tokens = {u: users.issue_token(db, u) for u in ("rs", "hu", "icpdr", "op", "op2")}
    with TestClient(create_app(Settings(database_url=db.url), db)) as c:
        c.tokens = tokens
        c.db = db
        yield c


def put(client, user, **changes):
    return client.put(f"/api/establishments/{SITE.id}", json={**BODY, **changes},
                      headers={"Authorization": f"Bearer {client.tokens[user]}"})


@pytest.mark.parametrize(("user", "changes", "words"), [
    ("op", IN_HUNGARY, ["may not move establishment 'RS-W-1' from SRB to HUN"]),
    ("op", {"disclosure": "public"}, ["may not change the disclosure level", "national to public"]),
    ("op", {"disclosure": "parties"}, ["may not change the disclosure level"]),
    ("op", {"operator": "Someone Else"}, ["may not change the operator"]),
    ("op", {**IN_HUNGARY, "disclosure": "public"}, ["from SRB to HUN", "disclosure level"]),
    ("op2", {"notes": "x"}, ["may not write establishment 'RS-W-1'"]),
    ("rs", IN_HUNGARY, ["may not move establishment 'RS-W-1' from SRB to HUN"]),
    ("hu", IN_HUNGARY, ["may not write establishment 'RS-W-1' of SRB"]),
    ("icpdr", {"notes": "x"}, ["may not write establishment"]),
])
def test_boundary_crossing_updates_are_refused(client, user, changes, words):
    r = put(client, user, **changes)
    assert r.status_code == 403, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert all(w in r.json()["detail"] for w in words), r.json()["detail"]
    stored, _ = RegisterService(client.db, SYSTEM).get(SITE.id)
    assert stored == SITE  # nothing written


@pytest.mark.parametrize(("user", "changes"), [
    ("op", {"notes": "updated by the operator", "name": "Write depot 2"}),
    ("rs", {"disclosure": "public", "operator": "New Owner Ltd", "notes": "ok"}),
])
def test_allowed_updates(client, user, changes):
    r = put(client, user, **changes)
    assert r.status_code == 200, r.text
    assert all(r.json()["properties"][k] == v for k, v in changes.items())


def test_operator_may_neither_create_nor_delete(client):
    headers = {"Authorization": f"Bearer {client.tokens['op2']}"}
    r = client.post("/api/establishments", json={**BODY, "id": "RS-W-2", "disclosure": "public"},
                    headers=headers)
    assert r.status_code == 403 and "may not create establishment 'RS-W-2'" in r.json()["detail"]
    r = client.delete(f"/api/establishments/{SITE.id}",
                      headers={"Authorization": f"Bearer {client.tokens['op']}"})
    assert r.status_code == 403 and "may not delete" in r.json()["detail"]


def test_national_may_not_create_abroad(client):
    r = client.post("/api/establishments", json={**BODY, "id": "HU-W-9", **IN_HUNGARY},
                    headers={"Authorization": f"Bearer {client.tokens['rs']}"})
    assert r.status_code == 403 and "may not write establishments of HUN" in r.json()["detail"]


def _file(tmp_path, e: Establishment):
    from hazatlas.formats.register_columns import COLUMNS
    from hazatlas.formats.tables import write_table

    path = tmp_path / "moved.csv"
    write_table(path, list(COLUMNS), to_rows(e, complete=True), "csv")
    return path


@pytest.mark.parametrize(("user", "changes", "field"), [
    ("op", IN_HUNGARY, "country"),
    ("op", {"disclosure": Disclosure.PUBLIC}, "disclosure"),
    ("op", {"operator": "Other Ltd"}, "operator"),
    ("rs", IN_HUNGARY, "country"),
    ("op2", {"notes": "x"}, "establishment_id"),
])
def test_import_refuses_with_row_and_field(client, tmp_path, user, changes, field):
    path = _file(tmp_path, dataclasses.replace(SITE, **changes))
    r = client.post("/api/import", files={"file": ("moved.csv", path.read_bytes(), "text/csv")},
                    headers={"Authorization": f"Bearer {client.tokens[user]}"})
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert errors and all(e["source"] == "moved.csv" and e["row"] == 2 for e in errors)
    assert field in {e["field"] for e in errors}
    stored, _ = RegisterService(client.db, SYSTEM).get(SITE.id)
    assert stored == SITE


def test_import_by_operator_of_its_own_content_is_allowed(client, tmp_path):
    path = _file(tmp_path, dataclasses.replace(SITE, notes="new notes"))
    r = client.post("/api/import", files={"file": ("own.csv", path.read_bytes(), "text/csv")},
                    headers={"Authorization": f"Bearer {client.tokens['op']}"})
    assert r.status_code == 200 and r.json()["updated"] == 1, r.text


def test_import_skip_invalid_leaves_out_the_refused_record(client, tmp_path):
    path = _file(tmp_path, dataclasses.replace(SITE, **IN_HUNGARY))
    r = client.post("/api/import", files={"file": ("moved.csv", path.read_bytes(), "text/csv")},
                    data={"skip_invalid": "true"},
                    headers={"Authorization": f"Bearer {client.tokens['op']}"})
    assert r.status_code == 200 and r.json()["updated"] == 0 and r.json()["rejected_rows"] == 1
    assert "row 2, column 'country'" in r.json()["problems"][0]


def test_cli_import_and_delete_apply_the_same_rule(sqlite_db, tmp_path):
    RegisterService(sqlite_db, SYSTEM).save(SITE, create=True)
    users.create_user(sqlite_db, "op", "operator", establishment_id=SITE.id)
    path = _file(tmp_path, dataclasses.replace(SITE, **IN_HUNGARY, disclosure=Disclosure.PUBLIC))
    r = CliRunner().invoke(cli_app, ["register", "import", str(path), "--db", sqlite_db.url,
                                     "--as", "op", "--json"])
    assert r.exit_code == 2
    assert "moved.csv, row 2, column 'country'" in r.output
    assert "moved.csv, row 2, column 'disclosure'" in r.output
    r = CliRunner().invoke(cli_app, ["register", "delete", SITE.id, "--db", sqlite_db.url, "--as", "op"])
    assert r.exit_code == 2 and "may not delete" in r.output
    r = CliRunner().invoke(cli_app, ["register", "show", SITE.id, "--db", sqlite_db.url, "--json"])
    assert json.loads(r.stdout)["properties"]["country_iso3"] == "SRB"
