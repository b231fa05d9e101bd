"""Benchmark: a Natech ensemble at scale (issue 15 item 5): 100,000 sites x 5 return periods x
2 climate scenarios (and the baseline), sampled from rasters and screened with sampled
uncertainty (fill, fragility, intensity, river flow), with tailings dams and the river pathway
to the first foreign country, on one process and on a local Dask cluster of 2 workers.

What it times:

1. **sampling**: the 15 flood-depth rasters (5 return periods x baseline, RCP4.5 2050, RCP8.5
   2050) and 5 baseline PGA rasters (the same return periods; no climate factor for
   earthquakes, so the scenarios have none) at every site with ``hazatlas.formats.hazard_bulk.sample_values`` (all sites at once,
   block reads). Checked against rasterio's own ``DatasetReader.sample`` (nearest cell) on the
   first raster: same value, or nodata in both, at every site.
2. **river routes** (once): the screening of the sites on the bundled network
   (``services/screen.screen_sites``) and ``services/natech_ensemble_routes.river_routes``: the
   first foreign country below each site and the travel-time moments at that border for the
   low, mean and high flow (the river model's ``path_moments``, once per downstream key);
   tailings dams: ``site_dams``' arrays (built here from the synthetic volumes).
3. **screening with uncertainty**: ``services/natech_ensemble.run`` (the flotation limit state of
   every tank, fill, fragility and intensity sampled, ``--samples`` per site, per-year releases;
   the HAZUS liquefaction of the dams under the PGA layers; the cyanide of every routed tank
   sent down the river at a sampled flow: peak and arrival at the first border)
   on one process (Dask's synchronous scheduler) and on a ``LocalCluster`` of 2 worker
   processes started for the run (its start-up, with the workers importing the model, timed
   apart). Both must give bit-identical
   statistics (the script stops with an error otherwise): that is the check of the baseline.

The issue's target: under 60 s on one machine for the whole (sampling + screening). The
figures printed are the measured times (``perf_counter``, one run each), with the CPU time
(``process_time``: of this process for the one-process run; of each worker, and of this
process, for the cluster) and the load average: on a machine shared with other work the wall
time of the cluster is set by the CPU share the processes get, not by the work they do.

Input, written by the script in a temporary folder: rasters of 2000 x 2000 cells of 0.001
degree (EPSG:4326), a smooth depth field (0-4 m at the baseline's 10 years, growing with the
return period; the RCP4.5 and RCP8.5 layers 10 % and 25 % deeper) that is nodata (dry) on
about half of the cells; PGA 0.05-0.45 g (a smooth field, larger at longer return periods); one
tank of cyanide per site (the river model knows it: threshold 0.05 mg/l), content uniform
1-5000 t (liquid, defaults of ``natech_unit_defaults.csv``); every tenth site also a tailings dam
(stored volume uniform 0.1-20 million m3, dam height 20 m); sites uniform over the rasters
(lon 20-22 E, lat 43-45 N: Serbia, Romania, Bosnia, Croatia, Hungary on the bundled network)
with a fixed seed.

Run: ``.venv/bin/python benchmarks/natech_ensemble.py`` (100,000 sites, 100 samples),
``--sites N``, ``--samples N``, ``--workers N``, or ``--quick`` (2,000 sites, 20 samples,
500 x 500 cells: the smoke size).
"""

from __future__ import annotations

import argparse
import importlib
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from distributed import Client

from hazatlas.domain.hazard_layer import HazardLayer
from hazatlas.formats.hazard_bulk import sample_values
from hazatlas.models.natech.ensemble_pathways import Dams
from hazatlas.models.natech.screening import tank_unit
from hazatlas.models.natech.tailings import _susceptibility
from hazatlas.models.tailings.runout import runout_model
from hazatlas.services import natech_ensemble as ens
from hazatlas.services.natech_ensemble_routes import river_routes
from hazatlas.services.screen import screen_sites
from hazatlas.services.screen_batch import Site

NODATA = -9999.0
RETURN_PERIODS = (10.0, 30.0, 100.0, 300.0, 1000.0)
SCENARIOS = (("baseline", "baseline", 1.0), ("RCP4.5", "2050", 1.10), ("RCP8.5", "2050", 1.25))


