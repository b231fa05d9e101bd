"""Who may read and play an exercise: each country its part, staff their roles, nobody else
anything (an exercise of other countries is not found); bad input names the field."""

from __future__ import annotations

import pytest
from tests.exercises.conftest import ACCIDENT

from hazatlas.domain.access import ANONYMOUS
from hazatlas.domain.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from hazatlas.services import exercises, users


@pytest.fixture
def ex(db, people, plan):
    exercises.create(db, people["md"], exercise_id="dd", title="Danube Delta (example)",
                     type="table_top", parties=["MDA", "ROU", "UKR"], plan_id="danube-delta",
                     accident=ACCIDENT, staff=[("icpdr", "evaluator")])
    exercises.add_objective(db, people["md"], "dd", objective_id="O1", area="notification",
                            text="Warn", tasks=["Issue the early warning"])
    exercises.add_inject(db, people["md"], "dd", inject_id="I1", offset_s=0, synopsis="Spill",
                         from_party="MDA")
    return "dd"


def test_readers(db, people, ex):
    for who in ("admin", "md", "ro", "ua", "icpdr"):
        assert exercises.get(db, people[who], ex)["id"] == ex
    for principal in (people["rs"], ANONYMOUS):
        with pytest.raises(NotFoundError):
            exercises.get(db, principal, ex)
        assert exercises.list_exercises(db, principal) == []
    assert [e["id"] for e in exercises.list_exercises(db, people["ro"])] == [ex]


def test_creation_is_for_the_parties_and_staff_must_belong(db, people, plan):
    with pytest.raises(PermissionDeniedError):
        exercises.create(db, people["rs"], exercise_id="x", title="x", type="table_top",
                         parties=["MDA", "ROU"])
    with pytest.raises(PermissionDeniedError, match="cannot be controller"):
        exercises.create(db, people["md"], exercise_id="x", title="x", type="table_top",
                         parties=["MDA", "ROU"], staff=[("rs", "controller")])
    with pytest.raises(NotFoundError):  # a plan the creator cannot see
        exercises.create(db, people["md"], exercise_id="x", title="x", type="table_top",
                         parties=["MDA"], plan_id="no-such-plan")
    with pytest.raises(ValidationError) as bad:
        exercises.create(db, people["md"], exercise_id="bad id", title=" ", type="tabletop",
                         parties=["MDA", "md"], ack_window_s=5)
    assert {p.field for p in bad.value.problems} == {"id", "title", "type", "parties",
                                                     "ack_window_s"}


def test_roles_in_play(db, people, settings, clock, ex):
    ro, icpdr, md = people["ro"], people["icpdr"], people["md"]
    with pytest.raises(PermissionDeniedError, match="controllers"):
        exercises.start(db, ro, settings, ex, clock=clock.at(0))
    with pytest.raises(ConflictError, match="not started"):
        exercises.log(db, ro, settings, ex, kind="action", text="x", clock=clock.at(0))
    exercises.start(db, md, settings, ex, clock=clock.at(0))
    with pytest.raises(ConflictError):
        exercises.start(db, md, settings, ex, clock=clock.at(1))
    with pytest.raises(PermissionDeniedError):
        exercises.release(db, ro, settings, ex, "I1", clock=clock.at(1))
    with pytest.raises(PermissionDeniedError):
        exercises.add_inject(db, ro, ex, inject_id="I9", offset_s=60, synopsis="x",
                             from_party="ROU")
    got = exercises.log(db, ro, settings, ex, kind="action", text="Booms out", clock=clock.at(2))
    entry = got["exercise"]["journal"][-1]
    assert (entry["party"], entry["scenario_s"], entry["kind"]) == ("ROU", 120.0, "action")
    with pytest.raises(PermissionDeniedError, match="staff"):
        exercises.log(db, ro, settings, ex, kind="note", text="x", clock=clock.at(3))
    with pytest.raises(NotFoundError):
        exercises.log(db, people["rs"], settings, ex, kind="action", text="x", clock=clock.at(3))
    exercises.log(db, icpdr, settings, ex, kind="note", text="seen", clock=clock.at(3))
    with pytest.raises(PermissionDeniedError, match="evaluators"):
        exercises.rate(db, ro, ex, target="O1", rating="P")
    with pytest.raises(ValidationError, match="evidence"):
        exercises.rate(db, icpdr, ex, target="O1", rating="M")
    with pytest.raises(ValidationError, match="no journal entry 99"):
        exercises.rate(db, icpdr, ex, target="O1", rating="M", evidence=[99])
    with pytest.raises(ValidationError, match="no critical task"):
        exercises.rate(db, icpdr, ex, target="O1/T7", rating="P")
    exercises.rate(db, icpdr, ex, target="O1/T1", rating="P")
    with pytest.raises(ValidationError) as bad:
        exercises.feedback(db, ro, ex, {"overall": 9, "nope": "x"})
    assert {p.field for p in bad.value.problems} == {"answers.overall", "answers.nope"}
    exercises.feedback(db, ro, ex, {"overall": "5"})
    with pytest.raises(ConflictError):
        exercises.feedback(db, ro, ex, {"overall": 4})
    with pytest.raises(ValidationError) as bad:
        exercises.add_action(db, md, ex, text="x", plan_id="danube-delta", section="nowhere",
                             responsible="SRB", due="soon")
    assert {p.field for p in bad.value.problems} == {"section", "responsible", "due"}
    exercises.add_action(db, md, ex, text="Fix the call-out list", plan_id="danube-delta",
                         section="communication", responsible="UKR", due="2016-01-31")
    with pytest.raises(PermissionDeniedError, match="UKR is responsible"):
        exercises.set_action_status(db, ro, ex, "A1", "done")
    assert exercises.set_action_status(db, people["ua"], ex, "A1",
                                       "in_progress")["actions"][0]["status"] == "in_progress"
    exercises.end(db, md, ex, clock=clock.at(30))
    with pytest.raises(ConflictError, match="ended"):
        exercises.log(db, ro, settings, ex, kind="action", text="late", clock=clock.at(31))


