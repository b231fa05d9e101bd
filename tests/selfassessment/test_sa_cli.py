"""``hazatlas implementation …`` on a SQLite file: the worked Serbian example of
docs/self-assessment.md (example data)."""

from __future__ import annotations

import json

import lxml.html
from typer.testing import CliRunner

from hazatlas.cli.main import app
from hazatlas.domain.access import SYSTEM
from hazatlas.services import geodata, users
from hazatlas.services.assessments import classify_register
from hazatlas.services.register import RegisterService
from hazatlas.storage.db import Database

from .conftest import SITES, Exercises

runner = CliRunner()
AT = "2026-03-02T10:00:00+01:00"


def impl(db_path, *args, user="rs"):
    return runner.invoke(app, ["implementation", *args, "--db", str(db_path), "--as", user])


def test_serbian_example(tmp_path, no_exercises):
    path = tmp_path / "cli.sqlite"
    db = Database(path)
    db.migrate()
    geodata.load_geodata(db, rivers=True)
    for e in SITES:
        RegisterService(db, SYSTEM).save(e, create=True)
    users.create_user(db, "rs", "national", country="SRB")
    users.create_user(db, "ro", "national", country="ROU")
    db.dispose()

    r = impl(path, "assessment", "create", "SRB", "2026", "--from", "2025-01-01", "--to",
             "2026-12-31", "--at", AT)
    assert r.exit_code == 0, r.output
    # the counts follow the stored classification (whose Annex I values the tests do not pin)
    db = Database(path)
    rows = classify_register(db, SYSTEM, country="SRB")
    db.dispose()
    hazardous = [x for x in rows if x["convention_hazardous_activity"]]
    shared = [x for x in hazardous if x["transboundary_effects_possible"]
              and x["establishment_id"] in {e.id for e in SITES
                                            if e.disclosure in ("parties", "public")}]
    assert hazardous  # the example has activities to count
    assert f"Hazardous activities identified (Annex I): {len(hazardous)} " in r.stdout
    assert (f"Of which made known to the other Parties in the shared register: {len(shared)} "
            in r.stdout)
    assert "Exercises held: not yet available" in r.stdout
    r = impl(path, "assessment", "set", "SRB", "2026", "ID1", "--level", "3", "--evidence",
             "Register kept in hazatlas; 2 activities identified")
    assert r.exit_code == 0 and "version 2" in r.stdout
    r = impl(path, "assessment", "show", "SRB", "2026", "--json")
    assert json.loads(r.stdout)["areas"][0]["indicators"][0]["level"] == 3
    r = impl(path, "assessment", "show", "SRB", "2026", user="ro")
    assert r.exit_code == 2 and "not found" in r.output

    r = impl(path, "actions", "add", "SRB", "--indicator", "NO1", "--title",
             "Notify Romania and Bulgaria of the Prahovo chlorine store", "--responsible",
             "Ministry of Environmental Protection", "--due", "2026-02-28", "--assistance",
             "Advice on the Annex III notification", "--at", AT)
    assert r.exit_code == 0 and "OVERDUE" in r.stdout
    improvements = tmp_path / "improvements.json"
    improvements.write_text(json.dumps(Exercises().actions), encoding="utf-8")
    r = impl(path, "actions", "import", "SRB", "--file", str(improvements))
    assert r.exit_code == 0 and "created 1, updated 0, unchanged 0" in r.stdout
    r = impl(path, "actions", "import", "SRB", "--file", str(improvements))
    assert "created 0, updated 0, unchanged 1" in r.stdout
    r = impl(path, "actions", "list", "SRB", "--at", AT)
    assert "2 overdue as of 2026-03-02" in r.stdout
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": 1}', encoding="utf-8")
    r = impl(path, "actions", "import", "SRB", "--file", str(bad))
    assert r.exit_code == 2 and "expected a JSON list of objects" in r.output

    r = impl(path, "report", "create", "SRB", "11th", "--from", "2023-01-01", "--to",
             "2026-12-31", "--language", "sr", "--language", "en", "--at", AT)
    assert r.exit_code == 0, r.output
    text = tmp_path / "prevention-sr.txt"
    text.write_text("Inspekcija rada obavila je nadzor nad oba postrojenja višeg razreda.",
                    encoding="utf-8")
    assert impl(path, "report", "text", "SRB", "11th", "prevention", "--language", "sr",
                "--file", str(text)).exit_code == 0
    r = impl(path, "report", "sign-off", "SRB", "11th", "--version", "2", "--at", AT)
    assert r.exit_code == 0 and "signed off by rs 2026-03-02" in r.stdout
    out = tmp_path / "report-sr.html"
    r = impl(path, "report", "export", "SRB", "11th", "--format", "html", "--language", "sr",
             "-o", str(out))
    assert r.exit_code == 0
    page = lxml.html.fromstring(out.read_text(encoding="utf-8"))
    assert page.get("lang") == "sr"
    r = impl(path, "report", "history", "SRB", "11th")
    assert r.stdout.count("\n") == 3 and "sign_off" in r.stdout
