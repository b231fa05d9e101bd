"""What the map of a stored scenario draws, as GeoJSON built on the server.

* **River spill**: the reaches of the downstream path (the run's longitudinal profile, one entry
  per reach) with their geometry from the network the run was made on (the bundled Natural
  Earth network, or a stored network: :func:`hazatlas.web.scenarios.view.network_of`), each in the colour of
  its arrival time above the threshold (:data:`ARRIVAL_BINS`; grey where the threshold is never
  exceeded), and the release point.
* **Gas release**: each level's footprint and its wind-direction uncertainty wedge (the polygons
  :meth:`hazatlas.services.air.PlumeResult.geojson` gives), an arrow from the release point
  downwind, and the populated places reached.
* **Tailings runout** (and the runout part of a tailings failure): the dam, the runout path along
  the mapped river cut to where it stops, the stop, and the point where the tailings enter the
  river.

The stored result document holds the river profile and the runout path, but not the plume's
polygons nor the spill's breakthrough curves: those are computed again from the stored inputs
(:mod:`hazatlas.web.scenarios.rerun`).
"""

from __future__ import annotations

import math
from typing import Any

from hazatlas.domain.errors import HazatlasError

#: Arrival time bins (upper bound in hours, colour) of the reaches; colours from red (soon) to
#: violet (late), each at least 3:1 against the pale land of the base map.
ARRIVAL_BINS: tuple[tuple[float, str], ...] = (
    (6.0, "#b3261e"), (24.0, "#c2410c"), (72.0, "#a16207"), (168.0, "#2f7d32"),
    (336.0, "#1565c0"), (math.inf, "#6a1b9a"),
)
NOT_ABOVE = "#8d99a6"
#: level colours of the threat zones (most severe first)
ZONE_COLOURS = {"AEGL-3": "#b3261e", "ERPG-3": "#b3261e", "AEGL-2": "#c2410c", "ERPG-2": "#c2410c",
                "AEGL-1": "#a16207", "ERPG-1": "#a16207"}
MAX_VERTICES = 150  # per reach sent to the page


def hours_between(start: str, when: str | None) -> float | None:
    """Hours from ``start`` to ``when`` (ISO 8601 minutes, as the result documents write them)."""
    from datetime import datetime

    if when is None:
        return None
    return (datetime.fromisoformat(when) - datetime.fromisoformat(start)).total_seconds() / 3600.0


def arrival_bin(hours: float | None) -> int | None:
    """Index of the bin of :data:`ARRIVAL_BINS` of an arrival ``hours`` after the start."""
    if hours is None:
        return None
    return next(i for i, (upper, _) in enumerate(ARRIVAL_BINS) if hours < upper)


def river_label(river: str | None, names: dict[str, str] | None) -> str | None:
    """The river's name as a map label: its canonical name, then its other names in the
    riparian languages (``river_names`` of the run's profile, from the river-name table), each
    once: ``Tisza (Theiß / Tisa / Тиса)``."""
    if not river:
        return None
    others: list[str] = []
    for value in (names or {}).values():
        for name in str(value).split(" / "):
            if name and name != river and name not in others:
                others.append(name)
    return f"{river} ({' / '.join(others)})" if others else river


def _network() -> Any:
    from hazatlas.geo.network import RiverNetwork

    return RiverNetwork.load_default()


