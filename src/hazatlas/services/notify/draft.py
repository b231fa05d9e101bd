"""Draft a report from a stored scenario (``hazatlas notify draft --scenario ID``,
``POST /api/notifications/drafts``).

The scenario must exist and be readable by the user (``hazatlas.services.scenarios.get``), and
so must the establishment it is linked to; otherwise the draft is refused with a
:class:`~hazatlas.domain.errors.ValidationError` naming the field (``scenario_id``,
``establishment_id``). The draft is a ``REPORT.json`` document (not stored): the accident
(type from the scenario kind, place from the establishment or the scenario's source point,
substances and quantities), the areas and the per-country text of
:mod:`hazatlas.formats.scenario_report`, and the recipients proposed from the scenario's
countries and the basin body (:mod:`.proposal`). The sender reviews it and sends it with
``hazatlas notify send --file`` or ``POST /api/notifications/reports``; ``scenario_id`` and
``establishment_id`` are carried through unchanged.

The draft names the country it is sent for (``sender_country``, and why in
``sender_country_basis``): a national user's own country; for the administrator, who has none,
the one given (``--country``), else the country of the scenario's establishment. The rule is
:meth:`~hazatlas.services.notify.common.Context.sender_country`, which ``notify send`` applies
again.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

from hazatlas.domain.access import Role
from hazatlas.domain.errors import NotFoundError, PermissionDeniedError, Problem, ValidationError
from hazatlas.domain.notification import Place
from hazatlas.formats.i18n import LANGUAGES
from hazatlas.formats.scenario_report import draft_report
from hazatlas.services.notify.common import Context
from hazatlas.services.notify.results import Draft
from hazatlas.services.notify.scenario_facts import Geography, build_facts, kind_of

REPORT_TYPES = ("early_warning", "information")
STATUSES = ("actual", "exercise", "test")


def _refuse(field: str, message: str) -> ValidationError:
    return ValidationError([Problem("request", None, field, message)])


def read_scenario(ctx: Context, scenario_id: str, field: str = "scenario_id") -> dict[str, Any]:
    """The stored scenario, or a :class:`ValidationError` on ``field`` when it does not exist
    or the user may not read it."""
    from hazatlas.services import scenarios

    try:
        return scenarios.get(ctx.db, ctx.principal, scenario_id)
    except NotFoundError as exc:
        raise _refuse(field, f"scenario '{scenario_id}' not found (hazatlas scenarios list)") from exc
    except PermissionDeniedError as exc:
        raise _refuse(field, f"scenario '{scenario_id}' is not readable by user "
                             f"'{ctx.actor}': {exc}") from exc


def read_establishment(ctx: Context, establishment_id: str, field: str = "establishment_id") -> Any:
    """The establishment (and whether its confidential fields are shown), or a
    :class:`ValidationError` on ``field`` when the register has no such establishment."""
    from hazatlas.services.register import RegisterService

    try:
        return RegisterService(ctx.db, ctx.principal).get(establishment_id)
    except NotFoundError as exc:
        raise _refuse(field, f"establishment '{establishment_id}' not found in the register") from exc
    except PermissionDeniedError as exc:
        raise _refuse(field, f"establishment '{establishment_id}' is not readable by user "
                             f"'{ctx.actor}': {exc}") from exc


@functools.cache
def _zones() -> dict[str, list[tuple[float, float, str]]]:
    """ISO 3166-1 alpha-2 -> [(lat, lon, IANA zone)] from the IANA tz database's ``zone.tab``."""
    text = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    out: dict[str, list[tuple[float, float, str]]] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        code, coords, name = line.split("\t")[:3]
        sign = 1 if coords[0] == "+" else -1
        rest = coords[1:]
        cut = max(rest.find("+"), rest.find("-"))
        lat_s, lon_s = rest[:cut], rest[cut:]
        lat = sign * (int(lat_s[:2]) + int(lat_s[2:4]) / 60)
        lon = (1 if lon_s[0] == "+" else -1) * (int(lon_s[1:4]) + int(lon_s[4:6]) / 60)
        out.setdefault(code, []).append((lat, lon, name))
    return out


@functools.cache
def _iso2() -> dict[str, str]:
    import json

    from hazatlas.domain.reference import data_path

    path = data_path("geo", "boundaries", "ne10m_admin0_countries_region.geojson")
    feats = json.loads(path.read_text(encoding="utf-8"))["features"]
    return {f["properties"]["adm0_a3"]: f["properties"]["iso_a2_eh"] for f in feats}


