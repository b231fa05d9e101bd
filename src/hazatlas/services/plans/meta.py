"""Changing a plan's title and Parties after creation (``PATCH /api/plans/{id}``,
``hazatlas plan edit``). Like any change of content it makes a new version and returns every
Party to ``draft`` (an agreement is to a version), and it is stored as a revision and an entry
of the change log (action ``edit_plan``).

The rules (``docs/plans.md``, "Changing the title and the Parties"):

* the title: an administrator or the national authority of a Party;
* adding a Party: the same, and only while the plan is a draft (some Party has not agreed the
  current version); the new Party starts in ``draft``;
* removing a Party: an administrator or that Party's own authority (it withdraws), only while
  the plan is a draft, never below two Parties, and only once the Party owns no section (hand
  its sections to another Party first: the owner is changed by an administrator). A Party that
  had agreed loses nothing it could keep: the change is a new version, so every remaining
  Party's agreement returns to ``draft`` too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

from hazatlas.domain.access import Principal, Role
from hazatlas.domain.errors import PermissionDeniedError, Problem, ValidationError
from hazatlas.domain.plans import lifecycle
from hazatlas.domain.plans.model import PartyState, Plan
from hazatlas.services.plans.core import _change, _now

_ISO3 = re.compile(r"^[A-Z]{3}$")


def _who(principal: Principal) -> str:
    return f"user '{principal.username}' ({principal.role})"


def _own(principal: Principal) -> str | None:
    return principal.country_iso3 if principal.role is Role.NATIONAL else None


def _check_parties(plan: Plan, principal: Principal, parties: list[str], at: dt.datetime) -> None:
    problems = [Problem("request", None, "parties", f"{p!r} is not an ISO 3166-1 alpha-3 code")
                for p in parties if not _ISO3.match(p)]
    if len(set(parties)) != len(parties):
        problems.append(Problem("request", None, "parties", "a Party is named twice"))
    if len(set(parties)) < 2:
        problems.append(Problem("request", None, "parties", "a plan has at least two Parties"))
    if problems:
        raise ValidationError(problems)
    added = [p for p in parties if p not in plan.parties]
    removed = [p for p in plan.parties if p not in parties]
    if not added and not removed:
        return
    if lifecycle.status(plan, at) != lifecycle.DRAFT:
        raise lifecycle.PlanStateError(
            f"plan '{plan.id}': Parties are added or removed while the plan is a draft; it is "
            f"{lifecycle.status(plan, at).replace('_', ' ')}: change a section first (a new "
            "draft version)")
    for party in removed:
        if not principal.is_admin and _own(principal) != party:
            raise PermissionDeniedError(f"{_who(principal)} may not remove {party} from plan "
                                        f"'{plan.id}': only {party} itself or an administrator")
        owned = [s.key for s in plan.sections if s.owner == party]
        if owned:
            raise lifecycle.PlanStateError(
                f"plan '{plan.id}': {party} still owns section(s) {', '.join(owned)}; an "
                "administrator hands them to another Party first")


def edit_plan(db: Any, principal: Principal, plan_id: str, *, title: str | None = None,
              parties: list[str] | None = None,
              now: dt.datetime | None = None) -> dict[str, Any]:
    """A new version with the title and/or the list of Parties changed (order kept as given)."""
    at = _now(now)

    def step(plan: Plan) -> tuple[Plan, dict[str, Any]]:
        if not principal.is_admin and _own(principal) not in plan.parties:
            raise PermissionDeniedError(f"{_who(principal)} may not change plan '{plan.id}': "
                                        "its Parties' national authorities and administrators do")
        new_title = plan.title if title is None else title.strip()
        if not new_title:
            raise ValidationError([Problem("request", None, "title", "must not be empty")])
        new_parties = list(plan.parties) if parties is None else [p.strip() for p in parties]
        _check_parties(plan, principal, new_parties, at)
        if new_title == plan.title and new_parties == list(plan.parties):
            raise lifecycle.PlanStateError(f"plan '{plan.id}': nothing changed")
        after = dataclasses.replace(plan, title=new_title, parties=tuple(new_parties),
                                    version=plan.version + 1,
                                    states=tuple(PartyState(p) for p in new_parties))
        changes: dict[str, Any] = {}
        if new_title != plan.title:
            changes["title"] = [plan.title, new_title]
        if new_parties != list(plan.parties):
            changes["parties"] = [list(plan.parties), new_parties]
        return after, changes
    return _change(db, principal, plan_id, "edit_plan", step, at)
