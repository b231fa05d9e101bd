"""The demo layer set: a flood-prone band along the bundled rivers, per return period.

``hazatlas natech demo-layers DIR`` writes one GeoTIFF per return period and a layer manifest
(``layers.toml``) that ``hazatlas natech screen --layers`` and ``natech chain flood --layers``
read. The depths are a **proxy, not a flood map** (:mod:`hazatlas.geo.flood_proxy`): derived
in code from the bundled Natural Earth rivers and their assigned discharges, nothing
downloaded, and every layer says so in its ``source``. No earthquake proxy is written: the
bundled data holds nothing a PGA could honestly be derived from.

``hazatlas natech demo-set DIR`` (:func:`write_demo_set`, what ``make demo`` serves) writes
the same flood proxy over :data:`DEMO_REGION_BBOX`, the box of every demo register site
(Central Asia and the Caucasus included), and adds one earthquake layer: the **scenario** of
the Vrancea earthquake of 4 March 1977 computed by the Boatwright et al. (2003) estimator
(:mod:`hazatlas.services.natech_earthquake`), labelled as a scenario, not a hazard map.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hazatlas.domain.errors import ValidationError
from hazatlas.formats.hazard_rasters import write_lonlat_grid
from hazatlas.geo.flood_proxy import band_depth, flood_discharge
from hazatlas.geo.hydraulics import geometry_at_station
from hazatlas.models.base import input_problem, raise_problems
from hazatlas.models.natech.flood import coefficient

#: lon/lat box of the default set (the Danube basin, the Western Balkans, Moldova and Ukraine
#: west of the Dnipro: the demo register's European sites)
DEFAULT_BBOX = (16.0, 41.0, 35.0, 51.0)
DEFAULT_RETURN_PERIODS = (10.0, 100.0, 500.0)
#: lon/lat box of every site of the demo register (src/hazatlas/data/demo/register.csv: lon
#: 17.5-82.6, lat 38.5-50.7) and the plans demo's Giurgiulesti terminal, with a margin: the
#: Danube basin, the Western Balkans, Ukraine, Moldova, the Caucasus and Central Asia
DEMO_REGION_BBOX = (16.0, 37.0, 84.0, 52.0)
#: the demo earthquake layer's box and cell: the Boatwright et al. (2003) estimator's distance
#: validity (< 370 km) around Vrancea lies inside it
DEMO_EQ_BBOX = (20.0, 41.0, 33.0, 50.0)
DEMO_EQ_CELL_DEG = 0.05
#: the return period declared for the Vrancea scenario layer (the manifest requires one):
#: recurrence of Mw >= 7.4 Vrancea intermediate-depth events estimated from the catalogues
#: (Radulian et al. 2000, "Seismic hazard of Romania: deterministic approach", Pure and Applied
#: Geophysics 157, as quoted in citing literature; not read in the paper itself: unconfirmed)
DEMO_EQ_RETURN_PERIOD_YEARS = 50.0
DEMO_EQ_RETURN_PERIOD_BASIS = (
    "recurrence of Mw >= 7.4 Vrancea events from the catalogues (Radulian et al. 2000, Pure "
    "Appl. Geophys. 157, as quoted; unconfirmed), a demo assumption")
MANIFEST = "layers.toml"
SOURCE = ("hazatlas demo PROXY, not a flood map: a band along the Natural Earth 1:10m rivers "
          "bundled with hazatlas, depth = rise of the water level from the mean annual flood to the "
          "Gumbel flood discharge of the return period, falling linearly to 0 at 10 channel "
          "widths; "
          "no terrain, no levees (docs/natech.md, section Demo layers)")
LICENCE = "public domain (derived by hazatlas from Natural Earth)"


def _check(bbox: Sequence[float], cell_deg: float, return_periods: Sequence[float]) -> None:
    problems = []
    w, s, e, n = bbox
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        problems.append(input_problem("bbox", f"{list(bbox)}: expected west < east and south < "
                                      "north in degrees"))
    if not (math.isfinite(cell_deg) and 0.001 <= cell_deg <= 1.0):
        problems.append(input_problem("cell_deg", f"{cell_deg!r}: expected 0.001 to 1 degree"))
    elif (e - w) * (n - s) / cell_deg**2 > 5e7:
        problems.append(input_problem("bbox", "more than 50 million cells: a smaller box or "
                                      "larger cells"))
    problems += [input_problem("return_periods", f"{t!r}: expected years > 1")
                 for t in return_periods if not (math.isfinite(t) and t > 1)]
    if not return_periods:
        problems.append(input_problem("return_periods", "at least one return period"))
    raise_problems(problems)


def _lines(network: Any, bbox: Sequence[float]) -> tuple[list[int], list[np.ndarray]]:
    """Reaches (index) and their line parts (lon/lat arrays) that meet the box."""
    from shapely.geometry import box  # type: ignore[import-untyped]

    area = box(*bbox)
    idx, lines = [], []
    for i, geom in enumerate(network.geometry):
        if geom is None or geom.is_empty or not geom.intersects(area):
            continue
        for part in getattr(geom, "geoms", [geom]):
            idx.append(i)
            lines.append(np.asarray(part.coords, dtype=float)[:, :2])
    return idx, lines


def write_demo_layers(folder: Path, *, bbox: Sequence[float] = DEFAULT_BBOX,
                      cell_deg: float = 0.01,
                      return_periods: Sequence[float] = DEFAULT_RETURN_PERIODS,
                      network: Any = None) -> dict[str, Any]:
    """Write the proxy rasters and ``layers.toml`` into ``folder`` (created if need be)."""
    _check(bbox, cell_deg, return_periods)
    if network is None:
        from hazatlas.geo.network import RiverNetwork

        network = RiverNetwork.load_default()
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ValidationError([input_problem("folder", f"{folder} is not a directory")])
    folder.mkdir(parents=True, exist_ok=True)
    w, s, e, n = bbox
    shape = (int(math.ceil((n - s) / cell_deg)), int(math.ceil((e - w) / cell_deg)))
    idx, lines = _lines(network, bbox)
    cv = coefficient("demo-flood-proxy", "cv_annual_maxima")
    factor = coefficient("demo-flood-proxy", "band_width_factor")
    q_mean, q_high = network.discharge("mean"), network.discharge("high")
    _, bankfull_depth, _ = geometry_at_station(q_high, q_mean)
    river = np.isnan(network.lake_volume_m3)  # lakes have no channel to overflow
    layers, entries = [], []
    for t in sorted(return_periods):
        width, depth, _ = geometry_at_station(flood_discharge(q_high, t, cv), q_mean)
        rise = np.where(river, np.maximum(depth - bankfull_depth, 0.0), 0.0)
        grid = band_depth(lines, rise[idx], factor * width[idx], w, n, cell_deg, shape)
        layer_id = f"demo-flood-proxy-rp{t:g}"
        name = f"{layer_id}.tif"
        write_lonlat_grid(folder / name, grid, w, n, cell_deg)
        wet = grid > 0
        layers.append({"id": layer_id, "path": name, "return_period_years": t,
                       "max_depth_m": float(grid.max()), "wet_cells": int(wet.sum()),
                       "cells": int(grid.size)})
        entries.append(_entry(layer_id, name, t))
    manifest = folder / MANIFEST
    manifest.write_text("# hazatlas demo layer set: a PROXY, not a flood map (docs/natech.md)\n\n"
                        + "\n".join(entries), encoding="utf-8")
    return {"folder": str(folder), "manifest": str(manifest), "bbox": list(bbox),
            "cell_deg": cell_deg, "proxy": True, "source": SOURCE, "layers": layers}


def _entry(layer_id: str, path: str, t: float) -> str:
    q = json.dumps
    return (f"[[layer]]\nid = {q(layer_id)}\nkind = \"raster\"\npath = {q(path)}\n"
            "hazard = \"flood\"\nintensity_measure = \"depth\"\nunit = \"m\"\n"
            f"return_period_years = {t:g}\nscenario = \"baseline\"\nsource = {q(SOURCE)}\n"
            f"licence = {q(LICENCE)}\nsampling = \"nearest\"\nhazardous_above = 0.0\n"
            "search_radius_m = 10000\n")


def write_demo_set(folder: Path, *, cell_deg: float = 0.01,
                   return_periods: Sequence[float] = DEFAULT_RETURN_PERIODS,
                   network: Any = None) -> dict[str, Any]:
    """The demo layer set: the flood proxy over :data:`DEMO_REGION_BBOX` and the Vrancea 1977
    earthquake scenario, in one ``layers.toml`` (what ``make demo`` serves)."""
    from hazatlas.services.natech_earthquake import VRANCEA_1977, write_layer

    doc = write_demo_layers(folder, bbox=DEMO_REGION_BBOX, cell_deg=cell_deg,
                            return_periods=return_periods, network=network)
    doc["earthquake"] = write_layer(
        Path(folder), VRANCEA_1977, bbox=DEMO_EQ_BBOX, cell_deg=DEMO_EQ_CELL_DEG,
        return_period_years=DEMO_EQ_RETURN_PERIOD_YEARS,
        return_period_basis=DEMO_EQ_RETURN_PERIOD_BASIS, manifest=MANIFEST)
    return doc
