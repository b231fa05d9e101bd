"""An uploaded register file is named in every message by the client's file name, passed to
the import as its source name (not by the server's temporary file, renamed afterwards)."""

from __future__ import annotations

import pytest

from hazatlas.domain.access import SYSTEM
from hazatlas.services.register import RegisterService

from .conftest import auth


def _post(client, name, content, **data):
    return client.post("/api/import", files={"file": (name, content, "application/octet-stream")},
                       data=data, headers=auth(client, "admin"))


def _no_server_path(text):
    return "upload" not in text and "/tmp" not in text and "hazatlas-import" not in text


@pytest.mark.parametrize(("name", "content", "says"), [
    ("Register 2026.csv", b"establishment_id,name\n\"open", "not readable as CSV"),
    ("sites.xlsx", b"not a zip", "xlsx"),
    ("sites.gpkg", b"not sqlite", "gpkg"),
    ("sites.geojson", b"{", "not valid GeoJSON"),
    ("notes.txt", b"x", "unknown file type '.txt'"),
])
def test_unreadable_upload_is_named_by_the_clients_name(client, name, content, says):
    r = _post(client, name, content)
    assert r.status_code == 422, r.text
    body = r.json()
    assert {e["source"] for e in body["errors"]} == {name}
    assert says.lower() in body["detail"].lower() and _no_server_path(r.text)


def test_row_problems_and_rejects_name_the_upload(client, sample_rows, make_csv):
    rows = [dict(sample_rows[3], establishment_id="UA-X-1", unit="bags")]
    content = make_csv(rows).read_bytes()
    r = _post(client, "my sites.csv", content)
    assert r.status_code == 422
    assert r.json()["errors"][0]["source"] == "my sites.csv" and _no_server_path(r.text)
    r = _post(client, "my sites.csv", content, skip_invalid="true")
    assert r.status_code == 200
    assert r.json()["file"] == "my sites.csv"
    assert r.json()["problems"] and all(p.startswith("my sites.csv") for p in r.json()["problems"])
    assert _no_server_path(r.text)


def test_history_names_the_uploaded_file(client, db, sample_rows, make_csv):
    rows = [dict(r, establishment_id=f"{r['establishment_id']}-UP") for r in sample_rows[:1]]
    r = _post(client, "batch 7.csv", make_csv(rows).read_bytes())
    assert r.status_code == 200, r.text
    (entry,) = RegisterService(db, SYSTEM).history(rows[0]["establishment_id"])
    assert entry.context == "import batch 7.csv"


def test_import_file_names_its_source(db, sample_csv):
    report = RegisterService(db, SYSTEM).import_file(sample_csv, source="from the client.csv")
    assert report.file == "from the client.csv"
    assert RegisterService(db, SYSTEM).import_file(sample_csv).file == sample_csv.name