def test_every_write_is_in_the_history(db, people, ex):
    from hazatlas.storage import repositories as repo

    with db.transaction() as s:
        actions = [e.action for e in repo.history(s, ex, "exercise")]
    assert actions[:3] == ["create", "add_objective", "add_inject"]


def test_operator_and_public_cannot_create(db, people):
    users.create_user(db, "pub", "public")
    with pytest.raises(PermissionDeniedError):
        exercises.create(db, users.principal_for_user(db, "pub"), exercise_id="x", title="x",
                         type="table_top", parties=["MDA"])


def test_reference_tables_match_the_code():
    from hazatlas.domain.exercises.model import ExerciseType
    from hazatlas.domain.reference import load_table

    assert {r["type"] for r in load_table("exercise_types")} == {str(t) for t in ExerciseType}
    assert [r["rating"] for r in load_table("exercise_ratings")] == ["P", "S", "M", "U"]
    assert {r["kind"] for r in load_table("exercise_feedback_questions")} <= {"scale_1_5", "text"}


def test_arrival_times_of_a_stored_scenario_become_facts(db, people):
    from hazatlas.storage import scenarios as stored_runs

    result = {"source": {"start": "2015-09-02T09:00"},
              "countries": [{"country": "ROU", "first_arrival": "2015-09-02T09:40"},
                            {"country": "UKR", "first_arrival": "2015-09-02T10:15"},
                            {"country": "BGR", "first_arrival": None}],
              "points": [{"name": "Reni water intake", "arrival": "2015-09-02T11:00"}]}
    with db.transaction() as s:
        stored_runs.insert(s, scenario_id="scn-dd", kind="river", establishment_id=None,
                           created_by="md", parameters={}, result=result)
    doc = exercises.create(db, people["md"], exercise_id="dd2", title="x", type="table_top",
                           parties=["MDA", "ROU", "UKR"], scenario_id="scn-dd")
    assert [(f["where"], f["offset_s"]) for f in doc["scenario_facts"]] == [
        ("ROU", 2400.0), ("UKR", 4500.0), ("Reni water intake", 7200.0)]
    with pytest.raises(NotFoundError):
        exercises.create(db, people["md"], exercise_id="dd3", title="x", type="table_top",
                         parties=["MDA"], scenario_id="no-such-run")


def test_an_inject_message_is_checked_when_added(db, people, ex):
    with pytest.raises(ValidationError) as bad:
        exercises.add_inject(db, people["md"], ex, inject_id="I2", offset_s=float("nan"),
                             synopsis="x", from_party="SRB",
                             message={"type": "test", "status": "actual"})
    assert {p.field for p in bad.value.problems} == {"offset_s", "from", "message.type",
                                                     "message.status", "to"}


def test_a_communication_test_exercise_needs_its_window(db, people, settings, clock, plan):
    exercises.create(db, people["md"], exercise_id="ct", title="IAN communication test",
                     type="communication_test", parties=["MDA", "ROU"])
    with pytest.raises(ValidationError, match="window"):
        exercises.start(db, people["md"], settings, "ct", clock=clock.at(0))
    assert exercises.get(db, people["md"], "ct")["state"] == "planned"
