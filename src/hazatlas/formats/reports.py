"""Reports as JSON: the ``REPORT.json`` file of ``hazatlas notify send --file`` and the JSON body
of webhook deliveries. The format is described in ``docs/notifications.md``.

:func:`report_to_dict` writes the canonical form; :func:`report_from_dict` reads it back, and
also accepts what people type: quantities with units (``"quantity": "100 t"``, ``"radius":
"10 km"``), references as ``"sender,identifier,sent"`` strings. Every problem is reported with
the file name and the JSON path of the field (``accident.place.timezone``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.domain.notification import (
    Accident,
    AccidentType,
    Area,
    AssistanceItem,
    AssistanceKind,
    AssistanceRequest,
    AssistanceResponse,
    Certainty,
    Circle,
    Place,
    Reach,
    Report,
    ReportRef,
    ReportStatus,
    ReportText,
    ReportType,
    ResponseKind,
    Severity,
    SubstanceRelease,
)
from hazatlas.domain.report_validation import validate_report
from hazatlas.formats.json_reader import JsonReader

FORMAT_VERSION = 1
TOP_KEYS = (
    "format id type status sender sender_name sender_country sent texts languages references "
    "expires scenario_id accident assistance response areas"
)


@dataclass(frozen=True)
class ReportDefaults:
    """Values the caller supplies when the file leaves them out (id, sender, issue time)."""

    id: str | None = None
    sender: str | None = None
    sender_name: str | None = None
    sender_country_iso3: str | None = None
    sent: dt.datetime | None = None


# --- writing ------------------------------------------------------------------------------


def _time(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def report_to_dict(report: Report) -> dict[str, Any]:
    """The canonical JSON-ready form of a report (round-trips through :func:`report_from_dict`)."""
    acc = report.accident
    out: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "id": report.id,
        "type": report.type.value,
        "status": report.status.value,
        "sender": report.sender,
        "sender_name": report.sender_name,
        "sender_country": report.sender_country_iso3,
        "sent": _time(report.sent),
        "texts": [vars(t).copy() for t in report.texts],
        "languages": list(report.languages),
        "references": [f"{r.sender},{r.identifier},{_time(r.sent)}" for r in report.references],
        "expires": _time(report.expires),
        "scenario_id": report.scenario_id,
        "accident": None,
        "assistance": None,
        "response": None,
        "areas": [area_to_dict(a) for a in report.areas],
    }
    if acc is not None:
        p = acc.place
        out["accident"] = {
            "type": acc.type.value,
            "occurred_at": _time(acc.occurred_at),
            "severity": acc.severity.value,
            "certainty": acc.certainty.value,
            "ongoing": acc.ongoing,
            "place": place_to_dict(p),
            "substances": substances_to_list(acc.substances),
        }
    if report.assistance is not None:
        a = report.assistance
        out["assistance"] = {
            "items": [
                {"kind": i.kind.value, "what": i.what, "quantity": i.quantity} for i in a.items
            ],
            "who": a.who,
            "where": a.where,
            "means": a.means,
            "needed_by": _time(a.needed_by),
            "contact": a.contact,
        }
    if report.response is not None:
        r = report.response
        out["response"] = {
            "kind": r.kind.value,
            "scope": r.scope,
            "terms": r.terms,
            "reason": r.reason,
            "available_from": _time(r.available_from),
        }
    return out


def place_to_dict(p: Any) -> dict[str, Any]:
    """An accident's place as the report's JSON has it (sent reports and drafts alike)."""
    return {
        "description": p.description,
        "country": p.country_iso3,
        "timezone": p.timezone,
        "lon": p.lon,
        "lat": p.lat,
        "establishment_id": p.establishment_id,
    }


def substances_to_list(substances: Any) -> list[dict[str, Any]]:
    """An accident's substances as the report's JSON has them."""
    return [{"name": s.name, "cas": s.cas, "quantity_kg": s.quantity_kg} for s in substances]


def area_to_dict(area: Area) -> dict[str, Any]:
    """An area as it stands in REPORT.json (polygons as [lon, lat] pairs)."""
    return {
        "description": area.description,
        "polygons": [[list(p) for p in ring] for ring in area.polygons],
        "circles": [{"lon": c.lon, "lat": c.lat, "radius_m": c.radius_m} for c in area.circles],
        "reaches": [
            {"id": r.id, "name": r.name, "line": [list(p) for p in r.line]} for r in area.reaches
        ],
        "geocodes": [{"name": n, "value": v} for n, v in area.geocodes],
    }


def report_to_json(report: Report) -> str:
    return json.dumps(report_to_dict(report), ensure_ascii=False, indent=2)


# --- reading (typed values by JSON path: hazatlas.formats.json_reader) --------------------


def report_from_dict(
    data: Any, *, source: str = "report", defaults: ReportDefaults = ReportDefaults()
) -> Report:
    """Build and validate a report from its JSON form; raise one error with every problem."""
    r = JsonReader(source)
    d = r.obj(data, "(top level)", TOP_KEYS)
    rtype = r.choice(d, "type", ReportType, "")
    status = r.choice(
        d,
        "status",
        ReportStatus,
        "",
        ReportStatus.TEST if rtype == ReportType.TEST else ReportStatus.ACTUAL,
    )
    fields = {
        "id": r.text(d, "id", "") or defaults.id,
        "sender": r.text(d, "sender", "") or defaults.sender,
        "sender_name": r.text(d, "sender_name", "") or defaults.sender_name,
        "sender_country_iso3": r.text(d, "sender_country", "") or defaults.sender_country_iso3,
    }
    for key, value in fields.items():
        if not value:
            r.bad(
                key if key != "sender_country_iso3" else "sender_country",
                "missing; give it in the file or in the settings",
            )
    sent = r.time(d, "sent", "") or defaults.sent
    if sent is None:
        r.bad("sent", "missing; expected the issue time with a time zone")
    texts = r.each(d.get("texts"), "texts", lambda x, p: _read_text(r, x, p))
    if not texts and "texts" not in d:
        r.bad("texts", "missing; give at least one text in the sender's language")
    languages = tuple(str(x) for x in r.items(d.get("languages"), "languages"))
    refs = r.each(d.get("references"), "references", lambda x, p: _read_ref(r, x, p))
    accident = _read_accident(r, d["accident"]) if d.get("accident") is not None else None
    assistance = _read_assistance(r, d["assistance"]) if d.get("assistance") is not None else None
    response = _read_response(r, d["response"]) if d.get("response") is not None else None
    areas = r.each(d.get("areas"), "areas", lambda x, p: _read_area(r, x, p))
    expires = r.time(d, "expires", "")
    if r.problems or rtype is None or status is None or sent is None:
        raise ValidationError(r.problems)
    report = Report(
        id=str(fields["id"]),
        type=rtype,
        sender=str(fields["sender"]),
        sender_name=str(fields["sender_name"]),
        sender_country_iso3=str(fields["sender_country_iso3"]),
        sent=sent,
        texts=texts,
        status=status,
        accident=accident,
        references=refs,
        assistance=assistance,
        response=response,
        areas=areas,
        languages=languages,
        expires=expires,
        scenario_id=r.opt_text(d, "scenario_id", ""),
    )
    return validate_report(report, source)


def read_report_json(path: str | Path, *, defaults: ReportDefaults = ReportDefaults()) -> Report:
    """Read a ``REPORT.json`` file (see ``docs/notifications.md``); errors name the file."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValidationError([Problem(path.name, None, "", f"cannot read file: {exc}")]) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError([Problem(path.name, None, "", f"not valid JSON: {exc}")]) from exc
    return report_from_dict(data, source=path.name, defaults=defaults)


