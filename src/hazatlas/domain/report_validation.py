"""What a valid notification report is: the rules of each report type (Annex IX and X of the
Convention; CAP 1.2 for identifiers and characters) checked by :func:`validate_report`, and
:func:`require_aware` for times, which must carry their time zone (a warning read in another
country must say unambiguously when). The report types are in
:mod:`hazatlas.domain.notification`.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import fields, is_dataclass

from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.domain.notification import (
    Accident,
    Area,
    AssistanceRequest,
    AssistanceResponse,
    Report,
    ReportStatus,
    ReportType,
    ResponseKind,
)

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
