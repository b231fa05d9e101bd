"""Playing an exercise: start the clock (with a communication test alongside if asked), release
injects (one by name, or every one that is due), log actions and notes, end.

An inject with a message is sent through the real notification chain
(:class:`hazatlas.services.notify.NotifyService`: the directory, the outbox, SMTP and webhooks,
acknowledgement, the audit chain) as a report of status ``exercise`` (CAP ``Exercise``), by the
releasing controller for the inject's Party; the chain's records take their times from the
exercise's clock (:func:`hazatlas.services.notify.common.clock`), so the measured times agree
with it. A message a participant sends themselves (``hazatlas notify send`` with status
``exercise``) is linked to the exercise with ``log --report``.

The release and its message are **one transaction**: it first claims the exercise
(:func:`hazatlas.storage.exercises.claim`, a write lock taken before anything is read), then
checks that the inject is unreleased, writes the report with its outbox rows
(:meth:`hazatlas.storage.db.Database.joined`: the notification use case writes in this
transaction) and records the release. A second controller releasing the same inject waits for
the first, then is refused (:class:`~hazatlas.domain.errors.ConflictError`, "was released at
... by ...; nothing was sent"): exactly one message leaves, and if anything fails nothing is
recorded and nothing is queued. Starting the clock with a communication test is one
transaction in the same way. Releasing every due inject is all-or-nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from hazatlas.domain.access import SYSTEM, Principal, Role
from hazatlas.domain.errors import ConflictError, PermissionDeniedError, Problem, ValidationError
from hazatlas.domain.exercises import access
from hazatlas.domain.exercises import play as rules
from hazatlas.domain.exercises.model import Exercise, ExerciseType, Inject, StaffRole, State
from hazatlas.domain.text import check_text
from hazatlas.services.exercises.core import Clock, change, get, load, now, write
from hazatlas.services.notify import NotifyService
from hazatlas.services.notify.common import clock as notify_clock
from hazatlas.services.settings import Settings
from hazatlas.storage import exercises as store
from hazatlas.storage.db import Database


def _journal(s: Any, ex: Exercise, at: dt.datetime, kind: str, actor: str, text: str, *,
             party: str | None = None, inject_id: str | None = None,
             report_id: str | None = None) -> int:
    scenario = rules.scenario_s(ex, at) if ex.started_at is not None else None
    return store.append(s, ex.id, at=at, scenario_s=scenario, kind=kind, party=party,
                        actor=actor, text=text, inject_id=inject_id, report_id=report_id)


def _lead_party(principal: Principal, ex: Exercise) -> str:
    if principal.role is Role.NATIONAL and principal.country_iso3 in ex.parties:
        return str(principal.country_iso3)
    return ex.parties[0]


def start(db: Database, principal: Principal, settings: Settings, exercise_id: str, *,
          offset_s: float = 0.0, communication_test_window_s: int | None = None,
          clock: Clock | None = None) -> dict[str, Any]:
    """Start the scenario clock at scenario time ``offset_s``; with
    ``communication_test_window_s``, also send a communication test (a Test message to every
    active contact of the Parties, :mod:`hazatlas.services.notify.campaigns`) whose
    acknowledgements within the window are counted in the report. One transaction: the test's
    outbox rows are queued only if the start is recorded (module doc)."""
    at = now(clock)
    with db.transaction() as s:
        store.claim(s, exercise_id)
        ex = load(s, principal, exercise_id)
        access.check_role(principal, ex, StaffRole.CONTROLLER, "start the clock")
        after = rules.start(ex, at, offset_s)  # refuses a second start before anything is sent
        window = communication_test_window_s
        if ex.type is ExerciseType.COMMUNICATION_TEST and window is None:
            raise ValidationError([Problem("parameter", None, "communication_test_window_s",
                                           "a communication test exercise sends its test when "
                                           "it starts: give the window to acknowledge in "
                                           "(seconds)")])
        campaign_id = None
        if window is not None:
            if not 60 <= window <= 7 * 86_400:
                raise ValidationError([Problem("parameter", None, "communication_test_window_s",
                                               f"{window}: expected 60 s to 7 days")])
            with notify_clock(lambda: at):
                started = NotifyService(db.joined(s), principal, settings).start_campaign(
                    f"{ex.title} ({ex.id}): communication test", window,
                    parties=list(ex.parties), sender_country=_lead_party(principal, ex))
            campaign_id = started["campaign_id"]
        after = replace(after, campaign_id=campaign_id)
        _journal(s, after, at, "state", principal.username,
                 f"clock started at {rules.clock_text(offset_s)}"
                 + (f"; communication test (campaign {campaign_id})" if campaign_id else ""))
        write(s, principal, after, "start", {"state": [str(ex.state), str(after.state)],
                                             "campaign_id": [None, campaign_id]})
    return get(db, principal, exercise_id)


def _references(db: Database, settings: Settings, ex: Exercise, journal: list[dict[str, Any]],
                kind: str) -> list[dict[str, str]]:
    """The exercise's earlier messages a message of type ``kind`` follows: an information report
    the first early warning, a response the last request, an end of alert all of them."""
    service = NotifyService(db, SYSTEM, settings)
    views = [service.get_report(e["report_id"]) for e in journal if e.get("report_id")]
    views = [v for v in views if v["issued_at"]]
    if kind == "assistance_response":
        views = [v for v in views if v["type"] == "assistance_request"][-1:]
    elif kind == "information":
        views = [v for v in views if v["type"] == "early_warning"][:1]
    elif kind != "end_of_alert":
        return []
    return [{"sender": v["sender"], "identifier": v["id"], "sent": v["report"]["sent"]}
            for v in views]


def message_of(ex: Exercise, inject: Inject, at: dt.datetime,
               references: list[dict[str, str]]) -> dict[str, Any]:
    """The report an inject sends: its ``message`` completed with status ``exercise``, the
    sending Party, a text from the synopsis, the exercise's accident (occurred at scenario
    time 0) and references to the exercise's earlier messages."""
    data = dict(inject.message or {})
    data.setdefault("type", "information")
    data["status"] = "exercise"
    data["sender_country"] = inject.from_party
    if not data.get("texts"):
        data["texts"] = [{"language": "en", "description": inject.synopsis,
                          "other_information": f"Exercise '{ex.title}' ({ex.id}), inject "
                                               f"{inject.id}, scenario time "
                                               f"{rules.clock_text(rules.scenario_s(ex, at))}"}]
    if data["type"] in ("early_warning", "information", "assistance_request") and ex.accident:
        accident = dict(data.get("accident") or ex.accident)
        accident.setdefault("occurred_at", rules.accident_at(ex).isoformat())
        data["accident"] = accident
    if references and not data.get("references"):
        data["references"] = references
    return data


