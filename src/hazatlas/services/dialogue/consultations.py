"""Consultations on a document (a plan, a report or a linked document) with an open/close
period, comments from the country's registered stakeholders and the authority's answers
(``docs/dialogue.md``). Who sees what is :mod:`hazatlas.domain.dialogue.access`'s: a stakeholder
sees its country's open (and closed) consultations, comments while one is open, and reads the
comments not marked private; the authority reads all and answers. Every write is audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hazatlas.domain.access import Principal
from hazatlas.domain.dialogue import access, model
from hazatlas.domain.errors import ConflictError, NotFoundError, Problem, ValidationError
from hazatlas.domain.text import check_text
from hazatlas.services.dialogue.common import now_utc, scope
from hazatlas.storage import dialogue as store
from hazatlas.storage import repositories as repo
from hazatlas.storage.db import Database, Session


def _subject(s: Session, kind: str, ref: str | None) -> None:
    """A consultation on a plan names a stored plan."""
    if kind == "plan":
        from hazatlas.storage import plans

        if ref is None or not plans.exists(s, ref):
            raise ValidationError([Problem("request", None, "subject_ref",
                                           f"plan {ref!r} not found")])


def create(db: Database, principal: Principal, *, country_iso3: str, title: str,
           subject_kind: str, opens_at: dt.datetime, closes_at: dt.datetime,
           subject_ref: str | None = None, document_title: str | None = None,
           document_url: str | None = None, description: str = "",
           now: dt.datetime | None = None) -> dict[str, Any]:
    """A consultation of ``country_iso3``'s national authority (shown as of ``now``)."""
    values = model.check_consultation({
        "title": title, "description": description, "subject_kind": subject_kind,
        "subject_ref": subject_ref, "document_title": document_title,
        "document_url": document_url, "opens_at": opens_at, "closes_at": closes_at})
    check_text({k: v for k, v in values.items() if not k.endswith("_at")}, "request")
    access.check_authority(principal, country_iso3, "open consultations")
    with db.transaction() as s:
        _subject(s, values["subject_kind"], values["subject_ref"])
        row = store.add_consultation(s, country_iso3=country_iso3, created_by=principal.username,
                                     **values)
        repo.record_change(s, entity_type="consultation", entity_id=str(row.id), action="create",
                           actor=principal.username,
                           changes={"title": [None, row.title],
                                    "subject": [None, f"{row.subject_kind} "
                                                f"{row.subject_ref or row.document_title}"],
                                    "opens_at": [None, opens_at.isoformat()],
                                    "closes_at": [None, closes_at.isoformat()]},
                           scope=scope(country_iso3))
        consultation_id = row.id
    return get(db, principal, consultation_id, now=now)


def _visible(s: Session, principal: Principal, consultation_id: int, now: dt.datetime
             ) -> tuple[Any, str]:
    row = store.get_consultation(s, consultation_id)
    if row is None:
        raise NotFoundError(f"consultation {consultation_id} not found")
    phase = model.phase(*store.period(row), now)
    if not access.may_see_consultation(principal, row.country_iso3, phase):
        raise NotFoundError(f"consultation {consultation_id} not found")
    return row, phase


def _with_comments(s: Session, principal: Principal, row: Any, phase: str) -> dict[str, Any]:
    out = {**store.consultation_dict(row), "phase": phase,
           "may_comment": access.is_stakeholder(principal, row.country_iso3) and phase == "open",
           "may_answer": access.is_authority(principal, row.country_iso3)}
    out["comments"] = [store.comment_dict(c) for c in store.comments(s, row.id)
                       if access.may_read_comment(principal, row.country_iso3, c.author, c.private)]
    return out


def get(db: Database, principal: Principal, consultation_id: int, *,
        now: dt.datetime | None = None) -> dict[str, Any]:
    """The consultation with the comments ``principal`` may read and their answers."""
    at = now_utc(now)
    with db.transaction() as s:
        row, phase = _visible(s, principal, consultation_id, at)
        return _with_comments(s, principal, row, phase)


def list_consultations(db: Database, principal: Principal, *,
                       now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The consultations ``principal`` may see, newest first, with their phase and the number of
    comments it may read."""
    at = now_utc(now)
    if principal.is_admin:
        countries = None
    elif principal.country_iso3:
        countries = [principal.country_iso3]
    else:
        return []
    out = []
    with db.transaction() as s:
        for row in store.consultations(s, countries):
            phase = model.phase(*store.period(row), at)
            if access.may_see_consultation(principal, row.country_iso3, phase):
                readable = [c for c in store.comments(s, row.id) if access.may_read_comment(
                    principal, row.country_iso3, c.author, c.private)]
                out.append({**store.consultation_dict(row), "phase": phase,
                            "comments": len(readable),
                            "unanswered": sum(1 for c in readable if c.answer is None)})
    return out


def comment(db: Database, principal: Principal, consultation_id: int, text: str, *,
            organisation: str = "", private: bool = False,
            now: dt.datetime | None = None) -> dict[str, Any]:
    """A stakeholder's comment, while the consultation is open. ``private``: only the authority
    (and its author) reads it."""
    body, org = model.check_comment(text, organisation)
    check_text([body, org], "request")
    at = now_utc(now)
    with db.transaction() as s:
        row, phase = _visible(s, principal, consultation_id, at)
        access.check_comment(principal, row.country_iso3, phase)
        c = store.add_comment(s, consultation_id=consultation_id, author=principal.username,
                              organisation=org, text=body, private=bool(private))
        repo.record_change(s, entity_type="consultation_comment", entity_id=str(c.id),
                           action="create", actor=principal.username,
                           changes={"consultation": [None, consultation_id],
                                    "text": [None, body], "private": [None, bool(private)]},
                           scope=scope(row.country_iso3))
        return store.comment_dict(c)


def answer(db: Database, principal: Principal, comment_id: int, text: str, *,
           now: dt.datetime | None = None) -> dict[str, Any]:
    """The authority's answer to a comment (during or after the consultation); a new answer
    replaces the previous one, and the change log keeps both."""
    body, _ = model.check_comment(text)
    check_text(body, "request")
    at = now_utc(now)
    with db.transaction() as s:
        c = store.get_comment(s, comment_id)
        if c is None:
            raise NotFoundError(f"comment {comment_id} not found")
        row, phase = _visible(s, principal, c.consultation_id, at)
        access.check_authority(principal, row.country_iso3, "answer comments on consultations")
        if phase == "upcoming":
            raise ConflictError("the consultation has not opened yet")
        old = c.answer
        store.answer(c, body, principal.username)
        repo.record_change(s, entity_type="consultation_comment", entity_id=str(comment_id),
                           action="answer", actor=principal.username,
                           changes={"answer": [old, body]}, scope=scope(row.country_iso3))
        return store.comment_dict(c)
