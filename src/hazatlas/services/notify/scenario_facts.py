"""Read a stored scenario of any kind into :class:`~hazatlas.formats.scenario_report.ScenarioFacts`.

One reader per kind, chosen by the stored kind (or, for a document without one, by its keys):

* ``river`` (``hazatlas spill``): the ``countries`` at each border crossing (first arrival above
  the threshold, peak concentration; the peak time comes from the country entry when it has one,
  else it is interpolated along the longitudinal ``profile`` to the crossing's river km), and the
  downstream reaches from the release to the last country above the threshold, one corridor
  polygon per country stretch;
* ``plume`` (``hazatlas plume``): one circle per zone around the source and, when the wind
  direction is known, the downwind sector (the uncertainty wedge's half-angle,
  ``hazatlas.models.air.footprint.wedge_half_angle_deg``); per country, the most severe zone
  that reaches it, its distance and the time the cloud takes at the wind speed;
* ``runout`` (``hazatlas runout``): the runout path from the dam to where it stops, as a
  corridor, and the countries it reaches;
* ``tailings-failure``: the runout part as above, the river part from the spill with the
  longest stretch above its threshold, and the combined country list
  (``country``, ``first_arrival``, ``peak_time``, ``peak_mg_l``, ``constituent``).

A scenario time without an offset (``hazatlas spill --start 2000-01-30T22:00``) is read as the
local time at the accident place.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.domain.notification import Area, Place, SubstanceRelease
from hazatlas.formats.scenario_report import (
    CountryImpact,
    ScenarioFacts,
    circle,
    corridor_ring,
    sector_ring,
)

Doc = Mapping[str, Any]
Line = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Geography:
    """What the readers need from the river network and the country borders."""

    reach_line: Callable[[int], Line]
    reach_length_m: Callable[[int], float]
    country_distance_m: Callable[[str, float, float, Any], float | None]


def kind_of(kind: str | None, doc: Doc) -> str:
    """The scenario kind: the stored one, else guessed from the document's keys."""
    if kind:
        return kind.replace("_", "-")
    if "spills" in doc or "river_entry" in doc:
        return "tailings-failure"
    if "profile" in doc:
        return "river"
    if "zones" in doc:
        return "plume"
    return "runout"


def parse_time(text: Any, tz: str) -> dt.datetime | None:
    """An ISO 8601 time of a scenario; without an offset, local time at the place (``tz``)."""
    if not isinstance(text, str) or not text:
        return None
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=zoneinfo.ZoneInfo(tz))
    return value


# --- river ---------------------------------------------------------------------------------


def _peak_time(c: Doc, profile: Sequence[Doc], tz: str) -> dt.datetime | None:
    if c.get("peak_time"):
        return parse_time(c["peak_time"], tz)
    km = float(c.get("river_km_from_source") or 0.0)
    before: tuple[float, dt.datetime] | None = None
    for p in profile:
        t = parse_time(p.get("peak_time"), tz)
        end = float(p.get("river_km_from_source") or 0.0)
        if t is None:
            continue
        if end >= km:
            if before is None or end <= before[0]:
                return t
            f = (km - before[0]) / (end - before[0])
            return before[1] + (t - before[1]) * max(0.0, min(1.0, f))
        before = (end, t)
    return None


def river_impacts(doc: Doc, tz: str, constituent: str | None = None) -> list[CountryImpact]:
    profile = doc.get("profile") or []
    out = []
    for c in doc.get("countries") or []:
        if not isinstance(c, Mapping) or not isinstance(c.get("country"), str):
            continue
        arrival = parse_time(c.get("first_arrival"), tz)
        out.append(
            CountryImpact(
                c["country"],
                first_arrival=arrival,
                peak_time=_peak_time(c, profile, tz) if arrival else None,
                peak_mg_l=c.get("peak_mg_l"),
                constituent=c.get("constituent") or constituent,
            )
        )
    return out


