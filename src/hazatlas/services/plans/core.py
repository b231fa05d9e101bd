"""The use cases of joint contingency plans. Each takes the database, the acting user and, for
what depends on the date, ``now`` (default: the current UTC time), so tests run on a controlled
clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from hazatlas.domain.access import EntryScope, Principal
from hazatlas.domain.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    Problem,
    ValidationError,
)
from hazatlas.domain.establishment import Disclosure
from hazatlas.domain.notification import ReportType
from hazatlas.domain.plans import access, completeness, lifecycle
from hazatlas.domain.plans import diff as plan_diff
from hazatlas.domain.plans.model import Link, LinkKind, Plan, new_plan, plan_from_json
from hazatlas.domain.reference import load_table
from hazatlas.domain.text import check_text
from hazatlas.services.plans.view import readable_view
from hazatlas.storage import plans as store
from hazatlas.storage import repositories as repo
from hazatlas.storage.db import Database
from hazatlas.storage.notifications import directory

ELEMENTS = "plan_elements"


def _now(now: dt.datetime | None) -> dt.datetime:
    if now is None:
        return dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        raise ValidationError([Problem("parameter", None, "at", "a time needs its UTC offset")])
    return now


def _scope(plan: Plan) -> EntryScope:
    level = Disclosure.PUBLIC if plan.public else Disclosure.PARTIES
    return EntryScope(level, frozenset(plan.parties), frozenset({None}))


def _write(s: Any, principal: Principal, before: Plan | None, after: Plan, action: str,
           changes: dict[str, Any]) -> int:
    document = after.to_json()
    check_text(document, "request")  # NUL characters and lone surrogates: no database stores them
    revision = store.save(s, document, action=action, saved_by=principal.username)
    repo.record_change(s, entity_type="plan", entity_id=after.id, action=action,
                       actor=principal.username,
                       changes={**changes, "version": [before.version if before else None,
                                                       after.version]},
                       context=f"revision {revision}", scope=_scope(after))
    return revision


def _load(s: Any, plan_id: str) -> Plan:
    if not store.lock(s, plan_id):
        raise NotFoundError(f"plan '{plan_id}' not found")
    doc = store.current(s, plan_id)
    assert doc is not None
    return plan_from_json(doc)


def _readable(principal: Principal, plan: Plan) -> str:
    level = access.read_level(principal, plan)
    if level is None:
        raise NotFoundError(f"plan '{plan.id}' not found")
    return level


def create(db: Database, principal: Principal, *, plan_id: str, title: str, area_kind: str,
           area: str, form: str, parties: list[str], languages: list[str],
           review_interval_months: int, public: bool = False,
           review_triggers: list[str] | None = None,
           owners: dict[str, str] | None = None) -> dict[str, Any]:
    """A new draft plan, version 1, every section empty (see :func:`model.new_plan`)."""
    plan = new_plan(plan_id=plan_id, title=title, area_kind=area_kind, area=area, form=form,
                    parties=parties, languages=languages,
                    review_interval_months=review_interval_months, public=public,
                    review_triggers=review_triggers, owners=owners)
    access.check_create(principal, plan.parties)
    with db.transaction() as s:
        if store.exists(s, plan.id):
            raise ConflictError(f"plan '{plan.id}' already exists")
        _write(s, principal, None, plan, "create",
               {"title": [None, plan.title], "parties": [None, list(plan.parties)]})
    return get(db, principal, plan.id)


def _change(db: Database, principal: Principal, plan_id: str, action: str,
            step: Callable[[Plan], tuple[Plan, dict[str, Any]]],
            now: dt.datetime | None = None) -> dict[str, Any]:
    with db.transaction() as s:
        before = _load(s, plan_id)
        _readable(principal, before)
        after, changes = step(before)
        _write(s, principal, before, after, action, changes)
    return get(db, principal, plan_id, now=now)


def edit_section(db: Database, principal: Principal, plan_id: str, key: str, *,
                 text: dict[str, str] | None = None, covers: list[str] | None = None,
                 public: bool | None = None, owner: str | None = None) -> dict[str, Any]:
    """A new version with the section changed; every Party back to draft."""
    def step(plan: Plan) -> tuple[Plan, dict[str, Any]]:
        access.check_section_write(principal, plan, key)
        if owner is not None and not principal.is_admin:
            raise PermissionDeniedError("only an administrator hands a section to another Party")
        problems = [Problem("request", None, "text", f"language {lang!r} is not a language of "
                            f"the plan ({', '.join(plan.languages)})")
                    for lang in (text or {}) if lang not in plan.languages]
        if problems:
            raise ValidationError(problems)
        after = lifecycle.edit_section(plan, key, text=text,
                                       covers=None if covers is None else tuple(covers),
                                       public=public, owner=owner)
        return after, {"section": [None, key],
                       "languages": [None, sorted((text or {}).keys())]}
    return _change(db, principal, plan_id, "edit_section", step)


def _check_target(db: Database, principal: Principal, kind: LinkKind, target: str) -> None:
    if kind is LinkKind.REPORT_TYPE:
        if target not in {str(t) for t in ReportType}:
            raise ValidationError([Problem("request", None, "target", f"{target!r} is not a "
                                   f"report type ({', '.join(str(t) for t in ReportType)})")])
        return
    if kind is LinkKind.SCENARIO:
        from hazatlas.services import scenarios

        scenarios.get(db, principal, target)  # NotFound / PermissionDenied as the reader's
        return
    with db.transaction() as s:
        if kind is LinkKind.ESTABLISHMENT:
            found = target in repo.scopes_of(s, [target])
        else:
            found = directory.get_contact(s, target) is not None
    if not found:
        raise NotFoundError(f"{kind} '{target}' not found")


def link(db: Database, principal: Principal, plan_id: str, key: str, kind: str, target: str,
         note: str = "") -> dict[str, Any]:
    """Link a register site, a stored scenario, a point of contact or a report type to a
    section (a new version)."""
    try:
        link_kind = LinkKind(kind)
    except ValueError:
        raise ValidationError([Problem("request", None, "kind", f"{kind!r} is not one of "
                               f"{', '.join(str(k) for k in LinkKind)}")]) from None
    _check_target(db, principal, link_kind, target)

    def step(plan: Plan) -> tuple[Plan, dict[str, Any]]:
        access.check_section_write(principal, plan, key)
        return (lifecycle.link(plan, key, Link(link_kind, target, note.strip())),
                {"section": [None, key], "link": [None, f"{link_kind}:{target}"]})
    return _change(db, principal, plan_id, "link", step)


def _state_step(principal: Principal, party: str | None, at: dt.datetime,
                move: Callable[..., Plan]) -> Callable[[Plan], tuple[Plan, dict[str, Any]]]:
    def step(plan: Plan) -> tuple[Plan, dict[str, Any]]:
        who = access.acting_party(principal, plan, party)
        before = plan.state_of(who).state
        after = move(plan, who, by=principal.username, at=at)
        return after, {"party": [None, who], "state": [before, after.state_of(who).state]}
    return step


def agree(db: Database, principal: Principal, plan_id: str, party: str | None = None, *,
          now: dt.datetime | None = None) -> dict[str, Any]:
    at = _now(now)
    return _change(db, principal, plan_id, "agree",
                   _state_step(principal, party, at, lifecycle.agree), at)


def adopt(db: Database, principal: Principal, plan_id: str, party: str | None = None, *,
          now: dt.datetime | None = None) -> dict[str, Any]:
    at = _now(now)
    return _change(db, principal, plan_id, "adopt",
                   _state_step(principal, party, at, lifecycle.adopt), at)


def request_review(db: Database, principal: Principal, plan_id: str, reason: str,
                   party: str | None = None, *, now: dt.datetime | None = None) -> dict[str, Any]:
    at = _now(now)

    def step(plan: Plan) -> tuple[Plan, dict[str, Any]]:
        who = access.acting_party(principal, plan, party)
        return (lifecycle.request_review(plan, who, reason, by=principal.username, at=at),
                {"party": [None, who], "review_request": [None, reason.strip()]})
    return _change(db, principal, plan_id, "request_review", step, at)


def _plan(db: Database, principal: Principal, plan_id: str,
          version: int | None = None) -> tuple[Plan, str]:
    with db.transaction() as s:
        doc = store.current(s, plan_id) if version is None else store.of_version(s, plan_id, version)
        if doc is None and version is not None and store.exists(s, plan_id):
            current = plan_from_json(store.current(s, plan_id) or {})
            _readable(principal, current)
            raise NotFoundError(f"plan '{plan_id}' has no version {version} "
                                f"(versions 1 to {current.version})")
    if doc is None:
        raise NotFoundError(f"plan '{plan_id}' not found")
    plan = plan_from_json(doc)
    return plan, _readable(principal, plan)


def get(db: Database, principal: Principal, plan_id: str, *, version: int | None = None,
        now: dt.datetime | None = None) -> dict[str, Any]:
    """The plan as ``principal`` may see it (:func:`view.readable_view`), with its ``status``.
    Earlier versions are for full readers (what was public then is judged by today's reader)."""
    plan, level = _plan(db, principal, plan_id, version)
    if version is not None and level != access.FULL:
        raise PermissionDeniedError(f"earlier versions of plan '{plan_id}' are for its Parties")
    return readable_view(db, principal, plan, level, _now(now))


def list_plans(db: Database, principal: Principal, *,
               now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Every plan ``principal`` may read: id, title, area, form, Parties, version, status."""
    at = _now(now)
    with db.transaction() as s:
        docs = store.listing(s)
    out = []
    for doc in docs:
        plan = plan_from_json(doc)
        if access.read_level(principal, plan) is None:
            continue
        out.append({"id": plan.id, "title": plan.title, "area_kind": str(plan.area_kind),
                    "area": plan.area, "form": str(plan.form), "parties": list(plan.parties),
                    "languages": list(plan.languages), "version": plan.version,
                    "status": lifecycle.status(plan, at), "public": plan.public})
    return out


def revisions(db: Database, principal: Principal, plan_id: str) -> list[dict[str, Any]]:
    plan, level = _plan(db, principal, plan_id)
    if level != access.FULL:
        raise PermissionDeniedError(f"the history of plan '{plan_id}' is for its Parties")
    with db.transaction() as s:
        return store.revisions(s, plan_id)


def check(db: Database, principal: Principal, plan_id: str) -> dict[str, Any]:
    """The completeness check of the current version (Parties, basin bodies, administrators)."""
    plan, level = _plan(db, principal, plan_id)
    if level != access.FULL:
        raise PermissionDeniedError(f"the completeness of plan '{plan_id}' is for its Parties")
    return completeness.check(plan, load_table(ELEMENTS))


def diff(db: Database, principal: Principal, plan_id: str, old: int, new: int) -> dict[str, Any]:
    """What changed from content version ``old`` to ``new`` (per section, per language)."""
    a, level = _plan(db, principal, plan_id, old)
    b, _ = _plan(db, principal, plan_id, new)
    if level != access.FULL:
        raise PermissionDeniedError(f"the versions of plan '{plan_id}' are for its Parties")
    out = plan_diff.diff(a, b)
    if a.title != b.title:
        out["title"] = [a.title, b.title]
    if a.parties != b.parties:
        out["parties"] = [list(a.parties), list(b.parties)]
    return out