def timezone_for(country: str, lon: float | None, lat: float | None) -> str:
    """IANA time zone of a place: of the country's zones in ``zone.tab``, the one whose
    principal location is nearest; ``UTC`` when the country is not known."""
    try:
        zones = _zones().get(_iso2().get(country, ""), [])
    except (OSError, ModuleNotFoundError, KeyError, ValueError):
        return "UTC"
    if not zones:
        return "UTC"
    if lon is None or lat is None:
        return zones[0][2]
    return min(zones, key=lambda z: (z[0] - lat) ** 2 + ((z[1] - lon) * math.cos(math.radians(lat))) ** 2)[2]


def geography() -> Geography:
    """The bundled river network and country borders, as the scenario readers use them."""
    from pyproj import Geod
    from shapely.geometry import Point, Polygon  # type: ignore[import-untyped]
    from shapely.ops import nearest_points  # type: ignore[import-untyped]

    from hazatlas.geo.borders import load_countries
    from hazatlas.geo.network import RiverNetwork

    net = RiverNetwork.load_default()
    index = {int(r): i for i, r in enumerate(net.reach_id)}
    geod = Geod(ellps="WGS84")

    def line(reach_id: int) -> tuple[tuple[float, float], ...]:
        g = net.geometry[index[reach_id]]
        return tuple((float(c[0]), float(c[1])) for c in g.coords)

    def length(reach_id: int) -> float:
        return float(net.length_m[index[reach_id]])

    def distance(country: str, lon: float, lat: float, ring: Any) -> float | None:
        shape = load_countries().get(country)
        if shape is None:
            return None
        if ring is not None and not Polygon(ring).intersects(shape):
            return math.inf
        here = Point(lon, lat)
        if shape.covers(here):
            return 0.0
        near = nearest_points(shape, here)[0]
        return float(geod.inv(lon, lat, near.x, near.y)[2])

    return Geography(line, length, distance)


def _source_point(kind: str, row: Mapping[str, Any]) -> tuple[float | None, float | None]:
    doc = row.get("result") or {}
    params = row.get("parameters") or {}
    if kind == "river":
        src = doc.get("source") or {}
        return src.get("lon"), src.get("lat")
    at = params.get("at")
    if isinstance(at, Sequence) and len(at) == 2:
        return float(at[0]), float(at[1])
    if kind == "runout":
        src = doc.get("river_source") or {}
        return src.get("lon"), src.get("lat")
    return None, None


def with_scenario_areas(ctx: Context, data: Any) -> Any:
    """``data`` (a report in the REPORT.json form) with the areas of the scenario it cites when
    it gives none (the areas a draft would have, at the report's own place); else unchanged.
    The scenario has already been checked (:func:`read_scenario`)."""
    from hazatlas.formats.reports import area_to_dict

    if not (isinstance(data, dict) and isinstance(data.get("scenario_id"), str)):
        return data
    place = (data.get("accident") or {}).get("place") if isinstance(data.get("accident"), dict) else None
    if data.get("areas") or not isinstance(place, dict):
        return data
    try:
        tz = str(place.get("timezone") or "UTC")
        zoneinfo_check(tz)
        here = Place(str(place.get("description") or ""), str(place.get("country") or ""), tz,
                     _float(place.get("lon")), _float(place.get("lat")),
                     place.get("establishment_id"))
    except (TypeError, ValueError):
        return data  # the report's own validation names what is wrong
    row = read_scenario(ctx, data["scenario_id"])
    facts = build_facts(row, here, dt.datetime.now(dt.UTC), geography())
    if not facts.areas:
        return data
    return {**data, "areas": [area_to_dict(a) for a in facts.areas]}


def zoneinfo_check(tz: str) -> None:
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(tz) from exc


def _float(x: Any) -> float | None:
    return None if x is None else float(x)


