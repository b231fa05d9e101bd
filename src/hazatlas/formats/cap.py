"""Reports as OASIS Common Alerting Protocol 1.2 alerts (the hazatlas CAP profile).

:func:`render_cap` writes one ``<alert>`` per report, with one ``<info>`` block per language;
:func:`parse_cap` reads an alert written by another hazatlas instance back into a report. The
profile, field by field, is in ``docs/cap-profile.md``; the mapping tables are below.

Source: OASIS, *Common Alerting Protocol Version 1.2*, OASIS Standard, 1 July 2010
(element definitions of alert, info and area in section 3.2; the implementation note on
date-time data: offset required, no "Z", UTC written "-00:00").
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
from typing import Any

from lxml import etree  # type: ignore[import-untyped]
from shapely.geometry import LineString, MultiPolygon, Polygon  # type: ignore[import-untyped]
from shapely.geometry.base import BaseGeometry  # type: ignore[import-untyped]

from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.domain.notification import (
    AccidentType,
    Area,
    Reach,
    Report,
    ReportStatus,
    ReportType,
    Severity,
)
from hazatlas.domain.report_validation import validate_report
from hazatlas.formats.i18n import label
from hazatlas.formats.report_text import description, headline
from hazatlas.formats.reports import report_from_dict, report_to_dict

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
PROFILE_CODE = "hazatlas:1.0"
PARAM = "hazatlas:"
RESTRICTION = (
    "Competent authorities and points of contact under the UNECE Convention on the "
    "Transboundary Effects of Industrial Accidents"
)
#: Half-width of the corridor drawn around a river reach when it becomes a CAP polygon.
REACH_BUFFER_M = 500.0
EARTH_RADIUS_M = 6_371_008.8

MSG_TYPE = {
    ReportType.EARLY_WARNING: "Alert",
    ReportType.INFORMATION: "Update",
    ReportType.ASSISTANCE_REQUEST: "Alert",
    ReportType.ASSISTANCE_RESPONSE: "Alert",
    ReportType.END_OF_ALERT: "Cancel",
    ReportType.TEST: "Alert",
}
STATUS = {
    ReportStatus.ACTUAL: "Actual",
    ReportStatus.EXERCISE: "Exercise",
    ReportStatus.TEST: "Test",
}
URGENCY = {
    ReportType.EARLY_WARNING: "Immediate",
    ReportType.INFORMATION: "Immediate",
    ReportType.ASSISTANCE_REQUEST: "Immediate",
    ReportType.ASSISTANCE_RESPONSE: "Immediate",
    ReportType.END_OF_ALERT: "Past",
    ReportType.TEST: "Unknown",
}
RESPONSE_TYPE = {
    ReportType.EARLY_WARNING: "Prepare",
    ReportType.INFORMATION: "Monitor",
    ReportType.ASSISTANCE_REQUEST: "Assess",
    ReportType.ASSISTANCE_RESPONSE: "None",
    ReportType.END_OF_ALERT: "AllClear",
    ReportType.TEST: "None",
}
NOTE = {
    ReportStatus.EXERCISE: "EXERCISE - this report is part of an exercise, not a real accident.",
    ReportStatus.TEST: "TEST - communication test; please acknowledge receipt, no other action.",
}


def cap_time(value: dt.datetime) -> str:
    """CAP 1.2 date-time: ``2026-03-01T14:05:00+02:00``; UTC is written ``-00:00``.

    >>> cap_time(dt.datetime(2026, 3, 1, 12, 5, 7, 999, tzinfo=dt.UTC))
    '2026-03-01T12:05:07-00:00'
    """
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("CAP times need a time zone")
    if offset.seconds % 60 or offset.microseconds:
        value = value.astimezone(dt.UTC)
    text = value.replace(microsecond=0).isoformat()
    return text[:-6] + "-00:00" if text.endswith("+00:00") else text


def references_text(report: Report) -> str:
    """``sender,identifier,sent`` triplets separated by spaces (CAP 1.2, 3.2.1)."""
    return " ".join(f"{r.sender},{r.identifier},{cap_time(r.sent)}" for r in report.references)


def _categories(report: Report) -> list[str]:
    if report.type == ReportType.TEST:
        return ["Other"]
    cats = ["Safety", "Env"]
    if report.accident and report.accident.type in (AccidentType.FIRE, AccidentType.EXPLOSION):
        cats.append("Fire")
    if report.type in (ReportType.ASSISTANCE_REQUEST, ReportType.ASSISTANCE_RESPONSE):
        cats.append("Rescue")
    return cats


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    if text is not None:
        el.text = text
    return el


def _pair(parent: etree._Element, tag: str, name: str, value: str) -> None:
    el = _sub(parent, tag)
    _sub(el, "valueName", name)
    _sub(el, "value", value)


def render_cap(report: Report, reach_buffer_m: float = REACH_BUFFER_M) -> bytes:
    """The report as a CAP 1.2 alert (UTF-8 XML bytes). The report is validated first."""
    validate_report(report)
    alert = etree.Element(f"{{{CAP_NS}}}alert", nsmap={None: CAP_NS})
    _sub(alert, "identifier", report.id)
    _sub(alert, "sender", report.sender)
    _sub(alert, "sent", cap_time(report.sent))
    _sub(alert, "status", STATUS[report.status])
    _sub(alert, "msgType", MSG_TYPE[report.type])
    _sub(alert, "scope", "Restricted")
    _sub(alert, "restriction", RESTRICTION)
    _sub(alert, "code", PROFILE_CODE)
    if report.status in NOTE:
        _sub(alert, "note", NOTE[report.status])
    if report.references:
        _sub(alert, "references", references_text(report))
    incident = report.references[0].identifier if report.references else report.id
    _sub(alert, "incidents", incident)
    for language in report.output_languages:
        _render_info(alert, report, language, reach_buffer_m)
    return etree.tostring(alert, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _render_info(
    alert: etree._Element, report: Report, language: str, reach_buffer_m: float
) -> None:
    info = _sub(alert, "info")
    _sub(info, "language", language)
    for cat in _categories(report):
        _sub(info, "category", cat)
    event = label(language, report.type)
    if report.accident is not None:
        event += ": " + label(language, report.accident.type)
    _sub(info, "event", event)
    _sub(info, "responseType", RESPONSE_TYPE[report.type])
    _sub(info, "urgency", URGENCY[report.type])
    acc = report.accident
    severity = acc.severity if acc else Severity.UNKNOWN
    if report.type == ReportType.END_OF_ALERT:
        severity = Severity.MINOR
    _sub(info, "severity", severity.value.capitalize())
    certainty = (
        "Observed"
        if report.type == ReportType.END_OF_ALERT
        else (acc.certainty.value.capitalize() if acc else "Unknown")
    )
    _sub(info, "certainty", certainty)
    _pair(info, "eventCode", PARAM + "report-type", report.type.value)
    if acc is not None:
        _pair(info, "eventCode", PARAM + "accident-type", acc.type.value)
    _sub(info, "effective", cap_time(report.sent))
    if acc is not None:
        _sub(info, "onset", cap_time(acc.occurred_at))
    if report.expires is not None:
        _sub(info, "expires", cap_time(report.expires))
    _sub(info, "senderName", report.sender_name)
    _sub(info, "headline", headline(report, language)[:160])
    _sub(info, "description", description(report, language))
    if report.assistance is not None and report.assistance.contact:
        _sub(info, "contact", report.assistance.contact)
    for name, value in _parameters(report, language):
        _pair(info, "parameter", PARAM + name, value)
    for area in report.areas:
        _render_area(info, area, reach_buffer_m)


def _parameters(report: Report, language: str) -> list[tuple[str, str]]:
    data = report_to_dict(report)
    params = [("profile", PROFILE_CODE), ("sender-country", report.sender_country_iso3)]
    own = [t for t in data["texts"] if t["language"] == language]
    params.append(
        (
            "text",
            json.dumps(own[0] if own else data["texts"][0], ensure_ascii=False, sort_keys=True),
        )
    )
    for key in ("accident", "assistance", "response"):
        if data[key] is not None:
            params.append((key, json.dumps(data[key], ensure_ascii=False, sort_keys=True)))
    if report.scenario_id:
        params.append(("scenario-id", report.scenario_id))
    return params


def _ring_text(ring: Any) -> str:
    return " ".join(f"{lat:.5f},{lon:.5f}" for lon, lat in ring)


def _render_area(info: etree._Element, area: Area, reach_buffer_m: float) -> None:
    el = _sub(info, "area")
    _sub(el, "areaDesc", area.description)
    for ring in area.polygons:
        _sub(el, "polygon", _ring_text(ring))
    for reach in area.reaches:
        _sub(el, "polygon", _ring_text(reach_polygon(reach, reach_buffer_m)))
    for c in area.circles:
        _sub(el, "circle", f"{c.lat:.5f},{c.lon:.5f} {c.radius_m / 1000:.3f}")
    for name, value in area.geocodes:
        _pair(el, "geocode", name, value)
    for reach in area.reaches:
        _pair(el, "geocode", PARAM + "reach", reach.id)


@functools.lru_cache(maxsize=1024)
def reach_polygon(reach: Reach, buffer_m: float) -> tuple[tuple[float, float], ...]:
    """Closed (lon, lat) ring of a corridor ``buffer_m`` either side of a reach line (cached).

    The line is buffered in a local equirectangular projection centred on the reach
    (x = R cos(lat0) dlon, y = R dlat, R = 6 371 008.8 m, the IUGG mean Earth radius), then
    simplified to 10 % of the width. The width error is the ratio cos(lat)/cos(lat0) along the
    reach: under 4 % for a reach spanning 2 degrees of latitude at 45 degrees N, i.e. a few
    metres on a 500 m corridor, which is well below what the CAP polygon is used for.
    """
    lon0, lat0 = reach.line[len(reach.line) // 2]
    kx = math.radians(1.0) * EARTH_RADIUS_M * math.cos(math.radians(lat0))
    ky = math.radians(1.0) * EARTH_RADIUS_M
    local = LineString([((lon - lon0) * kx, (lat - lat0) * ky) for lon, lat in reach.line])
    shape = local.buffer(buffer_m, quad_segs=4).simplify(buffer_m / 10)
    assert isinstance(shape, Polygon)
    return tuple(
        (round(lon0 + x / kx, 5), round(lat0 + y / ky, 5)) for x, y in shape.exterior.coords
    )


def area_from_geometry(
    description: str, geometry: BaseGeometry, max_points: int = 500, tolerance_deg: float = 1e-4
) -> Area:
    """An :class:`Area` from a model footprint (shapely Polygon/MultiPolygon in WGS 84 lon/lat).

    Each polygon becomes its exterior ring (holes are dropped, so the alert area is never
    smaller than the footprint), simplified until it has at most ``max_points`` points and
    rounded to 5 decimals (about 1 m), as CAP polygons are written.
    """
    if max_points < 4:
        raise ValueError("max_points must be at least 4 (a closed CAP polygon)")
    polygons: list[Polygon] = []
    for part in getattr(geometry, "geoms", [geometry]):
        if isinstance(part, Polygon) and not part.is_empty:
            polygons.append(part)
        elif isinstance(part, MultiPolygon):
            polygons.extend(part.geoms)
    if not polygons:
        raise ValueError(f"expected a polygon footprint, got {geometry.geom_type}")
    rings = []
    for poly in polygons:
        shell, tol = Polygon(poly.exterior), tolerance_deg
        while len(shell.exterior.coords) > max_points:
            shell, tol = Polygon(poly.exterior).simplify(tol, preserve_topology=True), tol * 2
        ring = tuple((round(x, 5), round(y, 5)) for x, y in shell.exterior.coords)
        if len(ring) >= 4:
            rings.append(ring)
    return Area(description, polygons=tuple(rings))


# --- reading an alert from another hazatlas instance ---------------------------------------

_SOURCE = "CAP alert"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _bad(field: str, message: str) -> ValidationError:
    return ValidationError([Problem(_SOURCE, None, field, message)])


def _text(el: etree._Element, tag: str, strip: bool = True) -> str | None:
    found = el.find(f"{{{CAP_NS}}}{tag}")
    if found is None or found.text is None:
        return None
    return found.text.strip() if strip else found.text


def _pairs(el: etree._Element, tag: str) -> list[tuple[str, str]]:
    return [
        (_text(p, "valueName") or "", _text(p, "value") or "")
        for p in el.findall(f"{{{CAP_NS}}}{tag}")
    ]


def _parse_ring(text: str, field: str) -> list[list[float]]:
    try:
        points = [tuple(float(v) for v in pair.split(",")) for pair in text.split()]
    except ValueError as exc:
        raise _bad(field, f"cannot read polygon {text[:40]!r}: {exc}") from exc
    if any(len(p) != 2 for p in points):
        raise _bad(field, "polygon points must be 'lat,lon' pairs separated by spaces")
    return [[lon, lat] for lat, lon in points]


def _parse_circle(text: str, field: str) -> dict[str, float]:
    try:
        centre, radius = text.split()
        lat, lon = (float(v) for v in centre.split(","))
        return {"lon": lon, "lat": lat, "radius_m": round(float(radius) * 1000, 3)}
    except ValueError as exc:
        raise _bad(field, f"cannot read circle {text!r}; expected 'lat,lon radius_km'") from exc


def _parse_area(el: etree._Element, i: int) -> dict[str, Any]:
    return {
        "description": _text(el, "areaDesc", strip=False) or "",
        "polygons": [
            _parse_ring(p.text or "", f"area[{i}].polygon")
            for p in el.findall(f"{{{CAP_NS}}}polygon")
        ],
        "circles": [
            _parse_circle(c.text or "", f"area[{i}].circle")
            for c in el.findall(f"{{{CAP_NS}}}circle")
        ],
        "geocodes": [{"name": n, "value": v} for n, v in _pairs(el, "geocode")],
    }


def parse_cap(xml: bytes | str) -> Report:
    """Read a CAP 1.2 alert of the hazatlas profile back into a validated report.

    Raises :class:`ValidationError` naming the element when the alert is not CAP 1.2, not of
    the hazatlas profile, or inconsistent (e.g. ``msgType`` does not fit the report type).
    Reach corridors come back as polygons (with their ``hazatlas:reach`` geocodes).
    """
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise _bad("", f"not well-formed XML: {exc}") from exc
    if root.tag != f"{{{CAP_NS}}}alert":
        raise _bad("alert", f"root element is {root.tag!r}; expected a CAP 1.2 <alert>")
    if PROFILE_CODE not in [c.text for c in root.findall(f"{{{CAP_NS}}}code")]:
        raise _bad("code", f"not an alert of the hazatlas profile (no <code>{PROFILE_CODE}</code>)")
    infos = root.findall(f"{{{CAP_NS}}}info")
    if not infos:
        raise _bad("info", "the alert has no <info> block")
    first = infos[0]
    params = dict(_pairs(first, "parameter"))
    codes = dict(_pairs(first, "eventCode"))
    status = {v: k for k, v in STATUS.items()}.get(_text(root, "status") or "")
    if status is None:
        raise _bad("status", f"status {_text(root, 'status')!r} is not used by hazatlas")
    rtype = codes.get(PARAM + "report-type", "")
    out: dict[str, Any] = {
        "id": _text(root, "identifier"),
        "sender": _text(root, "sender"),
        "sent": _text(root, "sent"),
        "status": status.value,
        "type": rtype,
        "sender_name": _text(first, "senderName", strip=False),
        "sender_country": params.get(PARAM + "sender-country"),
        "expires": _text(first, "expires"),
        "scenario_id": params.get(PARAM + "scenario-id"),
        "references": (_text(root, "references") or "").split(),
        "areas": [_parse_area(a, i) for i, a in enumerate(first.findall(f"{{{CAP_NS}}}area"))],
    }
    for key in ("accident", "assistance", "response"):
        out[key] = _json_param(params, key)
    texts: dict[str, Any] = {}
    languages: list[str] = []
    for info in infos:
        text = _json_param(dict(_pairs(info, "parameter")), "text") or {}
        lang = _text(info, "language") or "en-US"
        if text.get("language") == lang:
            texts.setdefault(lang, text)
        else:
            languages.append(lang)
            texts.setdefault(str(text.get("language")), text)
    out["texts"] = list(texts.values())
    out["languages"] = [lang for lang in languages if lang not in texts]
    report = report_from_dict(out, source=_SOURCE)
    msg_type = _text(root, "msgType")
    if msg_type != MSG_TYPE[report.type]:
        raise _bad(
            "msgType",
            f"msgType {msg_type!r} does not fit a {report.type.value} report "
            f"(expected {MSG_TYPE[report.type]!r})",
        )
    return report


def _json_param(params: dict[str, str], name: str) -> Any:
    raw = params.get(PARAM + name)
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise _bad(f"parameter {PARAM}{name}", f"not valid JSON: {exc}") from exc
