"""Natech ensembles on Dask: a region x return periods x climate scenarios x sampled uncertainty.

``hazatlas natech ensemble`` (docs/natech.md, section "Ensembles"):

1. :func:`prepare`: the register's sites (those the user may read), their storage tanks (as in
   the screening: ``models/natech/screening.tank_unit`` with the documented defaults), and the
   intensity of every modelled layer of the manifest at every site (``formats/hazard_bulk``:
   all sites at once), arranged per hazard as ``[site, scenario, return period]``; the
   scenarios are the baseline, every scenario and horizon of a future layer, and every one of
   a change factor table applied to the baseline layers (as in ``services/natech_climate``: a
   loaded future layer of the same event wins over the table).
2. :func:`run`: the sites cut into fixed chunks of ``chunk_size`` in their order, each chunk
   computed by ``models/natech/climate_ensemble.run_chunk`` with the random numbers of
   ``default_rng([seed, chunk])``, on one process (Dask's synchronous scheduler), on a
   ``LocalCluster`` started for the run (the default), or on the scheduler at an address; a
   progress bar on standard error. The chunks and their random numbers do not depend on the
   runner, so the result is the same (tested).
   Tailings dams and the river pathway to the first foreign country (``ensemble_pathways``,
   arrays built once by ``services/natech_ensemble_routes``) ride in the same chunks.
3. :func:`document`: per site and scenario, the statistics (mean, 5th, 50th and 95th
   percentiles over the samples) of the expected release per year per hazard and in total, and
   per return period the probability that a tank of the site loses containment (statistics)
   and the mean release per event; the dam's (earthquake: failure probability, released
   volume) and the river pathway's (probability that the first foreign country receives more
   than the substance's threshold, arrival time statistics) when the site has them.

Dask is imported inside the functions that use it (``tests/test_cli_startup.py``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hazatlas.domain.access import Principal
from hazatlas.domain.errors import HazatlasError, Problem, ValidationError
from hazatlas.domain.establishment import Establishment
from hazatlas.domain.hazard_layer import BASELINE, HazardLayer
from hazatlas.formats.climate_factors import read_factors
from hazatlas.formats.hazard_bulk import finite_or_none, sample_values
from hazatlas.formats.hazard_layers import read_manifest
from hazatlas.geo.network import RiverNetwork
from hazatlas.models.natech.climate import ChangeFactor, best_factor
from hazatlas.models.natech.climate_ensemble import (
    HAZARDS,
    STATS,
    ChunkResult,
    HazardCurves,
    Tanks,
    Uncertainty,
    run_chunk,
)
from hazatlas.models.natech.damage import classification
from hazatlas.models.natech.ensemble_pathways import Dams, Routes
from hazatlas.models.natech.flood import coefficient
from hazatlas.models.natech.fragility import curve_parameters
from hazatlas.models.natech.screening import TankUnit, tank_unit
from hazatlas.services.natech import TANK_STATES
from hazatlas.services.natech_ensemble_routes import (
    RouteSites,
    chunk_dams,
    chunk_routes,
    river_routes,
    site_dams,
)
from hazatlas.services.register import RegisterService, list_establishments
from hazatlas.services.store import Database

#: (hazard, intensity measure, unit) the ensemble models (as the screening)
MODELLED = {("earthquake", "pga", "g"): "earthquake", ("flood", "depth", "m"): "flood"}
DEFAULT_CHUNK_SIZE = 2000


def default_uncertainty(samples: int) -> Uncertainty:
    """The documented defaults of ``natech_coefficients.csv`` (model ``ensemble``)."""
    return Uncertainty(samples, coefficient("ensemble", "fill_low"),
                       coefficient("ensemble", "fill_high"),
                       coefficient("ensemble", "fragility_sigma"),
                       coefficient("ensemble", "intensity_sigma"),
                       coefficient("flotation", "water_density_kg_m3"))


@dataclass
class EnsembleInput:
    """Sites (id, name, country, lon, lat), their tanks, the hazard curves and the scenarios."""

    sites: list[dict[str, Any]]
    tanks: Tanks
    units: list[TankUnit]
    hazards: tuple[HazardCurves, ...]
    scenarios: list[dict[str, str]]
    layers: list[dict[str, Any]] = field(default_factory=list)
    factors: list[ChangeFactor] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dams: Dams | None = None
    routes: Routes | None = None
    route_sites: RouteSites | None = None


def tanks_of(units: Sequence[TankUnit], site_index: Sequence[int]) -> Tanks:
    """The arrays of ``models/natech/climate_ensemble.Tanks`` for the given tank units."""
    params = [curve_parameters(u.tank_model) for u in units]
    states = len(classification("hazus-2010-storage-tank").states) - 1
    return Tanks(
        site=np.asarray(site_index, dtype=np.int64),
        content_kg=np.array([u.content_kg for u in units], dtype=float),
        design_fill=np.array([u.fill_fraction for u in units], dtype=float),
        density_kg_m3=np.array([u.liquid_density_kg_m3 for u in units], dtype=float),
        diameter_m=np.array([u.diameter_m for u in units], dtype=float),
        height_m=np.array([u.fill_height_m / u.fill_fraction for u in units], dtype=float),
        mass_kg=np.array([u.tank_mass_kg for u in units], dtype=float),
        medians_g=np.array([[p[1] for p in ps] for ps in params], dtype=float).reshape(-1, states),
        betas=np.array([[p[2] for p in ps] for ps in params], dtype=float).reshape(-1, states),
        fractions=np.asarray(classification("hazus-2010-storage-tank").release_fractions,
                             dtype=float),
    )


def _site_tanks(sites: Sequence[Establishment], warnings: list[str]
                ) -> tuple[list[TankUnit], list[int]]:
    units, index = [], []
    for i, e in enumerate(sites):
        for n, item in enumerate(e.inventory):
            label = item.line_id or item.storage_unit or f"line {n + 1}"
            if item.physical_state not in TANK_STATES:
                continue
            try:
                units.append(tank_unit(label, item.substance_name, item.max_quantity_kg,
                                       item.extra))
            except ValidationError as exc:
                warnings += [f"{e.id} {label}: {p}" for p in exc.problems]
                continue
            index.append(i)
    return units, index


def curves(layers: Sequence[HazardLayer], values: Sequence[np.ndarray],
           countries: Sequence[str], basins: Sequence[str | None],
           factors: Sequence[ChangeFactor]) -> tuple[tuple[HazardCurves, ...],
                                                     list[dict[str, str]], list[str]]:
    """Per modelled hazard, ``intensity[site, scenario, rp]`` from the sampled ``values`` of
    each layer and the table's factors on the baseline layers; the scenarios; notes."""
    n = len(countries)
    loaded = {(MODELLED[(la.hazard, la.intensity_measure.lower(), la.unit)], la.scenario,
               la.horizon, la.return_period_years): v
              for la, v in zip(layers, values, strict=True)}
    notes: list[str] = []
    derived: dict[tuple[str, str, str, float], np.ndarray] = {}
    for (hazard, scenario, _horizon, rp), base in list(loaded.items()):
        if scenario != BASELINE:
            continue
        im = "pga" if hazard == "earthquake" else "depth"
        groups: dict[tuple[str, str | None], list[int]] = {}
        for i, where in enumerate(zip(countries, basins, strict=True)):
            groups.setdefault(where, []).append(i)
        for (country, basin), idx in groups.items():
            for row in best_factor(factors, hazard=hazard, intensity_measure=im,
                                   return_period_years=rp, country=country, basin=basin):
                event = (hazard, row.scenario, row.horizon, rp)
                if event in loaded:
                    continue
                arr = derived.setdefault(event, np.full(n, np.nan))
                arr[idx] = base[idx] * row.factor
    for hz, sc, hor, t in derived:
        notes.append(f"{hz} RP {t:g} y, {sc} {hor}: baseline x change factor (table)")
    every = {**derived, **loaded}
    origin: dict[tuple[str, str], set[str]] = {}
    for source, keys in (("table", derived), ("layers", loaded)):
        for _, s, h, _ in keys:
            origin.setdefault((s, h), set()).add(source)
    scen = sorted({(s, h) for (_, s, h, _) in every}, key=lambda sh: (sh[0] != BASELINE, sh))
    out = []
    for hazard in HAZARDS:
        rps = sorted({rp for (hz, _, _, rp) in every if hz == hazard})
        if not rps:
            continue
        intensity = np.full((n, len(scen), len(rps)), np.nan)
        for (hz, s, h, rp), v in every.items():
            if hz == hazard:
                intensity[:, scen.index((s, h)), rps.index(rp)] = v
        out.append(HazardCurves(hazard, np.asarray(rps, dtype=float), intensity))
    scenarios = [{"scenario": s, "horizon": h, "from": "+".join(sorted(origin[(s, h)]))}
                 for s, h in scen]
    return tuple(out), scenarios, notes


