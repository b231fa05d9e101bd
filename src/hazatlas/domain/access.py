"""Who may read and write what. The one place where confidentiality is decided; the API, the
exports, the CLI, imports and every later feature go through :func:`can_read_full`,
:func:`visible`, :func:`write_problems` and, for history entries and stored model runs,
:func:`can_read_entry`.

Roles
-----
``administrator``  reads and writes everything.
``national``       national authority of ``country``: full read and write of its country's
                   records; full read of records shared with Parties when its country is a Party.
``basin``          basin body (e.g. ICPDR): full read of records shared with Parties; no writes.
``operator``       operator of one establishment: full read and write of that establishment.
``stakeholder``    a registered stakeholder of ``country`` (an operator's or a civil society
                   organisation's representative) for the policy dialogue: reads and comments on
                   its country's open consultations (:mod:`hazatlas.domain.dialogue.access`);
                   otherwise it reads what the public reads and writes nothing of the register.
``public``         anyone without an account: public fields only, unless the record is public.

Disclosure levels (per record): ``public`` (everything readable by everyone), ``parties``
(confidential fields for Parties' authorities and basin bodies), ``national`` (confidential
fields only for the record's own country). Public fields are always readable.

Writes (:func:`write_problems`, used by the API, the CLI and imports alike)
------------------------------------------------------------------------------
A write turns a record's :class:`Scope` (id, country, disclosure level, operator) ``before`` into
``after`` (``None`` for a create or a delete). Any change that crosses an access boundary is
refused, naming the field:

``administrator``  anything.
``national``       only records of its own country, before and after: it may not create a record
                   in another country, move one out of its country or take one over from
                   another country. Within its country it decides the disclosure level.
``operator``       only its own establishment, and only its content: it may not create or delete
                   it, nor change its country, disclosure level or operator (the national
                   authority decides those). The id is the record's identity and cannot change.
``basin``, ``public``  no writes.

History (:func:`can_read_entry`, :func:`history_changes`)
-----------------------------------------------------------
Every history entry carries the :class:`EntryScope` of its time: the strictest disclosure level
the record had before or after the write, and every country and operator it had then. Its
confidential values are shown only to a user entitled to them both then (under each of those
countries and operators, at that level) and now (under the record's current scope): making a
record public does not publish what was confidential before, and moving a site to another
country does not hand its earlier confidential history to the new country's authority. Entries
of unknown scope and the history of deleted records show confidential values to administrators
only. Values of public fields are always shown.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from hazatlas.domain.establishment import Disclosure, Establishment


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    NATIONAL = "national"
    BASIN = "basin"
    OPERATOR = "operator"
    STAKEHOLDER = "stakeholder"
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


def full_read_check(principal: Principal) -> Callable[[str, str, str], bool]:
    """:func:`can_read_full` of ``principal`` as a function of (disclosure, country,
    establishment id), for reading many records: the same answers, each (disclosure, country)
    decided once for every role but the operator's (the only one whose answer depends on the
    establishment).

    >>> check = full_read_check(Principal("ua", Role.NATIONAL, country_iso3="UKR", party=True))
    >>> check("national", "UKR", "x"), check("national", "MDA", "y"), check("parties", "MDA", "y")
    (True, False, True)
    """
    if principal.role is Role.OPERATOR:
        return lambda disclosure, country, eid: can_read_full(principal, disclosure, country, eid)
    decided: dict[tuple[str, str], bool] = {}

    def check(disclosure: str, country_iso3: str, establishment_id: str) -> bool:
        key = (disclosure, country_iso3)
        answer = decided.get(key)
        if answer is None:
            answer = decided[key] = can_read_full(principal, disclosure, country_iso3,
                                                  establishment_id)
        return answer

    return check


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
    """True if ``principal`` may write anything of that country (``establishment_id`` ``""``,
    e.g. country settings) or of that record at all. Whether a given change of a record is
    allowed is :func:`write_problems`'s to say (an operator, for one, may not create, delete or
    move its own establishment).

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


# -- writes: which changes cross an access boundary ------------------------------------------

def can_import(principal: Principal) -> bool:
    """Whether ``principal`` may import register files (API ``POST /api/import``, the CLI's
    ``register import`` run as a user, the web page ``/register/import``): administrators,
    national authorities and operators. What each imported record may change is then
    :func:`write_problems`'s to say, row by row.

    >>> can_import(Principal("rs", Role.NATIONAL, "SRB")), can_import(Principal("b", Role.BASIN))
    (True, False)
    """
    return principal.is_admin or principal.role in (Role.NATIONAL, Role.OPERATOR)


_STRICTNESS = {Disclosure.PUBLIC: 0, Disclosure.PARTIES: 1, Disclosure.NATIONAL: 2}


