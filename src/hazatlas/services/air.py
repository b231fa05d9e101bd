"""Use case: toxic gas threat zones for one release (the ``plume`` command and API endpoint).

Builds the source term, the wind at release height, the plume (continuous) or puff
(instantaneous) model, the levels of concern, the threat distances, receptor concentrations, and
— when the release point and wind direction are given — the zone polygons on the map and the
countries they reach (``hazatlas.geo.borders.countries_intersecting``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from shapely.geometry import mapping  # type: ignore[import-untyped]
from shapely.geometry.base import BaseGeometry  # type: ignore[import-untyped]

from hazatlas.domain.errors import HazatlasError
from hazatlas.models.air import footprint as fp
from hazatlas.models.air.plume import GaussianPlume
from hazatlas.models.air.puff import GaussianPuff
from hazatlas.models.air.release import AirRelease, Concentrations, air_problems
from hazatlas.models.air.source import (
    GasHoleRelease,
    PoolEvaporationEPA,
    SourceTerm,
    direct_mass,
    direct_rate,
)
from hazatlas.models.air.wind import wind_at_height
from hazatlas.models.air.zones import (
    LevelOfConcern,
    find_substance,
    threat_distances,
    validity_warnings,
)
from hazatlas.models.base import Validity, invalid_input, raise_problems, scenario_summary
from hazatlas.services.air_levels import centreline_table, levels_for

Field = Callable[[np.ndarray], np.ndarray]
PointField = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


@dataclass
class PlumeRequest:
    """Inputs of one air-dispersion scenario, in SI units."""

    wind_speed_m_s: float
    stability: str
    rate_kg_s: float | None = None
    mass_kg: float | None = None
    pool_area_m2: float | None = None
    hole_diameter_m: float | None = None
    pressure_pa: float | None = None
    temperature_k: float = 293.15
    release_height_m: float = 0.0
    wind_height_m: float | None = None
    sigmas: str = "briggs-rural"
    substance: str | None = None
    loc_kind: str = "aegl"
    duration_s: float = 3600.0
    loc_mg_m3: float | None = None
    mixing_height_m: float = math.inf
    receptors: list[tuple[float, float, float]] = field(default_factory=list)
    at: tuple[float, float] | None = None
    wind_from_deg: float | None = None
    places: list[tuple[str, float, float]] = field(default_factory=list)  # (name, lon, lat)


@dataclass
class PlumeResult:
    """Result; :meth:`to_json` gives the stable CLI/API keys (a
    :class:`~hazatlas.models.base.ScenarioResult` of kind ``plume``)."""

    receptors: list[dict[str, float]]
    zones: list[dict[str, Any]]
    countries: list[str]
    warnings: list[str]
    source: SourceTerm
    wind_speed_m_s: float
    geometries: dict[str, dict[str, BaseGeometry]] = field(default_factory=dict)
    places: list[dict[str, Any]] | None = None
    request: PlumeRequest | None = None
    validity: list[Validity] = field(default_factory=list)
    centreline: list[dict[str, float]] = field(default_factory=list)

    kind = "plume"

    @property
    def inputs(self) -> dict[str, Any]:
        """The request echoed as plain data (SI units; an infinite mixing height is None)."""
        if self.request is None:
            return {}
        out = dict(vars(self.request))
        out["mixing_height_m"] = (
            None if math.isinf(self.request.mixing_height_m) else self.request.mixing_height_m
        )
        out["receptors"] = [list(r) for r in self.request.receptors]
        out["at"] = list(self.request.at) if self.request.at else None
        out["places"] = [list(p) for p in self.request.places]
        return out

    def summary(self) -> dict[str, Any]:
        """The kind-independent summary with the threat distances as headline."""
        return scenario_summary(
            self,
            {
                "source_kind": self.source.kind,
                "wind_speed_m_s": self.wind_speed_m_s,
                "zones": {z["level"]: z["distance_m"] for z in self.zones},
            },
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "receptors": self.receptors,
            "zones": self.zones,
            "countries": self.countries,
            "warnings": self.warnings,
            "centreline": self.centreline,
        }
        if self.places is not None:
            out["places"] = self.places
        return out

    def geojson(self) -> dict[str, Any]:
        """Zone footprints and uncertainty wedges as a GeoJSON FeatureCollection (lon/lat)."""
        feats = [
            {
                "type": "Feature",
                "properties": {"level": level, "kind": kind},
                "geometry": mapping(geom),
            }
            for level, parts in self.geometries.items()
            for kind, geom in parts.items()
        ]
        return {"type": "FeatureCollection", "features": feats}


def _source_term(req: PlumeRequest) -> SourceTerm:
    given = [
        v is not None for v in (req.rate_kg_s, req.mass_kg, req.pool_area_m2, req.hole_diameter_m)
    ]
    if sum(given) != 1:
        raise invalid_input(
            "source",
            "give exactly one source: a rate (rate_kg_s, --rate), a mass (mass_kg, --mass), "
            "a pool area (pool_area_m2, --pool-area) or a hole diameter (hole_diameter_m, --hole)",
        )
    if req.rate_kg_s is not None:
        return direct_rate(req.rate_kg_s)
    if req.mass_kg is not None:
        return direct_mass(req.mass_kg)
    if not req.substance:
        raise invalid_input(
            "substance", "a pool area or a hole (pool_area_m2, hole_diameter_m; --pool-area, "
            "--hole) needs a substance (substance, --substance) for its properties"
        )
    from hazatlas.services.substances import lookup

    props = lookup(req.substance)
    if req.pool_area_m2 is not None:
        pool = PoolEvaporationEPA()
        vp = props.vapour_pressure_pa(req.temperature_k)
        rate = pool.compute(
            area_m2=req.pool_area_m2,
            wind_speed_m_s=max(req.wind_speed_m_s, 0.1),
            molar_mass_g_mol=props.molar_mass_g_mol,
            vapour_pressure_pa=vp,
            temperature_k=req.temperature_k,
        )
        notes = pool.check_validity(vapour_pressure_pa=vp)
        if notes:
            notes.append(
                "the liquid boils at this temperature: flashing and boil-off are not in "
                "the EPA screening formula, the rate is a lower bound"
            )
        return SourceTerm(
            "continuous",
            rate_kg_s=rate,
            release_temperature_k=req.temperature_k,
            method=pool.name,
            source=pool.source,
            warnings=tuple(notes),
        )
    if req.pressure_pa is None or req.hole_diameter_m is None:
        raise invalid_input(
            "pressure_pa", "a hole needs the absolute pressure inside the vessel (pressure_pa, "
            "--pressure)"
        )
    k = props.heat_capacity_ratio(req.temperature_k)
    notes = (
        [] if k is not None else ["heat capacity ratio not in the chemicals package; 1.4 assumed"]
    )
    try:
        if props.vapour_pressure_pa(req.temperature_k) < req.pressure_pa:
            notes.append(
                f"{props.name} is a liquid at this pressure and temperature: a two-phase "
                "(flashing) release is not modelled, the gas-phase hole flow underestimates it"
            )
    except HazatlasError:
        pass
    hole = GasHoleRelease()
    rate = hole.compute(
        hole_diameter_m=req.hole_diameter_m,
        pressure_pa=req.pressure_pa,
        temperature_k=req.temperature_k,
        molar_mass_kg_mol=props.molar_mass_g_mol / 1000,
        heat_capacity_ratio=k or 1.4,
    )
    if rate <= 0:
        raise invalid_input(
            "pressure_pa",
            "the vessel pressure is not above ambient: no gas release through the hole",
        )
    return SourceTerm(
        "continuous",
        rate_kg_s=rate,
        release_temperature_k=req.temperature_k,
        method=hole.name,
        source=hole.source,
        warnings=tuple(notes),
    )


def _molar_mass(substance: str | None) -> float | None:
    """Molar mass (g/mol) from the AEGL table, else from the chemicals package, else None."""
    if not substance:
        return None
    sub = find_substance(substance)
    if sub is not None:
        return sub.molar_mass_g_mol
    from hazatlas.services.substances import lookup

    try:
        return lookup(substance).molar_mass_g_mol
    except HazatlasError:
        return None


def _dispersion(
    req: PlumeRequest, release: AirRelease
) -> tuple[GaussianPlume | GaussianPuff, Field, PointField, list[str]]:
    """The model and its ground-level and point functions for the source kind."""
    height, lid = release.release_height_m, release.mixing_height_m
    if release.rate_kg_s is not None:
        plume = GaussianPlume(req.sigmas)
        rate, wind, stability = release.rate_kg_s, release.wind_speed_m_s, release.stability

        def ground(x: np.ndarray) -> np.ndarray:
            return plume.centreline(
                x,
                rate_kg_s=rate,
                wind_speed_m_s=wind,
                stability=stability,
                release_height_m=height,
                mixing_height_m=lid,
            )

        def at_points(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
            return plume.run(release, x, y, z).concentration_kg_m3

        return plume, ground, at_points, []
    puff = GaussianPuff(req.sigmas)
    mass, stability = float(release.mass_kg or 0.0), release.stability

    def puff_ground(x: np.ndarray) -> np.ndarray:
        return puff.peak(
            x, 0.0, 0.0, mass_kg=mass, stability=stability, release_height_m=height,
            mixing_height_m=lid,
        )

    def puff_points(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        return puff.run(release, x, y, z).concentration_kg_m3

    note = (
        "instantaneous release: peak concentrations as the puff passes are "
        "compared with the levels of concern (conservative for short exposures)"
    )
    return puff, puff_ground, puff_points, [note]


def _receptors(
    model: GaussianPlume | GaussianPuff,
    release: AirRelease,
    receptors: list[tuple[float, float, float]],
) -> tuple[list[dict[str, float]], Concentrations | None]:
    if not receptors:
        return [], None
    pts = np.asarray(receptors, dtype=float)
    run = model.run(release, pts[:, 0], pts[:, 1], pts[:, 2])
    conc = run.concentration_kg_m3 * 1e6
    rows = [
        {
            "x_m": float(p[0]),
            "y_m": float(p[1]),
            "z_m": float(p[2]),
            "concentration_mg_m3": float(c),
        }
        for p, c in zip(pts, conc, strict=True)
    ]
    return rows, run


def _check(req: PlumeRequest) -> None:
    """The weather and geometry of the request (one ValidationError naming every problem)."""
    problems = air_problems(
        wind_speed_m_s=req.wind_speed_m_s,
        stability=req.stability,
        release_height_m=req.release_height_m,
        mixing_height_m=req.mixing_height_m,
    )
    if (req.at is None) != (req.wind_from_deg is None):
        problems += invalid_input(
            "wind_from_deg", "the release point and the wind direction (at and wind_from_deg; "
            "--at and --wind-from) go together").problems
    elif req.places and req.at is None:
        problems += invalid_input(
            "places", "places need --at and --wind-from (at and wind_from_deg) to place the "
            "zones on the map"
        ).problems
    raise_problems(problems)


def _release(req: PlumeRequest, source: SourceTerm, wind: float) -> AirRelease:
    return AirRelease(
        wind_speed_m_s=wind,
        stability=req.stability,
        rate_kg_s=source.rate_kg_s if source.kind == "continuous" else None,
        mass_kg=source.mass_kg if source.kind != "continuous" else None,
        release_height_m=req.release_height_m,
        mixing_height_m=req.mixing_height_m,
    )


def run_plume(req: PlumeRequest) -> PlumeResult:
    """Compute receptor concentrations, threat zones, countries and validity warnings."""
    _check(req)
    terrain = "urban" if req.sigmas == "briggs-urban" else "rural"
    wind = req.wind_speed_m_s
    if req.wind_height_m is not None:
        wind = float(
            wind_at_height(wind, req.wind_height_m, req.release_height_m, req.stability, terrain)
        )
    mw = _molar_mass(req.substance)
    source = _source_term(req)
    release = _release(req, source, wind)
    levels, warnings = levels_for(req)
    warnings = list(source.warnings) + warnings
    model, ground, at_points, notes = _dispersion(req, release)
    warnings += notes
    receptors, at_receptors = _receptors(model, release, req.receptors)
    thresholds = np.array([lv.threshold_mg_m3 for lv in levels]) * 1e-6
    dists = threat_distances(ground, thresholds)[0] if levels else np.array([])
    zones = [
        {
            "level": lv.level,
            "threshold_mg_m3": lv.threshold_mg_m3,
            "distance_m": (float(d) if math.isfinite(d) else None),
        }
        for lv, d in zip(levels, dists, strict=True)
    ]
    if any(not math.isfinite(d) for d in dists):
        warnings.append(
            "a level is still exceeded at 100 km (distance null): the Gaussian model "
            "is far outside its range; use a long-range trajectory model"
        )
    warnings += validity_warnings(
        wind_speed_m_s=wind,
        distances_m=[float(d) for d in dists],
        molar_mass_g_mol=mw,
        release_temperature_k=source.release_temperature_k,
        level_status=[lv.status for lv in levels],
    )
    if at_receptors is not None:
        warnings += [
            f"receptors: {w}" for w in at_receptors.warnings if w.startswith("distance_m")
        ]
    geometries: dict[str, dict[str, BaseGeometry]] = {}
    countries: list[str] = []
    places = None
    if req.at is not None and req.wind_from_deg is not None:
        geometries = _geometries(model, ground, req, wind, levels, dists)
        countries, note = _countries(geometries)
        warnings += note
        if req.places:
            places = places_reached(geometries, req.places)
    reached = [float(d) for d in dists if d > 0]
    validity = [model.envelope(wind_speed_m_s=wind, distance_m=reached)]
    return PlumeResult(
        receptors, zones, countries, warnings, source, wind, geometries, places, req, validity,
        centreline_table(ground),
    )


def places_reached(geometries: dict[str, dict[str, BaseGeometry]],
                   places: list[tuple[str, float, float]]) -> list[dict[str, Any]]:
    """Populated places (or any named points) inside a zone's footprint or its wind-direction
    uncertainty wedge; for each place, every level it lies in, most severe first."""
    from shapely.geometry import Point

    order = sorted(geometries, reverse=True)  # AEGL-3 before AEGL-2 before AEGL-1
    out = []
    for name, lon, lat in places:
        pt = Point(lon, lat)
        inside = [{"level": lv, "in": "footprint" if geometries[lv]["footprint"].covers(pt) else "wedge"}
                  for lv in order if geometries[lv]["wedge"].covers(pt)
                  or geometries[lv]["footprint"].covers(pt)]
        if inside:
            out.append({"name": name, "lon": lon, "lat": lat, "levels": inside})
    return out


def _geometries(
    model: GaussianPlume | GaussianPuff,
    ground: Field,
    req: PlumeRequest,
    wind: float,
    levels: list[LevelOfConcern],
    dists: np.ndarray,
) -> dict[str, dict[str, BaseGeometry]]:
    assert req.at is not None and req.wind_from_deg is not None
    lon, lat = req.at
    half = fp.wedge_half_angle_deg(req.stability, wind)
    out: dict[str, dict[str, BaseGeometry]] = {}
    for lv, d in zip(levels, dists, strict=True):
        d = float(min(d, 100_000.0))
        local = fp.footprint_local(
            ground, lambda x: model.crosswind_sigma(x, req.stability), lv.threshold_mg_m3 * 1e-6, d
        )
        wedge = fp.wedge_local(d, half, local)
        out[lv.level] = {
            "footprint": fp.local_to_lonlat(local, lon, lat, req.wind_from_deg),
            "wedge": fp.local_to_lonlat(wedge, lon, lat, req.wind_from_deg),
        }
    return out


def _countries(geometries: dict[str, dict[str, BaseGeometry]]) -> tuple[list[str], list[str]]:
    """Countries reached by any zone's uncertainty wedge (which contains its footprint)."""
    try:
        from hazatlas.geo.borders import countries_intersecting
    except ImportError:
        return [], ["country lookup unavailable (hazatlas.geo.borders is not installed)"]
    found: set[str] = set()
    for parts in geometries.values():
        geom = parts["wedge"]
        if not geom.is_empty:
            found.update(countries_intersecting(geom))
    return sorted(found), []
