"""Who may read and write which part of a plan, on the roles of :mod:`hazatlas.domain.access`.

Reading: administrators, basin bodies and the national authorities of the plan's Parties read
the whole plan (``full``). Everyone else (the public, operators, other countries) reads a plan
only if it is marked public, and then only its public sections (``public``). What a link shows
is decided per item by the item's own rule (a confidential establishment's details only to those
who may read its confidential fields): see ``services/plans``.

Writing: a national authority writes the sections its country owns, and only its own Party's
state (agree, adopt, review requests); it creates plans to which its country is a Party.
Administrators write everything, for any Party. Basin bodies, operators and the public write
nothing.
"""

from __future__ import annotations

from hazatlas.domain.access import Principal, Role
from hazatlas.domain.errors import PermissionDeniedError
from hazatlas.domain.plans.model import Plan

FULL, PUBLIC = "full", "public"


def read_level(principal: Principal, plan: Plan) -> str | None:
    """``full``, ``public`` (the public sections only) or ``None`` (not at all)."""
    if principal.is_admin or principal.role is Role.BASIN:
        return FULL
    if principal.role is Role.NATIONAL and principal.country_iso3 in plan.parties:
        return FULL
    return PUBLIC if plan.public else None


def _who(principal: Principal) -> str:
    return f"user '{principal.username}' ({principal.role})"


def check_create(principal: Principal, parties: tuple[str, ...] | list[str]) -> None:
    if principal.is_admin:
        return
    if principal.role is Role.NATIONAL and principal.country_iso3 in parties:
        return
    raise PermissionDeniedError(f"{_who(principal)} may not create a plan of "
                                f"{', '.join(parties)}: national authorities of a Party and "
                                "administrators do")


def check_section_write(principal: Principal, plan: Plan, key: str) -> None:
    owner = plan.section(key).owner
    if principal.is_admin or (principal.role is Role.NATIONAL and principal.country_iso3 == owner):
        return
    raise PermissionDeniedError(f"{_who(principal)} may not edit section {key!r} of plan "
                                f"'{plan.id}': it is {owner}'s")


def acting_party(principal: Principal, plan: Plan, party: str | None) -> str:
    """The Party ``principal`` acts for: its own country (``party`` must be that or omitted);
    an administrator names it."""
    if principal.is_admin:
        if not party:
            raise PermissionDeniedError("an administrator names the Party it acts for (--party)")
        plan.state_of(party)
        return party
    own = principal.country_iso3 if principal.role is Role.NATIONAL else None
    if own is None or own not in plan.parties:
        raise PermissionDeniedError(f"{_who(principal)} acts for no Party of plan '{plan.id}'")
    if party and party != own:
        raise PermissionDeniedError(f"{_who(principal)} may act for {own} only, not {party}")
    return own
