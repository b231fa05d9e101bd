"""Bodies of the policy dialogue: a steering committee with members, a meeting with agenda,
participants, decisions and actions (each linkable to the national action plan), overdue
actions flagged; only the country's authority reads and writes; every write audited."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.dialogue.conftest import T0

from hazatlas.domain.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from hazatlas.services.dialogue import bodies
from hazatlas.storage.tables import ChangeRow

MEMBERS = [{"name": "Ministry of Environment (example)", "role": "chair", "sector": "authority"},
           {"name": "Terminal SA (example)", "sector": "operator"},
           {"name": "Eco-Giurgiulesti (example)", "sector": "civil_society"}]


def test_a_steering_committee_meets_and_decides(db, people):
    md = people["md"]
    body = bodies.create_body(db, md, body_id="md-steering", country_iso3="MDA",
                              kind="steering_committee", name="National steering committee "
                              "on industrial safety (example)", members=MEMBERS)
    assert [m["sector"] for m in body["members"]] == ["authority", "operator", "civil_society"]
    meeting = bodies.add_meeting(
        db, md, "md-steering", held_on=dt.date(2026, 3, 2), title="First meeting",
        agenda=["Self-assessment results", "Action plan"], participants=["A", "B"],
        decisions=["Adopt the identification procedure"],
        actions=[{"title": "Draft the identification procedure", "responsible": "Ministry",
                  "due_on": dt.date(2026, 3, 31), "action_plan_ref": "AP-MDA-2026/1.2"},
                 {"title": "Publish the register", "responsible": "Agency",
                  "due_on": dt.date(2026, 6, 30)}])
    assert [a["action_plan_ref"] for a in meeting["actions"]] == ["AP-MDA-2026/1.2", None]
    first = meeting["actions"][0]["id"]
    later = T0 + dt.timedelta(days=60)  # 2026-05-01: the first action is overdue
    overdue = bodies.list_actions(db, md, overdue_only=True, now=later)
    assert [a["id"] for a in overdue] == [first]
    assert overdue[0]["body_id"] == "md-steering" and overdue[0]["country_iso3"] == "MDA"
    bodies.update_action(db, md, first, {"status": "done"})
    assert bodies.list_actions(db, md, overdue_only=True, now=later) == []
    shown = bodies.get_body(db, md, "md-steering")
    assert [len(m["actions"]) for m in shown["meetings"]] == [2]
    with db.transaction() as s:
        entries = [(r.entity_type, r.action) for r in s.query(ChangeRow).filter(
            ChangeRow.entity_type.like("dialogue_%")).order_by(ChangeRow.id)]
    assert entries == [("dialogue_body", "create"), ("dialogue_meeting", "create"),
                       ("dialogue_action", "create"), ("dialogue_action", "create"),
                       ("dialogue_action", "update")]


def test_only_the_countrys_authority(db, people):
    bodies.create_body(db, people["md"], body_id="md-wg", country_iso3="MDA",
                       kind="working_group", name="Working group (example)")
    with pytest.raises(PermissionDeniedError):
        bodies.create_body(db, people["ro"], body_id="x", country_iso3="MDA",
                           kind="working_group", name="x")
    for who in ("ro", "ngo", "icpdr"):
        with pytest.raises(NotFoundError):
            bodies.get_body(db, people[who], "md-wg")
        assert bodies.list_bodies(db, people[who]) == []
    with pytest.raises(PermissionDeniedError):
        bodies.add_meeting(db, people["ro"], "md-wg", held_on=dt.date(2026, 1, 1), title="x")
    assert [b["id"] for b in bodies.list_bodies(db, people["admin"])] == ["md-wg"]
    with pytest.raises(ConflictError):
        bodies.create_body(db, people["md"], body_id="md-wg", country_iso3="MDA",
                           kind="working_group", name="again")


def test_bad_input_names_the_field(db, people):
    with pytest.raises(ValidationError) as e:
        bodies.create_body(db, people["md"], body_id="md x", country_iso3="MDA", kind="x",
                           name="")
    assert [p.field for p in e.value.problems] == ["id"]
    with pytest.raises(ValidationError) as e:
        bodies.create_body(db, people["md"], body_id="b", country_iso3="MDA", kind="council",
                           name="", members=[{"name": "A", "sector": "press"}])
    assert {p.field for p in e.value.problems} == {"kind", "name"}
    with pytest.raises(ValidationError, match=r"members\[0\].sector"):
        bodies.create_body(db, people["md"], body_id="b", country_iso3="MDA",
                           kind="other", name="B", members=[{"name": "A", "sector": "press"}])
    bodies.create_body(db, people["md"], body_id="b", country_iso3="MDA", kind="other", name="B")
    with pytest.raises(ValidationError, match=r"actions\[0\].status"):
        bodies.add_meeting(db, people["md"], "b", held_on=dt.date(2026, 1, 1), title="M",
                           actions=[{"title": "t", "responsible": "r", "status": "late"}])


def test_an_action_links_to_the_national_action_plan(db, people):
    """A number in ``action_plan_ref`` names an action of the country's action plan (issue 17:
    the dialogue's actions linked to the action plan); it must be one of the country's."""
    from hazatlas.services.selfassessment import actions as action_plan

    md, ro = people["md"], people["ro"]
    planned = action_plan.add(db, md, "MDA", {
        "indicator_id": "ID1", "title": "Adopt the identification procedure (example)",
        "responsible_authority": "Ministry of Environment", "due_on": "2026-06-30"})
    romanian = action_plan.add(db, ro, "ROU", {
        "indicator_id": "ID1", "title": "Romanian action (example)",
        "responsible_authority": "ANPM", "due_on": "2026-06-30"})
    bodies.create_body(db, md, body_id="md-steering", country_iso3="MDA",
                       kind="steering_committee", name="Steering committee (example)",
                       members=MEMBERS)
    meeting = bodies.add_meeting(
        db, md, "md-steering", held_on=dt.date(2026, 3, 2), title="First meeting",
        actions=[{"title": "Draft the procedure", "responsible": "Ministry",
                  "action_plan_ref": str(planned["id"])},
                 {"title": "Ask the ICPDR", "responsible": "Agency",
                  "action_plan_ref": "ICPDR work plan 2026"}])
    linked, outside = meeting["actions"]
    assert linked["action_plan"] == {"id": planned["id"], "indicator_id": "ID1",
                                     "title": "Adopt the identification procedure (example)",
                                     "status": "planned", "due_on": "2026-06-30"}
    assert "action_plan" not in outside  # outside text is kept as it is
    listed = {a["title"]: a for a in bodies.list_actions(db, md)}
    assert listed["Draft the procedure"]["action_plan"]["id"] == planned["id"]
    for ref in (str(romanian["id"]), "999999"):  # another country's action, or none
        with pytest.raises(ValidationError, match="action_plan_ref.*no action"):
            bodies.add_action(db, md, meeting["id"], {"title": "x", "responsible": "y",
                                                      "action_plan_ref": ref})
        with pytest.raises(ValidationError, match="action_plan_ref"):
            bodies.update_action(db, md, outside["id"], {"action_plan_ref": ref})
    assert bodies.update_action(db, md, outside["id"], {"action_plan_ref": str(planned["id"])})[
        "action_plan"]["id"] == planned["id"]
