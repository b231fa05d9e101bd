"""Evaluation: ratings, feedback forms, the improvement plan and the after-action report (its
JSON; the shareable HTML and the journal's XLSX are :mod:`.export`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from hazatlas.domain.access import SYSTEM, Principal
from hazatlas.domain.errors import NotFoundError, PermissionDeniedError
from hazatlas.domain.exercises import access
from hazatlas.domain.exercises import evaluation as rules
from hazatlas.domain.exercises.model import (
    OPEN_STATUSES,
    Exercise,
    Feedback,
    Rating,
    StaffRole,
    check_action_status,
    exercise_from_json,
    new_action,
)
from hazatlas.domain.exercises.play import Acknowledged, MessageRecord, measured_times
from hazatlas.domain.plans.model import SECTION_KEYS
from hazatlas.domain.reference import load_table
from hazatlas.domain.text import check_text
from hazatlas.services.exercises.core import AREAS, Clock, change, get, now
from hazatlas.services.notify import NotifyService
from hazatlas.services.settings import Settings
from hazatlas.storage import exercises as store
from hazatlas.storage.db import Database

RATINGS = "exercise_ratings"
QUESTIONS = "exercise_feedback_questions"


def ranks() -> dict[str, int]:
    return {r["rating"]: int(r["rank"]) for r in load_table(RATINGS)}


def questions() -> tuple[dict[str, str], ...]:
    """The feedback form's questions (``data/reference/exercise_feedback_questions.csv``)."""
    return load_table(QUESTIONS)


def rate(db: Database, principal: Principal, exercise_id: str, *, target: str, rating: str,
         phase: str = "detailed", evidence: list[int] | None = None, note: str = "",
         clock: Clock | None = None) -> dict[str, Any]:
    """Rate an objective (``target`` its id) or a critical task (``OBJECTIVE/TASK``) P, S, M or
    U, in the quick evaluation (``phase`` quick: the hot wash) or the detailed one, citing
    journal entries as evidence."""
    at = now(clock)
    check_text({"note": note}, "request")

    def step(s: Any, ex: Exercise) -> tuple[Exercise, dict[str, Any]]:
        access.check_role(principal, ex, StaffRole.EVALUATOR, "rate")
        numbers = {e["seq"] for e in store.journal(s, ex.id)}
        r = Rating(target, phase, rating.upper(), tuple(evidence or ()), note.strip(),
                   principal.username, at.isoformat())
        return (rules.rate(ex, r, ranks(), numbers),
                {"target": [None, target], "rating": [None, r.rating], "phase": [None, phase]})
    return change(db, principal, exercise_id, "rate", step)


def feedback(db: Database, principal: Principal, exercise_id: str, answers: dict[str, Any], *,
             clock: Clock | None = None) -> dict[str, Any]:
    """A participant's (or staff member's) feedback form: answers keyed by question id."""
    at = now(clock)
    check_text(answers, "request")
    form = rules.check_answers(answers, questions())

    def step(s: Any, ex: Exercise) -> tuple[Exercise, dict[str, Any]]:
        party = access.check_log(principal, ex)
        after = rules.add_feedback(ex, Feedback(principal.username, party, form, at.isoformat()))
        return after, {"feedback": [None, sorted(form)]}
    return change(db, principal, exercise_id, "feedback", step)


def add_action(db: Database, principal: Principal, exercise_id: str, *, text: str, plan_id: str,
               section: str, responsible: str, due: str, area: str | None = None,
               objective: str | None = None) -> dict[str, Any]:
    """An action of the improvement plan, changing section ``section`` of plan ``plan_id``
    (which the user must be able to read)."""
    from hazatlas.services import plans

    check_text({"text": text}, "request")
    plans.get(db, principal, plan_id)  # NotFound unless the user reads the plan

    def step(s: Any, ex: Exercise) -> tuple[Exercise, dict[str, Any]]:
        if not (principal.is_admin or ex.has_role(principal.username, StaffRole.CONTROLLER)
                or ex.has_role(principal.username, StaffRole.EVALUATOR)):
            raise PermissionDeniedError(f"user '{principal.username}' may not write the "
                                        f"improvement plan of exercise '{ex.id}': its "
                                        "controllers and evaluators do")
        action = new_action(ex, text=text, plan_id=plan_id, section=section,
                            responsible=responsible, due=due, sections=SECTION_KEYS, area=area,
                            objective=objective, by=principal.username)
        return (replace(ex, actions=(*ex.actions, action)),
                {"action": [None, action.id], "plan": [None, f"{plan_id}#{section}"]})
    return change(db, principal, exercise_id, "add_action", step)