def _cut(doc: Doc) -> int:
    """Index in the profile of the last reach drawn: down to the last country above the
    threshold (the reach holding its crossing) or the last reach above it, if further."""
    profile = doc.get("profile") or []
    ends = [float(p.get("river_km_from_source") or 0.0) for p in profile]
    cut = max((i for i, p in enumerate(profile) if p.get("arrival")), default=0)
    above = [
        float(c.get("river_km_from_source") or 0.0)
        for c in doc.get("countries") or []
        if isinstance(c, Mapping) and c.get("first_arrival")
    ]
    if above and ends:
        last = max(above)
        cut = max(cut, next((i for i, e in enumerate(ends) if e >= last), len(ends) - 1))
    return cut


def _join(lines: Sequence[Line]) -> Line:
    out: list[tuple[float, float]] = []
    for line in lines:
        for p in line:
            if not out or out[-1] != p:
                out.append(p)
    return tuple(out)


def river_areas(doc: Doc, origin: str, geo: Geography) -> list[Area]:
    """One corridor per country stretch of the path, from the release to the last country above
    the threshold; the reach holding a border crossing belongs to both stretches, so each
    crossing lies inside the next country's polygon."""
    profile = doc.get("profile") or []
    if not profile:
        return []
    cut = _cut(doc)
    ends = [float(p.get("river_km_from_source") or 0.0) for p in profile[: cut + 1]]
    starts = [0.0, *ends[:-1]]
    crossings = [
        (str(c["country"]), float(c.get("river_km_from_source") or 0.0))
        for c in doc.get("countries") or []
        if isinstance(c, Mapping) and isinstance(c.get("country"), str)
    ]
    stretches = [(origin, 0.0), *crossings]
    areas = []
    for k, (country, a) in enumerate(stretches):
        b = stretches[k + 1][1] if k + 1 < len(stretches) else math.inf
        idx = [i for i in range(len(ends)) if starts[i] <= b and ends[i] >= a]
        if not idx or a > ends[-1]:
            continue
        line = _join([geo.reach_line(int(profile[i]["reach_id"])) for i in idx])
        if len(line) < 2:
            continue
        names = [n for n in dict.fromkeys(str(profile[i].get("river") or "") for i in idx) if n]
        rivers = ", ".join(names) or "river"
        desc = (
            f"{rivers}: river km {a:.0f}-{min(b, ends[-1]):.0f} downstream of the release"
            + (f", from the first arrival in {country}" if k else f", in {country}")
        )
        areas.append(
            Area(desc, polygons=(corridor_ring(line),),
                 geocodes=(("hazatlas:country-entered", country),))
        )
    return areas


def _substance(doc: Doc) -> list[SubstanceRelease]:
    src = doc.get("source") or {}
    name = src.get("substance") or "substance not named in the scenario"
    return [SubstanceRelease(str(name), src.get("cas"), src.get("mass_kg"))]


# --- plume ---------------------------------------------------------------------------------


def plume_parts(
    doc: Doc, params: Doc, lon: float, lat: float, geo: Geography
) -> tuple[list[Area], list[CountryImpact]]:
    from hazatlas.models.air.footprint import wedge_half_angle_deg

    zones = sorted(
        (z for z in doc.get("zones") or [] if _positive(z.get("distance_m"))),
        key=lambda z: float(z["distance_m"]),
    )  # most severe (shortest reach) first
    wind = params.get("wind_speed_m_s")
    wind_from = params.get("wind_from_deg")
    stability = params.get("stability")
    half = 180.0
    if wind_from is not None and stability and wind:
        half = wedge_half_angle_deg(str(stability), float(wind))
    areas, shapes = [], []
    for z in zones:
        d = float(z["distance_m"])
        polygons: tuple[tuple[tuple[float, float], ...], ...] = ()
        if half < 180.0:
            polygons = (sector_ring(lon, lat, d, (float(wind_from or 0.0) + 180.0) % 360.0, half),)
        unit = f"{z.get('threshold_mg_m3'):g} mg/m3, " if z.get("threshold_mg_m3") else ""
        desc = f"{z.get('level', 'zone')} zone ({unit}{d / 1000:.2f} km from the source)"
        areas.append(Area(desc, polygons=polygons, circles=(circle(lon, lat, d),)))
        shapes.append((z, d, polygons[0] if polygons else None))
    impacts = []
    for country in doc.get("countries") or []:
        if not isinstance(country, str):
            continue
        for z, d, ring in shapes:
            dist = geo.country_distance_m(country, lon, lat, ring)
            if dist is not None and dist <= d:
                travel = dist / float(wind) if wind and dist > 1.0 else None
                impacts.append(
                    CountryImpact(
                        country, zone=str(z.get("level")),
                        distance_m=dist if dist > 1.0 else None, travel_s=travel,
                    )
                )
                break
    return areas, impacts


