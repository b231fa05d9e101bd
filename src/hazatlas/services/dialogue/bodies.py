"""Bodies of the national policy dialogue, their meetings (agenda, participants, decisions,
minutes) and the actions decided there. Read and written by the national authority of the
body's country and administrators (:mod:`hazatlas.domain.dialogue.access`); every write is
audited in the change log."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from hazatlas.domain.access import Principal
from hazatlas.domain.dialogue import access, model
from hazatlas.domain.errors import ConflictError, NotFoundError, Problem, ValidationError
from hazatlas.domain.text import check_text
from hazatlas.services.dialogue.common import now_utc, scope
from hazatlas.storage import dialogue as store
from hazatlas.storage import repositories as repo
from hazatlas.storage import selfassessment as plan_store
from hazatlas.storage.db import Database, Session


def _country(s: Session, iso3: str) -> None:
    from hazatlas.services import geodata

    if iso3 not in geodata.country_polygons():
        raise ValidationError([Problem("request", None, "country_iso3",
                                       f"'{iso3}' is not a known ISO3 code")])


#: an ``action_plan_ref`` of digits names an action of the country's national action plan
#: (``docs/self-assessment.md``); any other text is kept as an outside reference
_PLAN_ACTION = re.compile(r"^[0-9]{1,18}$")
_PLAN_FIELDS = ("id", "indicator_id", "title", "status", "due_on")


def _plan_action(s: Session, country: str, ref: str | None) -> dict[str, Any] | None:
    """The action-plan action ``ref`` names, if it is one of ``country``'s."""
    if not ref or not _PLAN_ACTION.match(ref):
        return None
    row = plan_store.action_row(s, int(ref))
    if row is None or row.country_iso3 != country:
        return None
    got = plan_store.action_json(row)
    return {k: got.get(k) for k in _PLAN_FIELDS}


def _check_plan_ref(s: Session, country: str, ref: str | None) -> None:
    if ref and _PLAN_ACTION.match(ref) and _plan_action(s, country, ref) is None:
        raise ValidationError([Problem(
            "request", None, "action_plan_ref",
            f"no action {ref} in the action plan of {country}: a number names an action of the "
            f"country's action plan (hazatlas implementation actions list {country}); other text "
            "is kept as an outside reference")])


def _action(s: Session, row: Any, country: str) -> dict[str, Any]:
    """An action as a mapping, with the action-plan action it is linked to (``action_plan``)."""
    out = store.action_dict(row)
    linked = _plan_action(s, country, out.get("action_plan_ref"))
    if linked is not None:
        out["action_plan"] = linked
    return out


def _body(s: Session, principal: Principal, body_id: str, what: str) -> Any:
    row = store.get_body(s, body_id)
    if row is None or not access.is_authority(principal, row.country_iso3):
        if row is not None and what != "read":
            access.check_authority(principal, row.country_iso3, what)
        raise NotFoundError(f"body '{body_id}' not found")
    return row


