"""Notification reports between countries and the per-recipient delivery state machine.

Report types follow the UNECE Industrial Accident Notification (IAN) System and the Danube
alert system: Early warning, Information report, Request for assistance, Response to a
request, End of alert and Test. Their fields follow Annex IX of the Convention (notification:
type and magnitude of the accident, hazardous substances, severity of possible effects, time
and exact location, other information needed for an efficient response) and Article 12 with
Annex X (mutual assistance: scope and type of the assistance asked for; the requested Party
answers whether it can help and with what scope and terms; the requesting Party directs the
assistance).

Every time is a timezone-aware :class:`datetime.datetime`; a naive time is an error, because
a warning read in another country must say unambiguously when. All types here are pure value
types: storage, file formats (CAP 1.2, REPORT.json, e-mail) and delivery map to and from them.
What makes a report valid is :mod:`hazatlas.domain.report_validation`; the delivery state
machine is in :mod:`hazatlas.domain.delivery_state`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class ReportType(StrEnum):
    """The six report types (IAN System reports plus the Danube alert system's messages)."""

    EARLY_WARNING = "early_warning"
    INFORMATION = "information"
    ASSISTANCE_REQUEST = "assistance_request"
    ASSISTANCE_RESPONSE = "assistance_response"
    END_OF_ALERT = "end_of_alert"
    TEST = "test"


class ReportStatus(StrEnum):
    """Whether a report is real, part of an exercise, or a communication test."""

    ACTUAL = "actual"
    EXERCISE = "exercise"
    TEST = "test"


class ResponseKind(StrEnum):
    """Answer to a request for assistance (Art. 12(1)): offer, offer on terms, or refusal."""

    OFFER = "offer"
    TERMS = "terms"
    REFUSAL = "refusal"


class AccidentType(StrEnum):
    FIRE = "fire"
    EXPLOSION = "explosion"
    RELEASE_TO_AIR = "release_to_air"
    RELEASE_TO_WATER = "release_to_water"
    RELEASE_TO_SOIL = "release_to_soil"
    TAILINGS_DAM_FAILURE = "tailings_dam_failure"
    PIPELINE_FAILURE = "pipeline_failure"
    NATECH = "natech"
    OTHER = "other"


class Severity(StrEnum):
    """Severity of the possible effects (Annex IX(a)); the CAP 1.2 scale."""

    EXTREME = "extreme"
    SEVERE = "severe"
    MODERATE = "moderate"
    MINOR = "minor"
    UNKNOWN = "unknown"


class Certainty(StrEnum):
    """How sure the sender is of the facts; the CAP 1.2 scale."""

    OBSERVED = "observed"
    LIKELY = "likely"
    POSSIBLE = "possible"
    UNLIKELY = "unlikely"
    UNKNOWN = "unknown"


class AssistanceKind(StrEnum):
    EXPERTS = "experts"
    RESPONSE_TEAMS = "response_teams"
    EQUIPMENT = "equipment"
    MATERIALS = "materials"
    MEDICAL = "medical"
    ANALYSIS = "analysis"
    OTHER = "other"


@dataclass(frozen=True)
class ReportRef:
    """An earlier report, named as CAP 1.2 names it: sender, identifier, sent time."""

    sender: str
    identifier: str
    sent: dt.datetime


@dataclass(frozen=True)
class Place:
    """Exact location of the accident (Annex IX(b)).

    ``timezone`` is the IANA name of the local time zone at the place (``"Europe/Bucharest"``),
    used to show local time next to UTC. ``lon``/``lat`` are WGS 84 degrees.
    """

    description: str
    country_iso3: str
    timezone: str
    lon: float | None = None
    lat: float | None = None
    establishment_id: str | None = None


@dataclass(frozen=True)
class SubstanceRelease:
    """A hazardous substance involved, with the quantity released or involved (if known)."""

    name: str
    cas: str | None = None
    quantity_kg: float | None = None


@dataclass(frozen=True)
class Accident:
    """Type, magnitude, substances, time and place of the accident (Annex IX(a), (b))."""

    type: AccidentType
    occurred_at: dt.datetime
    place: Place
    severity: Severity = Severity.UNKNOWN
    certainty: Certainty = Certainty.OBSERVED
    substances: tuple[SubstanceRelease, ...] = ()
    ongoing: bool = True


@dataclass(frozen=True)
class Circle:
    """A circle of ``radius_m`` metres around a WGS 84 point."""

    lon: float
    lat: float
    radius_m: float


@dataclass(frozen=True)
class Reach:
    """A river reach on the downstream path, as a WGS 84 line of (lon, lat) points."""

    id: str
    name: str
    line: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Area:
    """Area that may be affected: polygons (closed rings of (lon, lat)), circles, reaches.

    ``geocodes`` are (name, value) pairs, e.g. ``("hazatlas:reach", "danube-1234")``.
    """

    description: str
    polygons: tuple[tuple[tuple[float, float], ...], ...] = ()
    circles: tuple[Circle, ...] = ()
    reaches: tuple[Reach, ...] = ()
    geocodes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ReportText:
    """Free text written by the sender in one language (``language`` is a BCP 47 tag).

    ``description``: type and extent of the accident in words; ``possible_effects``: severity
    and kind of possible (transboundary) effects; ``measures_taken``: what the Party of origin
    has done; ``other_information``: anything else needed for an efficient response
    (Annex IX(c)), e.g. meteorological or hydrological conditions.
    """

    language: str
    description: str = ""
    possible_effects: str = ""
    measures_taken: str = ""
    other_information: str = ""


@dataclass(frozen=True)
class AssistanceItem:
    kind: AssistanceKind
    what: str
    quantity: str = ""


@dataclass(frozen=True)
class AssistanceRequest:
    """What assistance is needed (Art. 12(1), Annex X): who, what, where, with which means.

    ``who`` is the authority that directs the assistance and receives it (Annex X(1)),
    ``where`` the place it is needed, ``means`` the transport or other means expected,
    ``needed_by`` the time it is needed (timezone-aware).
    """

    items: tuple[AssistanceItem, ...]
    who: str
    where: str
    means: str = ""
    needed_by: dt.datetime | None = None
    contact: str = ""


@dataclass(frozen=True)
class AssistanceResponse:
    """Answer of a requested Party (Art. 12(1)): whether, and with what scope and terms."""

    kind: ResponseKind
    scope: str = ""
    terms: str = ""
    reason: str = ""
    available_from: dt.datetime | None = None


@dataclass(frozen=True)
class Report:
    """One notification report. ``id`` is the sender's unique identifier of the report.

    ``texts[0]`` is the original, in the sender's language; further texts are the sender's own
    translations. ``languages`` lists extra languages in which to render the fixed fields
    (free text then stays in the original language).
    """

    id: str
    type: ReportType
    sender: str
    sender_name: str
    sender_country_iso3: str
    sent: dt.datetime
    texts: tuple[ReportText, ...]
    status: ReportStatus = ReportStatus.ACTUAL
    accident: Accident | None = None
    references: tuple[ReportRef, ...] = ()
    assistance: AssistanceRequest | None = None
    response: AssistanceResponse | None = None
    areas: tuple[Area, ...] = ()
    languages: tuple[str, ...] = ()
    expires: dt.datetime | None = None
    scenario_id: str | None = None

    @property
    def output_languages(self) -> tuple[str, ...]:
        """Languages to render, original first, without duplicates."""
        seen: dict[str, None] = {}
        for lang in (*(t.language for t in self.texts), *self.languages):
            seen.setdefault(lang, None)
        return tuple(seen)

    def text_for(self, language: str) -> ReportText:
        """The sender's text in ``language``, or the original text if there is none."""
        for text in self.texts:
            if text.language == language:
                return text
        return self.texts[0]

    @property
    def ref(self) -> ReportRef:
        """How other reports reference this one."""
        return ReportRef(self.sender, self.id, self.sent)
