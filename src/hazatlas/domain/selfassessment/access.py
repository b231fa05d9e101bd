"""Who may read and write a country's self-assessment, action plan and implementation report.

These documents are the country's own: its national authority reads and writes them, and
administrators (the secretariat running the instance) read and write them for any country.
Sign-off of an implementation report is for the national authority of the country only: an
administrator prepares but does not sign for a country. Everyone else (other countries, basin
bodies, operators, the public) sees none of them: what a country says about its gaps is not
shared until it sends the report itself.
"""

from __future__ import annotations

from hazatlas.domain.access import Principal, Role
from hazatlas.domain.errors import NotFoundError, PermissionDeniedError


def _who(principal: Principal) -> str:
    return f"user '{principal.username}' ({principal.role})"


def can_read(principal: Principal, country_iso3: str) -> bool:
    return principal.is_admin or (principal.role is Role.NATIONAL
                                  and principal.country_iso3 == country_iso3)


def check_read(principal: Principal, country_iso3: str, what: str) -> None:
    """Raise NotFound (not Forbidden: another country's documents are not disclosed)."""
    if not can_read(principal, country_iso3):
        raise NotFoundError(f"{what} not found")


def check_write(principal: Principal, country_iso3: str) -> None:
    if not can_read(principal, country_iso3):
        raise PermissionDeniedError(f"{_who(principal)} may not write the documents of "
                                    f"{country_iso3}: its national authority and "
                                    "administrators do")


def check_sign_off(principal: Principal, country_iso3: str) -> None:
    if principal.role is Role.NATIONAL and principal.country_iso3 == country_iso3:
        return
    raise PermissionDeniedError(f"{_who(principal)} may not sign off the report of "
                                f"{country_iso3}: only its national authority does")