def prepare(db: Database, principal: Principal, manifest: Path, *,
            climate: Path | None = None, establishment_ids: Sequence[str] = (),
            country: str | None = None, river: bool = True,
            network: RiverNetwork | None = None) -> EnsembleInput:
    """The ensemble's inputs from the register and the layers (see the module); with
    ``river``, the routes to the first foreign country on ``network`` (default: the bundled
    network)."""
    layers = read_manifest(manifest)
    factors = read_factors(climate) if climate is not None else []
    if establishment_ids:
        svc = RegisterService(db, principal)
        sites = [svc.get(i)[0] for i in establishment_ids]
    else:
        sites = list_establishments(db, principal, country=country)
    if not sites:
        raise HazatlasError("no establishment to run")
    warnings = [f"layer {la.id}: no model takes {la.hazard} {la.intensity_measure} in "
                f"{la.unit}; left out" for la in layers
                if (la.hazard, la.intensity_measure.lower(), la.unit) not in MODELLED]
    modelled = [la for la in layers
                if (la.hazard, la.intensity_measure.lower(), la.unit) in MODELLED]
    if not modelled:
        raise ValidationError([Problem(manifest.name, None, "layer", "no earthquake PGA (g) "
                                       "or flood depth (m) layer: nothing to run")])
    lon = np.array([e.lon for e in sites], dtype=float)
    lat = np.array([e.lat for e in sites], dtype=float)
    values = [sample_values(la, manifest.parent, lon, lat) for la in modelled]
    hazards, scenarios, notes = curves(modelled, values, [e.country_iso3 for e in sites],
                                       [e.receiving_water for e in sites], factors)
    units, index = _site_tanks(sites, warnings)
    dams = site_dams(sites, warnings)
    if not units and not dams.site.size:
        raise HazatlasError("none of the establishments has a tank to assess (liquid, slurry "
                            "or unknown state) or a tailings dam with its stored volume and "
                            "dam height")
    routes = route_sites = None
    if river and units:
        from hazatlas.services.screen import screen_establishments

        batch = screen_establishments(sites, network=network)
        routes, route_sites = river_routes(batch, index, [u.substance for u in units],
                                           warnings)
    return EnsembleInput(
        sites=[{"establishment_id": e.id, "name": e.name, "country": e.country_iso3,
                "lon": e.lon, "lat": e.lat} for e in sites],
        tanks=tanks_of(units, index), units=units, hazards=hazards, scenarios=scenarios,
        layers=[la.to_dict() for la in modelled], factors=list(factors),
        warnings=warnings + notes, dams=dams if dams.site.size else None, routes=routes,
        route_sites=route_sites)


