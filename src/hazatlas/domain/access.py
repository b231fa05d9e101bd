"""Who may read and write what. The one place where confidentiality is decided; the API, the
exports, the CLI and every later feature go through :func:`can_read_full`, :func:`redact` and
:func:`can_write`.

Roles
-----
``administrator``  reads and writes everything.
``national``       national authority of ``country``: full read and write of its country's
                   records; full read of records shared with Parties when its country is a Party.
``basin``          basin body (e.g. ICPDR): full read of records shared with Parties; no writes.
``operator``       operator of one establishment: full read and write of that establishment.
``public``         anyone without an account: public fields only, unless the record is public.

Disclosure levels (per record): ``public`` (everything readable by everyone), ``parties``
(confidential fields for Parties' authorities and basin bodies), ``national`` (confidential
fields only for the record's own country). Public fields are always readable.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum

from hazatlas.domain.establishment import Disclosure, Establishment


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    NATIONAL = "national"
    BASIN = "basin"
    OPERATOR = "operator"
    PUBLIC = "public"


@dataclass(frozen=True)
class Principal:
    """The user on whose behalf something is done."""

    username: str
    role: Role
    country_iso3: str | None = None
    establishment_id: str | None = None
    party: bool = False  # the user's country is a Party to the Convention

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMINISTRATOR


ANONYMOUS = Principal(username="anonymous", role=Role.PUBLIC)
SYSTEM = Principal(username="system", role=Role.ADMINISTRATOR)

# Fields readable by everyone, whatever the record's disclosure level.
PUBLIC_FIELDS = frozenset(
    {"id", "name", "kind", "country_iso3", "lon", "lat", "status", "operator", "nace_code",
     "receiving_water", "disclosure", "provenance"}
)
# Everything else (inventory, tailings details, external ids, site polygon, notes) is confidential.


def can_read_full(principal: Principal, disclosure: Disclosure | str, country_iso3: str,
                  establishment_id: str) -> bool:
    """True if ``principal`` may read the confidential fields of the record.

    >>> p = Principal("ua", Role.NATIONAL, country_iso3="UKR", party=True)
    >>> can_read_full(p, "national", "UKR", "x"), can_read_full(p, "national", "MDA", "y")
    (True, False)
    >>> can_read_full(p, "parties", "MDA", "y"), can_read_full(ANONYMOUS, "parties", "MDA", "y")
    (True, False)
    """
    level = Disclosure(disclosure)
    if level is Disclosure.PUBLIC or principal.is_admin:
        return True
    if principal.role is Role.OPERATOR:
        return principal.establishment_id == establishment_id
    if principal.role is Role.NATIONAL:
        if principal.country_iso3 == country_iso3:
            return True
        return level is Disclosure.PARTIES and principal.party
    if principal.role is Role.BASIN:
        return level is Disclosure.PARTIES
    return False


def redact(establishment: Establishment) -> Establishment:
    """A copy of ``establishment`` with every confidential field emptied."""
    return dataclasses.replace(
        establishment,
        inventory=[],
        tailings=None,
        external_ids={},
        site_polygon_wkt=None,
        notes=None,
    )


def visible(principal: Principal, establishment: Establishment) -> tuple[Establishment, bool]:
    """The establishment as ``principal`` may see it, and whether it is complete."""
    full = can_read_full(principal, establishment.disclosure, establishment.country_iso3,
                         establishment.id)
    return (establishment if full else redact(establishment)), full


def can_write(principal: Principal, country_iso3: str, establishment_id: str) -> bool:
    """True if ``principal`` may create, change or delete the record.

    >>> can_write(Principal("rs", Role.NATIONAL, "SRB"), "SRB", "a"), can_write(ANONYMOUS, "SRB", "a")
    (True, False)
    """
    if principal.is_admin:
        return True
    if principal.role is Role.NATIONAL:
        return principal.country_iso3 == country_iso3
    if principal.role is Role.OPERATOR:
        return principal.establishment_id == establishment_id
    return False