def _read_text(r: JsonReader, data: Any, path: str) -> ReportText | None:
    d = r.obj(data, path, "language description possible_effects measures_taken other_information")
    p = path + "."
    return ReportText(
        language=r.text(d, "language", p, required=True),
        description=r.text(d, "description", p),
        possible_effects=r.text(d, "possible_effects", p),
        measures_taken=r.text(d, "measures_taken", p),
        other_information=r.text(d, "other_information", p),
    )


def _read_ref(r: JsonReader, data: Any, path: str) -> ReportRef | None:
    if isinstance(data, str):
        parts = data.split(",")
        if len(parts) != 3:
            r.bad(path, "expected 'sender,identifier,sent'")
            return None
        data = dict(zip(("sender", "identifier", "sent"), parts, strict=True))
    d = r.obj(data, path, "sender identifier sent")
    sent = r.time(d, "sent", path + ".", required=True)
    sender = r.text(d, "sender", path + ".", required=True)
    identifier = r.text(d, "identifier", path + ".", required=True)
    return ReportRef(sender, identifier, sent) if sent else None


def _read_accident(r: JsonReader, data: Any) -> Accident | None:
    d = r.obj(data, "accident", "type occurred_at severity certainty ongoing place substances")
    p = "accident."
    kind = r.choice(d, "type", AccidentType, p)
    occurred = r.time(d, "occurred_at", p, required=True)
    pl = r.obj(d.get("place"), p + "place", "description country timezone lon lat establishment_id")
    if d.get("place") is None:
        r.bad(p + "place", "missing; expected description, country and timezone")
    pp = p + "place."
    place = Place(
        description=r.text(pl, "description", pp, required=True),
        country_iso3=r.text(pl, "country", pp, required=True).upper(),
        timezone=r.text(pl, "timezone", pp, required=True),
        lon=r.number(pl, "lon", pp),
        lat=r.number(pl, "lat", pp),
        establishment_id=r.opt_text(pl, "establishment_id", pp),
    )
    subs = r.each(d.get("substances"), p + "substances", lambda x, q: _read_substance(r, x, q))
    ongoing = d.get("ongoing", True)
    if not isinstance(ongoing, bool):
        r.bad(p + "ongoing", "expected true or false")
    severity = r.choice(d, "severity", Severity, p, Severity.UNKNOWN)
    certainty = r.choice(d, "certainty", Certainty, p, Certainty.OBSERVED)
    if kind is None or occurred is None or severity is None or certainty is None:
        return None
    return Accident(kind, occurred, place, severity, certainty, subs, bool(ongoing))


