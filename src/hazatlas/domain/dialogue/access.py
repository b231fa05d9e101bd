"""Who may read and write what of the policy dialogue and the consultations, on the roles of
:mod:`hazatlas.domain.access`.

Bodies, meetings and actions are the country's internal work: administrators and the national
authority of the body's country read and write them; nobody else reads them.

Consultations belong to a country. Its national authority (and administrators) create them,
read every comment and answer. A registered stakeholder of that country (role ``stakeholder``,
or an operator whose account names the country) sees the country's consultations once they are
open (also after they close, to read the answers), comments only while they are open, and reads
the other stakeholders' comments that are not marked private, with their answers, and its own.
Other countries' authorities, basin bodies and the public see nothing of a country's
consultations.
"""

from __future__ import annotations

from hazatlas.domain.access import Principal, Role
from hazatlas.domain.errors import PermissionDeniedError


def _who(principal: Principal) -> str:
    return f"user '{principal.username}' ({principal.role})"


def is_authority(principal: Principal, country_iso3: str) -> bool:
    """Administrators and the national authority of ``country_iso3``.

    >>> is_authority(Principal("md", Role.NATIONAL, "MDA"), "MDA")
    True
    """
    return principal.is_admin or (principal.role is Role.NATIONAL
                                  and principal.country_iso3 == country_iso3)


def is_stakeholder(principal: Principal, country_iso3: str) -> bool:
    """A registered stakeholder (or operator) of ``country_iso3``.

    >>> is_stakeholder(Principal("ngo", Role.STAKEHOLDER, "MDA"), "MDA")
    True
    >>> is_stakeholder(Principal("ngo", Role.STAKEHOLDER, "MDA"), "ROU")
    False
    """
    return (principal.role in (Role.STAKEHOLDER, Role.OPERATOR)
            and principal.country_iso3 == country_iso3)


def check_authority(principal: Principal, country_iso3: str, what: str) -> None:
    if not is_authority(principal, country_iso3):
        raise PermissionDeniedError(f"{_who(principal)} may not {what} of {country_iso3}: its "
                                    "national authority and administrators do")


def may_see_consultation(principal: Principal, country_iso3: str, phase: str) -> bool:
    """Whether the consultation (of ``country_iso3``, in ``phase``) is listed for ``principal``."""
    if is_authority(principal, country_iso3):
        return True
    return is_stakeholder(principal, country_iso3) and phase != "upcoming"


def check_comment(principal: Principal, country_iso3: str, phase: str) -> None:
    """Raise unless ``principal`` may comment now: a stakeholder of the country while it is open."""
    if not is_stakeholder(principal, country_iso3):
        raise PermissionDeniedError(f"{_who(principal)} may not comment on a consultation of "
                                    f"{country_iso3}: registered stakeholders of {country_iso3} do")
    if phase != "open":
        raise PermissionDeniedError(f"the consultation is {phase}: comments are taken while it "
                                    "is open")


def may_read_comment(principal: Principal, country_iso3: str, author: str, private: bool) -> bool:
    """The authority reads every comment; a stakeholder reads its own and the public ones."""
    if is_authority(principal, country_iso3):
        return True
    return is_stakeholder(principal, country_iso3) and (not private or author == principal.username)
