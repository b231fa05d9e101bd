"""A plan's life: each Party agrees a version, then adopts it once every Party has agreed; the
plan is adopted when every Party has; its review falls due at the review date or when a Party
records a circumstance that requires it. The Convention asks that contingency plans be
"reviewed regularly, or when circumstances so require, taking into account the experience gained
in dealing with actual emergencies" (Art. 8(4)); it fixes no interval, so each plan states its
own (``review_interval_months``).

Any change of content (a section's text, owner, visibility, covered elements or links) is a new
version and returns every Party to ``draft``: an agreement is to a version. The version last
adopted stays recorded (``adopted_version``) until the next adoption.

Illegal transitions raise :class:`PlanStateError` naming the Party, its state and what to do.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt

from hazatlas.domain.errors import ConflictError
from hazatlas.domain.plans.model import Link, PartyState, Plan, ReviewRequest, Section

DRAFT, AGREED, ADOPTED = "draft", "agreed", "adopted"
#: What :func:`status` answers.
STATUSES = ("draft", "agreed", "adopted", "review_due")


class PlanStateError(ConflictError):
    """A transition the plan's state does not allow."""


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole calendar months (the last day of a shorter month if need be).

    >>> add_months(dt.date(2027, 1, 31), 1), add_months(dt.date(2026, 12, 6), 36)
    (datetime.date(2027, 2, 28), datetime.date(2029, 12, 6))
    """
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def status(plan: Plan, now: dt.datetime) -> str:
    """``draft`` (some Party has not agreed the current version), ``agreed`` (every Party has,
    not all adopted), ``adopted``, or ``review_due`` (adopted, and the review date has come or a
    review was requested)."""
    states = {s.state for s in plan.states}
    if DRAFT in states:
        return DRAFT
    if AGREED in states:
        return AGREED
    if plan.review_requests or (plan.review_due_on is not None and now.date() >= plan.review_due_on):
        return "review_due"
    return ADOPTED


def _set_state(plan: Plan, new: PartyState) -> Plan:
    return dataclasses.replace(plan, states=tuple(new if s.party == new.party else s
                                                  for s in plan.states))


def agree(plan: Plan, party: str, *, by: str, at: dt.datetime) -> Plan:
    """``party`` agrees the current version."""
    state = plan.state_of(party)
    if state.state != DRAFT:
        raise PlanStateError(f"plan '{plan.id}': {party} has already {state.state} version "
                             f"{state.version}; a change to the plan opens a new draft")
    return _set_state(plan, PartyState(party, AGREED, plan.version, at, by))


def adopt(plan: Plan, party: str, *, by: str, at: dt.datetime) -> Plan:
    """``party`` adopts the current version, which every Party must have agreed. When the last
    Party adopts, the plan is adopted: its review date is set and past review requests close."""
    state = plan.state_of(party)
    if state.state == ADOPTED:
        raise PlanStateError(f"plan '{plan.id}': {party} has already adopted version "
                             f"{state.version}")
    waiting = [s.party for s in plan.states if s.state == DRAFT]
    if waiting:
        raise PlanStateError(f"plan '{plan.id}': version {plan.version} cannot be adopted "
                             f"before every Party agrees it; still draft: {', '.join(waiting)}")
    out = _set_state(plan, PartyState(party, ADOPTED, plan.version, at, by))
    if all(s.state == ADOPTED for s in out.states):
        out = dataclasses.replace(out, adopted_version=plan.version, adopted_at=at,
                                  review_due_on=add_months(at.date(), plan.review_interval_months),
                                  review_requests=())
    return out


def request_review(plan: Plan, party: str, reason: str, *, by: str, at: dt.datetime) -> Plan:
    """Record a circumstance that requires a review (Art. 8(4)): an accident, an exercise's
    lessons, a new site, a change of contacts ... Only an adopted plan is reviewed."""
    plan.state_of(party)
    if not reason.strip():
        raise PlanStateError("a review request needs a reason")
    if plan.adopted_version is None:
        raise PlanStateError(f"plan '{plan.id}' has never been adopted; it is still being drafted")
    return dataclasses.replace(plan, review_requests=plan.review_requests + (
        ReviewRequest(reason.strip(), party, at, by),))


def _new_version(plan: Plan, section: Section) -> Plan:
    sections = tuple(section if s.key == section.key else s for s in plan.sections)
    return dataclasses.replace(plan, sections=sections, version=plan.version + 1,
                               states=tuple(PartyState(s.party) for s in plan.states))


def edit_section(plan: Plan, key: str, *, text: dict[str, str] | None = None,
                 covers: tuple[str, ...] | None = None, public: bool | None = None,
                 owner: str | None = None) -> Plan:
    """A new version with the section changed (only what is given); languages not given keep
    their text, an empty text removes a language."""
    section = plan.section(key)
    merged = dict(section.text)
    for lang, value in (text or {}).items():
        if value.strip():
            merged[lang] = value
        else:
            merged.pop(lang, None)
    if owner is not None:
        plan.state_of(owner)
    changed = dataclasses.replace(
        section, text=merged, covers=section.covers if covers is None else covers,
        public=section.public if public is None else public,
        owner=section.owner if owner is None else owner)
    if changed == section:
        raise PlanStateError(f"plan '{plan.id}', section {key!r}: nothing changed")
    return _new_version(plan, changed)


def link(plan: Plan, key: str, new: Link) -> Plan:
    """A new version with ``new`` added to the section (refused if it is there already)."""
    section = plan.section(key)
    if any(lk.kind == new.kind and lk.target == new.target for lk in section.links):
        raise PlanStateError(f"plan '{plan.id}', section {key!r}: {new.kind} '{new.target}' is "
                             f"already linked")
    return _new_version(plan, dataclasses.replace(section, links=section.links + (new,)))


def unlink(plan: Plan, key: str, kind: str, target: str) -> Plan:
    section = plan.section(key)
    kept = tuple(lk for lk in section.links if not (lk.kind == kind and lk.target == target))
    if len(kept) == len(section.links):
        raise PlanStateError(f"plan '{plan.id}', section {key!r}: no {kind} '{target}' linked")
    return _new_version(plan, dataclasses.replace(section, links=kept))