def strictest(levels: Iterable[Disclosure | str]) -> Disclosure:
    """The most restrictive of ``levels`` (``national`` when there are none: unknown is strict).

    >>> str(strictest(["public", "parties"])), str(strictest([]))
    ('parties', 'national')
    """
    found = [Disclosure(v) for v in levels]
    return max(found, key=_STRICTNESS.__getitem__) if found else Disclosure.NATIONAL


@dataclass(frozen=True)
class Scope:
    """What decides who may read and write one establishment."""

    establishment_id: str
    country_iso3: str
    disclosure: Disclosure
    operator: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "disclosure", Disclosure(self.disclosure))

    @classmethod
    def of(cls, e: Establishment) -> Scope:
        return cls(e.id, e.country_iso3, Disclosure(e.disclosure), e.operator)

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> Scope:
        """From column values or a comparable dict (keys ``id``, ``country_iso3``, ...)."""
        return cls(values["id"], values["country_iso3"], Disclosure(values["disclosure"]),
                   values.get("operator"))


def write_problems(principal: Principal, before: Scope | None,
                   after: Scope | None) -> list[tuple[str, str]]:
    """Why ``principal`` may not turn ``before`` into ``after`` (``None``: the record does not
    exist before a create or after a delete), as ``(field, message)`` pairs; empty if allowed.

    >>> rs = Principal("rs", Role.NATIONAL, "SRB")
    >>> write_problems(rs, Scope("a", "SRB", "national"), Scope("a", "SRB", "public"))
    []
    >>> write_problems(rs, Scope("a", "SRB", "national"), Scope("a", "HUN", "national"))
    [('country_iso3', "user 'rs' (national) may not move establishment 'a' from SRB to HUN")]
    >>> op = Principal("op", Role.OPERATOR, establishment_id="a")
    >>> [f for f, _ in write_problems(op, Scope("a", "SRB", "national", "X"),
    ...                               Scope("a", "HUN", "public", "Y"))]
    ['country_iso3', 'disclosure', 'operator']
    """
    if principal.is_admin:
        return []
    target = after or before
    if target is None:
        return []
    who = f"user '{principal.username}' ({principal.role})"
    eid = target.establishment_id
    if principal.role is Role.NATIONAL:
        own = principal.country_iso3
        if before is not None and before.country_iso3 != own:
            return [("country_iso3",
                     f"{who} may not write establishment '{eid}' of {before.country_iso3}")]
        if after is not None and after.country_iso3 != own:
            if before is None:
                return [("country_iso3",
                         f"{who} may not write establishments of {after.country_iso3}")]
            return [("country_iso3", f"{who} may not move establishment '{eid}' from "
                                     f"{before.country_iso3} to {after.country_iso3}")]
        return []
    if principal.role is Role.OPERATOR:
        if principal.establishment_id != eid:
            return [("id", f"{who} may not write establishment '{eid}' of {target.country_iso3}: "
                           f"only '{principal.establishment_id}'")]
        if before is None:
            return [("id", f"{who} may not create establishment '{eid}': the national "
                           f"authority of {target.country_iso3} registers it")]
        if after is None:
            return [("id", f"{who} may not delete establishment '{eid}': the national "
                           f"authority of {target.country_iso3} does")]
        out = []
        if after.country_iso3 != before.country_iso3:
            out.append(("country_iso3", f"{who} may not move establishment '{eid}' from "
                                        f"{before.country_iso3} to {after.country_iso3}"))
        if after.disclosure != before.disclosure:
            out.append(("disclosure", f"{who} may not change the disclosure level of '{eid}' "
                                      f"from {before.disclosure} to {after.disclosure}: the "
                                      f"national authority decides it"))
        if after.operator != before.operator:
            out.append(("operator", f"{who} may not change the operator of '{eid}' from "
                                    f"{before.operator!r} to {after.operator!r}"))
        return out
    return [("id", f"{who} may not write establishment '{eid}' of {target.country_iso3}")]


# -- history: entries judged by the scope of their time ---------------------------------------

# Keys of a history entry's ``changes`` whose values are public (see PUBLIC_FIELDS; provenance is
# stored as source and source_date). Every other key, known or not, is confidential.
HISTORY_PUBLIC_KEYS = frozenset(PUBLIC_FIELDS - {"provenance"} | {"source", "source_date"})
WITHHELD = "(confidential)"


