"""Climate in Natech screening: change factors, and results side by side per scenario.

Used by :func:`hazatlas.services.natech.screen` (docs/natech.md, section "Climate"):

* :func:`with_table`: for every baseline layer and every scenario and horizon of a change
  factor table (``hazatlas.formats.climate_factors``) with rows of the layer's hazard,
  intensity measure and return period, a **derived layer** ``<layer>@<scenario>-<horizon>``
  whose value at each site is the baseline value times the most specific factor for the site
  (country and basin over one of them over ``*``). A site no row applies to gets no value
  (status ``no-factor``). When the manifest itself has a layer of that hazard, measure, unit,
  return period, scenario and horizon, the layer wins and the table row is not used (said in
  ``climate.notes``). The derived layers then go through the same unit models as the loaded
  ones, so every scenario has its damage and release per event and per year.
* :func:`summary`: the document's ``climate`` part: per site, the intensity ratio of each
  future layer to the baseline layer of the same hazard, measure, unit and return period, the
  shifted return period of today's design event (:mod:`hazatlas.models.natech.climate`), and the
  results **side by side** for the baseline and each scenario; the same rows flat in ``table``
  for :func:`export` (CSV or GeoJSON), in the order of the (baseline) ranking.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hazatlas.domain.establishment import Establishment
from hazatlas.domain.hazard_layer import BASELINE, HazardLayer, LayerSample
from hazatlas.models.natech.climate import (
    ChangeFactor,
    apply_factor,
    best_factor,
    intensity_ratio,
    shifted_return_period,
)
from hazatlas.services.natech_attribution import COLUMNS as ATTRIBUTION_COLUMNS

Pairs = list[tuple[HazardLayer, LayerSample]]
DEFAULT_DESIGN_RETURN_PERIOD_YEARS = 100.0
COLUMNS = ["establishment_id", "name", "country", "lon", "lat", "scenario", "horizon",
           "from", "tank_release_per_year_kg", "tank_release_ratio", "dam_release_per_year_m3",
           "max_flood_depth_m", "max_pga_g", "return_periods_years", *ATTRIBUTION_COLUMNS]


def _key(layer: HazardLayer) -> tuple[str, str, str, float]:
    return (layer.hazard, layer.intensity_measure.casefold(), layer.unit,
            layer.return_period_years)


def _when(scenario: str, horizon: str) -> str:
    return scenario if scenario == BASELINE else f"{scenario} {horizon}"


def with_table(sites: Sequence[Establishment], layers: Sequence[HazardLayer],
               per_site: Sequence[Pairs], factors: Sequence[ChangeFactor]
               ) -> tuple[list[HazardLayer], list[Pairs], list[str]]:
    """The derived layers of the table, each site's samples with theirs, and notes."""
    loaded = {(*_key(la), la.scenario, la.horizon) for la in layers}
    derived: list[HazardLayer] = []
    notes: list[str] = []
    plans: list[tuple[int, HazardLayer]] = []
    for k, base in enumerate(layers):
        if base.scenario != BASELINE:
            continue
        wanted = sorted({(r.scenario, r.horizon) for r in factors if
                         (r.hazard, r.intensity_measure.casefold(), r.return_period_years)
                         == _key(base)[:2] + (base.return_period_years,)})
        for scenario, horizon in wanted:
            if (*_key(base), scenario, horizon) in loaded:
                notes.append(f"layer {base.id}: the manifest has a {scenario} {horizon} layer "
                             "of the same event; the table's factors for it are not used")
                continue
            layer = HazardLayer(
                id=f"{base.id}@{scenario}-{horizon}", kind=base.kind, path=base.path,
                hazard=base.hazard, intensity_measure=base.intensity_measure, unit=base.unit,
                return_period_years=base.return_period_years, scenario=scenario,
                horizon=horizon, source=f"{base.source} x climate change factor (table)",
                licence=base.licence, sampling=base.sampling, band=base.band,
                nodata_is=base.nodata_is, hazardous_above=base.hazardous_above,
                search_radius_m=base.search_radius_m, user_supplied=base.user_supplied,
                attribution=base.attribution)
            derived.append(layer)
            plans.append((k, layer))
    out: list[Pairs] = []
    for site, pairs in zip(sites, per_site, strict=True):
        extra: Pairs = []
        for k, layer in plans:
            base, sample = pairs[k]
            extra.append((layer, _derived_sample(site, base, sample, layer, factors)))
        out.append(list(pairs) + extra)
    return derived, out, notes


