"""Benchmark: Natech pathways for a region (issue 15 item 3): every screened site's releases per
event passed to the river or plume model, with the countries reached.

What it times, on ``--sites`` demo-like sites (default 1,000):

1. **screening without pathways** (``services/natech.screen``): sampling and the unit models.
2. **screening with pathways** (``pathways=``): the same, plus the pathways, twice (the first
   run of the process also builds the lookups and reads the tables the river and air models
   use once).
3. **pathways alone, both ways, on the same screening document**: ``add_pathways`` with
   ``reuse=True`` (hazatlas: per site one river entry and one spill run per substance, then per
   event only the mass changes, ``services/spill_rescale.with_mass``) and with ``reuse=False``
   (the baseline: a new ``run_spill`` for every release of every event, as the chains do). Both
   must give the same pathways (the script stops otherwise).
4. **the river spills alone, both ways**: every (site, substance, mass) of the river spills of
   step 3 run with one ``RiverRuns`` per site entry, reused or not; the countries of each run
   (``spill_report.country_rows``) must be equal.

Input, built by the script (nothing downloaded): the demo register's establishments copied
``--sites`` times in all, each copy moved by up to ±0.02° (seeded), with its inventory (so
liquids the river model knows, liquefied gases, and tailings facilities as in the demo); the
demo layer set (``services/natech_demo.py``: the flood **proxy** band along the bundled
rivers, 10/100/500 years, over the Danube basin and its neighbours), plus five uniform
earthquake layers of 0.1-0.5 g (100-2475 years), **invented** values so that every liquid tank
has an expected release in five events (the demo has no earthquake proxy). Pathway options: start
2014-05-16T12:00, flow high, 30 days, wind 3 m/s class D from the west (the defaults).

Run: ``.venv/bin/python benchmarks/natech_pathways.py`` (1,000 sites), ``--sites N``, or
``--quick`` (100 sites). The figures are wall times (``perf_counter``, one run each) and the
load average: on a shared machine they depend on the CPU share the process gets.
"""

from __future__ import annotations

import argparse
import copy
import csv
import os
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine

from hazatlas.domain.access import SYSTEM
from hazatlas.domain.reference import data_path
from hazatlas.geo.network import RiverNetwork
from hazatlas.services import geodata, natech
from hazatlas.services.natech_demo import write_demo_layers
from hazatlas.services.natech_pathways import PathwayOptions, add_pathways
from hazatlas.services.register import RegisterService, list_establishments
from hazatlas.storage.db import Database

OPTIONS = PathwayOptions(datetime(2014, 5, 16, 12))
JITTER_DEG = 0.02


def write_register(path: Path, sites: int, rng: np.random.Generator) -> int:
    """The demo register's establishments copied until ``sites`` of them, each copy moved."""
    with open(data_path("demo", "register.csv"), encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    groups: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        groups.setdefault(r["establishment_id"], []).append(r)
    ids = list(groups)
    out = []
    for k in range(sites):
        orig = ids[k % len(ids)]
        dlon, dlat = rng.uniform(-JITTER_DEG, JITTER_DEG, 2)
        for r in groups[orig]:
            out.append({**r, "establishment_id": f"{orig}-B{k}",
                        "lon": f"{float(r['lon']) + dlon:.5f}",
                        "lat": f"{float(r['lat']) + dlat:.5f}", "site_polygon_wkt": ""})
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, header)
        w.writeheader()
        w.writerows(out)
    return len(ids)


#: invented earthquake layers (return period, uniform PGA in g): not a hazard map
PGA_LAYERS = ((100, 0.1), (250, 0.2), (475, 0.3), (975, 0.4), (2475, 0.5))


def write_layers(folder: Path, network: RiverNetwork) -> Path:
    info = write_demo_layers(folder, network=network)
    manifest = Path(info["manifest"])
    text = manifest.read_text(encoding="utf-8")
    for rp, pga in PGA_LAYERS:
        with rasterio.open(folder / f"pga{rp}.tif", "w", driver="GTiff", height=40, width=120,
                           count=1, dtype="float64", crs="EPSG:4326", nodata=-9999.0,
                           transform=Affine(0.5, 0.0, 15.0, 0.0, -0.5, 55.0)) as ds:
            ds.write(np.full((40, 120), pga), 1)
        text += (f'\n[[layer]]\nid = "bench-pga-rp{rp}"\nkind = "raster"\npath = "pga{rp}.tif"\n'
                 'hazard = "earthquake"\nintensity_measure = "pga"\nunit = "g"\n'
                 f'return_period_years = {rp}\nscenario = "baseline"\n'
                 f'source = "INVENTED uniform {pga} g for the benchmark, not a hazard map"\n'
                 'licence = "none"\n')
    manifest.write_text(text, encoding="utf-8")
    return manifest