def create_body(db: Database, principal: Principal, *, body_id: str, country_iso3: str,
                kind: str, name: str, mandate: str = "",
                members: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """A new steering committee or working group of ``country_iso3``."""
    model.check_id(body_id)
    problems: list[Problem] = []
    if kind not in model.BODY_KINDS:
        problems.append(Problem("request", None, "kind",
                                f"{kind!r} is not one of {', '.join(model.BODY_KINDS)}"))
    if not name.strip():
        problems.append(Problem("request", None, "name", "is required"))
    if problems:
        raise ValidationError(problems)
    people = model.members(members)
    check_text([name, mandate, people], "request")
    access.check_authority(principal, country_iso3, "create dialogue bodies")
    with db.transaction() as s:
        _country(s, country_iso3)
        if store.get_body(s, body_id) is not None:
            raise ConflictError(f"body '{body_id}' already exists")
        row = store.add_body(s, body_id=body_id, country_iso3=country_iso3, kind=kind,
                             name=name.strip(), mandate=mandate.strip(), members=people,
                             created_by=principal.username)
        repo.record_change(s, entity_type="dialogue_body", entity_id=body_id, action="create",
                           actor=principal.username,
                           changes={"name": [None, row.name], "kind": [None, kind],
                                    "members": [None, len(people)]},
                           scope=scope(country_iso3))
        return store.body_dict(row)


def set_members(db: Database, principal: Principal, body_id: str,
                members: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Replace the body's members."""
    people = model.members(members)
    check_text(people, "request")
    with db.transaction() as s:
        row = _body(s, principal, body_id, "change dialogue bodies")
        before = [m["name"] for m in row.members or []]
        row.members = people
        row.updated_at = dt.datetime.now(dt.UTC)
        repo.record_change(s, entity_type="dialogue_body", entity_id=body_id, action="members",
                           actor=principal.username,
                           changes={"members": [before, [m["name"] for m in people]]},
                           scope=scope(row.country_iso3))
        return store.body_dict(row)


def list_bodies(db: Database, principal: Principal) -> list[dict[str, Any]]:
    """The bodies ``principal`` may read: all for administrators, its country's for a national
    authority, none otherwise."""
    if principal.is_admin:
        countries = None
    elif access.is_authority(principal, principal.country_iso3 or ""):
        countries = [principal.country_iso3 or ""]
    else:
        return []
    with db.transaction() as s:
        return [store.body_dict(r) for r in store.bodies(s, countries)]


def get_body(db: Database, principal: Principal, body_id: str) -> dict[str, Any]:
    """The body with its meetings (each with its actions)."""
    with db.transaction() as s:
        row = _body(s, principal, body_id, "read")
        out = store.body_dict(row)
        meetings = [store.meeting_dict(m) for m in store.meetings(s, body_id)]
        by_meeting: dict[int, list[dict[str, Any]]] = {}
        for a, _body_id, country in store.actions(s, meeting_ids=[m["id"] for m in meetings]):
            by_meeting.setdefault(a.meeting_id, []).append(_action(s, a, country))
    for m in meetings:
        m["actions"] = by_meeting.get(m["id"], [])
    out["meetings"] = meetings
    return out


def add_meeting(db: Database, principal: Principal, body_id: str, *, held_on: dt.date,
                title: str, agenda: Sequence[str] = (), participants: Sequence[str] = (),
                decisions: Sequence[str] = (), minutes: str = "",
                actions: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """Record a meeting of the body with its agenda, participants, decisions, minutes and the
    actions it decided (each: title, responsible, due_on, status, action_plan_ref)."""
    if not isinstance(held_on, dt.date):
        raise ValidationError([Problem("request", None, "held_on", f"{held_on!r} is not a date")])
    if not title.strip():
        raise ValidationError([Problem("request", None, "title", "is required")])
    values = {"agenda": model.text_list(agenda, "agenda"),
              "participants": model.text_list(participants, "participants", limit=300),
              "decisions": model.text_list(decisions, "decisions"), "minutes": minutes.strip()}
    checked = []
    for n, a in enumerate(actions):
        try:
            checked.append(model.check_action(a))
        except ValidationError as exc:
            raise ValidationError([Problem(p.source, p.row, f"actions[{n}].{p.field}", p.message)
                                   for p in exc.problems]) from None
    check_text([title, values, [{k: v for k, v in a.items() if k != "due_on"} for a in checked]],
               "request")
    with db.transaction() as s:
        body = _body(s, principal, body_id, "record meetings")
        row = store.add_meeting(s, body_id=body_id, held_on=held_on, title=title.strip(),
                                created_by=principal.username, **values)
        repo.record_change(s, entity_type="dialogue_meeting", entity_id=str(row.id),
                           action="create", actor=principal.username,
                           changes={"body": [None, body_id], "held_on": [None, held_on.isoformat()],
                                    "title": [None, row.title],
                                    "decisions": [None, values["decisions"]]},
                           scope=scope(body.country_iso3))
        for a in checked:
            _new_action(s, principal, row.id, body.country_iso3, a)
        meeting_id = row.id
    return meeting(db, principal, meeting_id)


def _new_action(s: Session, principal: Principal, meeting_id: int, country: str,
                values: dict[str, Any]) -> Any:
    _check_plan_ref(s, country, values.get("action_plan_ref"))
    action = store.add_action(s, meeting_id=meeting_id, updated_by=principal.username, **values)
    repo.record_change(s, entity_type="dialogue_action", entity_id=str(action.id),
                       action="create", actor=principal.username,
                       changes={k: [None, v.isoformat() if isinstance(v, dt.date) else v]
                                for k, v in values.items()},
                       context=f"meeting {meeting_id}", scope=scope(country))
    return action


def _meeting(s: Session, principal: Principal, meeting_id: int, what: str) -> tuple[Any, Any]:
    row = store.get_meeting(s, meeting_id)
    if row is None:
        raise NotFoundError(f"meeting {meeting_id} not found")
    body = _body(s, principal, row.body_id, what)
    return row, body


def meeting(db: Database, principal: Principal, meeting_id: int) -> dict[str, Any]:
    with db.transaction() as s:
        row, _body_row = _meeting(s, principal, meeting_id, "read")
        out = store.meeting_dict(row)
        out["actions"] = [_action(s, a, country)
                          for a, _b, country in store.actions(s, meeting_ids=[meeting_id])]
        return out


def add_action(db: Database, principal: Principal, meeting_id: int,
               values: Mapping[str, Any]) -> dict[str, Any]:
    """An action decided at the meeting."""
    checked = model.check_action(values)
    check_text({k: v for k, v in checked.items() if k != "due_on"}, "request")
    with db.transaction() as s:
        _row, body = _meeting(s, principal, meeting_id, "record actions")
        return _action(s, _new_action(s, principal, meeting_id, body.country_iso3, checked),
                       body.country_iso3)


def update_action(db: Database, principal: Principal, action_id: int,
                  values: Mapping[str, Any]) -> dict[str, Any]:
    """Change an action's status, due date, responsible, title or action plan reference."""
    checked = model.check_action(values, partial=True)
    check_text({k: v for k, v in checked.items() if k != "due_on"}, "request")
    with db.transaction() as s:
        row = store.get_action(s, action_id)
        if row is None:
            raise NotFoundError(f"action {action_id} not found")
        _meeting_row, body = _meeting(s, principal, row.meeting_id, "change actions")
        if "action_plan_ref" in checked:
            _check_plan_ref(s, body.country_iso3, checked["action_plan_ref"])
        changes = {}
        for key, new in checked.items():
            old = getattr(row, key)
            if old != new:
                changes[key] = [old.isoformat() if isinstance(old, dt.date) else old,
                                new.isoformat() if isinstance(new, dt.date) else new]
                setattr(row, key, new)
        if changes:
            row.updated_by, row.updated_at = principal.username, dt.datetime.now(dt.UTC)
            repo.record_change(s, entity_type="dialogue_action", entity_id=str(action_id),
                               action="update", actor=principal.username, changes=changes,
                               scope=scope(body.country_iso3))
        return _action(s, row, body.country_iso3)


def list_actions(db: Database, principal: Principal, *, country: str | None = None,
                 overdue_only: bool = False, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The actions ``principal`` may read (of ``country``), each with its body and whether it is
    overdue (due before today, UTC, and neither done nor cancelled)."""
    today = now_utc(now).date()
    if principal.is_admin:
        countries = [country] if country else None
    elif access.is_authority(principal, principal.country_iso3 or ""):
        if country and country != principal.country_iso3:
            return []
        countries = [principal.country_iso3 or ""]
    else:
        return []
    out = []
    with db.transaction() as s:
        for a, body_id, iso3 in store.actions(s, countries=countries):
            item = {**_action(s, a, iso3), "body_id": body_id, "country_iso3": iso3,
                    "overdue": a.due_on is not None and a.due_on < today
                    and a.status in ("open", "in_progress")}
            if item["overdue"] or not overdue_only:
                out.append(item)
    return out