def set_action_status(db: Database, principal: Principal, exercise_id: str, action_id: str,
                      status: str) -> dict[str, Any]:
    """Move an improvement action on (open, in_progress, done, cancelled): its controllers, or
    the national authority of the Party responsible for it."""
    new = check_action_status(status)

    def step(s: Any, ex: Exercise) -> tuple[Exercise, dict[str, Any]]:
        found = [a for a in ex.actions if a.id == action_id]
        if not found:
            raise NotFoundError(f"exercise '{ex.id}' has no action '{action_id}'")
        a = found[0]
        if not (principal.is_admin or ex.has_role(principal.username, StaffRole.CONTROLLER)
                or (access.is_participant(principal, ex) and principal.country_iso3 == a.responsible)):
            raise PermissionDeniedError(f"user '{principal.username}' may not change action "
                                        f"'{action_id}': {a.responsible} is responsible")
        actions = tuple(replace(x, status=str(new)) if x.id == action_id else x for x in ex.actions)
        return replace(ex, actions=actions), {"action": [None, action_id],
                                              "status": [a.status, str(new)]}
    return change(db, principal, exercise_id, "action_status", step)


def _records(db: Database, settings: Settings, journal: list[dict[str, Any]]) -> list[MessageRecord]:
    """The notification records of the exercise's messages (every Party's acknowledgements:
    the exercise's readers see the whole exercise)."""
    service = NotifyService(db, SYSTEM, settings)
    out = []
    for rid in dict.fromkeys(e["report_id"] for e in journal if e.get("report_id")):
        v = service.get_report(rid)
        acks = tuple(Acknowledged(d["party"], d["contact_id"],
                                  dt.datetime.fromisoformat(d["acknowledged_at"]))
                     for d in v["deliveries"] if d["acknowledged_at"])
        first: dict[str, Acknowledged] = {}
        for a in sorted(acks, key=lambda a: a.at):
            first.setdefault(a.contact_id, a)  # e-mail and webhook of one contact: the first
        response = (v["report"].get("response") or {}).get("kind")
        out.append(MessageRecord(rid, v["type"], dt.datetime.fromisoformat(v["issued_at"])
                                 if v["issued_at"] else None, response, tuple(first.values())))
    return out


def _objectives(ex: Exercise) -> list[dict[str, Any]]:
    table = rules.current_ratings(ex)

    def view(target: str) -> dict[str, Any]:
        per = table.get(target, {})
        final = rules.final_rating(per)
        return {"quick": per["quick"].rating if "quick" in per else None,
                "detailed": per["detailed"].rating if "detailed" in per else None,
                "rating": final.rating if final else None,
                "evidence": list(final.evidence) if final else [],
                "note": final.note if final else "", "by": final.by if final else None}
    return [{"id": o.id, "text": o.text, "area": o.area, **view(o.id),
             "tasks": [{"id": t.id, "text": t.text, **view(f"{o.id}/{t.id}")} for t in o.tasks]}
            for o in ex.objectives]


def report(db: Database, principal: Principal, settings: Settings,
           exercise_id: str) -> dict[str, Any]:
    """The after-action report: overview, measured times, communication test, ratings per
    evaluation area, objective and critical task, the overall rating, feedback, the
    improvement plan (each action with the plan section it changes) and the journal."""
    doc = get(db, principal, exercise_id)
    journal = doc.pop("journal")
    ex = exercise_from_json(doc)
    areas = load_table(AREAS)
    objectives = _objectives(ex)
    campaign = None
    if ex.campaign_id is not None:
        campaign = NotifyService(db, SYSTEM, settings).campaign_result(ex.campaign_id)
    return {
        "exercise": {k: doc[k] for k in ("id", "title", "type", "parties", "plan_id",
                                         "scheduled_on", "scenario_id", "scenario_facts",
                                         "state", "started_at", "start_offset_s", "ended_at",
                                         "staff")},
        "injects": doc["injects"],
        "measured_times": measured_times(ex, _records(db, settings, journal)),
        "communication_test": campaign,
        "areas": [{"area": a["area"], "name": a["name"], "source": a["source"],
                   "objectives": [o["id"] for o in objectives if o["area"] == a["area"]]}
                  for a in areas],
        "objectives": objectives,
        "overall": rules.overall(ex, ranks()),
        "overall_rule": "the lowest final rating of the objectives (hazatlas's rule; HSEEP "
                        "rates objectives, not whole exercises)",
        "ratings_legend": [{k: r[k] for k in ("rating", "name", "meaning", "source", "status")}
                           for r in load_table(RATINGS)],
        "feedback": rules.feedback_summary(ex, questions()),
        "feedback_forms": len(ex.feedback),
        "improvement_plan": [{**a.__dict__, "open": a.status in OPEN_STATUSES}
                             for a in ex.actions],
        "journal": journal,
    }
