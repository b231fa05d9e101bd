"""The action plan: actions per indicator, overdue ones flagged on a controlled clock, and the
actions of an exercise's improvement plan imported idempotently; access and the change log.
SQLite and PostGIS."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from hazatlas.domain.errors import NotFoundError, PermissionDeniedError, ValidationError
from hazatlas.services.selfassessment import actions

from .conftest import T0, Exercises


def test_action_plan_with_overdue_actions(db, people):
    a = actions.add(db, people["rs"], "SRB", {
        "indicator_id": "RM4", "title": "24/7 duty roster for the IAN point of contact",
        "responsible_authority": "Sector for Emergency Management", "start_on": "2026-01-15",
        "due_on": "2026-03-01", "resources": "2 duty officers",
        "assistance_requested": "IAN System training"}, now=T0)
    assert a["status"] == "planned" and a["overdue"] is True  # due 1 March, clock 2 March
    actions.add(db, people["rs"], "SRB", {"indicator_id": "PI1", "title": "Public pages",
                                          "responsible_authority": "Ministry of Environmental "
                                          "Protection", "due_on": "2026-12-31"}, now=T0)
    plan = actions.list_actions(db, people["rs"], "SRB", now=T0)
    assert plan["overdue"] == 1 and [x["indicator_id"] for x in plan["actions"]] == ["PI1", "RM4"]
    assert plan["by_indicator"]["RM4"] == [a["id"]]
    earlier = actions.list_actions(db, people["rs"], "SRB", now=T0 - dt.timedelta(days=2))
    assert earlier["overdue"] == 0
    done = actions.update(db, people["rs"], "SRB", a["id"], {"status": "done"}, now=T0)
    assert done["overdue"] is False
    assert actions.list_actions(db, people["rs"], "SRB", overdue_only=True, now=T0)["actions"] == []
    with db.transaction() as s:
        log = s.execute(text("SELECT action, actor, changes FROM change_log "
                             "WHERE entity_type = 'action' ORDER BY id")).all()
    assert [(r[0], r[1]) for r in log] == [("create", "rs"), ("create", "rs"), ("update", "rs")]


def test_bad_action_names_each_field(db, people):
    with pytest.raises(ValidationError) as exc:
        actions.add(db, people["rs"], "SRB", {"indicator_id": "XX9", "title": "t",
                                              "responsible_authority": "r",
                                              "start_on": "2026-05-01", "due_on": "2026-04-31",
                                              "status": "someday", "colour": "red"})
    fields = sorted(p.field for p in exc.value.problems)
    assert fields == ["colour", "due_on", "indicator_id", "status"]
    with pytest.raises(ValidationError) as exc:
        actions.add(db, people["rs"], "SRB", {"indicator_id": "PP1", "title": "t",
                                              "responsible_authority": "r",
                                              "start_on": "2026-05-01", "due_on": "2026-04-01"})
    assert "before the start" in str(exc.value)


def test_improvement_plan_lands_in_the_action_plan_once(db, people):
    records = Exercises().actions + [{
        "id": "ip-2", "exercise_id": "ex-1", "text": "Agree the Romanian-Serbian message "
        "template", "plan_id": "danube-iron-gate", "plan_section": "mutual_assistance",
        "responsible_party": "IGSU", "due": dt.date(2026, 9, 30), "status": "in progress"}]
    got = actions.import_improvements(db, people["rs"], "SRB", records, now=T0)
    assert (got["created"], got["updated"], got["unchanged"]) == (2, 0, 0)
    by_ref = {a["source_ref"]: a for a in got["actions"]}
    ip1 = by_ref["ip-1"]
    assert (ip1["exercise_id"], ip1["plan_id"], ip1["plan_section"]) == (
        "ex-1", "danube-iron-gate", "alerting_notification")
    assert ip1["indicator_id"] == "RM1" and ip1["source"] == "exercise" and ip1["overdue"]
    assert by_ref["ip-2"]["indicator_id"] == "RM3" and by_ref["ip-2"]["status"] == "in_progress"
    again = actions.import_improvements(db, people["rs"], "SRB", records, now=T0)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    records[0] = {**records[0], "status": "closed"}
    third = actions.import_improvements(db, people["rs"], "SRB", records, now=T0)
    assert (third["created"], third["updated"], third["unchanged"]) == (0, 1, 1)
    plan = actions.list_actions(db, people["rs"], "SRB", now=T0)
    assert len(plan["actions"]) == 2 and plan["overdue"] == 0
    assert {a["id"] for a in plan["actions"]} == {a["id"] for a in got["actions"]}


def test_bad_improvement_records_write_nothing(db, people):
    bad = [{"id": "ip-1", "exercise_id": "ex-1", "text": "x", "due": "2026-02-30"},
           {"id": "ip-1", "exercise_id": "", "text": "y", "due": "2026-03-01", "status": "??"}]
    with pytest.raises(ValidationError) as exc:
        actions.import_improvements(db, people["rs"], "SRB", bad)
    where = sorted((p.row, p.field) for p in exc.value.problems)
    assert where == [(1, "due"), (2, "exercise_id"), (2, "id"), (2, "status")]
    assert actions.list_actions(db, people["rs"], "SRB")["actions"] == []


def test_action_plan_is_the_countrys_own(db, people):
    a = actions.add(db, people["rs"], "SRB", {"indicator_id": "ID1", "title": "t",
                                              "responsible_authority": "r",
                                              "due_on": "2026-06-30"})
    for who in ("ro", "icpdr"):
        with pytest.raises(NotFoundError):
            actions.list_actions(db, people[who], "SRB")
        with pytest.raises(PermissionDeniedError):
            actions.update(db, people[who], "SRB", a["id"], {"status": "done"})
        with pytest.raises(PermissionDeniedError):
            actions.import_improvements(db, people[who], "SRB", Exercises().actions)
    with pytest.raises(NotFoundError):  # an action of Serbia is not Romania's to change
        actions.update(db, people["ro"], "ROU", a["id"], {"status": "done"})
    assert actions.list_actions(db, people["admin"], "SRB")["actions"][0]["id"] == a["id"]