def _line(coords: Any) -> list[list[float]]:
    pts = [(float(c[0]), float(c[1])) for c in coords]
    step = max(1, -(-len(pts) // MAX_VERTICES))
    kept = pts[::step]
    if (len(pts) - 1) % step:
        kept.append(pts[-1])
    return [[round(x, 5), round(y, 5)] for x, y in kept]


def _feature(geometry: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def _point(lon: float, lat: float, **properties: Any) -> dict[str, Any]:
    return _feature({"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]}, **properties)


def river_layers(result: dict[str, Any], net: Any = None, *, draw_reaches: bool = True
                 ) -> dict[str, Any]:
    """The spill's reaches coloured by arrival (on ``net``, the network the run was made on;
    default: the bundled one; none when ``draw_reaches`` is false), and the release point."""
    if net is None:
        net = _network()
    start = result["source"]["start"]
    features: list[dict[str, Any]] = []
    for p in (result.get("profile") or []) if draw_reaches else []:
        try:
            i = net.index_of(int(p["reach_id"]))
        except (KeyError, ValueError, TypeError, HazatlasError):
            continue
        b = arrival_bin(hours_between(start, p.get("arrival")))
        coords = _line(net.geometry[i].coords)
        if not features and p["reach_id"] == result["source"].get("reach_id"):
            # the receiving reach from the release point down, not the part upstream of it
            length = float(net.length_m[i])
            coords = _cut(net.geometry[i], length, float(result["source"].get("offset_m") or 0.0),
                          length) or coords
        features.append(_feature(
            {"type": "LineString", "coordinates": coords},
            role="reach", colour=NOT_ABOVE if b is None else ARRIVAL_BINS[b][1], bin=b,
            river=p.get("river"), label=river_label(p.get("river"), p.get("river_names")),
            km=p.get("river_km_from_source"), arrival=p.get("arrival"),
            peak_mg_l=p.get("peak_mg_l")))
    src = result["source"]
    features.append(_point(src["lon"], src["lat"], role="release", colour="#111"))
    return {"type": "FeatureCollection", "features": features}


def _downwind(lon: float, lat: float, wind_from_deg: float, metres: float) -> tuple[float, float]:
    bearing = math.radians((wind_from_deg + 180.0) % 360.0)
    dlat = metres * math.cos(bearing) / 110_574.0
    dlon = metres * math.sin(bearing) / (111_320.0 * max(math.cos(math.radians(lat)), 1e-6))
    return lon + dlon, lat + dlat


def wind_arrow(lon: float, lat: float, wind_from_deg: float, metres: float) -> dict[str, Any]:
    """An arrow from the release point towards where the wind blows, ``metres`` long."""
    tip = _downwind(lon, lat, wind_from_deg, metres)
    left = _downwind(*tip, wind_from_deg + 180.0 - 25.0, metres * 0.15)
    right = _downwind(*tip, wind_from_deg + 180.0 + 25.0, metres * 0.15)
    coords = [[[lon, lat], list(tip)], [list(left), list(tip), list(right)]]
    return _feature({"type": "MultiLineString",
                     "coordinates": [[[round(a, 5), round(b, 5)] for a, b in part] for part in coords]},
                    role="wind", colour="#1f2933")


def plume_layers(result: dict[str, Any], at: list[float] | None, wind_from_deg: float | None,
                 polygons: dict[str, Any] | None) -> dict[str, Any]:
    """The threat zones (``polygons``: the rerun's GeoJSON), the wind arrow, the release point
    and the places reached."""
    features: list[dict[str, Any]] = []
    if polygons is not None:
        order = {z["level"]: i for i, z in enumerate(result.get("zones") or [])}
        for f in sorted(polygons["features"], key=lambda f: (f["properties"]["kind"] != "wedge",
                                                           order.get(f["properties"]["level"], 0))):
            level, kind = f["properties"]["level"], f["properties"]["kind"]
            features.append(_feature(f["geometry"], role=kind, level=level,
                                     colour=ZONE_COLOURS.get(level, "#5f6b7a")))
    if at is not None:
        if wind_from_deg is not None:
            reach = [z["distance_m"] or 100_000.0 for z in result.get("zones") or []]
            features.append(wind_arrow(at[0], at[1], wind_from_deg,
                                       min(max(reach, default=5000.0) * 0.5, 30_000.0)))
        features.append(_point(at[0], at[1], role="release", colour="#111"))
    for p in result.get("places") or []:
        features.append(_point(p["lon"], p["lat"], role="place", name=p["name"], colour="#1f2933",
                               level=p["levels"][0]["level"] if p.get("levels") else None))
    return {"type": "FeatureCollection", "features": features}


def _cut(geom: Any, length_m: float, start_m: float, end_m: float) -> list[list[float]]:
    from shapely.ops import substring  # type: ignore[import-untyped]

    lo, hi = (max(0.0, min(1.0, v / length_m)) if length_m > 0 else 0.0 for v in (start_m, end_m))
    part = substring(geom, lo, hi, normalized=True)
    return _line(part.coords) if part.geom_type == "LineString" else []


def runout_path(runout: dict[str, Any], net: Any = None) -> list[list[list[float]]]:
    """The mapped river from where the runout enters it to where it stops: each path entry's
    reach cut to the kilometres it covers (the first from its end less what it covers, the last
    from its start to the stop's offset)."""
    path, stop = runout.get("path") or [], runout.get("stop")
    if not path or not stop:
        return []
    if net is None:
        net = _network()
    lines = []
    for k, p in enumerate(path):
        try:
            i = net.index_of(int(p["reach_id"]))
        except (KeyError, ValueError, TypeError, HazatlasError):
            continue
        length = float(net.length_m[i])
        covered = (float(p["to_km"]) - float(p["from_km"])) * 1000.0
        end = float(stop["offset_m"]) if k == len(path) - 1 else length
        begin = end - covered if k == 0 else 0.0
        line = _cut(net.geometry[i], length, begin, end)
        if len(line) >= 2:
            lines.append(line)
    return lines


def runout_layers(runout: dict[str, Any], dam: list[float] | None,
                  entry: dict[str, Any] | None = None, net: Any = None, *,
                  draw_reaches: bool = True) -> dict[str, Any]:
    """The dam, the runout path (on ``net``, as :func:`river_layers`), where it stops and where
    the tailings enter the river."""
    lines = runout_path(runout, net) if draw_reaches else []
    features = [_feature({"type": "LineString", "coordinates": line}, role="runout",
                         colour="#6b3e26") for line in lines]
    if dam is not None and lines:
        # the regression is applied along the mapped river from its point nearest the dam: the
        # stretch from the dam to that point is shown, not modelled
        features.append(_feature({"type": "LineString", "coordinates": [
            [round(dam[0], 5), round(dam[1], 5)], lines[0][0]]}, role="connector", colour="#5f6b7a"))
    if dam is not None:
        features.append(_point(dam[0], dam[1], role="dam", colour="#111"))
    stop = runout.get("stop")
    if stop:
        features.append(_point(stop["lon"], stop["lat"], role="stop", colour="#6b3e26"))
    source = entry or runout.get("river_source")
    if source and source.get("lon") is not None:
        features.append(_point(source["lon"], source["lat"], role="entry", colour="#0b5cad"))
    return {"type": "FeatureCollection", "features": features}