def _positive(x: Any) -> bool:
    return isinstance(x, int | float) and math.isfinite(x) and x > 0


# --- runout --------------------------------------------------------------------------------


def runout_line(doc: Doc, dam: tuple[float, float] | None, geo: Geography) -> Line:
    """The runout path from the dam to where it stops, along the reaches of its ``path``."""
    from shapely.geometry import LineString  # type: ignore[import-untyped]
    from shapely.ops import substring  # type: ignore[import-untyped]

    path = doc.get("path") or []
    stop = doc.get("stop") or {}
    lines = []
    for k, p in enumerate(path):
        rid = int(p["reach_id"])
        line = LineString(geo.reach_line(rid))
        length = max(geo.reach_length_m(rid), 1.0)
        seg = (float(p.get("to_km") or 0.0) - float(p.get("from_km") or 0.0)) * 1000.0
        last = k == len(path) - 1
        end = float(stop.get("offset_m", length)) if last and stop else length
        begin = max(end - seg, 0.0) if k == 0 else 0.0
        part = substring(line, begin / length, min(end / length, 1.0), normalized=True)
        coords = [(float(x), float(y)) for x, y, *_ in getattr(part, "coords", [])]
        lines.append(tuple(coords))
    line = _join(lines)
    if dam is not None:
        line = _join([(dam,), line])
    return line


def runout_parts(
    doc: Doc, dam: tuple[float, float] | None, origin: str, geo: Geography
) -> tuple[list[Area], list[CountryImpact], list[str]]:
    line = runout_line(doc, dam, geo)
    areas = []
    if len(line) >= 2:
        km = doc.get("runout_km")
        desc = "Tailings runout path" + (f" ({float(km):.1f} km)" if km is not None else "")
        areas.append(Area(desc, polygons=(corridor_ring(line),)))
    impacts = [
        CountryImpact(c, runout=True)
        for c in doc.get("countries") or []
        if isinstance(c, str) and c != origin
    ]
    notes = []
    if doc.get("runout_km") is not None:
        low, high = (doc.get("interval_km") or [None, None])[:2]
        shown = [f"{float(x):.1f}" if x is not None else "?" for x in (low, high)]
        notes.append(
            f"Runout {float(doc['runout_km']):.1f} km (interval {shown[0]}-{shown[1]} km)."
        )
    return areas, impacts, notes


def runout_substances(doc: Doc) -> list[SubstanceRelease]:
    masses = (doc.get("river_source") or {}).get("mass_kg") or {}
    return [SubstanceRelease(str(k), None, float(v)) for k, v in masses.items()]


# --- tailings failure ----------------------------------------------------------------------


def spill_documents(doc: Doc) -> list[tuple[str | None, float | None, Doc]]:
    """(constituent, mass, river spill document) of each spill of a tailings failure."""
    out = []
    for item in doc.get("spills") or []:
        if not isinstance(item, Mapping):
            continue
        spill = item if "profile" in item else next(
            (v for v in item.values() if isinstance(v, Mapping) and "profile" in v), None
        )
        if spill is None:
            continue
        src = spill.get("source") or {}
        name = item.get("constituent") or item.get("substance") or src.get("substance")
        mass = item.get("mass_kg", src.get("mass_kg"))
        out.append((str(name) if name else None, mass, spill))
    return out


def _bad(field: str, message: str) -> ValidationError:
    return ValidationError([Problem("scenario", None, field, message)])


