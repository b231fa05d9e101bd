"""The demo database holds the Danube Delta example plan (``services/plans/demo.py``), marked as
example data, linked to the demo directory and register; preparing the demo again adds nothing."""

from __future__ import annotations

from hazatlas.cli.demo import prepare_demo
from hazatlas.domain.access import ANONYMOUS, SYSTEM
from hazatlas.services import plans
from hazatlas.services.register import RegisterService
from hazatlas.storage.db import Database


def test_demo_holds_the_example_plan(tmp_path):
    path = tmp_path / "demo.sqlite"
    assert prepare_demo(path)["plans"] == 1
    db = Database(path)
    doc = plans.get(db, SYSTEM, "danube-delta")
    assert doc["title"].endswith("(example)") and doc["parties"] == ["MDA", "ROU", "UKR"]
    assert doc["status"] == "draft"
    assert [(s["party"], s["state"]) for s in doc["states"]] == [
        ("MDA", "agreed"), ("ROU", "agreed"), ("UKR", "draft")]
    sections = {s["key"]: s for s in doc["sections"]}
    assert all(t.startswith(("Example text", "Text de exemplu", "Приклад тексту"))
               for s in sections.values() for t in s["text"].values())
    (site,) = sections["scope"]["links"]
    assert site["target"] == "MD-GIU-OIL" and site["name"].endswith("(example entry)")
    contacts = [lk for lk in sections["alerting_notification"]["links"] if lk["kind"] == "contact"]
    assert [c["escalation_order"] for c in contacts] == [1, 1, 1] and not any(
        c.get("missing") for c in contacts)
    e, _ = RegisterService(db, SYSTEM).get("MD-GIU-OIL")
    assert "not register data" in (e.notes or "")
    public = plans.get(db, ANONYMOUS, "danube-delta")
    assert {s["key"] for s in public["sections"]} == {"scope", "alerting_notification"}
    db.dispose()
    assert prepare_demo(path)["plans"] == 0


def test_a_site_link_keeps_its_kind(tmp_path):
    """The resolved site's kind is ``site_kind``; the link's ``kind`` stays ``establishment``."""
    path = tmp_path / "demo.sqlite"
    prepare_demo(path)
    db = Database(path)
    (site,) = plans.get(db, SYSTEM, "danube-delta")["sections"][0]["links"]
    assert site["kind"] == "establishment" and site["site_kind"] == "industrial"
    db.dispose()