def write_layers(folder: Path, cells: int) -> list[HazardLayer]:
    yy, xx = np.mgrid[0:cells, 0:cells] / cells
    field = 2.0 + 2.0 * np.sin(6.0 * xx) * np.cos(5.0 * yy)  # 0-4 m
    dry = np.sin(9.0 * xx + 4.0 * yy) < 0.0
    layers = []
    for scenario, horizon, factor in SCENARIOS:
        for rp in RETURN_PERIODS:
            depth = field * (1.0 + 0.35 * np.log10(rp / 10.0)) * factor
            depth[dry] = NODATA
            name = f"{scenario}-{horizon}-rp{rp:g}".replace(".", "_")
            with rasterio.open(folder / f"{name}.tif", "w", driver="GTiff", height=cells,
                               width=cells, count=1, dtype="float64", crs="EPSG:4326",
                               nodata=NODATA, tiled=True, blockxsize=256, blockysize=256,
                               transform=Affine(0.001, 0.0, 20.0, 0.0, -0.001, 45.0)) as ds:
                ds.write(depth, 1)
            layers.append(HazardLayer(name, "raster", f"{name}.tif", "flood", "depth", "m", rp,
                                      scenario, horizon, "synthetic", "none"))
    for rp in RETURN_PERIODS:
        pga = (0.05 + 0.1 * (1.0 + np.cos(4.0 * xx + 3.0 * yy))) * (rp / 10.0) ** 0.15
        name = f"pga-rp{rp:g}"
        with rasterio.open(folder / f"{name}.tif", "w", driver="GTiff", height=cells,
                           width=cells, count=1, dtype="float64", crs="EPSG:4326",
                           nodata=NODATA, tiled=True, blockxsize=256, blockysize=256,
                           transform=Affine(0.001, 0.0, 20.0, 0.0, -0.001, 45.0)) as ds:
            ds.write(pga, 1)
        layers.append(HazardLayer(name, "raster", f"{name}.tif", "earthquake", "PGA", "g", rp,
                                  "baseline", "baseline", "synthetic", "none"))
    return layers