class Drafts:
    """Reports drafted from scenarios, for authority users."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _place(self, row: Mapping[str, Any], kind: str, timezone: str | None) -> Place:
        doc = row.get("result") or {}
        eid = row.get("establishment_id") or doc.get("establishment_id")
        if eid:
            est, _ = read_establishment(self.ctx, str(eid))
            tz = timezone or timezone_for(est.country_iso3, est.lon, est.lat)
            return Place(est.name, est.country_iso3, tz, est.lon, est.lat, est.id)
        lon, lat = _source_point(kind, row)
        if lon is None or lat is None:
            raise _refuse("scenario_id", f"scenario '{row['id']}' has no place: it names no "
                                         "establishment and no source point")
        from hazatlas.geo.borders import country_at, nearest_country

        country = country_at(float(lon), float(lat))
        if not country:
            import numpy as np

            country = str(nearest_country(np.array([float(lon)]), np.array([float(lat)]))[0])
        tz = timezone or timezone_for(country, lon, lat)
        desc = f"Scenario source at {float(lat):.5f} N, {float(lon):.5f} E"
        return Place(desc, country, tz, float(lon), float(lat), None)

    def draft(
        self,
        scenario_id: str,
        languages: Sequence[str] = ("en",),
        *,
        report_type: str = "early_warning",
        status: str = "actual",
        occurred_at: dt.datetime | None = None,
        timezone: str | None = None,
        sender_country: str | None = None,
    ) -> Draft:
        """The report drafted from scenario ``scenario_id`` with its proposed recipients, and
        the country it is to be sent for (:meth:`_sending_country`)."""
        self.ctx.require_authority()
        _check_options(languages, report_type, status, occurred_at, timezone)
        row = read_scenario(self.ctx, scenario_id)
        kind = kind_of(row.get("kind"), row.get("result") or {})
        place = self._place(row, kind, timezone)
        facts = build_facts(row, place, occurred_at, geography())
        report = draft_report(facts, languages or ("en",), report_type=report_type, status=status)
        country, basis = self._sending_country(sender_country, place)
        if country is not None:
            report["sender_country"] = country
        from hazatlas.services.notify.proposal import propose_recipients

        proposal = propose_recipients(
            self.ctx.db, self.ctx.principal,
            establishment_id=place.establishment_id,
            lon=place.lon, lat=place.lat, scenarios=[row["result"] or {}],
        )
        return {
            "scenario_id": str(row["id"]),
            "kind": kind,
            "establishment_id": place.establishment_id,
            "report": report,
            "recipients": [r["party"] for r in proposal["recipients"] if r["in_directory"]],
            "proposal": proposal,
            "sender_country": country,
            "sender_country_basis": basis,
        }

    def _sending_country(self, given: str | None, place: Place) -> tuple[str | None, str]:
        """The sending country of the draft and why: a national user's own; for an
        administrator the one given, else the country of the scenario's establishment (the
        rule is :meth:`Context.sender_country`). ``None`` when the user does not send (a basin
        body) or an administrator gave none for a scenario without establishment."""
        p = self.ctx.principal
        if not p.is_admin and not given and p.role is not Role.NATIONAL:
            return None, (f"none: user '{p.username}' ({p.role}) does not send reports; a "
                          "national authority or the administrator sends this draft")
        default = place.country_iso3 if place.establishment_id else None
        if p.is_admin and not given and default is None:
            return None, ("none: the scenario has no establishment; the administrator names "
                          "the sending country (--country ISO3 to notify draft or notify send)")
        country = self.ctx.sender_country({"sender_country": given}, default=default)
        if p.role is Role.NATIONAL:
            return country, f"the country of the sending user '{p.username}'"
        if given:
            return country, "given by the administrator (--country)"
        return country, (f"the country of establishment {place.establishment_id}: the "
                         "administrator has no country of its own (--country ISO3 names another)")


def _check_options(
    languages: Sequence[str],
    report_type: str,
    status: str,
    occurred_at: dt.datetime | None,
    timezone: str | None,
) -> None:
    import zoneinfo

    problems = []
    if timezone is not None:
        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            problems.append(Problem("request", None, "timezone",
                                    f"unknown time zone '{timezone}' (expected an IANA name)"))
    for i, lang in enumerate(languages):
        if lang.split("-")[0].lower() not in LANGUAGES:
            problems.append(Problem("request", None, f"languages[{i}]",
                                    f"'{lang}': expected one of {', '.join(LANGUAGES)}"))
    if report_type not in REPORT_TYPES:
        problems.append(Problem("request", None, "type",
                                f"'{report_type}': expected one of {', '.join(REPORT_TYPES)}"))
    if status not in STATUSES:
        problems.append(Problem("request", None, "status",
                                f"'{status}': expected one of {', '.join(STATUSES)}"))
    if occurred_at is not None and occurred_at.tzinfo is None:
        problems.append(Problem("request", None, "occurred_at",
                                "time has no time zone; give an offset such as +02:00"))
    if problems:
        raise ValidationError(problems)