@dataclass(frozen=True)
class EntryScope:
    """Who was entitled to a history entry's values when it was written: the strictest
    disclosure level the record had before or after the write, and its countries and
    operators before and after."""

    disclosure: Disclosure
    countries: frozenset[str]
    operators: frozenset[str | None]

    @classmethod
    def between(cls, before: Scope | None, after: Scope | None) -> EntryScope:
        sides = [s for s in (before, after) if s is not None]
        return cls(strictest(s.disclosure for s in sides),
                   frozenset(s.country_iso3 for s in sides), frozenset(s.operator for s in sides))

    def to_json(self) -> dict[str, Any]:
        return {"countries": sorted(self.countries),
                "operators": sorted(self.operators, key=lambda o: (o is not None, o or ""))}

    @classmethod
    def from_stored(cls, disclosure: str | None, scope: Mapping[str, Any] | None) -> EntryScope | None:
        """From the ``change_log`` columns; ``None`` (administrators only) when unknown."""
        if not disclosure or not scope or not scope.get("countries"):
            return None
        return cls(Disclosure(disclosure), frozenset(scope["countries"]),
                   frozenset(scope.get("operators") or [None]))


def entry_scope_columns(before: Mapping[str, Any] | None,
                        after: Mapping[str, Any] | None) -> tuple[str, dict[str, Any]]:
    """``change_log.disclosure`` and ``change_log.scope`` of a write from ``before`` to ``after``
    (dicts with ``id``, ``country_iso3``, ``disclosure``, ``operator``; ``None`` where the record
    does not exist): ``EntryScope.between`` of them, quick where the scope is unchanged (bulk
    writes).

    >>> entry_scope_columns(None, {"id": "a", "country_iso3": "SRB", "disclosure": "parties"})
    ('parties', {'countries': ['SRB'], 'operators': [None]})
    """
    one = after if after is not None else before
    assert one is not None
    if before is None or after is None or (
        before["country_iso3"] == after["country_iso3"]
        and before["disclosure"] == after["disclosure"]
        and before.get("operator") == after.get("operator")
    ):
        level = one["disclosure"]
        if level not in _LEVEL_NAMES:
            level = Disclosure(level).value  # an enum member, or ValueError
        return level, {"countries": [one["country_iso3"]], "operators": [one.get("operator")]}
    scope = EntryScope.between(Scope.from_values(before), Scope.from_values(after))
    return scope.disclosure.value, scope.to_json()


_LEVEL_NAMES = frozenset(d.value for d in Disclosure)


def can_read_entry(principal: Principal, entry: EntryScope | None, current: Scope | None) -> bool:
    """True if ``principal`` may read the confidential values of a history entry of scope
    ``entry`` of a record whose scope is now ``current`` (``None``: deleted): entitled then
    under every country and operator of the entry, and now.

    >>> ua = Principal("ua", Role.NATIONAL, "UKR", party=True)
    >>> then = EntryScope(Disclosure.NATIONAL, frozenset({"SRB"}), frozenset({None}))
    >>> can_read_entry(ua, then, Scope("a", "SRB", "public")), can_read_entry(ANONYMOUS, then, Scope("a", "SRB", "public"))
    (False, False)
    >>> moved = EntryScope(Disclosure.NATIONAL, frozenset({"SRB", "UKR"}), frozenset({None}))
    >>> can_read_entry(ua, moved, Scope("a", "UKR", "national"))
    False
    """
    if principal.is_admin:
        return True
    if entry is None or current is None:
        return False
    eid = current.establishment_id
    if not can_read_full(principal, current.disclosure, current.country_iso3, eid):
        return False
    if entry.disclosure is Disclosure.PUBLIC:
        return True
    if principal.role is Role.OPERATOR:  # the same operator then as now
        return principal.establishment_id == eid and entry.operators == {current.operator}
    return all(can_read_full(principal, entry.disclosure, c, eid) for c in entry.countries)


def history_changes(principal: Principal, changes: Mapping[str, list[Any]],
                    entry: EntryScope | None, current: Scope | None) -> dict[str, list[Any]]:
    """``changes`` (field -> [old, new]) with confidential values withheld unless
    :func:`can_read_entry`; values of public fields are kept."""
    if can_read_entry(principal, entry, current):
        return dict(changes)
    return {k: (list(v) if k in HISTORY_PUBLIC_KEYS else [WITHHELD, WITHHELD])
            for k, v in changes.items()}


def public_changes(changes: Mapping[str, list[Any]]) -> dict[str, list[Any]]:
    """The changes of a history entry that the open data feed publishes: the public fields'
    values only (:data:`HISTORY_PUBLIC_KEYS`), whatever the record's disclosure level then or
    now; every other key, known or not, is left out.

    >>> public_changes({"name": ["A", "B"], "notes": ["x", "y"], "inventory": [[], []]})
    {'name': ['A', 'B']}
    """
    return {k: list(v) for k, v in changes.items() if k in HISTORY_PUBLIC_KEYS}