def _send(db: Database, principal: Principal, settings: Settings, ex: Exercise, inject: Inject,
          at: dt.datetime) -> str:
    """Write the inject's report and its outbox rows; ``db`` is the releasing transaction's
    (:meth:`~hazatlas.storage.db.Database.joined`)."""
    with db.transaction() as s:
        journal = store.journal(s, ex.id)
    data = message_of(ex, inject, at, _references(db, settings, ex, journal,
                                                  str((inject.message or {}).get("type", "information"))))
    try:
        with notify_clock(lambda: at):
            view = NotifyService(db, principal, settings).create_report(
                data, list(inject.to), issue=True, ack_window_s=ex.ack_window_s,
                source=f"inject {inject.id}")
    except PermissionDeniedError as exc:
        raise PermissionDeniedError(f"inject '{inject.id}' is sent as {inject.from_party}: {exc}"
                                    ) from None
    return view["id"]


def _unreleased(ex: Exercise, inject: Inject, at: dt.datetime, by: str) -> None:
    """Refuse an inject already released (by whom), before anything is sent."""
    try:
        rules.release(ex, inject.id, at, by)
    except ConflictError as exc:
        done = ex.inject(inject.id)
        who = f" by {done.released_by}" if done.released_by else ""
        raise ConflictError(f"{exc}{who}; nothing was sent" if done.released_at else str(exc)
                            ) from None