def chunks(inp_tanks: Tanks, hazards: tuple[HazardCurves, ...], n_sites: int, chunk_size: int,
           dams: Dams | None = None, routes: Routes | None = None
           ) -> list[tuple[int, int, Tanks, tuple[HazardCurves, ...], Dams | None,
                           Routes | None]]:
    """The fixed chunks: (chunk, number of sites, its tanks, its hazard curves, its dams, its
    routes)."""
    out = []
    order = np.argsort(inp_tanks.site, kind="stable")
    sorted_site = inp_tanks.site[order]
    for k, start in enumerate(range(0, n_sites, chunk_size)):
        stop = min(n_sites, start + chunk_size)
        lo, hi = np.searchsorted(sorted_site, [start, stop])
        sel = order[lo:hi]
        it = inp_tanks
        t = Tanks(site=it.site[sel] - start, content_kg=it.content_kg[sel],
                  design_fill=it.design_fill[sel], density_kg_m3=it.density_kg_m3[sel],
                  diameter_m=it.diameter_m[sel], height_m=it.height_m[sel],
                  mass_kg=it.mass_kg[sel], medians_g=it.medians_g[sel], betas=it.betas[sel],
                  fractions=it.fractions)
        hz = tuple(HazardCurves(h.hazard, h.return_periods_years, h.intensity[start:stop])
                   for h in hazards)
        out.append((k, stop - start, t, hz,
                    chunk_dams(dams, start, stop) if dams is not None else None,
                    chunk_routes(routes, start, stop, sel) if routes is not None else None))
    return out


