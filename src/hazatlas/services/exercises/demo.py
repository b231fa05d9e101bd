"""The demo database's finished exercise: a table-top exercise of the Danube Delta example plan
(``services/plans/demo.py``), played through the services on a fixed clock in the past, rated,
with feedback and an improvement plan whose actions the responsible countries have imported into
their action plans (``docs/exercises.md``, "In the demo database").

**Example data**: the scenario, injects, times, log entries, ratings, feedback and actions are
made up for the demo, and the exercise's title ends in "(example)". The setting follows the
joint field and table-top exercises of Moldova, Romania and Ukraine at the Giurgiulești oil
terminal on 1-3 September 2015 (UNECE news release,
:data:`hazatlas.services.plans.demo.EXERCISE_SOURCE`); the evaluation areas of the objectives
are those of that exercise's evaluation report (``data/reference/exercise_evaluation_areas.csv``).

Who plays: the demo users (``services/demo_mail.py``) ``demo-mda`` (controller, Moldova sends),
``demo-rou`` and ``demo-ukr`` (participants), ``demo-icpdr`` (evaluator, a basin body). The
messages are real reports of status ``exercise`` from Moldova to the demo points of contact of
Romania and Ukraine: they stay queued in the outbox until ``hazatlas demo`` (with its mail sink)
delivers them. Since a queued message cannot be acknowledged (the notification service accepts
an acknowledgement once the message has left), nobody acknowledged during play, and the
evaluation says so; a demo user may acknowledge after the demo has delivered the messages, and
the report then shows that late acknowledgement.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hazatlas.domain.access import SYSTEM
from hazatlas.domain.errors import ConflictError, NotFoundError
from hazatlas.services import demo_mail, users
from hazatlas.services.exercises import core, evaluation, play
from hazatlas.services.notify import NotifyService
from hazatlas.services.notify.common import clock as notify_clock
from hazatlas.services.plans.demo import PLAN_ID
from hazatlas.services.settings import Settings
from hazatlas.storage.db import Database

EXERCISE_ID = "giurgiulesti-ttx"
TITLE = "Giurgiulești oil terminal table-top exercise (example)"
PARTIES = ("MDA", "ROU", "UKR")
CONTROLLER, EVALUATOR = demo_mail.demo_user("MDA"), demo_mail.DEMO_BASIN_USER
#: scenario time 0 (the fixed clock of the demo; after the plan's agreement of 20 November 2026)
T0 = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC)
ACCIDENT = {"type": "release_to_water", "severity": "severe", "certainty": "observed",
            "place": {"description": "Giurgiulești oil terminal (example)", "country": "MDA",
                      "timezone": "Europe/Chisinau", "lon": 28.195, "lat": 45.473},
            "substances": [{"name": "crude oil", "quantity": "50 t"}]}

#: id -> (evaluation area, text, critical tasks)
OBJECTIVES = {
    "O1": ("notification", "Warn Romania and Ukraine through the IAN chain; the receiving point "
           "of contact acknowledges within one hour (plan section alerting and notification)",
           ["Issue the early warning within 30 minutes", "Acknowledge receipt within one hour"]),
    "O2": ("monitoring", "Share what is known of the slick with the downstream Parties",
           ["Send an information report with the slick's position and drift"]),
    "O3": ("transboundary_cooperation", "Request and offer mutual assistance (oil booms)",
           ["Request booms from Romania", "Answer the request with an offer"]),
}

#: (id, minutes after T0, synopsis, to, objective, expected action, message)
INJECTS: tuple[tuple[str, int, str, list[str], str, str, dict[str, Any] | None], ...] = (
    ("I1", 0, "Terminal operator reports crude oil leaking at the berth into the Danube", [],
     "O1", "Alert the national authority and the Moldovan point of contact", None),
    ("I2", 20, "Slick drifts downstream towards Reni and Galați", ["ROU", "UKR"], "O1",
     "Acknowledge the early warning", {"type": "early_warning"}),
    ("I3", 45, "Observation flight: slick 4 km long, 1.5 km above Reni", ["ROU", "UKR"], "O2",
     "Step up monitoring at the water intakes downstream", {"type": "information"}),
    ("I4", 60, "Moldova asks Romania for 500 m of oil booms", ["ROU"], "O3",
     "Answer the request",
     {"type": "assistance_request", "assistance": {
         "items": [{"kind": "equipment", "what": "oil booms", "quantity": "500 m"}],
         "who": "Moldova operations centre (example)", "where": "Giurgiulești"}}),
)

#: (section, responsible, due, objective, text): each changes a section of the demo plan
ACTIONS = (
    ("alerting_notification", "UKR", "2027-03-01", "O1",
     "Put a 24/7 duty officer first in Ukraine's escalation order for the Danube Delta"),
    ("alerting_notification", "ROU", "2027-03-01", "O1",
     "Name a deputy point of contact who acknowledges when the first one is away"),
    ("mutual_assistance", "ROU", "2027-06-01", "O3",
     "List the booms Romania can lend, with their transport time to Giurgiulești"),
    ("monitoring", "MDA", "2027-06-01", "O2",
     "Describe in the plan how observation flights report the slick to the other Parties"),
)


class _Clock:
    def __init__(self) -> None:
        self.t = T0

    def at(self, minutes: float) -> _Clock:
        self.t = T0 + dt.timedelta(minutes=minutes)
        return self

    def __call__(self) -> dt.datetime:
        return self.t


def _build(db: Database) -> None:
    md = users.principal_for_user(db, CONTROLLER)
    core.create(db, md, exercise_id=EXERCISE_ID, title=TITLE, type="table_top",
                parties=list(PARTIES), plan_id=PLAN_ID, scheduled_on=T0.date().isoformat(),
                accident=ACCIDENT, staff=[(EVALUATOR, "evaluator")])
    for oid, (area, text, tasks) in OBJECTIVES.items():
        core.add_objective(db, md, EXERCISE_ID, objective_id=oid, area=area, text=text,
                           tasks=tasks)
    for iid, minutes, synopsis, to, objective, expected, message in INJECTS:
        core.add_inject(db, md, EXERCISE_ID, inject_id=iid, offset_s=minutes * 60,
                        synopsis=synopsis, from_party="MDA", to=to, objective=objective,
                        expected_action=expected, message=message)


def _play(db: Database, settings: Settings, clock: _Clock) -> None:
    md, ro, ua, ev = (users.principal_for_user(db, n) for n in (
        CONTROLLER, demo_mail.demo_user("ROU"), demo_mail.demo_user("UKR"), EVALUATOR))
    play.start(db, md, settings, EXERCISE_ID, clock=clock.at(0))
    for minutes in (2, 20):
        play.release(db, md, settings, EXERCISE_ID, clock=clock.at(minutes))
    play.log(db, ua, settings, EXERCISE_ID, kind="action", clock=clock.at(38),
             text="Reni harbour master alerted by telephone; booms ready at the water intake "
                  "(example)")
    play.release(db, md, settings, EXERCISE_ID, clock=clock.at(45))
    got = play.release(db, md, settings, EXERCISE_ID, clock=clock.at(60))
    request_id = next(i["report_id"] for i in got["exercise"]["injects"] if i["id"] == "I4")
    request = NotifyService(db, md, settings).get_report(request_id)
    with notify_clock(clock.at(75)):  # Romania's answer, through the chain, as an exercise
        offer = NotifyService(db, ro, settings).create_report(
            {"type": "assistance_response", "status": "exercise",
             "texts": [{"language": "en", "description": "Romania offers 500 m of oil booms "
                        "with a team of six, at Giurgiulești within 4 hours (example)"}],
             "references": [{"sender": request["sender"], "identifier": request_id,
                             "sent": request["report"]["sent"]}],
             "response": {"kind": "offer", "scope": "500 m of oil booms with a team of six"}},
            ["MDA"], issue=True, source=f"exercise {EXERCISE_ID}")
    play.log(db, ro, settings, EXERCISE_ID, kind="message", report_id=offer["id"],
             text="Offer of booms sent to Moldova", clock=clock.at(76))
    play.log(db, ev, settings, EXERCISE_ID, kind="note", clock=clock.at(90),
             text="No acknowledgement of the early warning reached Moldova during play: neither "
                  "Romania nor Ukraine acknowledged within the hour the plan asks")
    play.end(db, md, EXERCISE_ID, clock=clock.at(120))
    play.log(db, ev, settings, EXERCISE_ID, kind="hotwash", clock=clock.at(130),
             text="Hot wash: the offer of booms came 15 minutes after the request; the "
                  "acknowledgements are the weak point")


def _note_seq(db: Database) -> int:
    journal = core.get(db, SYSTEM, EXERCISE_ID)["journal"]
    return int(next(e["seq"] for e in journal if e["kind"] == "note"))


#: (target, rating, evidence: journal entries, note)
_Rating = tuple[str, str, list[int], str]


def _evaluate(db: Database, clock: _Clock) -> None:
    ev = users.principal_for_user(db, EVALUATOR)
    md = users.principal_for_user(db, CONTROLLER)
    note = _note_seq(db)
    quick: list[_Rating] = [
        ("O1", "M", [note], "Hot wash: no acknowledgement during play"),
        ("O2", "S", [], "Hot wash: the information report came late"),
        ("O3", "P", [], "")]
    for target, rating, evidence, text in quick:
        evaluation.rate(db, ev, EXERCISE_ID, target=target, rating=rating, phase="quick",
                        evidence=evidence, note=text, clock=clock.at(135))
    day2 = 24 * 60 + 60  # the detailed evaluation, the next day
    detailed: list[_Rating] = [
        ("O1", "M", [note], "The early warning left at T+20 min; no acknowledgement within the "
                            "hour (journal note)"),
        ("O1/T1", "P", [], "Early warning at T+20 min, within 30 minutes"),
        ("O1/T2", "U", [note], "No acknowledgement during play"),
        ("O2", "S", [], "The information report went out at T+45 min without the expected "
                        "arrival time at Reni"),
        ("O3", "P", [], "Request at T+60 min, offer at T+75 min")]
    for target, rating, evidence, text in detailed:
        evaluation.rate(db, ev, EXERCISE_ID, target=target, rating=rating, evidence=evidence,
                        note=text, clock=clock.at(day2))
    for iso3, answers in (("ROU", {"overall": 4, "scenario": 4, "notification": 3,
                                   "strengths": "The request for booms was clear (example)"}),
                          ("UKR", {"overall": 3, "scenario": 4, "notification": 2,
                                   "improvements": "Alerting and notification: a duty officer "
                                                   "must read the IAN mailbox (example)"})):
        who = users.principal_for_user(db, demo_mail.demo_user(iso3))
        evaluation.feedback(db, who, EXERCISE_ID, answers, clock=clock.at(150))
    for section, responsible, due, objective, text in ACTIONS:
        evaluation.add_action(db, md, EXERCISE_ID, text=text, plan_id=PLAN_ID, section=section,
                              responsible=responsible, due=due, objective=objective)


def _import_actions(db: Database, clock: _Clock) -> int:
    """Each responsible country imports its actions into its action plan; how many actions."""
    from hazatlas.services.selfassessment import actions

    count = 0
    for iso3 in dict.fromkeys(a[1] for a in ACTIONS):
        who = users.principal_for_user(db, demo_mail.demo_user(iso3))
        got = actions.import_exercise(db, who, iso3, EXERCISE_ID, now=clock.at(5 * 24 * 60)())
        count += got["created"] + got["updated"] + got["unchanged"]
    return count


def seed_demo_exercise(db: Database, settings: Settings) -> int:
    """Create, play, evaluate and import the demo exercise if it is missing; 1 if it was
    created, 0 if it was there. Needs the demo directory and plan (seeded first).

    The seed is a sequence of use cases, each its own transaction (as a real exercise is): if
    one fails, the half-seeded exercise stays, and the next run says so rather than guess."""
    try:
        doc = core.get(db, SYSTEM, EXERCISE_ID)
    except NotFoundError:
        doc = None
    if doc is not None:
        if doc["state"] != "ended" or len(doc["actions"]) < len(ACTIONS):
            raise ConflictError(f"the demo exercise '{EXERCISE_ID}' is incomplete (an earlier "
                                "run stopped while seeding it): start from a new demo database")
        return 0
    demo_mail.ensure_users(db, PARTIES, basin=True)
    clock = _Clock()
    _build(db)
    _play(db, settings, clock)
    _evaluate(db, clock)
    _import_actions(db, clock)
    return 1