def same(a: object, b: object) -> bool:
    """Bit-identical arrays (NaN equal to NaN), through tuples and dataclasses."""
    if a is None or b is None:
        return a is b
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and np.array_equal(a, b, equal_nan=True)
    if isinstance(a, int | float | str):
        return a == b
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(
            same(x, y) for x, y in zip(a, b, strict=True))
    return all(same(getattr(a, f), getattr(b, f)) for f in a.__dataclass_fields__)  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk-size", type=int, default=5_000)
    parser.add_argument("--cells", type=int, default=2_000)
    parser.add_argument("--quick", action="store_true", help="2,000 sites, 20 samples")
    args = parser.parse_args()
    n, samples, cells = ((2_000, 20, 500) if args.quick else
                         (args.sites, args.samples, args.cells))
    rng = np.random.default_rng(7)
    span = cells * 0.001
    lon = 20.0 + rng.random(n) * span
    lat = 45.0 - rng.random(n) * span
    content_kg = rng.uniform(1e3, 5e6, n)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        layers = write_layers(folder, cells)
        t0 = time.perf_counter()
        values = [sample_values(layer, folder, lon, lat) for layer in layers]
        t_sample = time.perf_counter() - t0
        points = list(zip(lon, lat, strict=True))
        for layer, got in zip(layers, values, strict=True):  # every layer, after the timing
            with rasterio.open(folder / layer.path) as ds:
                base = np.array([v[0] for v in ds.sample(points)])
            base = np.where(base == NODATA, np.nan, base)
            if not np.array_equal(base, got, equal_nan=True):
                raise SystemExit(f"bulk sampling of {layer.path} differs from rasterio's sample")
    t0 = time.perf_counter()
    units = [tank_unit("T-1", "Cyanide", float(c), {}) for c in content_kg]
    tanks = ens.tanks_of(units, list(range(n)))
    hazards, scenarios, _ = ens.curves(layers, values, ["XXX"] * n, [None] * n, [])
    dam_sites = np.arange(0, n, 10)
    high = _susceptibility()["high"]
    dams = Dams(dam_sites, runout_model("larrauri2018").released_volume_m3(
        rng.uniform(1e5, 2e7, dam_sites.size)), np.full(dam_sites.size, high["a"]),
        np.full(dam_sites.size, high["b"]))
    t_prepare = time.perf_counter() - t0
    t0 = time.perf_counter()
    batch = screen_sites([Site(str(i), float(x), float(y)) for i, (x, y) in
                          enumerate(zip(lon, lat, strict=True))])
    t_screen = time.perf_counter() - t0
    t0 = time.perf_counter()
    notes: list[str] = []
    routes, route_sites = river_routes(batch, list(range(n)), ["Cyanide"] * n, notes)
    t_routes = time.perf_counter() - t0
    u = ens.default_uncertainty(samples)
    chunk_size = 500 if args.quick else args.chunk_size
    kw = {"seed": 1, "chunk_size": chunk_size, "progress": False, "dams": dams,
          "routes": routes}
    t0, c0 = time.perf_counter(), time.process_time()
    one = ens.run(tanks, hazards, n, u, runner="single", **kw)
    t_one, cpu_one = time.perf_counter() - t0, time.process_time() - c0
    t0 = time.perf_counter()
    cluster = ens.local_cluster(args.workers)
    with Client(cluster) as client:  # the workers import the model once, as start-up
        client.run(importlib.import_module, "hazatlas.models.natech.climate_ensemble")
    t_start = time.perf_counter() - t0
    try:
        with Client(cluster) as client:
            before = client.run(time.process_time)
            t0, c0 = time.perf_counter(), time.process_time()
            many = ens.run(tanks, hazards, n, u, runner=cluster.scheduler_address, **kw)
            t_many, cpu_many = time.perf_counter() - t0, time.process_time() - c0
            after = client.run(time.process_time)
            cpu_workers = sum(after[w] - before[w] for w in after)
    finally:
        cluster.close()
    for a, b in zip(one, many, strict=True):
        if not same(a, b):  # every array: tanks, dams and river
            raise SystemExit(f"chunk {a.chunk}: the cluster's result differs")
    per_year = np.concatenate([r.release_per_year_kg for r in one])[..., -1, 0]
    dam_year = np.concatenate([r.dams.release_per_year_m3 for r in one])[..., 0]  # type: ignore[union-attr]
    river_year = np.concatenate([r.river.per_year for r in one])  # type: ignore[union-attr]
    routed = int(np.sum([s is None for s in route_sites.status]))
    print(f"{n} sites x {len(RETURN_PERIODS)} return periods x {len(scenarios)} scenarios "
          f"(baseline + 2) x {samples} samples; {len(one)} chunks of {chunk_size}; "
          f"{dam_sites.size} tailings dams; {routed} sites routed to a foreign country")
    print(f"sampling {len(layers)} rasters ({cells} x {cells}) at every site: {t_sample:.2f} s "
          "(same values as rasterio's sample on every layer; files just written: warm page cache)")
    print(f"tank units, dams and hazard arrays:              {t_prepare:.2f} s")
    print(f"screening of the sites (snapping, countries):    {t_screen:.2f} s")
    print(f"river routes (first border, moments x 3 flows):  {t_routes:.2f} s")
    for w in notes:
        print(f"  {w}")
    print(f"ensemble, one process (synchronous scheduler):   {t_one:.2f} s "
          f"(CPU {cpu_one:.2f} s)")
    print(f"ensemble, LocalCluster of {args.workers} workers:        {t_many:.2f} s "
          f"(CPU {cpu_workers:.2f} s in the workers + {cpu_many:.2f} s here; bit-identical "
          f"results, tanks, dams and river; cluster start-up {t_start:.2f} s apart)")
    print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()} on {os.cpu_count()} CPUs")
    fixed = t_sample + t_prepare + t_screen + t_routes
    print(f"total one process: {fixed + t_one:.2f} s; with the cluster: "
          f"{fixed + t_many:.2f} s, {fixed + t_start + t_many:.2f}"
          " s with its start-up (target < 60 s)")
    for c, sc in enumerate(scenarios):
        col = per_year[:, c]
        print(f"fingerprint {sc['scenario']} {sc['horizon']}: sum over sites of the mean "
              f"release per year {np.nansum(col) / 1e3:.1f} t/year, "
              f"{int(np.sum(col > 0))} sites releasing; dams {np.nansum(dam_year[:, c]):.4g} "
              "m3/year; border exceedances per year (sum over sites of the probability per "
              "event over the return periods): " + ", ".join(
                  f"{h.hazard} {np.nansum(river_year[:, c, j]):.4g}"
                  for j, h in enumerate(hazards)))


if __name__ == "__main__":
    main()
