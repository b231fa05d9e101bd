"""Damage events of a register site: what happened to it (armed conflict, a natural hazard, an
accident), how badly, which of its units, who says so and how reliable that is, and whether an
authority has assessed it (issue 15 item 6; ``docs/natech.md``, section "Damage events").

Pure value types and their checks; storage is ``storage/damage.py``, the use cases and the
access rules ``services/damage.py``. The extent of damage maps to RAPID-N's damage states
(``hazatlas.models.natech.reported``), which is how an event raises the site's release
assumptions and its rank.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from hazatlas.domain.errors import Problem
from hazatlas.domain.text import first_unstorable


class Cause(StrEnum):
    ARMED_CONFLICT = "armed_conflict"
    NATURAL_HAZARD = "natural_hazard"
    ACCIDENT = "accident"
    OTHER = "other"


class Extent(StrEnum):
    """How badly the affected units are damaged; ordered from none to destroyed."""

    NONE = "none"
    MINOR = "minor"
    MODERATE = "moderate"
    SEVERE = "severe"
    DESTROYED = "destroyed"

    @property
    def order(self) -> int:
        """0 (none) ... 4 (destroyed)."""
        return list(Extent).index(self)


class Reliability(StrEnum):
    """Who vouches for the report, from strongest to weakest."""

    CONFIRMED_AUTHORITY = "confirmed_authority"
    CONFIRMED_OPERATOR = "confirmed_operator"
    SATELLITE_IMAGERY = "satellite_imagery"
    MEDIA = "media"
    UNVERIFIED = "unverified"


#: natural hazard types a ``natural_hazard`` cause names (the hazards of the layer manifests)
HAZARD_TYPES = ("earthquake", "flood", "rainfall", "landslide", "lightning", "wind", "cold",
                "heat", "wildfire", "other")
#: the affected unit naming the dam of a tailings facility
DAM_UNIT = "dam"
MAX_TEXT = 4000


@dataclass(frozen=True)
class DamageEvent:
    """One reported damage event of an establishment.

    ``affected_units``: labels of the site's units as the Natech screening names them (an
    inventory line's ``line_id``, else its ``storage_unit``, else ``line N``; ``dam`` for a
    tailings dam); empty when the report does not say which units. ``confidential``: the event
    is shown only to users who may read the site's confidential fields; otherwise its public
    part (all but the affected units and the notes) is shown to everyone.
    """

    establishment_id: str
    occurred_on: dt.date
    cause: Cause
    extent: Extent
    source: str
    reliability: Reliability
    hazard_type: str | None = None
    affected_units: tuple[str, ...] = ()
    source_url: str | None = None
    notes: str | None = None
    confidential: bool = True
    assessed: bool = False
    id: int | None = None
    recorded_by: str | None = None
    recorded_at: dt.datetime | None = None
    assessed_by: str | None = None
    assessed_at: dt.datetime | None = None
    assessment_note: str | None = None
    extent_reported: Extent | None = field(default=None)

    def to_json(self, *, full: bool = True) -> dict[str, Any]:
        """JSON-ready dict; ``full=False`` leaves out the affected units and notes."""
        out: dict[str, Any] = {
            "id": self.id, "establishment_id": self.establishment_id,
            "occurred_on": self.occurred_on.isoformat(), "cause": str(self.cause),
            "hazard_type": self.hazard_type, "extent": str(self.extent),
            "extent_reported": str(self.extent_reported or self.extent),
            "source": self.source, "source_url": self.source_url,
            "reliability": str(self.reliability), "confidential": self.confidential,
            "assessed": self.assessed, "recorded_by": self.recorded_by,
            "recorded_at": self.recorded_at.isoformat() if self.recorded_at else None,
            "assessed_by": self.assessed_by,
            "assessed_at": self.assessed_at.isoformat() if self.assessed_at else None,
            "assessment_note": self.assessment_note if full else None,
            "affected_units": list(self.affected_units) if full else None,
            "notes": self.notes if full else None,
            "complete": full,
        }
        return out


def _choice(enum: type[StrEnum], raw: Any, name: str, problems: list[Problem]) -> Any:
    try:
        return enum(str(raw).strip().lower())
    except ValueError:
        problems.append(Problem("damage event", None, name, f"{raw!r}: expected one of "
                                f"{', '.join(e.value for e in enum)}"))
        return None


def _text(raw: Any, name: str, problems: list[Problem], *, required: bool) -> str | None:
    if raw is None or str(raw).strip() == "":
        if required:
            problems.append(Problem("damage event", None, name, "required, not given"))
        return None
    text = str(raw).strip()
    bad = first_unstorable(text)
    if bad is not None:
        problems.append(Problem("damage event", None, name, "contains a character that cannot "
                                "be stored"))
    if len(text) > MAX_TEXT:
        problems.append(Problem("damage event", None, name,
                                f"{len(text)} characters: at most {MAX_TEXT}"))
    return text


def _date(raw: Any, problems: list[Problem], today: dt.date) -> dt.date | None:
    if isinstance(raw, dt.date):
        value = raw
    else:
        try:
            value = dt.date.fromisoformat(str(raw).strip())
        except ValueError:
            problems.append(Problem("damage event", None, "occurred_on",
                                    f"{raw!r}: expected a date YYYY-MM-DD"))
            return None
    if value > today:
        problems.append(Problem("damage event", None, "occurred_on",
                                f"{value.isoformat()} is in the future"))
    return value


def parse_event(establishment_id: str, fields: dict[str, Any], *,
                units: tuple[str, ...], today: dt.date) -> tuple[DamageEvent | None, list[Problem]]:
    """A :class:`DamageEvent` from user input (``fields`` as the API, the CLI and the form give
    them), checked against the site's ``units``; every problem is listed, naming the field.

    >>> e, p = parse_event("S", {"occurred_on": "2022-04-03", "cause": "armed_conflict",
    ...     "extent": "severe", "source": "report", "reliability": "media",
    ...     "affected_units": ["T1"]}, units=("T1",), today=dt.date(2026, 1, 1))
    >>> (e.extent.order, e.affected_units, p)
    (3, ('T1',), [])
    >>> _, p = parse_event("S", {"occurred_on": "2030-01-01", "cause": "war", "extent": "x",
    ...     "source": "", "reliability": "media", "affected_units": ["T9"]},
    ...     units=("T1",), today=dt.date(2026, 1, 1))
    >>> [q.field for q in p]
    ['occurred_on', 'cause', 'extent', 'source', 'affected_units']
    """
    problems: list[Problem] = []
    occurred = _date(fields.get("occurred_on"), problems, today)
    cause = _choice(Cause, fields.get("cause"), "cause", problems)
    extent = _choice(Extent, fields.get("extent"), "extent", problems)
    reliability = _choice(Reliability, fields.get("reliability"), "reliability", problems)
    source = _text(fields.get("source"), "source", problems, required=True)
    url = _text(fields.get("source_url"), "source_url", problems, required=False)
    if url is not None and not url.lower().startswith(("https://", "http://")):
        problems.append(Problem("damage event", None, "source_url",
                                f"{url!r}: expected an http(s):// address"))
    notes = _text(fields.get("notes"), "notes", problems, required=False)
    hazard = _text(fields.get("hazard_type"), "hazard_type", problems, required=False)
    if cause is Cause.NATURAL_HAZARD and hazard is None:
        problems.append(Problem("damage event", None, "hazard_type",
                                f"required for a natural hazard: one of {', '.join(HAZARD_TYPES)}"))
    elif hazard is not None and cause is not Cause.NATURAL_HAZARD:
        problems.append(Problem("damage event", None, "hazard_type",
                                "only for the cause natural_hazard"))
    elif hazard is not None and hazard.lower() not in HAZARD_TYPES:
        problems.append(Problem("damage event", None, "hazard_type",
                                f"{hazard!r}: expected one of {', '.join(HAZARD_TYPES)}"))
    affected = tuple(dict.fromkeys(str(u).strip() for u in fields.get("affected_units") or ()
                                   if str(u).strip()))
    unknown = [u for u in affected if u not in units]
    if unknown:
        problems.append(Problem("damage event", None, "affected_units",
                                f"{', '.join(unknown)}: not a unit of {establishment_id} "
                                f"(its units: {', '.join(units) or 'none'})"))
    confidential = fields.get("confidential", True)
    if not isinstance(confidential, bool):
        problems.append(Problem("damage event", None, "confidential", "expected true or false"))
    if problems:
        return None, problems
    assert occurred and cause and extent and reliability and source
    return DamageEvent(establishment_id, occurred, cause, extent, source, reliability,
                       hazard.lower() if hazard else None, affected, url, notes,
                       bool(confidential)), []
