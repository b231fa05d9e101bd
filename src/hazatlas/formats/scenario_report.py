"""A report drafted from a model scenario: areas as CAP shapes and the per-country text.

:class:`ScenarioFacts` is what a stored scenario says once read (the use case
:mod:`hazatlas.services.notify.draft` reads it): the accident, the substances and quantities,
the countries reached (first arrival, peak time and concentration, or the zone that reaches them
and when) and the areas. :func:`draft_report` turns the facts into a ``REPORT.json`` document
(``docs/notifications.md``) with one text per language, written through the gettext catalogues
(:mod:`hazatlas.formats.i18n`): the figures are the model's, the sentences are translated.

Areas are drawn as CAP 1.2 allows (section 3.2.4: ``polygon``, ``circle``): a river stretch is
a corridor polygon around the reach lines (:func:`corridor_ring`), a plume zone a circle around
the source and, with a wind direction, its downwind sector; the runout path a corridor.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pyproj import Transformer
from shapely.geometry import LineString, Polygon  # type: ignore[import-untyped]

from hazatlas.domain.notification import AccidentType, Area, Circle, Place, SubstanceRelease
from hazatlas.formats.i18n import tr
from hazatlas.formats.report_text import format_mass, format_time
from hazatlas.formats.reports import area_to_dict, place_to_dict, substances_to_list

#: Half-width (m) of the corridor drawn around a river stretch or a runout path. It is drawn
#: for the alert, not computed by a model: a river's bed and banks plus a margin (the same
#: width as ``hazatlas.formats.cap.REACH_BUFFER_M``).
CORRIDOR_M = 500.0
#: Most points of one CAP polygon written for a corridor (the line is simplified to fit).
MAX_POINTS = 500

ACCIDENT_TYPE = {
    "river": AccidentType.RELEASE_TO_WATER,
    "plume": AccidentType.RELEASE_TO_AIR,
    "runout": AccidentType.TAILINGS_DAM_FAILURE,
    "tailings-failure": AccidentType.TAILINGS_DAM_FAILURE,
}


@dataclass(frozen=True)
class CountryImpact:
    """What a scenario predicts for one country: for a river, the first arrival above the
    threshold, the peak time and the peak concentration at the border (``constituent`` for a
    tailings failure's constituents); for a plume, the most severe zone that reaches the country,
    its distance from the source and the time the cloud takes to get there; for a runout, that
    the path reaches it."""

    country: str
    first_arrival: dt.datetime | None = None
    peak_time: dt.datetime | None = None
    peak_mg_l: float | None = None
    constituent: str | None = None
    zone: str | None = None
    distance_m: float | None = None
    travel_s: float | None = None
    runout: bool = False
    threshold_mg_l: float | None = None


@dataclass(frozen=True)
class ScenarioFacts:
    """A stored scenario, read: everything a report drafted from it says."""

    kind: str
    scenario_id: str
    place: Place
    occurred_at: dt.datetime
    substances: tuple[SubstanceRelease, ...] = ()
    impacts: tuple[CountryImpact, ...] = ()
    areas: tuple[Area, ...] = ()
    threshold_mg_l: float | None = None
    threshold_basis: str = ""
    model: str = ""
    notes: tuple[str, ...] = ()

    @property
    def accident_type(self) -> AccidentType:
        return ACCIDENT_TYPE.get(self.kind, AccidentType.OTHER)


# --- areas ---------------------------------------------------------------------------------


def _aeqd(lon: float, lat: float) -> tuple[Transformer, Transformer]:
    crs = f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m +no_defs"
    return (
        Transformer.from_crs("EPSG:4326", crs, always_xy=True),
        Transformer.from_crs(crs, "EPSG:4326", always_xy=True),
    )


def corridor_ring(
    line: Sequence[tuple[float, float]], buffer_m: float = CORRIDOR_M, max_points: int = MAX_POINTS
) -> tuple[tuple[float, float], ...]:
    """Closed (lon, lat) ring of a corridor at least ``buffer_m`` either side of ``line``.

    The line is projected to an azimuthal equidistant projection centred on it (metres, exact
    distances from the centre, under 1 % scale error within 500 km of it), simplified with a
    tolerance ``t`` (from ``buffer_m / 10``, doubled until the ring has at most ``max_points``
    points) and buffered by ``buffer_m + t``: the simplified line is within ``t`` of the
    original (Douglas-Peucker), so the corridor still holds every point within ``buffer_m`` of
    the original line. Points are rounded to 5 decimals (about 1 m).
    """
    if len(line) < 2:
        raise ValueError("a corridor needs a line of at least 2 points")
    xs = [p[0] for p in line]
    ys = [p[1] for p in line]
    fwd, back = _aeqd((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)
    local = LineString(list(zip(*fwd.transform(xs, ys), strict=True)))
    tol = buffer_m / 10
    while True:
        shape = local.simplify(tol).buffer(buffer_m + tol, quad_segs=4)
        assert isinstance(shape, Polygon)
        coords = list(shape.exterior.coords)
        if len(coords) <= max_points or tol > 1e6:
            break
        tol *= 2
    lon, lat = back.transform([c[0] for c in coords], [c[1] for c in coords])
    ring = [(round(float(x), 5), round(float(y), 5)) for x, y in zip(lon, lat, strict=True)]
    ring[-1] = ring[0]
    return tuple(ring)


def sector_ring(
    lon: float, lat: float, radius_m: float, toward_deg: float, half_angle_deg: float, n: int = 32
) -> tuple[tuple[float, float], ...]:
    """Closed (lon, lat) ring of the sector of ``radius_m`` around the bearing ``toward_deg``
    (degrees clockwise from north) with half-angle ``half_angle_deg``, drawn in an azimuthal
    equidistant projection centred on the source (exact distances from it)."""
    _, back = _aeqd(lon, lat)
    angles = [
        math.radians(toward_deg - half_angle_deg + 2 * half_angle_deg * i / (n - 1))
        for i in range(n)
    ]
    xs = [0.0, *(radius_m * math.sin(a) for a in angles), 0.0]
    ys = [0.0, *(radius_m * math.cos(a) for a in angles), 0.0]
    lons, lats = back.transform(xs, ys)
    ring = [(round(float(x), 5), round(float(y), 5)) for x, y in zip(lons, lats, strict=True)]
    ring[-1] = ring[0]
    return tuple(ring)


def circle(lon: float, lat: float, radius_m: float) -> Circle:
    return Circle(round(lon, 5), round(lat, 5), round(radius_m, 1))


# --- text ----------------------------------------------------------------------------------


def _num(x: float) -> str:
    return f"{x:.3g}" if x < 1000 else f"{x:,.0f}".replace(",", " ")


def _river_line(i: CountryImpact, language: str, tz: str | None, threshold: str) -> str:
    if i.first_arrival is None:
        return tr(language, "{country}: stays below the threshold of {threshold} mg/l",
                  country=i.country, threshold=threshold)
    text = tr(
        language,
        "{country}: first arrival above {threshold} mg/l {arrival}",
        country=i.country,
        threshold=threshold,
        arrival=format_time(i.first_arrival, tz),
    )
    if i.peak_mg_l is not None:
        text += "; " + tr(language, "peak {peak} mg/l", peak=_num(i.peak_mg_l))
        if i.peak_time is not None:
            text += " " + tr(language, "at {time}", time=format_time(i.peak_time, tz))
    return text


def _zone_line(i: CountryImpact, language: str) -> str:
    text = tr(language, "{country}: inside the {zone} zone", country=i.country, zone=i.zone)
    if i.distance_m is not None:
        text += ", " + tr(language, "{km} km from the source", km=_num(i.distance_m / 1000))
    if i.travel_s is not None:
        text += ", " + tr(
            language, "reached about {minutes} min after the release",
            minutes=max(1, round(i.travel_s / 60)),
        )
    return text


def impact_line(facts: ScenarioFacts, impact: CountryImpact, language: str) -> str:
    """One country's line of the text, in ``language``."""
    tz = facts.place.timezone
    if impact.zone is not None:
        line = _zone_line(impact, language)
    elif impact.first_arrival is not None or impact.peak_mg_l is not None:
        value = impact.threshold_mg_l if impact.threshold_mg_l is not None else facts.threshold_mg_l
        threshold = _num(value) if value is not None else "?"
        line = _river_line(impact, language, tz, threshold)
    elif impact.runout:
        line = tr(language, "{country}: reached by the tailings runout path", country=impact.country)
    else:
        line = tr(language, "{country}: reached (see the areas)", country=impact.country)
    if impact.constituent:
        line = f"{impact.constituent} – {line}"
    return line


def texts(facts: ScenarioFacts, languages: Sequence[str]) -> list[dict[str, str]]:
    """One text per language: the accident in words, the per-country effects, the model."""
    out = []
    for language in languages:
        subs = "; ".join(
            f"{s.name}: {format_mass(s.quantity_kg, language)}" for s in facts.substances
        )
        description = tr(
            language,
            "Drafted from model scenario {id} ({kind}); check the figures before sending.",
            id=facts.scenario_id,
            kind=facts.kind,
        )
        if subs:
            description += " " + tr(language, "Released: {substances}.", substances=subs)
        effects = [impact_line(facts, i, language) for i in facts.impacts]
        if not effects:
            effects = [tr(language, "No other country is reached in this scenario.")]
        other = []
        if facts.model:
            other.append(tr(language, "Model: {model}.", model=facts.model))
        if facts.threshold_mg_l is not None:
            other.append(
                tr(language, "Threshold: {threshold} mg/l ({basis}).",
                   threshold=_num(facts.threshold_mg_l), basis=facts.threshold_basis or "?")
            )
        other += list(facts.notes)
        out.append(
            {
                "language": language,
                "description": description,
                "possible_effects": "\n".join(effects),
                "measures_taken": "",
                "other_information": "\n".join(other),
            }
        )
    return out


# --- the report document -------------------------------------------------------------------


def draft_report(
    facts: ScenarioFacts,
    languages: Sequence[str] = ("en",),
    *,
    report_type: str = "early_warning",
    status: str = "actual",
    severity: str = "unknown",
    certainty: str = "likely",
) -> dict[str, Any]:
    """The ``REPORT.json`` document of a report drafted from ``facts`` (the sender adds the
    measures taken and sends it with ``hazatlas notify send`` or ``POST
    /api/notifications/reports``); ``scenario_id`` and ``establishment_id`` are carried
    unchanged."""
    p = facts.place
    return {
        "type": report_type,
        "status": status,
        "texts": texts(facts, list(dict.fromkeys(languages)) or ["en"]),
        "scenario_id": facts.scenario_id,
        "accident": {
            "type": facts.accident_type.value,
            "occurred_at": facts.occurred_at.isoformat(),
            "severity": severity,
            "certainty": certainty,
            "ongoing": True,
            "place": place_to_dict(p),
            "substances": substances_to_list(facts.substances),
        },
        "areas": [area_to_dict(a) for a in facts.areas],
    }