def run(tanks: Tanks, hazards: tuple[HazardCurves, ...], n_sites: int, u: Uncertainty, *,
        seed: int, chunk_size: int = DEFAULT_CHUNK_SIZE, runner: str = "local",
        workers: int = 2, progress: bool = True, dams: Dams | None = None,
        routes: Routes | None = None) -> list[ChunkResult]:
    """Every chunk's result, in chunk order, computed by ``runner``: ``single`` (one process,
    Dask's synchronous scheduler), ``local`` (a LocalCluster of ``workers`` processes) or the
    address of a Dask scheduler (``tcp://host:8786``)."""
    if chunk_size < 1:
        raise ValidationError([Problem("parameter", None, "chunk_size", "expected >= 1")])
    parts = chunks(tanks, hazards, n_sites, chunk_size, dams, routes)
    if runner == "single":
        return _single(parts, seed, u, progress)
    return _cluster(parts, seed, u, runner, workers, progress)


def _single(parts: list[Any], seed: int, u: Uncertainty, progress: bool) -> list[ChunkResult]:
    import dask
    from dask.diagnostics import ProgressBar

    tasks = [dask.delayed(run_chunk)(k, seed, n, t, hz, u, d, r) for k, n, t, hz, d, r in parts]
    if progress:
        with ProgressBar(out=sys.stderr):
            done = dask.compute(*tasks, scheduler="synchronous")
    else:
        done = dask.compute(*tasks, scheduler="synchronous")
    return sorted(done, key=lambda r: r.chunk)


def local_cluster(workers: int) -> Any:
    """A ``LocalCluster`` of ``workers`` single-threaded processes on 127.0.0.1, no dashboard.

    Dask starts its workers with ``MALLOC_TRIM_THRESHOLD_=65536`` (to give memory back to the
    operating system); glibc then maps and unmaps every large temporary array anew, and a chunk
    of the ensemble, which makes many, ran about 3 times slower in a worker than in the main
    process (measured; ``benchmarks/natech_ensemble.py``). The workers started here go without
    it; workers of a cluster started elsewhere (``--scheduler``) keep their own settings."""
    import dask
    import distributed  # noqa: F401  (loads its configuration defaults)
    from distributed import LocalCluster

    environ = {k: v for k, v in dask.config.get("distributed.nanny.pre-spawn-environ").items()
               if k != "MALLOC_TRIM_THRESHOLD_"}
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                            dashboard_address=None, host="127.0.0.1")


def _cluster(parts: list[Any], seed: int, u: Uncertainty, runner: str, workers: int,
             progress: bool) -> list[ChunkResult]:
    from distributed import Client, as_completed

    if runner == "local":
        cluster = local_cluster(workers)
        client = Client(cluster)
    else:
        cluster = None
        client = Client(runner, timeout="30s")
    try:
        futures = [client.submit(run_chunk, k, seed, n, t, hz, u, d, r, pure=False)
                   for k, n, t, hz, d, r in parts]
        done = []
        tick = _bar(len(futures)) if progress else None
        for future in as_completed(futures):
            done.append(future.result())
            if tick is not None:
                tick()
        return sorted(done, key=lambda r: r.chunk)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _bar(total: int) -> Callable[[], None]:
    """A text progress bar on standard error (chunks done of ``total``)."""
    state = {"done": 0}

    def tick() -> None:
        state["done"] += 1
        width = 40
        filled = width * state["done"] // total
        sys.stderr.write(f"\r[{'#' * filled}{' ' * (width - filled)}] "
                         f"{100 * state['done'] // total}% ({state['done']}/{total} chunks)")
        if state["done"] == total:
            sys.stderr.write("\n")
        sys.stderr.flush()
    return tick


def _stats(v: np.ndarray) -> dict[str, float | None]:
    return {name: finite_or_none(float(x)) for name, x in zip(STATS, v, strict=True)}


