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
The delivery state machine is in :mod:`hazatlas.domain.delivery_state`.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass
from enum import StrEnum

from hazatlas.domain.errors import Problem, ValidationError


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


# --- validation ----------------------------------------------------------------------------

_Bad = Callable[[str, str], None]

# CAP 1.2 forbids spaces, commas and the XML-restricted characters < and & in identifiers.
_IDENT = re.compile(r"^[^\s,<&]+$")
_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_ISO3 = re.compile(r"^[A-Z]{3}$")
_CAS = re.compile(r"^\d{2,7}-\d{2}-\d$")
# Characters that XML 1.0 (and so CAP) cannot carry.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

NEEDS_ACCIDENT = frozenset(
    {ReportType.EARLY_WARNING, ReportType.INFORMATION, ReportType.ASSISTANCE_REQUEST}
)
NEEDS_REFERENCES = frozenset(
    {ReportType.INFORMATION, ReportType.ASSISTANCE_RESPONSE, ReportType.END_OF_ALERT}
)


_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")


def bad_text_at(value: object, where: str = "") -> str | None:
    r"""The path (``texts[0].description``) of the first text in a JSON-like value holding a NUL
    character or a lone surrogate, which no database stores (PostgreSQL refuses both), or
    ``None``. The path itself is printable (escapes instead of the bad characters).

    >>> bad_text_at({"texts": [{"description": "ok"}, {"description": "a\x00b"}]})
    'texts[1].description'
    """
    found = _bad_text(value, where)
    if found is None:
        return None
    return found.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def _bad_text(value: object, where: str) -> str | None:
    if isinstance(value, str):
        return where if _BAD_CHARS.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            if isinstance(key, str) and _BAD_CHARS.search(key):
                return path
            found = _bad_text(item, path)
            if found is not None:
                return found
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found = _bad_text(item, f"{where}[{i}]")
            if found is not None:
                return found
    return None


def check_text(value: object, source: str, where: str = "") -> None:
    """Raise :class:`ValidationError` naming the field whose text has a NUL character or a lone
    surrogate."""
    found = bad_text_at(value, where)
    if found is not None:
        raise ValidationError(
            [
                Problem(
                    source,
                    None,
                    found or "text",
                    "contains a NUL character or an invalid code point",
                )
            ]
        )


def require_aware(value: dt.datetime, field: str, source: str = "report") -> dt.datetime:
    """Return ``value`` if it is timezone-aware, else raise a :class:`ValidationError`.

    >>> require_aware(dt.datetime(2026, 1, 1), "sent")
    Traceback (most recent call last):
    ...
    hazatlas.domain.errors.ValidationError: 1 problem in input; nothing was changed
      - report, column 'sent': time has no time zone; give an offset such as +02:00
    """
    problems = _aware_problems(value, field, source)
    if problems:
        raise ValidationError(problems)
    return value


def _aware_problems(value: object, field: str, source: str) -> list[Problem]:
    if not isinstance(value, dt.datetime):
        return [Problem(source, None, field, "expected a date and time with a time zone")]
    if value.tzinfo is None or value.utcoffset() is None:
        return [
            Problem(source, None, field, "time has no time zone; give an offset such as +02:00")
        ]
    return []


def validate_report(report: Report, source: str = "report") -> Report:
    """Check a report against the rules of its type; raise one error listing every problem.

    Returns the report unchanged so that it can be used inline.
    """
    problems: list[Problem] = []

    def bad(field: str, message: str) -> None:
        problems.append(Problem(source, None, field, message))

    _check_characters(report, "", bad)
    for name in ("id", "sender"):
        if not _IDENT.match(getattr(report, name) or ""):
            bad(name, "must be non-empty, without spaces, commas, '<' or '&' (CAP 1.2 rule)")
    if not report.sender_name.strip():
        bad("sender_name", "must not be empty")
    if not _ISO3.match(report.sender_country_iso3 or ""):
        bad("sender_country_iso3", "expected an ISO 3166-1 alpha-3 code such as 'ROU'")
    problems += _aware_problems(report.sent, "sent", source)
    if report.expires is not None:
        problems += _aware_problems(report.expires, "expires", source)
    _check_texts(report, bad)
    _check_type_rules(report, bad)
    if report.accident is not None:
        _check_accident(report.accident, bad, problems, source)
    for i, ref in enumerate(report.references):
        for name in ("sender", "identifier"):
            if not _IDENT.match(getattr(ref, name) or ""):
                bad(f"references[{i}].{name}", "must be non-empty, without spaces or commas")
        problems += _aware_problems(ref.sent, f"references[{i}].sent", source)
    if report.assistance is not None:
        _check_assistance(report.assistance, bad, problems, source)
    if report.response is not None:
        _check_response(report.response, bad, problems, source)
    for i, area in enumerate(report.areas):
        _check_area(area, f"areas[{i}]", bad)
    if problems:
        raise ValidationError(problems)
    return report


def _check_characters(value: object, path: str, bad: _Bad) -> None:
    """Every text in the report must be representable in XML (no control characters)."""
    if isinstance(value, str):
        if _NOT_XML.search(value):
            bad(path, "contains a control character that cannot be sent (XML 1.0)")
    elif is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            sub = f"{path}.{f.name}" if path else f.name
            _check_characters(getattr(value, f.name), sub, bad)
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            _check_characters(item, f"{path}[{i}]", bad)