def _read_substance(r: JsonReader, data: Any, path: str) -> SubstanceRelease | None:
    d = r.obj(data, path, "name cas quantity quantity_kg")
    p = path + "."
    return SubstanceRelease(
        name=r.text(d, "name", p, required=True),
        cas=r.opt_text(d, "cas", p),
        quantity_kg=r.quantity(d, "quantity", "quantity_kg", "kg", p),
    )


def _read_assistance(r: JsonReader, data: Any) -> AssistanceRequest:
    d = r.obj(data, "assistance", "items who where means needed_by contact")
    p = "assistance."

    def item(x: Any, path: str) -> AssistanceItem | None:
        e = r.obj(x, path, "kind what quantity")
        kind = r.choice(e, "kind", AssistanceKind, path + ".", AssistanceKind.OTHER)
        return AssistanceItem(
            kind or AssistanceKind.OTHER,
            r.text(e, "what", path + "."),
            r.text(e, "quantity", path + "."),
        )

    return AssistanceRequest(
        items=r.each(d.get("items"), p + "items", item),
        who=r.text(d, "who", p, required=True),
        where=r.text(d, "where", p, required=True),
        means=r.text(d, "means", p),
        needed_by=r.time(d, "needed_by", p),
        contact=r.text(d, "contact", p),
    )


def _read_response(r: JsonReader, data: Any) -> AssistanceResponse | None:
    d = r.obj(data, "response", "kind scope terms reason available_from")
    p = "response."
    kind = r.choice(d, "kind", ResponseKind, p)
    if kind is None:
        return None
    return AssistanceResponse(
        kind,
        r.text(d, "scope", p),
        r.text(d, "terms", p),
        r.text(d, "reason", p),
        r.time(d, "available_from", p),
    )


def _read_point(r: JsonReader, data: Any, path: str) -> tuple[float, float] | None:
    if (
        not isinstance(data, list)
        or len(data) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in data)
    ):
        r.bad(path, "expected a point [lon, lat]")
        return None
    return (float(data[0]), float(data[1]))


def _read_area(r: JsonReader, data: Any, path: str) -> Area:
    d = r.obj(data, path, "description polygons circles reaches geocodes")
    p = path + "."

    def ring(x: Any, q: str) -> tuple[tuple[float, float], ...]:
        return r.each(x, q, lambda pt, qq: _read_point(r, pt, qq))

    def circle(x: Any, q: str) -> Circle | None:
        c = r.obj(x, q, "lon lat radius radius_m")
        lon, lat = r.number(c, "lon", q + "."), r.number(c, "lat", q + ".")
        radius = r.quantity(c, "radius", "radius_m", "m", q + ".")
        if lon is None or lat is None or radius is None:
            r.bad(q, 'expected lon, lat and radius (e.g. "10 km") or radius_m')
            return None
        return Circle(lon, lat, radius)

    def reach(x: Any, q: str) -> Reach:
        e = r.obj(x, q, "id name line")
        return Reach(
            r.text(e, "id", q + ".", required=True),
            r.text(e, "name", q + "."),
            ring(e.get("line"), q + ".line"),
        )

    def geocode(x: Any, q: str) -> tuple[str, str]:
        e = r.obj(x, q, "name value")
        return (
            r.text(e, "name", q + ".", required=True),
            r.text(e, "value", q + ".", required=True),
        )

    return Area(
        description=r.text(d, "description", p, required=True),
        polygons=r.each(d.get("polygons"), p + "polygons", ring),
        circles=r.each(d.get("circles"), p + "circles", circle),
        reaches=r.each(d.get("reaches"), p + "reaches", reach),
        geocodes=r.each(d.get("geocodes"), p + "geocodes", geocode),
    )
