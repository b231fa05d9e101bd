"""Use case: tailings dam failure runout traced down the receiving valley (``runout`` command).

1. Released volume and runout distance by a published regression
   (:mod:`hazatlas.models.tailings.runout`).
2. With a dam location, the runout is traced along the river network: the dam is snapped to its
   receiving reach (``snap_point``) and the flow followed downstream (``downstream``/
   ``downstream_path``) until the runout distance is used up; the result is the list of reaches,
   the point where the flow stops, and the borders it crosses (``countries_downstream``).
3. The contaminants carried beyond the runout become a source description for the river alarm
   model (``hazatlas.services.spill``, not imported here): a dict with the point where they enter
   the river and ``mass_kg`` per constituent. Without better knowledge the fraction of the
   released constituents that reaches the river is 1 (an upper bound; set it lower if known).
   The tailings mass is the released volume times a dry bulk density (default 1400 kg/m³, a
   typical value for consolidated tailings; a hazatlas assumption).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from shapely.geometry import LineString, Point  # type: ignore[import-untyped]
from shapely.ops import substring  # type: ignore[import-untyped]

from hazatlas.domain.tailings import Constituent
from hazatlas.models.base import Validity, invalid_input, scenario_summary
from hazatlas.models.tailings.runout import RunoutInputs, RunoutResult, runout_model

DEFAULT_DRY_DENSITY_KG_M3 = 1400.0


@dataclass
class RunoutRequest:
    """Inputs of one tailings-dam failure scenario, SI units."""

    impounded_volume_m3: float
    dam_height_m: float
    released_volume_m3: float | None = None
    method: str = "larrauri2018"
    at: tuple[float, float] | None = None
    constituents: list[Constituent] = field(default_factory=list)
    dry_density_kg_m3: float = DEFAULT_DRY_DENSITY_KG_M3
    fraction_to_river: float = 1.0
    max_snap_distance_m: float = 20_000.0


@dataclass
class Trace:
    """The runout followed along the network."""

    reaches: list[dict[str, Any]]
    stop: dict[str, Any]
    line: LineString
    snap_distance_m: float
    start_reach: int
    start_offset_m: float
    notes: list[str]


@dataclass
class RunoutOutcome:
    """Regression result, traced path, countries and river source; :meth:`to_json` for output
    (a :class:`~hazatlas.models.base.ScenarioResult` of kind ``runout``)."""

    result: RunoutResult
    trace: Trace | None
    countries: list[str]
    crossings: list[dict[str, Any]]
    river_source: dict[str, Any] | None
    warnings: list[str]
    request: RunoutRequest | None = None

    kind = "runout"

    @property
    def inputs(self) -> dict[str, Any]:
        """The request echoed as plain data (SI units; constituents in mg/kg)."""
        r = self.request
        if r is None:
            i = self.result.inputs
            return {} if i is None else dict(vars(i))
        return {
            "impounded_volume_m3": r.impounded_volume_m3,
            "dam_height_m": r.dam_height_m,
            "released_volume_m3": r.released_volume_m3,
            "method": r.method,
            "at": list(r.at) if r.at else None,
            "constituents_mg_kg": {c.name: c.concentration_mg_kg for c in r.constituents},
            "dry_density_kg_m3": r.dry_density_kg_m3,
            "fraction_to_river": r.fraction_to_river,
        }

    @property
    def validity(self) -> list[Validity]:
        """The regression's validity envelope."""
        return [self.result.validity] if self.result.validity else []

    def summary(self) -> dict[str, Any]:
        """The kind-independent summary with the runout as headline."""
        r = self.result
        return scenario_summary(
            self,
            {
                "method": r.method,
                "released_volume_m3": r.released_volume_m3,
                "runout_km": r.runout_km,
                "interval_km": list(r.interval_km),
            },
        )

    def to_json(self) -> dict[str, Any]:
        r = self.result
        return {
            "released_volume_m3": r.released_volume_m3,
            "runout_km": r.runout_km,
            "interval_km": list(r.interval_km),
            "method": r.method,
            "source": r.source,
            "path": self.trace.reaches if self.trace else [],
            "countries": self.countries,
            "stop": self.trace.stop if self.trace else None,
            "crossings": self.crossings,
            "river_source": self.river_source,
            "warnings": self.warnings,
        }


def _path(network: Any, reach_index: int) -> np.ndarray:
    try:
        from hazatlas.geo.paths import downstream_path
    except ImportError:
        out: list[int] = []
        i = reach_index
        while i >= 0 and len(out) <= len(network.reach_id):
            out.append(i)
            i = int(network.downstream[i])
        return np.asarray(out, dtype=np.int64)
    return np.asarray(downstream_path(network, reach_index), dtype=np.int64)