def _check_texts(report: Report, bad: _Bad) -> None:
    if not report.texts:
        bad("texts", "at least one text (in the sender's language) is required")
    for i, text in enumerate(report.texts):
        if not _LANG.match(text.language or ""):
            bad(f"texts[{i}].language", "expected a language tag such as 'en' or 'ru'")
    langs = [t.language for t in report.texts]
    if len(set(langs)) != len(langs):
        bad("texts", "two texts have the same language")
    for i, lang in enumerate(report.languages):
        if not _LANG.match(lang or ""):
            bad(f"languages[{i}]", "expected a language tag such as 'en' or 'ru'")
    if report.texts and report.type in NEEDS_ACCIDENT and not report.texts[0].description.strip():
        bad("texts[0].description", "describe the type and extent of the accident")


def _check_type_rules(report: Report, bad: _Bad) -> None:
    kind = report.type
    if kind in NEEDS_ACCIDENT and report.accident is None:
        bad("accident", f"a {kind.value} report needs the accident (type, time, place)")
    if kind in NEEDS_REFERENCES and not report.references:
        bad("references", f"a {kind.value} report must reference the report(s) it follows")
    if kind == ReportType.ASSISTANCE_REQUEST and report.assistance is None:
        bad("assistance", "a request for assistance must say what assistance is needed")
    if kind != ReportType.ASSISTANCE_REQUEST and report.assistance is not None:
        bad("assistance", "only a request for assistance carries an assistance request")
    if kind == ReportType.ASSISTANCE_RESPONSE and report.response is None:
        bad("response", "a response must say whether assistance is offered, on terms or refused")
    if kind != ReportType.ASSISTANCE_RESPONSE and report.response is not None:
        bad("response", "only a response to a request carries a response")
    if kind == ReportType.TEST and report.status != ReportStatus.TEST:
        bad("status", "a test report must have status 'test'")
    if kind == ReportType.TEST and report.references:
        bad("references", "a test report references no other report")


def _check_accident(acc: Accident, bad: _Bad, problems: list[Problem], source: str) -> None:
    problems += _aware_problems(acc.occurred_at, "accident.occurred_at", source)
    place = acc.place
    if not place.description.strip():
        bad("accident.place.description", "describe where the accident happened")
    if not _ISO3.match(place.country_iso3 or ""):
        bad("accident.place.country_iso3", "expected an ISO 3166-1 alpha-3 code such as 'ROU'")
    try:
        zoneinfo.ZoneInfo(place.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        bad(
            "accident.place.timezone",
            f"unknown time zone {place.timezone!r}; expected an "
            "IANA name such as 'Europe/Bucharest'",
        )
    if (place.lon is None) != (place.lat is None):
        bad("accident.place", "give both lon and lat, or neither")
    elif place.lon is not None and place.lat is not None:
        if not (-180 <= place.lon <= 180 and -90 <= place.lat <= 90):
            bad("accident.place", "lon must be in [-180, 180] and lat in [-90, 90]")
    for i, sub in enumerate(acc.substances):
        if not sub.name.strip():
            bad(f"accident.substances[{i}].name", "must not be empty")
        if sub.cas is not None and not _CAS.match(sub.cas):
            bad(f"accident.substances[{i}].cas", "expected a CAS number such as '7782-50-5'")
        if sub.quantity_kg is not None and not sub.quantity_kg >= 0:
            bad(f"accident.substances[{i}].quantity_kg", "must be zero or more")


def _check_assistance(
    req: AssistanceRequest, bad: _Bad, problems: list[Problem], source: str
) -> None:
    if not req.items:
        bad("assistance.items", "list at least one item of assistance needed (what)")
    for i, item in enumerate(req.items):
        if not item.what.strip():
            bad(f"assistance.items[{i}].what", "say what is needed")
    if not req.who.strip():
        bad("assistance.who", "name the authority that directs and receives the assistance")
    if not req.where.strip():
        bad("assistance.where", "say where the assistance is needed")
    if req.needed_by is not None:
        problems += _aware_problems(req.needed_by, "assistance.needed_by", source)


def _check_response(
    resp: AssistanceResponse, bad: _Bad, problems: list[Problem], source: str
) -> None:
    if resp.kind == ResponseKind.REFUSAL and not resp.reason.strip():
        bad("response.reason", "a refusal should give a reason")
    if resp.kind in (ResponseKind.OFFER, ResponseKind.TERMS) and not resp.scope.strip():
        bad("response.scope", "an offer must say what assistance can be rendered")
    if resp.kind == ResponseKind.TERMS and not resp.terms.strip():
        bad("response.terms", "an offer on terms must state the terms")
    if resp.available_from is not None:
        problems += _aware_problems(resp.available_from, "response.available_from", source)


def _check_area(area: Area, where: str, bad: _Bad) -> None:
    if not area.description.strip():
        bad(f"{where}.description", "describe the area")
    if not (area.polygons or area.circles or area.reaches or area.geocodes):
        bad(where, "give at least one polygon, circle, reach or geocode")
    for j, ring in enumerate(area.polygons):
        if len(ring) < 4 or ring[0] != ring[-1]:
            bad(f"{where}.polygons[{j}]", "a polygon needs at least 4 points, first = last")
        elif not all(_lonlat_ok(p) for p in ring):
            bad(f"{where}.polygons[{j}]", "points must be (lon, lat) in degrees")
    for j, c in enumerate(area.circles):
        if not (_lonlat_ok((c.lon, c.lat)) and c.radius_m >= 0):
            bad(f"{where}.circles[{j}]", "centre must be (lon, lat) and radius_m zero or more")
    for j, reach in enumerate(area.reaches):
        if len(reach.line) < 2 or not all(_lonlat_ok(p) for p in reach.line):
            bad(f"{where}.reaches[{j}]", "a reach needs a line of at least 2 (lon, lat) points")
        if not _IDENT.match(reach.id or ""):
            bad(f"{where}.reaches[{j}].id", "must be non-empty, without spaces or commas")


def _lonlat_ok(point: tuple[float, float]) -> bool:
    lon, lat = point
    return -180 <= lon <= 180 and -90 <= lat <= 90