def strip(doc: dict) -> dict:
    out = copy.deepcopy(doc)
    out.pop("pathways", None)
    for s in out["sites"]:
        s.pop("pathways", None)
    return out


def river_only(doc: dict, opts: PathwayOptions, network: RiverNetwork) -> tuple[float, float]:
    """Time the tanks' river spills of every site and event, reused and not; check equal."""
    from hazatlas.services.natech_pathways import RiverRuns
    from hazatlas.services.spill_report import country_rows

    work = [(s["pathways"]["river_entry"], [(sp["substance"], sp["mass_kg"])
                                           for e in s["pathways"]["events"]
                                           for sp in e["river"]["spills"]])
            for s in doc["sites"] if s["pathways"]["river_entry"]]
    times, answers = [], []
    for reuse in (True, False):
        t0 = time.perf_counter()
        runs = []
        for entry, spills in work:  # one RiverRuns per site, as add_pathways
            site = RiverRuns(entry, opts, network, reuse)
            runs += [site.run(sub, m) for sub, m in spills]
        times.append(time.perf_counter() - t0)
        answers.append([country_rows(r) for r in runs])
    if answers[0] != answers[1]:
        raise SystemExit("the river spills differ between reused and new runs")
    return times[0], times[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=1_000)
    parser.add_argument("--quick", action="store_true", help="100 sites")
    args = parser.parse_args()
    n = 100 if args.quick else args.sites
    rng = np.random.default_rng(15)
    network = RiverNetwork.load_default()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = Database(folder / "bench.sqlite")
        db.migrate()
        geodata.load_geodata(db, rivers=True)
        originals = write_register(folder / "register.csv", n, rng)
        RegisterService(db, SYSTEM).import_file(folder / "register.csv")
        manifest = write_layers(folder / "layers", network)
        sites = list_establishments(db, SYSTEM)
        t0 = time.perf_counter()
        plain = natech.screen(db, SYSTEM, manifest)
        t_plain = time.perf_counter() - t0
        t0 = time.perf_counter()
        doc = natech.screen(db, SYSTEM, manifest, pathways=OPTIONS, network=network)
        t_with = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = natech.screen(db, SYSTEM, manifest, pathways=OPTIONS, network=network)
        t_again = time.perf_counter() - t0
        base = strip(doc)
        reused = strip(doc)
        t0 = time.perf_counter()
        add_pathways(reused, sites, OPTIONS, network, reuse=True)
        t_reuse = time.perf_counter() - t0
        t0 = time.perf_counter()
        add_pathways(base, sites, OPTIONS, network, reuse=False)
        t_base = time.perf_counter() - t0
        t_river_reuse, t_river_new = river_only(doc, OPTIONS, network)
        db.dispose()
    if not (reused == base == doc == again):
        raise SystemExit("the pathways differ between the reused runs and new runs")
    events = [e for s in doc["sites"] for e in s["pathways"]["events"]]
    spills = sum(len(e["river"]["spills"]) + len((e["dam"] or {}).get("mass_kg", {}))
                 for e in events)
    plumes = sum(len(e["air"]) for e in events)
    abroad = sum(1 for s in doc["sites"] if s["pathways"]["first_foreign_country"])
    print(f"{len(sites)} sites (copies of the demo register's {originals}, moved up to "
          f"{JITTER_DEG} deg), {len(doc['layers'])} layers; {len(plain['sites'])} screened")
    print(f"events with a release: {len(events)}; river spills {spills}, plumes {plumes}; "
          f"sites reaching another country by river: {abroad}")
    print(f"screening without pathways:                {t_plain:.2f} s")
    print(f"screening with pathways, first run:        {t_with:.2f} s (with the one-time loads "
          "of the process: lookups, tables)")
    print(f"screening with pathways, second run:       {t_again:.2f} s")
    print(f"pathways alone, reused runs (hazatlas):    {t_reuse:.2f} s")
    print(f"pathways alone, a new run per release:     {t_base:.2f} s (baseline; same pathways: "
          "checked equal)")
    print(f"river spills alone, reused runs:           {t_river_reuse:.2f} s")
    print(f"river spills alone, a new run per release: {t_river_new:.2f} s (same countries: "
          "checked equal)")
    print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