def release(db: Database, principal: Principal, settings: Settings, exercise_id: str,
            inject_id: str | None = None, *, clock: Clock | None = None) -> dict[str, Any]:
    """Release inject ``inject_id``, or (without it) every inject whose scenario time has
    come; returns ``{"released": [inject ids], "exercise": ...}``. One transaction with the
    messages' outbox rows (module doc)."""
    at = now(clock)
    released = []
    with db.transaction() as s:
        store.claim(s, exercise_id)  # a concurrent release waits here, then sees this one
        ex = load(s, principal, exercise_id)
        access.check_role(principal, ex, StaffRole.CONTROLLER, "release injects")
        if ex.state is not State.RUNNING:
            raise ConflictError(f"exercise '{exercise_id}' is {ex.state}: injects are released "
                                "while it runs")
        todo = [ex.inject(inject_id)] if inject_id else rules.due(ex, at)
        for inject in todo:
            _unreleased(ex, inject, at, principal.username)
        for inject in todo:
            report_id = (_send(db.joined(s), principal, settings, ex, inject, at)
                         if inject.message else None)
            after = rules.release(ex, inject.id, at, principal.username, report_id)
            sent = f" → {', '.join(inject.to)} (report {report_id})" if report_id else ""
            _journal(s, after, at, "inject", principal.username, f"{inject.synopsis}{sent}",
                     party=inject.from_party, inject_id=inject.id, report_id=report_id)
            write(s, principal, after, "release",
                  {"inject": [None, inject.id], "report_id": [None, report_id]})
            ex = after
            released.append(inject.id)
    return {"released": released, "exercise": get(db, principal, exercise_id)}


def log(db: Database, principal: Principal, settings: Settings, exercise_id: str, *, kind: str,
        text: str, report_id: str | None = None, clock: Clock | None = None) -> dict[str, Any]:
    """Log a participant's action, a staff note, a hot-wash point, or (``message`` with
    ``report_id``) a notification of status ``exercise`` that the user sent or received."""
    at = now(clock)
    if kind not in {str(k) for k in rules.LOGGABLE}:
        raise ValidationError([Problem("request", None, "kind", f"{kind!r} is not one of "
                                       f"{', '.join(str(k) for k in rules.LOGGABLE)}")])
    check_text({"text": text}, "request")
    if kind == "message" or report_id:
        if not report_id:
            raise ValidationError([Problem("request", None, "report_id",
                                           "a message entry names the report")])
        view = NotifyService(db, principal, settings).get_report(report_id)
        if view["status"] != "exercise":
            raise ValidationError([Problem("request", None, "report_id", f"report {report_id} "
                                           f"has status {view['status']}, not exercise")])
        kind = "message"
    elif not text.strip():
        raise ValidationError([Problem("request", None, "text", "must not be empty")])
    with db.transaction() as s:
        ex = load(s, principal, exercise_id)
        party = access.check_log(principal, ex)
        if kind in ("note", "hotwash") and not (principal.is_admin or access.is_staff(principal, ex)):
            raise PermissionDeniedError(f"user '{principal.username}' is not staff of exercise "
                                        f"'{exercise_id}': participants log actions")
        if ex.state is State.PLANNED:
            raise ConflictError(f"exercise '{exercise_id}' has not started")
        if kind == "action" and ex.state is State.ENDED:
            raise ConflictError(f"exercise '{exercise_id}' has ended; log notes or hot-wash points")
        seq = _journal(s, ex, at, kind, principal.username, text.strip(), party=party,
                       report_id=report_id)
        write(s, principal, ex, "log", {"journal": [None, seq], "kind": [None, kind]})
    return {"seq": seq, "exercise": get(db, principal, exercise_id)}


def end(db: Database, principal: Principal, exercise_id: str, *,
        clock: Clock | None = None) -> dict[str, Any]:
    at = now(clock)

    def step(s: Any, ex: Exercise) -> tuple[Exercise, dict[str, Any]]:
        access.check_role(principal, ex, StaffRole.CONTROLLER, "end the exercise")
        after = rules.end(ex, at)
        _journal(s, after, at, "state", principal.username, "exercise ended")
        return after, {"state": [str(ex.state), str(after.state)]}
    return change(db, principal, exercise_id, "end", step)
