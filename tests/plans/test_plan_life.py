"""A plan's life on a controlled clock, its versions, audit and diff; SQLite and PostGIS."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.plans.conftest import T0

from hazatlas.domain.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from hazatlas.services import plans
from hazatlas.storage import repositories as repo

DAY = dt.timedelta(days=1)


def test_draft_agreed_by_each_party_adopted_then_review_due(db, people, plan):
    assert plan["status"] == "draft" and plan["version"] == 1
    plans.edit_section(db, people["md"], "danube-delta", "scope",
                       text={"ro": "Poluare accidentală a Dunării.", "en": "Accidental pollution."})
    p = plans.agree(db, people["md"], "danube-delta", now=T0)
    assert [s["state"] for s in p["states"]] == ["agreed", "draft", "draft"]
    with pytest.raises(ConflictError, match="still draft: ROU, UKR"):
        plans.adopt(db, people["md"], "danube-delta", now=T0)
    plans.agree(db, people["ro"], "danube-delta", now=T0 + DAY)
    p = plans.agree(db, people["ua"], "danube-delta", now=T0 + 2 * DAY)
    assert p["status"] == "agreed" and {s["version"] for s in p["states"]} == {2}
    with pytest.raises(ConflictError, match="UKR has already agreed version 2"):
        plans.agree(db, people["ua"], "danube-delta", now=T0 + 2 * DAY)
    for who in ("md", "ro"):
        p = plans.adopt(db, people[who], "danube-delta", now=T0 + 10 * DAY)
        assert p["status"] == "agreed" and p["adopted_version"] is None
    p = plans.adopt(db, people["ua"], "danube-delta", now=T0 + 12 * DAY)
    assert p["status"] == "adopted" and p["adopted_version"] == 2
    assert p["review_due_on"] == "2029-03-14"  # 36 months after 2026-03-14
    on_the_eve = dt.datetime(2029, 3, 13, 23, 0, tzinfo=dt.UTC)
    assert plans.get(db, people["md"], "danube-delta", now=on_the_eve)["status"] == "adopted"
    due = dt.datetime(2029, 3, 14, 0, 0, tzinfo=dt.UTC)
    assert plans.get(db, people["md"], "danube-delta", now=due)["status"] == "review_due"
    assert [r["status"] for r in plans.list_plans(db, people["ro"], now=due)] == ["review_due"]


def test_review_requested_by_a_party_and_edit_reopens_the_draft(db, people, plan):
    for who in ("md", "ro", "ua"):
        plans.agree(db, people[who], "danube-delta", now=T0)
    for who in ("md", "ro", "ua"):
        plans.adopt(db, people[who], "danube-delta", now=T0)
    p = plans.request_review(db, people["ro"], "danube-delta", "exercise of 2 September: "
                             "contacts changed", now=T0 + DAY)
    assert p["status"] == "review_due" and p["review_requests"][0]["party"] == "ROU"
    p = plans.edit_section(db, people["ro"], "danube-delta", "alerting_notification",
                           text={"ro": "Avertizare timpurie."})
    assert p["status"] == "draft" and p["version"] == 2 and p["adopted_version"] == 1
    assert all(s["state"] == "draft" for s in p["states"])


def test_every_save_is_a_revision_and_audited(db, people, plan):
    plans.edit_section(db, people["md"], "danube-delta", "scope", text={"en": "One."})
    plans.agree(db, people["md"], "danube-delta", now=T0)
    revs = plans.revisions(db, people["ro"], "danube-delta")
    assert [(r["revision"], r["version"], r["action"]) for r in revs] == [
        (1, 1, "create"), (2, 2, "edit_section"), (3, 2, "agree")]
    with db.transaction() as s:
        log = repo.history(s, "danube-delta", "plan")
    assert [(e.action, e.actor) for e in log] == [("create", "md"), ("edit_section", "md"),
                                                  ("agree", "md")]
    assert log[2].changes["state"] == ["draft", "agreed"]


def test_diff_per_section_and_language(db, people, plan):
    plans.edit_section(db, people["md"], "danube-delta", "scope",
                       text={"ro": "Poluare.\nFaze: pregătire.", "en": "Pollution."})
    plans.edit_section(db, people["md"], "danube-delta", "scope",
                       text={"ro": "Poluare.\nFaze: pregătire, răspuns.", "en": ""},
                       covers=["P1", "P2"])
    plans.link(db, people["md"], "danube-delta", "scope", "establishment", "MD-GIU-OIL")
    d = plans.diff(db, people["ua"], "danube-delta", 2, 4)
    assert (d["from_version"], d["to_version"]) == (2, 4)
    [scope] = d["sections"]
    texts = {t["language"]: t for t in scope["text"]}
    assert texts["en"]["change"] == "removed" and texts["ro"]["change"] == "changed"
    assert "-Faze: pregătire." in texts["ro"]["diff"]
    assert "+Faze: pregătire, răspuns." in texts["ro"]["diff"]
    assert scope["links_added"] == [{"kind": "establishment", "target": "MD-GIU-OIL"}]
    assert scope["covers_added"] == ["P1", "P2"]
    assert plans.diff(db, people["ua"], "danube-delta", 4, 4)["sections"] == []
    with pytest.raises(NotFoundError, match="no version 9"):
        plans.diff(db, people["ua"], "danube-delta", 1, 9)


def test_bad_input_names_the_field(db, people, plan):
    with pytest.raises(ValidationError) as err:
        plans.create(db, people["md"], plan_id="x y", title=" ", area_kind="river", area="A",
                     form="treaty", parties=["MDA", "md"], languages=["RO"],
                     review_interval_months=0)
    fields = {p.field for p in err.value.problems}
    assert fields == {"id", "title", "area_kind", "form", "parties", "languages",
                      "review_interval_months"}
    with pytest.raises(ConflictError, match="already exists"):
        plans.create(db, people["md"], plan_id="danube-delta", title="t", area_kind="basin",
                     area="a", form="joint_plan", parties=["MDA", "ROU"], languages=["ro"],
                     review_interval_months=12)
    with pytest.raises(ValidationError, match="'de' is not a language of the plan"):
        plans.edit_section(db, people["md"], "danube-delta", "scope", text={"de": "x"})
    with pytest.raises(ValidationError, match="unknown section 'annex'"):
        plans.edit_section(db, people["md"], "danube-delta", "annex", text={"ro": "x"})
    with pytest.raises(ValidationError, match="'alarm' is not a report type"):
        plans.link(db, people["md"], "danube-delta", "scope", "report_type", "alarm")
    with pytest.raises(ValidationError, match="'site' is not one of"):
        plans.link(db, people["md"], "danube-delta", "scope", "site", "MD-GIU-OIL")
    with pytest.raises(NotFoundError, match="establishment 'NOPE' not found"):
        plans.link(db, people["md"], "danube-delta", "scope", "establishment", "NOPE")
    with pytest.raises(NotFoundError, match="plan 'nope' not found"):
        plans.get(db, people["md"], "nope")
    with pytest.raises(PermissionDeniedError, match="names the Party"):
        plans.agree(db, people["admin"], "danube-delta", now=T0)
    with pytest.raises(ValidationError, match="'SRB' is not a Party"):
        plans.agree(db, people["admin"], "danube-delta", "SRB", now=T0)
    with pytest.raises(ValidationError, match="UTC offset"):
        plans.agree(db, people["md"], "danube-delta", now=dt.datetime(2026, 1, 1))
    assert plans.get(db, people["md"], "danube-delta")["version"] == 1  # nothing was written


def test_unstorable_text_is_refused_naming_the_field(db, people, plan):
    with pytest.raises(ValidationError, match=r"sections\[0\]\.text\.ro"):
        plans.edit_section(db, people["md"], "danube-delta", "scope", text={"ro": "a\x00b"})
    assert plans.get(db, people["md"], "danube-delta")["version"] == 1