def _derived_sample(site: Establishment, base: HazardLayer, sample: LayerSample,
                    layer: HazardLayer, factors: Sequence[ChangeFactor]) -> LayerSample:
    rows = [r for r in best_factor(factors, hazard=base.hazard,
                                   intensity_measure=base.intensity_measure,
                                   return_period_years=base.return_period_years,
                                   country=site.country_iso3, basin=site.receiving_water)
            if (r.scenario, r.horizon) == (layer.scenario, layer.horizon)]
    if not rows:
        return LayerSample(layer.id, site.id, None, base.unit, "no-factor", "factor", None,
                           f"no row of the change factor table applies to {site.country_iso3}"
                           f"{' / ' + site.receiving_water if site.receiving_water else ''}")
    row = rows[0]
    where = f"{row.region}/{row.basin}"
    if sample.value is None:
        return LayerSample(layer.id, site.id, None, base.unit, sample.status, "factor", None,
                           f"baseline layer {base.id} has no value: {sample.note}")
    return LayerSample(
        layer.id, site.id, apply_factor(sample.value, row.factor), base.unit, sample.status,
        f"{sample.method} x factor", None,
        f"baseline layer {base.id} ({sample.value:.6g} {base.unit}) x {row.factor:g} "
        f"({where}; {row.status}; {row.source})")


def _ratios(pairs: Pairs) -> list[dict[str, Any]]:
    baseline = {_key(la): (la, s) for la, s in pairs if la.scenario == BASELINE}
    out = []
    for la, s in pairs:
        if la.scenario == BASELINE or _key(la) not in baseline:
            continue
        base, bs = baseline[_key(la)]
        ratio = intensity_ratio(bs.value, s.value)
        out.append({"hazard": la.hazard, "intensity_measure": la.intensity_measure,
                    "unit": la.unit, "return_period_years": la.return_period_years,
                    "scenario": la.scenario, "horizon": la.horizon, "baseline_layer": base.id,
                    "future_layer": la.id, "baseline": bs.value, "future": s.value,
                    "factor": ratio.factor, "note": ratio.note})
    return out


def _shifts(pairs: Pairs, design_rp: float) -> list[dict[str, Any]]:
    curves: dict[tuple[str, str, str, str, str], list[tuple[float, float | None]]] = (
        defaultdict(list))
    design: dict[tuple[str, str, str], float | None] = {}
    for la, s in pairs:
        hz = (la.hazard, la.intensity_measure.casefold(), la.unit)
        if la.scenario == BASELINE:
            if la.return_period_years == design_rp:
                design[hz] = s.value
        else:
            curves[(*hz, la.scenario, la.horizon)].append((la.return_period_years, s.value))
    out = []
    for (hazard, im, unit, scenario, horizon), points in sorted(curves.items()):
        if (hazard, im, unit) not in design:
            continue
        value = design[(hazard, im, unit)]
        shift = shifted_return_period(value if value is not None else 0.0,
                                      [t for t, _ in points], [v for _, v in points])
        out.append({"hazard": hazard, "intensity_measure": im, "unit": unit,
                    "scenario": scenario, "horizon": horizon,
                    "design_return_period_years": design_rp, "design_intensity": value,
                    "return_period_years": shift.return_period_years, "bound": shift.bound,
                    "note": shift.note})
    return out