def document(inp: EnsembleInput, results: Sequence[ChunkResult], u: Uncertainty, *,
             seed: int, chunk_size: int, runner: str) -> dict[str, Any]:
    """The ensemble's JSON document (see the module)."""
    per_year = np.concatenate([r.release_per_year_kg for r in results])
    names = [h.hazard for h in inp.hazards]
    p_rel = [np.concatenate([r.p_release[h] for r in results]) for h in range(len(names))]
    r_ev = [np.concatenate([r.release_per_event_kg[h] for r in results])
            for h in range(len(names))]
    tanks_per_site = np.bincount(inp.tanks.site, minlength=len(inp.sites))
    dams = [r.dams for r in results]
    dam = None
    if all(d is not None for d in dams) and dams:
        dam = tuple(np.concatenate([getattr(d, f) for d in dams])  # type: ignore[arg-type]
                    for f in ("release_per_year_m3", "p_failure", "release_per_event_m3"))
        quake = names.index("earthquake")
    dam_site = np.zeros(len(inp.sites), dtype=bool)
    if inp.dams is not None:
        dam_site[inp.dams.site] = True
    rivers = [r.river for r in results]
    river = None
    if all(r is not None for r in rivers) and rivers:
        river = ([np.concatenate([r.p_above[h] for r in rivers])  # type: ignore[union-attr]
                  for h in range(len(names))],
                 [np.concatenate([r.arrival_s[h] for r in rivers])  # type: ignore[union-attr]
                  for h in range(len(names))],
                 np.concatenate([r.per_year for r in rivers]))  # type: ignore[union-attr]
    sites = []
    for i, site in enumerate(inp.sites):
        scen = []
        for c, sc in enumerate(inp.scenarios):
            yearly = {name: _stats(per_year[i, c, h]) for h, name in enumerate(names)}
            yearly["total"] = _stats(per_year[i, c, -1])
            events = {name: [{"return_period_years": float(rp),
                              "p_release": _stats(p_rel[h][i, c, k]),
                              "release_per_event_kg_mean": finite_or_none(
                                  float(r_ev[h][i, c, k]))}
                             for k, rp in enumerate(inp.hazards[h].return_periods_years)]
                      for h, name in enumerate(names)}
            entry = {**sc, "release_per_year_kg": yearly, "events": events}
            if dam is not None and dam_site[i]:
                rps = inp.hazards[quake].return_periods_years
                entry["tailings_dam"] = {
                    "release_per_year_m3": _stats(dam[0][i, c]),
                    "events": [{"return_period_years": float(rp),
                                "p_failure": _stats(dam[1][i, c, k]),
                                "release_per_event_m3_mean": finite_or_none(
                                    float(dam[2][i, c, k]))} for k, rp in enumerate(rps)]}
            if river is not None and inp.route_sites is not None and \
                    inp.route_sites.status[i] is None and inp.route_sites.substances[i]:
                entry["river"] = {
                    "exceedances_per_year": {name: finite_or_none(float(river[2][i, c, h]))
                                             for h, name in enumerate(names)},
                    "events": {name: [{"return_period_years": float(rp),
                                       "p_above_threshold": finite_or_none(
                                           float(river[0][h][i, c, k])),
                                       "arrival_h": _stats(river[1][h][i, c, k] / 3600.0)}
                                      for k, rp in enumerate(
                                          inp.hazards[h].return_periods_years)]
                               for h, name in enumerate(names)}}
            scen.append(entry)
        out = {**site, "tanks": int(tanks_per_site[i]), "scenarios": scen}
        if inp.dams is not None:
            out["tailings_dam"] = bool(dam_site[i])
        rs = inp.route_sites
        if rs is not None:
            out["first_foreign_country"] = {
                "country": rs.country[i],
                "river_distance_km": finite_or_none(float(rs.distance_m[i]) / 1000.0),
                "routed": rs.status[i] is None and bool(rs.substances[i]),
                "why_not": rs.status[i] if rs.status[i] is not None else (
                    None if rs.substances[i] else "no substance with a river threshold"),
                "substances": rs.substances[i]}
        sites.append(out)
    return {
        "kind": "natech-ensemble",
        "inputs": {"seed": seed, "samples": u.samples, "chunk_size": chunk_size,
                   "chunks": len(results), "runner": runner,
                   "uncertainty": {"fill_low": u.fill_low, "fill_high": u.fill_high,
                                   "fragility_sigma": u.fragility_sigma,
                                   "intensity_sigma": u.intensity_sigma,
                                   "dam_volume_sigma_log10": u.dam_volume_sigma_log10,
                                   "flow": u.flow}},
        "layers": inp.layers,
        "factors": [f.to_dict() for f in inp.factors],
        "scenarios": inp.scenarios,
        "statistics": list(STATS),
        "sites": sites,
        "warnings": inp.warnings,
    }