def trace_runout(
    network: Any, lon: float, lat: float, runout_m: float, max_snap_distance_m: float = 20_000.0
) -> Trace:
    """Follow ``runout_m`` metres of river downstream from the reach nearest to (lon, lat)."""
    from hazatlas.geo.snapping import snap_point

    snap = snap_point(network, lon, lat, max_snap_distance_m)
    reaches, pieces, notes = [], [], []
    done = 0.0
    stop: dict[str, Any] | None = None
    for i in _path(network, snap.reach_index):
        length = float(network.length_m[i])
        start = snap.offset_m if i == snap.reach_index else 0.0
        available = max(length - start, 0.0)
        take = min(available, runout_m - done)
        geom = network.geometry[i]
        f0, f1 = (start / length, (start + take) / length) if length > 0 else (0.0, 1.0)
        pieces.append(substring(geom, f0, f1, normalized=True))
        reaches.append(
            {
                "reach_id": int(network.reach_id[i]),
                "river": network.river_name(i),
                "from_km": done / 1000.0,
                "to_km": (done + take) / 1000.0,
            }
        )
        if np.isfinite(network.lake_volume_m3[i]):
            notes.append(
                f"the flow enters a lake or reservoir ({network.river_name(i) or 'unnamed'}) "
                f"at {done / 1000:.1f} km, which may trap the tailings"
            )
        done += take
        if done >= runout_m - 1e-6:
            pt = geom.interpolate(f1, normalized=True)
            stop = {
                "lon": pt.x,
                "lat": pt.y,
                "river": network.river_name(i),
                "reach_id": int(network.reach_id[i]),
                "reach_index": int(i),
                "offset_m": start + take,
                "distance_km": done / 1000.0,
            }
            break
    if stop is None:
        last = int(_path(network, snap.reach_index)[-1])
        pt = Point(network.geometry[last].coords[-1])
        stop = {
            "lon": pt.x,
            "lat": pt.y,
            "river": network.river_name(last),
            "reach_id": int(network.reach_id[last]),
            "reach_index": last,
            "offset_m": float(network.length_m[last]),
            "distance_km": done / 1000.0,
        }
        notes.append(
            f"the runout ({runout_m / 1000:.1f} km) reaches the end of the network "
            f"(outlet) after {done / 1000:.1f} km"
        )
    coords = [c for p in pieces if not p.is_empty for c in p.coords]
    line = LineString(coords) if len(coords) >= 2 else LineString()
    return Trace(reaches, stop, line, snap.distance_m, snap.reach_index, snap.offset_m, notes)


def _crossings(
    network: Any, trace: Trace, runout_m: float, upper_m: float
) -> tuple[list[str], list[dict[str, Any]], list[str]]:
    from hazatlas.geo.borders import countries_intersecting, country_at

    origin = (
        country_at(trace.line.coords[0][0], trace.line.coords[0][1])
        if not trace.line.is_empty
        else None
    )
    try:
        from hazatlas.geo.paths import countries_downstream
    except ImportError:
        found = countries_intersecting(trace.line) if not trace.line.is_empty else []
        note = ["border crossings from the traced line (hazatlas.geo.paths not available)"]
        return sorted(set(found) | ({origin} if origin else set())), [], note
    crossings = [
        {
            "country": c.country,
            "river_distance_km": c.river_distance_m / 1000.0,
            "within_runout": c.river_distance_m <= runout_m,
            "within_interval": c.river_distance_m <= upper_m,
        }
        for c in countries_downstream(network, trace.start_reach, trace.start_offset_m)
        if c.river_distance_m <= upper_m
    ]
    reached = {str(c["country"]) for c in crossings if c["within_runout"]}
    if origin:
        reached.add(origin)
    return sorted(reached), crossings, []


def river_source(
    trace: Trace,
    released_volume_m3: float,
    constituents: list[Constituent],
    dry_density_kg_m3: float,
    fraction_to_river: float,
) -> dict[str, Any]:
    """Source description for the river alarm model: where and how much (kg per constituent)."""
    if not 0 <= fraction_to_river <= 1:
        raise invalid_input("fraction_to_river", "must be between 0 and 1")
    tailings_kg = released_volume_m3 * dry_density_kg_m3
    return {
        "kind": "instantaneous",
        "reach_id": trace.stop["reach_id"],
        "reach_index": trace.stop["reach_index"],
        "offset_m": trace.stop["offset_m"],
        "lon": trace.stop["lon"],
        "lat": trace.stop["lat"],
        "mass_kg": {
            c.name: c.concentration_mg_kg * 1e-6 * tailings_kg * fraction_to_river
            for c in constituents
        },
        "description": (
            f"constituents of {released_volume_m3:.3g} m3 of released tailings "
            f"(dry density {dry_density_kg_m3:g} kg/m3, fraction {fraction_to_river:g}) "
            "entering the river where the runout stops"
        ),
    }


def run_runout(req: RunoutRequest, network: Any = None) -> RunoutOutcome:
    """Regression, trace along the network (if ``req.at``), countries and river source."""
    model = runout_model(req.method)
    result = model.run(
        RunoutInputs(req.impounded_volume_m3, req.dam_height_m, req.released_volume_m3)
    )
    warnings = list(result.warnings)
    if req.at is None:
        return RunoutOutcome(result, None, [], [], None, warnings, req)
    if network is None:
        from hazatlas.geo.network import RiverNetwork

        network = RiverNetwork.load_default()
    lon, lat = req.at
    trace = trace_runout(network, lon, lat, result.runout_km * 1000.0, req.max_snap_distance_m)
    warnings += trace.notes
    if trace.snap_distance_m > 1000.0:
        warnings.append(
            f"the dam is {trace.snap_distance_m / 1000:.1f} km from the nearest mapped "
            "river; the receiving valley may be a smaller stream not in the network"
        )
    countries, crossings, notes = _crossings(
        network, trace, result.runout_km * 1000.0, result.interval_km[1] * 1000.0
    )
    warnings += notes
    source = river_source(
        trace,
        result.released_volume_m3,
        req.constituents,
        req.dry_density_kg_m3,
        req.fraction_to_river,
    )
    return RunoutOutcome(result, trace, countries, crossings, source, warnings, req)