def _side_by_side(site: dict[str, Any], scenarios: list[tuple[str, str, str]]
                  ) -> list[dict[str, Any]]:
    rows = []
    base_tanks = None
    for scenario, horizon, origin in scenarios:
        when = _when(scenario, horizon)
        tanks = sum(per.get(when, 0.0) for per in site["tank_release_per_year_kg"].values())
        dam = site["tailings_dam"]
        dam_m3 = (sum(per.get(when, 0.0) for per in dam["release_per_year"].values())
                  if dam else 0.0)
        values: dict[tuple[str, str, str], list[float]] = {(h["hazard"], h["intensity_measure"].lower(), h["unit"]): [] for h in
                  site["hazards"]}
        rps = set()
        for h in site["hazards"]:
            if (h["scenario"], h["horizon"]) == (scenario, horizon) and h["value"] is not None:
                values[(h["hazard"], h["intensity_measure"].lower(), h["unit"])].append(
                    h["value"])
                rps.add(h["return_period_years"])
        flood = values.get(("flood", "depth", "m")) or []
        pga = values.get(("earthquake", "pga", "g")) or []
        if scenario == BASELINE:
            base_tanks = tanks
        rows.append({
            "scenario": scenario, "horizon": horizon, "from": origin,
            "tank_release_per_year_kg": tanks,
            "tank_release_ratio": (tanks / base_tanks if base_tanks else None),
            "dam_release_per_year_m3": dam_m3,
            "max_flood_depth_m": max(flood) if flood else None,
            "max_pga_g": max(pga) if pga else None,
            "return_periods_years": sorted(rps),
        })
    return rows


def summary(doc: dict[str, Any], layers: Sequence[HazardLayer],
            derived: Sequence[HazardLayer], per_site: Sequence[Pairs],
            factors: Sequence[ChangeFactor], notes: Sequence[str], *,
            design_return_period_years: float = DEFAULT_DESIGN_RETURN_PERIOD_YEARS
            ) -> dict[str, Any]:
    """The ``climate`` part of a screening document (see the module)."""
    origin: dict[tuple[str, str], set[str]] = defaultdict(set)
    for la in layers:
        if la.scenario != BASELINE:
            origin[(la.scenario, la.horizon)].add("layers")
    for la in derived:
        origin[(la.scenario, la.horizon)].add("table")
    scenarios = [(BASELINE, BASELINE, "layers")] + [
        (s, h, "+".join(sorted(origin[(s, h)]))) for s, h in sorted(origin)]
    sites, table = [], []
    rank = {r["establishment_id"]: r["rank"] for r in doc.get("ranking", [])}
    order = sorted(zip(doc["sites"], per_site, strict=True),
                   key=lambda sp: rank.get(sp[0]["establishment_id"], 0))
    for site, pairs in order:
        side = _side_by_side(site, scenarios)
        head = {k: site[k] for k in ("establishment_id", "name", "country", "lon", "lat")}
        sites.append({**head, "intensity_ratios": _ratios(pairs),
                      "shifted_return_periods": _shifts(pairs, design_return_period_years),
                      "side_by_side": side})
        table += [{**head, **row, "return_periods_years":
                   [f"{t:g}" for t in row["return_periods_years"]]} for row in side]
    return {
        "design_return_period_years": design_return_period_years,
        "scenarios": [{"scenario": s, "horizon": h, "from": o} for s, h, o in scenarios],
        "factors": [f.to_dict() for f in factors],
        "notes": list(notes),
        "sites": sites,
        "table": table,
    }


def table_in(folder: str, name: str) -> Path:
    """The change factor table ``name`` (``NAME`` or ``NAME.csv``) directly inside ``folder``
    (the server's hazard layer folder): the only tables the API may read."""
    from hazatlas.domain.errors import NotFoundError, Problem, ValidationError

    if not folder:
        raise NotFoundError("no hazard layer folder is configured on this server "
                            "(HAZATLAS_HAZARD_LAYERS_DIR)")
    stem = name.removesuffix(".csv")
    if not stem or not all(c.isalnum() or c in "-_." for c in stem) or stem.startswith("."):
        raise ValidationError([Problem("parameter", None, "climate",
                                       f"'{name}': expected the name of a change factor table "
                                       "(letters, digits, '-', '_', '.')")])
    base = Path(folder).resolve()
    path = (base / f"{stem}.csv").resolve()
    if path.parent != base or not path.is_file():
        raise NotFoundError(f"no change factor table '{stem}' on this server")
    return path


def export(rows: list[dict[str, Any]], path: Path,
           layers: list[dict[str, Any]] | None = None) -> None:
    """Write the side-by-side rows (``climate.table``) as CSV or GeoJSON (by the extension);
    the GeoJSON has ``layers`` (with their source, licence and attribution) as a member."""
    from hazatlas.services.ranking import write_ranked

    write_ranked(rows, path, COLUMNS, members={"layers": layers} if layers is not None else None)
