"""Earthquake scenario: one earthquake's PGA at every site, its tanks and dams, and the sites
that would fail together (docs/natech.md, section "Earthquake scenario").

A **scenario**, not a hazard map: the PGA is what a ground-motion estimator of RAPID-N
(:mod:`hazatlas.models.natech.gmpe`) gives for one magnitude and hypocentre, the median of the
estimator without its scatter, with no site effect beyond the estimator's site class. Per site:

* the epicentral distance (geodesic, WGS 84) and the hypocentral distance
  ``d_h = sqrt(d_epi^2 + depth^2)``;
* the PGA (g) of the chosen estimator at ``d_h``; a site beyond the estimator's distance
  validity gets no PGA (status ``outside_validity``) rather than an extrapolated one; the
  magnitude and the depth outside the estimator's validity are refused (a ValidationError
  naming the parameter and the range);
* each tank and the tailings dam as the register screening computes them for an earthquake
  layer of PGA in g (:mod:`hazatlas.services.natech`): the tank curves and defaults of
  :mod:`hazatlas.models.natech.screening`, for the dam the HAZUS conditional liquefaction
  probability (susceptibility of ``natech_unit_defaults.csv``) times the released volume of
  the ``larrauri2018`` runout regression. Reported damage of a site is not applied here (the
  screening does that); the result says so;
* **the sites that fail together**: those with a tank release or a dam release > 0 in this one
  event, with their countries and the totals.

:func:`write_layer` writes the PGA field as a GeoTIFF with a layer manifest, declared as
hazard ``earthquake``, measure ``pga`` in ``g``, so that ``natech screen --layers`` takes it.
The manifest requires a return period: the user gives it (a scenario has none of its own), and
the layer's ``source`` says the value is the user's.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hazatlas.domain.access import Principal
from hazatlas.domain.errors import HazatlasError, ValidationError
from hazatlas.domain.establishment import Establishment, EstablishmentKind
from hazatlas.domain.inventory import PhysicalState
from hazatlas.geo._geodesy import geodesic_m
from hazatlas.models.base import input_problem, raise_problems
from hazatlas.models.natech.gmpe import Boatwright2003, Singh1993
from hazatlas.models.natech.screening import defaults, tank_event, tank_unit
from hazatlas.services.register import RegisterService, list_establishments
from hazatlas.services.store import Database

#: the estimators a scenario may use: name -> (class, magnitude type)
GMPES: dict[str, tuple[type[Boatwright2003] | type[Singh1993], str]] = {
    "boatwright2003": (Boatwright2003, "Mw"),
    "singh1993": (Singh1993, "Ms"),
}
DEFAULT_GMPE = "boatwright2003"
#: depth range a scenario accepts (km): above 0, at most the deepest intermediate-depth events
MAX_DEPTH_KM = 700.0
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,59}$")
TANK_STATES = {PhysicalState.LIQUID, PhysicalState.SLURRY, PhysicalState.UNKNOWN}


@dataclass(frozen=True)
class Scenario:
    """One earthquake: magnitude (of the estimator's type), epicentre, depth and estimator."""

    name: str
    magnitude: float
    lon: float
    lat: float
    depth_km: float
    gmpe: str = DEFAULT_GMPE
    source: str = "entered by the user"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, with the estimator's magnitude type and validity."""
        cls, mtype = GMPES[self.gmpe]
        return {**self.__dict__, "magnitude_type": mtype, "gmpe_model": cls.name,
                "gmpe_source": cls.source,
                "gmpe_validity": {k: list(v) for k, v in cls.validity.items()}}


#: the demo scenario: the Vrancea earthquake of 4 March 1977 (docs/natech.md)
VRANCEA_1977 = Scenario(
    name="vrancea-1977",
    magnitude=7.4,
    lon=26.76,
    lat=45.77,
    depth_km=93.0,
    gmpe="boatwright2003",
    source=("Vrancea earthquake of 4 March 1977, 19:21:57 UTC: epicentre 45.77 N 26.76 E, focal "
            "depth 93 km, Mw 7.4 (as given in the Romanian press, romaniatv.net, March 2020; the "
            "ISC-GEM catalogue gives Mw 7.5 and 85.3 km, a relocation 98 km). "
            "A SCENARIO computed by the GMPE, not a hazard map and not the recorded shaking"),
)
SCENARIOS = {VRANCEA_1977.name: VRANCEA_1977}


def check(s: Scenario) -> None:
    """Refuse a scenario outside the estimator's validity or with an impossible epicentre."""
    problems = []
    if s.gmpe not in GMPES:
        raise_problems([input_problem("gmpe", f"{s.gmpe!r}: expected one of "
                                      f"{', '.join(GMPES)}")])
    cls, mtype = GMPES[s.gmpe]
    if not NAME.match(s.name):
        problems.append(input_problem("name", f"{s.name!r}: expected 1-60 letters, digits and "
                                      "'-'"))
    low, high = cls.validity["magnitude"]
    if not (math.isfinite(s.magnitude) and low <= s.magnitude <= high):
        problems.append(input_problem("magnitude", f"{s.magnitude!r}: {cls.name} is valid for "
                                      f"{mtype} {low:g} to {high:g} ({cls.validity_basis})"))
    if not (math.isfinite(s.lon) and -180 <= s.lon <= 180):
        problems.append(input_problem("lon", f"{s.lon!r}: expected -180 to 180 degrees"))
    if not (math.isfinite(s.lat) and -90 <= s.lat <= 90):
        problems.append(input_problem("lat", f"{s.lat!r}: expected -90 to 90 degrees"))
    dmin, dmax = cls.validity["hypocentral_distance_km"]
    if not (math.isfinite(s.depth_km) and 0 < s.depth_km <= min(MAX_DEPTH_KM, dmax)):
        problems.append(input_problem("depth", f"{s.depth_km!r}: expected a depth > 0 and at "
                                      f"most {min(MAX_DEPTH_KM, dmax):g} km (the hypocentral "
                                      f"distance range of {cls.name} is {dmin:g}-{dmax:g} km)"))
    raise_problems(problems)


def distances_km(s: Scenario, lon: Sequence[float] | np.ndarray,
                 lat: Sequence[float] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Epicentral (geodesic, WGS 84) and hypocentral distances (km) of the points."""
    lon_a, lat_a = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    epi = geodesic_m(np.full(lon_a.shape, s.lon), np.full(lat_a.shape, s.lat), lon_a, lat_a)
    epi_km = np.asarray(epi, dtype=float) / 1000.0
    return epi_km, np.hypot(epi_km, s.depth_km)


def pga_g(s: Scenario, hypocentral_km: np.ndarray) -> np.ndarray:
    """The estimator's PGA (g) at each hypocentral distance; NaN outside its distance validity."""
    check(s)
    cls, _ = GMPES[s.gmpe]
    d = np.asarray(hypocentral_km, dtype=float)
    low, high = cls.validity["hypocentral_distance_km"]
    inside = (d >= low) & (d <= high)
    out = np.full(d.shape, np.nan)
    if inside.any():
        out[inside] = cls().pga_g(magnitude=s.magnitude, hypocentral_distance_km=d[inside])
    return out


def _tanks(e: Establishment, pga: float, warnings: list[str]) -> list[dict[str, Any]]:
    units = []
    for i, item in enumerate(e.inventory):
        label = item.line_id or item.storage_unit or f"line {i + 1}"
        if item.physical_state not in TANK_STATES:
            warnings.append(f"{label} ({item.substance_name}): no fragility model for a "
                            f"{item.physical_state.value} store; not assessed")
            continue
        try:
            unit = tank_unit(label, item.substance_name, item.max_quantity_kg, item.extra)
        except ValidationError as exc:
            warnings += [f"{label}: {p}" for p in exc.problems]
            continue
        ev = tank_event(unit, "earthquake", pga, 0.0, "scenario", "scenario").to_dict()
        for key in ("return_period_years", "scenario", "horizon"):
            ev.pop(key)
        units.append({"unit": unit.to_dict(), "event": ev, "release_kg": ev["release_per_event"]})
    return units


def _dam(e: Establishment, pga: float, warnings: list[str]) -> dict[str, Any] | None:
    from hazatlas.services.natech import dam_liquefaction, dam_released_volume

    if e.kind != EstablishmentKind.TAILINGS and e.tailings is None:
        return None
    released = dam_released_volume(e, warnings)
    damage, p = dam_liquefaction(pga)
    return {"model": damage.model, "susceptibility": defaults()["tailings_susceptibility"],
            "susceptibility_note": "assumed (natech_unit_defaults.csv)",
            "failure_probability": p, "released_volume_m3": released,
            "release_m3": p * released if released is not None else 0.0,
            "warnings": list(damage.warnings)}


def _sites(db: Database, principal: Principal, establishment_ids: Sequence[str],
           country: str | None) -> list[Establishment]:
    if establishment_ids:
        svc = RegisterService(db, principal)
        return [svc.get(i)[0] for i in establishment_ids]
    return list_establishments(db, principal, country=country)


def run(db: Database, principal: Principal, scenario: Scenario, *,
        establishment_ids: Sequence[str] = (), country: str | None = None) -> dict[str, Any]:
    """The scenario at every site the user may read (or the given ones, or a country's)."""
    check(scenario)
    sites = _sites(db, principal, establishment_ids, country)
    if not sites:
        raise HazatlasError("no establishment to assess")
    epi, hypo = distances_km(scenario, [e.lon for e in sites], [e.lat for e in sites])
    pga = pga_g(scenario, hypo)
    cls, _ = GMPES[scenario.gmpe]
    low, high = cls.validity["hypocentral_distance_km"]
    rows = []
    for e, d_epi, d_h, a in zip(sites, epi, hypo, pga, strict=True):
        warnings: list[str] = []
        row: dict[str, Any] = {
            "establishment_id": e.id, "name": e.name, "country": e.country_iso3,
            "kind": e.kind.value, "lon": e.lon, "lat": e.lat,
            "epicentral_distance_km": float(d_epi), "hypocentral_distance_km": float(d_h),
            "pga_g": None, "status": "ok", "units": [], "tailings_dam": None,
            "tank_release_kg": 0.0, "dam_release_m3": 0.0, "warnings": warnings,
        }
        if not math.isfinite(float(a)):
            row["status"] = "outside_validity"
            warnings.append(f"hypocentral distance {d_h:.0f} km is outside {low:g}-{high:g} km "
                            f"of {cls.name}: no PGA")
            rows.append(row)
            continue
        row["pga_g"] = float(a)
        row["units"] = _tanks(e, float(a), warnings)
        row["tailings_dam"] = _dam(e, float(a), warnings)
        row["tank_release_kg"] = sum(u["release_kg"] for u in row["units"])
        row["dam_release_m3"] = row["tailings_dam"]["release_m3"] if row["tailings_dam"] else 0.0
        rows.append(row)
    failing = [r for r in rows if r["tank_release_kg"] > 0 or r["dam_release_m3"] > 0]
    failing.sort(key=lambda r: (-r["tank_release_kg"], -r["dam_release_m3"], -(r["pga_g"] or 0),
                                r["establishment_id"]))
    rows.sort(key=lambda r: (-(r["pga_g"] if r["pga_g"] is not None else -1.0),
                             r["establishment_id"]))
    return {
        "scenario": scenario.to_dict(),
        "note": ("a scenario computed by the GMPE (the estimator's median, no scatter), not a "
                 "hazard map; reported damage is not applied (natech screen does)"),
        "sites": rows,
        "failing_together": {
            "sites": [{k: r[k] for k in ("establishment_id", "name", "country", "pga_g",
                                         "tank_release_kg", "dam_release_m3")} for r in failing],
            "countries": sorted({r["country"] for r in failing}),
            "tank_release_kg": sum(r["tank_release_kg"] for r in failing),
            "dam_release_m3": sum(r["dam_release_m3"] for r in failing),
        },
        "outside_validity": [r["establishment_id"] for r in rows
                             if r["status"] == "outside_validity"],
    }


def pga_grid(s: Scenario, bbox: Sequence[float], cell_deg: float) -> np.ndarray:
    """The PGA (g) at the cell centres of a lon/lat grid (row 0 at the north edge); NaN where
    the hypocentral distance is outside the estimator's validity."""
    w, south, e, n = bbox
    rows = int(math.ceil((n - south) / cell_deg))
    cols = int(math.ceil((e - w) / cell_deg))
    lon = w + (np.arange(cols) + 0.5) * cell_deg
    lat = n - (np.arange(rows) + 0.5) * cell_deg
    glon, glat = np.meshgrid(lon, lat)
    _, hypo = distances_km(s, glon.ravel(), glat.ravel())
    return pga_g(s, hypo).reshape(rows, cols)


def _check_grid(bbox: Sequence[float], cell_deg: float, return_period_years: float) -> None:
    problems = []
    if len(bbox) != 4:
        raise_problems([input_problem("bbox", f"{list(bbox)}: expected WEST,SOUTH,EAST,NORTH")])
    w, s, e, n = bbox
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        problems.append(input_problem("bbox", f"{list(bbox)}: expected west < east and south < "
                                      "north in degrees"))
    if not (math.isfinite(cell_deg) and 0.001 <= cell_deg <= 1.0):
        problems.append(input_problem("cell_deg", f"{cell_deg!r}: expected 0.001 to 1 degree"))
    elif (e - w) * (n - s) / cell_deg**2 > 2e7:
        problems.append(input_problem("bbox", "more than 20 million cells: a smaller box or "
                                      "larger cells"))
    if not (math.isfinite(return_period_years) and return_period_years > 0):
        problems.append(input_problem("return_period", f"{return_period_years!r}: expected "
                                      "years > 0"))
    raise_problems(problems)


def layer_entry(s: Scenario, path: str, return_period_years: float,
                return_period_basis: str) -> str:
    """The ``[[layer]]`` table of the scenario's PGA raster for a layer manifest."""
    q = json.dumps
    source = (f"hazatlas earthquake SCENARIO {s.name}, not a hazard map: PGA (median) of "
              f"{GMPES[s.gmpe][0].name} for magnitude {s.magnitude:g} at {s.lat:g} N "
              f"{s.lon:g} E, depth {s.depth_km:g} km; nodata beyond the estimator's distance "
              f"validity; event: {s.source}; return period {return_period_years:g} y: "
              f"{return_period_basis}")
    return (f"[[layer]]\nid = {q('eq-scenario-' + s.name)}\nkind = \"raster\"\n"
            f"path = {q(path)}\nhazard = \"earthquake\"\nintensity_measure = \"pga\"\n"
            f"unit = \"g\"\nreturn_period_years = {return_period_years:g}\n"
            f"scenario = \"baseline\"\nsource = {q(source)}\n"
            "licence = \"computed by hazatlas (no third-party data)\"\n"
            "sampling = \"bilinear\"\nhazardous_above = 0.0\n")


def write_layer(folder: Path, s: Scenario, *, bbox: Sequence[float], cell_deg: float = 0.05,
                return_period_years: float,
                return_period_basis: str = "given by the user (a scenario has none of its own)",
                manifest: str | None = None) -> dict[str, Any]:
    """Write the scenario's PGA GeoTIFF into ``folder`` and its manifest entry: appended to the
    manifest ``manifest`` (created if missing; refused if it already declares the layer) or,
    without ``manifest``, as the scenario's own ``<layer id>.toml`` (rewritten)."""
    from hazatlas.formats.hazard_rasters import write_lonlat_grid

    check(s)
    _check_grid(bbox, cell_deg, return_period_years)
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ValidationError([input_problem("folder", f"{folder} is not a directory")])
    folder.mkdir(parents=True, exist_ok=True)
    layer_id = f"eq-scenario-{s.name}"
    name = f"{layer_id}.tif"
    target = folder / (manifest or f"{layer_id}.toml")
    entry = layer_entry(s, name, return_period_years, return_period_basis)
    header = "# hazatlas earthquake SCENARIO layer, not a hazard map (docs/natech.md)\n\n"
    if manifest is not None and target.exists():
        text = target.read_text(encoding="utf-8")
        if f'id = "{layer_id}"' in text:
            raise ValidationError([input_problem("manifest", f"{target.name} already declares "
                                                 f"the layer {layer_id}")])
        text = text.rstrip("\n") + "\n\n" + entry
    else:
        text = header + entry  # the scenario's own manifest is rewritten with its GeoTIFF
    grid = pga_grid(s, bbox, cell_deg)
    write_lonlat_grid(folder / name, np.where(np.isfinite(grid), grid, -9999.0), bbox[0],
                      bbox[3], cell_deg)
    target.write_text(text, encoding="utf-8")
    finite = grid[np.isfinite(grid)]
    return {"layer_id": layer_id, "path": str(folder / name), "manifest": str(target),
            "bbox": list(bbox), "cell_deg": cell_deg, "return_period_years": return_period_years,
            "max_pga_g": float(finite.max()) if finite.size else None,
            "cells": int(grid.size), "cells_with_pga": int(finite.size)}