def build_facts(
    row: Doc, place: Place, occurred_at: dt.datetime | None, geo: Geography
) -> ScenarioFacts:
    """The facts of a stored scenario ``row`` (``hazatlas.services.scenarios.get``: ``id``,
    ``kind``, ``parameters``, ``result``) at ``place``."""
    doc: Doc = row.get("result") or {}
    params: Doc = row.get("parameters") or {}
    kind = kind_of(row.get("kind"), doc)
    tz = place.timezone
    when = occurred_at
    dam = (place.lon, place.lat) if place.lon is not None and place.lat is not None else None
    common: dict[str, Any] = {"kind": kind, "scenario_id": str(row["id"]), "place": place}
    if kind == "river":
        src = doc.get("source") or {}
        when = when or parse_time(src.get("start"), tz)
        return ScenarioFacts(
            **common,
            occurred_at=_when(when),
            substances=tuple(_substance(doc)),
            impacts=tuple(river_impacts(doc, tz)),
            areas=tuple(river_areas(doc, place.country_iso3, geo)),
            threshold_mg_l=src.get("threshold_mg_l"),
            threshold_basis=str(src.get("threshold_basis") or ""),
            model=str((doc.get("method") or {}).get("name") or ""),
        )
    if kind == "plume":
        if dam is None:
            raise _bad("scenario_id", "the plume scenario has no source point (at) and no establishment")
        areas, impacts = plume_parts(doc, params, dam[0], dam[1], geo)
        subs = params.get("substance")
        qty = params.get("mass_kg")
        if qty is None and params.get("rate_kg_s") is not None:
            qty = float(params["rate_kg_s"]) * float(params.get("duration_s") or 3600.0)
        return ScenarioFacts(
            **common, occurred_at=_when(when),
            substances=(SubstanceRelease(str(subs or "unnamed gas"), None, qty),),
            impacts=tuple(impacts), areas=tuple(areas), model="Gaussian plume",
        )
    if kind == "runout":
        areas, impacts, notes = runout_parts(doc, _dam(params, dam), place.country_iso3, geo)
        return ScenarioFacts(
            **common, occurred_at=_when(when), substances=tuple(runout_substances(doc)),
            impacts=tuple(impacts), areas=tuple(areas), model=str(doc.get("method") or ""),
            notes=tuple(notes),
        )
    if kind == "tailings-failure":
        return _tailings_failure(row, doc, params, place, when, geo)
    raise _bad("scenario_id", f"no report can be drafted from a scenario of kind {kind!r}")


def _dam(params: Doc, fallback: tuple[float, float] | None) -> tuple[float, float] | None:
    at = params.get("at")
    if isinstance(at, Sequence) and len(at) == 2:
        return (float(at[0]), float(at[1]))
    return fallback


def _when(value: dt.datetime | None) -> dt.datetime:
    return value or dt.datetime.now(dt.UTC).replace(microsecond=0)


def _tailings_failure(
    row: Doc, doc: Doc, params: Doc, place: Place, when: dt.datetime | None, geo: Geography
) -> ScenarioFacts:
    tz = place.timezone
    here = (place.lon, place.lat)
    dam = _dam(params, here if here[0] is not None and here[1] is not None else None)  # type: ignore[arg-type]
    runout = doc.get("runout") or {}
    areas, _, notes = runout_parts(runout, dam, place.country_iso3, geo)
    spills = spill_documents(doc)
    thresholds = {c: (s.get("source") or {}).get("threshold_mg_l") for c, _, s in spills}
    if spills:
        longest = max(spills, key=lambda x: _cut(x[2]))[2]
        areas += river_areas(longest, place.country_iso3, geo)
        when = when or parse_time((longest.get("source") or {}).get("start"), tz)
    when = when or parse_time(params.get("start"), tz)
    impacts = [
        dataclasses.replace(i, threshold_mg_l=thresholds.get(i.constituent))
        for i in river_impacts(doc, tz)
    ]
    if not impacts:
        for name, _, s in spills:
            impacts += [
                dataclasses.replace(i, threshold_mg_l=thresholds.get(name))
                for i in river_impacts(s, tz, name)
            ]
    subs = [SubstanceRelease(n or "unnamed constituent", None, m) for n, m, _ in spills]
    threshold = next(iter(thresholds.values()), None) if len(set(thresholds.values())) == 1 else None
    return ScenarioFacts(
        kind="tailings-failure", scenario_id=str(row["id"]), place=place, occurred_at=_when(when),
        substances=tuple(subs or runout_substances(runout)), impacts=tuple(impacts),
        areas=tuple(areas), threshold_mg_l=threshold, model="tailings runout + river spill",
        notes=tuple(notes),
    )
