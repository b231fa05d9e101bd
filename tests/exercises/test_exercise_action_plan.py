"""An exercise's improvement plan lands in the responsible country's action plan (issue 17 item
2), and its exercises and open improvement actions are the self-assessment's exercise figures
(issue 17 item 1): the exercise played end to end as in test_exercise_play, then imported."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.exercises.conftest import T0
from tests.exercises.test_exercise_play import build, play

from hazatlas.domain.errors import NotFoundError, PermissionDeniedError, ValidationError
from hazatlas.services import exercises
from hazatlas.services.selfassessment import actions, assessments
from hazatlas.services.selfassessment.providers import exercise_provider, from_exercises

SINCE, UNTIL = T0.date() - dt.timedelta(days=30), T0.date() + dt.timedelta(days=30)


def evaluate(db, people, clock):
    ev = people["icpdr"]
    exercises.rate(db, ev, "dd-2015", target="O1", rating="S", note="Ukraine acknowledged late",
                   clock=clock.at(2000))
    exercises.rate(db, ev, "dd-2015", target="O2", rating="M", note="The booms were offered only after an hour",
                   clock=clock.at(2000))
    exercises.add_action(db, people["md"], "dd-2015", plan_id="danube-delta",
                         section="alerting_notification", responsible="UKR", due="2016-03-01",
                         text="Put the duty officer of DSNS first in Ukraine's escalation order")
    exercises.add_action(db, ev, "dd-2015", plan_id="danube-delta", section="mutual_assistance",
                         responsible="UKR", due="2016-06-01",
                         text="Agree the customs procedure for booms crossing at Reni")
    exercises.add_action(db, ev, "dd-2015", plan_id="danube-delta", section="mutual_assistance",
                         responsible="ROU", due="2016-06-01",
                         text="List the booms Romania can lend, with their transport")


@pytest.mark.usefixtures("directory", "plan")
def test_improvement_plan_becomes_the_action_plan_and_the_figures(db, settings, people, clock,
                                                                   mailbox):
    build(db, people, clock)
    play(db, settings, people, clock, mailbox)
    evaluate(db, people, clock)
    ua = people["ua"]

    got = actions.import_exercise(db, ua, "UKR", "dd-2015", now=clock.at(3000)())
    assert (got["created"], got["updated"], got["unchanged"]) == (2, 0, 0)
    plan = actions.list_actions(db, ua, "UKR", now=clock.at(3000)())
    linked = {a["source_ref"]: a for a in plan["actions"]}
    assert set(linked) == {"dd-2015/A1", "dd-2015/A2"}  # Romania's action is not Ukraine's
    a1 = linked["dd-2015/A1"]
    assert (a1["source"], a1["exercise_id"], a1["plan_id"], a1["plan_section"]) == (
        "exercise", "dd-2015", "danube-delta", "alerting_notification")
    assert a1["indicator_id"] == "RM1" and linked["dd-2015/A2"]["indicator_id"] == "RM3"
    assert a1["due_on"] == "2016-03-01" and a1["status"] == "planned"
    assert plan["overdue"] == 2  # due in 2016, open

    # importing again changes nothing; a done action closes its linked action
    again = actions.import_exercise(db, ua, "UKR", "dd-2015", now=clock.at(3001)())
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    exercises.set_action_status(db, ua, "dd-2015", "A1", "done")
    third = actions.import_exercise(db, ua, "UKR", "dd-2015", now=clock.at(3002)())
    assert (third["created"], third["updated"], third["unchanged"]) == (0, 1, 1)
    status = {a["source_ref"]: a["status"]
              for a in actions.list_actions(db, ua, "UKR", now=clock.at(3002)())["actions"]}
    assert status == {"dd-2015/A1": "done", "dd-2015/A2": "planned"}

    # the self-assessment's exercise figures are the exercise module's facts for the country
    assert exercise_provider() is from_exercises
    doc = assessments.create(db, ua, "UKR", "2026", SINCE, UNTIL, now=clock.at(3003)())
    figures = doc["prefill"]["figures"]
    facts = exercises.facts(db, "UKR", SINCE, UNTIL)
    assert figures["exercises_held"]["value"] == len(facts["exercises"]) == 1
    assert figures["exercises_held"]["detail"]["ratings"] == {"M": 1}  # the lowest objective
    open_for_ukraine = [a for a in facts["open_actions"] if a["responsible"] == "UKR"]
    assert figures["open_improvement_actions"]["value"] == len(open_for_ukraine) == 1
    assert [a["id"] for a in figures["open_improvement_actions"]["detail"]["actions"]] == [
        "dd-2015/A2"]


@pytest.mark.usefixtures("directory", "plan")
def test_import_needs_an_action_of_the_country_and_the_right_to_read_and_write(
        db, settings, people, clock, mailbox):
    build(db, people, clock)
    play(db, settings, people, clock, mailbox)
    evaluate(db, people, clock)
    with pytest.raises(ValidationError, match="no improvement action for which MDA"):
        actions.import_exercise(db, people["md"], "MDA", "dd-2015")
    with pytest.raises(NotFoundError):  # Serbia is no Party: the exercise is not found
        actions.import_exercise(db, people["rs"], "SRB", "dd-2015")
    with pytest.raises((PermissionDeniedError, NotFoundError)):  # not Ukraine's action plan
        actions.import_exercise(db, people["ro"], "UKR", "dd-2015")
    assert actions.list_actions(db, people["ua"], "UKR")["actions"] == []
