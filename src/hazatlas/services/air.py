"""Use case: toxic gas threat zones for one release (the ``plume`` command and API endpoint).

Builds the source term, the wind at release height, the plume (continuous) or puff
(instantaneous) model, the levels of concern, the threat distances, receptor concentrations, and
— when the release point and wind direction are given — the zone polygons on the map and the
countries they reach (``hazatlas.geo.borders.countries_intersecting``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from hazatlas.domain.errors import HazatlasError
from hazatlas.models.air import footprint as fp
from hazatlas.models.air.plume import GaussianPlume
from hazatlas.models.air.puff import GaussianPuff
from hazatlas.models.air.source import (
    GasHoleRelease,
    PoolEvaporationEPA,
    SourceTerm,
    direct_mass,
    direct_rate,
)
from hazatlas.models.air.stability import class_index
from hazatlas.models.air.wind import wind_at_height
from hazatlas.models.air.zones import (
    LevelOfConcern,
    find_substance,
    levels_of_concern,
    threat_distances,
    validity_warnings,
)


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
    """Result; :meth:`to_json` gives the stable CLI/API keys."""

    receptors: list[dict[str, float]]
    zones: list[dict[str, Any]]
    countries: list[str]
    warnings: list[str]
    source: SourceTerm
    wind_speed_m_s: float
    geometries: dict[str, dict[str, BaseGeometry]] = field(default_factory=dict)
    places: list[dict[str, Any]] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "receptors": self.receptors,
            "zones": self.zones,
            "countries": self.countries,
            "warnings": self.warnings,
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
        raise HazatlasError(
            "give exactly one source: a rate (--rate), a mass (--mass), a pool area "
            "(--pool-area) or a hole diameter (--hole)"
        )
    if req.rate_kg_s is not None:
        return direct_rate(req.rate_kg_s)
    if req.mass_kg is not None:
        return direct_mass(req.mass_kg)
    if not req.substance:
        raise HazatlasError("--pool-area and --hole need --substance for the substance properties")
    from hazatlas.services.substances import lookup

    props = lookup(req.substance)
    if req.pool_area_m2 is not None:
        model = PoolEvaporationEPA()
        vp = props.vapour_pressure_pa(req.temperature_k)
        rate = model.compute(
            area_m2=req.pool_area_m2,
            wind_speed_m_s=max(req.wind_speed_m_s, 0.1),
            molar_mass_g_mol=props.molar_mass_g_mol,
            vapour_pressure_pa=vp,
            temperature_k=req.temperature_k,
        )
        notes = model.check_validity(vapour_pressure_pa=vp)
        if notes:
            notes.append(
                "the liquid boils at this temperature: flashing and boil-off are not in "
                "the EPA screening formula, the rate is a lower bound"
            )
        return SourceTerm(
            "continuous",
            rate_kg_s=rate,
            release_temperature_k=req.temperature_k,
            method=model.name,
            source=model.source,
            warnings=tuple(notes),
        )
    if req.pressure_pa is None:
        raise HazatlasError("--hole needs --pressure (absolute pressure inside the vessel)")
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
    model = GasHoleRelease()
    rate = model.compute(
        hole_diameter_m=req.hole_diameter_m,
        pressure_pa=req.pressure_pa,
        temperature_k=req.temperature_k,
        molar_mass_kg_mol=props.molar_mass_g_mol / 1000,
        heat_capacity_ratio=k or 1.4,
    )
    if rate <= 0:
        raise HazatlasError(
            "the vessel pressure is not above ambient: no gas release through the hole"
        )
    return SourceTerm(
        "continuous",
        rate_kg_s=rate,
        release_temperature_k=req.temperature_k,
        method=model.name,
        source=model.source,
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


def _levels(req: PlumeRequest) -> tuple[list[LevelOfConcern], list[str]]:
    if req.loc_mg_m3 is not None:
        if not req.loc_mg_m3 > 0:
            raise HazatlasError("--loc must be > 0 mg/m3")
        return [LevelOfConcern("user", float(req.loc_mg_m3))], []
    if not req.substance:
        return [], [
            "no levels of concern: give --substance (AEGL/ERPG) or --loc VALUE to draw zones"
        ]
    if find_substance(req.substance) is None:
        return [], [
            f"no AEGL/ERPG values for '{req.substance}' in the reference tables: give --loc"
        ]
    levels = levels_of_concern(req.substance, kind=req.loc_kind, duration_s=req.duration_s)
    notes = []
    if req.loc_kind == "aegl" and req.duration_s > 28_800:
        notes.append("exposure longer than 8 h: the 8 h AEGL values are used")
    if len(levels) < 3:
        notes.append("some levels are not recommended (NR/NA) for this substance and are skipped")
    return levels, notes


def _dispersion(
    req: PlumeRequest, source: SourceTerm, wind: float
) -> tuple[Any, Any, Any, list[str]]:
    """The model and its ground-level and point functions for the source kind."""
    kw = {
        "stability": req.stability,
        "release_height_m": req.release_height_m,
        "mixing_height_m": req.mixing_height_m,
    }
    if source.kind == "continuous":
        plume = GaussianPlume(req.sigmas)

        def ground(x: np.ndarray) -> np.ndarray:
            return plume.centreline(x, rate_kg_s=source.rate_kg_s, wind_speed_m_s=wind, **kw)

        def at_points(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
            return plume.compute(x, y, z, rate_kg_s=source.rate_kg_s, wind_speed_m_s=wind, **kw)

        return plume, ground, at_points, []
    puff = GaussianPuff(req.sigmas)

    def puff_ground(x: np.ndarray) -> np.ndarray:
        return puff.peak(x, 0.0, 0.0, mass_kg=source.mass_kg, **kw)

    def puff_points(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        return puff.peak(x, y, z, mass_kg=source.mass_kg, **kw)

    note = (
        "instantaneous release: peak concentrations as the puff passes are "
        "compared with the levels of concern (conservative for short exposures)"
    )
    return puff, puff_ground, puff_points, [note]


def _receptors(
    at_points: Any, receptors: list[tuple[float, float, float]]
) -> list[dict[str, float]]:
    if not receptors:
        return []
    pts = np.asarray(receptors, dtype=float)
    conc = at_points(pts[:, 0], pts[:, 1], pts[:, 2]) * 1e6
    return [
        {
            "x_m": float(p[0]),
            "y_m": float(p[1]),
            "z_m": float(p[2]),
            "concentration_mg_m3": float(c),
        }
        for p, c in zip(pts, conc, strict=True)
    ]


def run_plume(req: PlumeRequest) -> PlumeResult:
    """Compute receptor concentrations, threat zones, countries and validity warnings."""
    class_index(req.stability)
    if not (math.isfinite(req.wind_speed_m_s) and req.wind_speed_m_s > 0):
        raise HazatlasError("--wind must be > 0 m/s")
    if req.release_height_m < 0:
        raise HazatlasError("--height must be >= 0 m")
    if req.release_height_m >= req.mixing_height_m:
        raise HazatlasError("the release height must be below the mixing height")
    if (req.at is None) != (req.wind_from_deg is None):
        raise HazatlasError("--at and --wind-from go together")
    terrain = "urban" if req.sigmas == "briggs-urban" else "rural"
    wind = req.wind_speed_m_s
    if req.wind_height_m is not None:
        wind = float(
            wind_at_height(wind, req.wind_height_m, req.release_height_m, req.stability, terrain)
        )
    mw = _molar_mass(req.substance)
    source = _source_term(req)
    levels, warnings = _levels(req)
    warnings = list(source.warnings) + warnings
    model, ground, at_points, notes = _dispersion(req, source, wind)
    warnings += notes
    receptors = _receptors(at_points, req.receptors)
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
    geometries: dict[str, dict[str, BaseGeometry]] = {}
    countries: list[str] = []
    places = None
    if req.at is not None and req.wind_from_deg is not None:
        geometries = _geometries(model, ground, req, wind, levels, dists)
        countries, note = _countries(geometries)
        warnings += note
        if req.places:
            places = places_reached(geometries, req.places)
    elif req.places:
        raise HazatlasError("places need --at and --wind-from to place the zones on the map")
    return PlumeResult(receptors, zones, countries, warnings, source, wind, geometries, places)


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
    ground: Any,
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
