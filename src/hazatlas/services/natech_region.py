"""Natech screening of a region: ranking, exports and the sites that fail together in one event.

Built on the document of :func:`hazatlas.services.natech.screen` (docs/natech.md, section
"Region"):

* :func:`ranking`: one row per site, sites with reported damage with loss of content first
  (``services/damage_effect.py``), then ranked by the tanks' expected release per year (kg, the
  sum over the hazards of the baseline), then the dam's (m³), then the highest baseline
  intensity per hazard; each row carries its rank.
* :func:`event`: the **footprint** of one layer (a flood's wet area, an earthquake's
  shaking): the sites where the layer's value exceeds its ``hazardous_above``; for each, its
  release in that event (the tank releases and the dam release of the events of the layer's
  hazard, return period, scenario and horizon); and the totals: the sites that would fail
  together in that event.
* :func:`export`: the ranking as CSV or GeoJSON (by the file's extension).

With pathways (``services/natech_pathways.py``) each ranking row also has
``countries_reached`` (in any baseline event), ``first_foreign_country`` and
``first_foreign_arrival_h`` (hours from the event to the first river arrival above the
threshold in a country other than the site's), and the exports carry them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.domain.hazard_layer import BASELINE
from hazatlas.services.damage_effect import rank_fields
from hazatlas.services.natech_attribution import COLUMNS as ATTRIBUTION_COLUMNS

COLUMNS = ["rank", "establishment_id", "name", "country", "kind", "lon", "lat",
           "tank_release_per_year_kg", "dam_release_per_year_m3", "max_flood_depth_m",
           "max_pga_g", "thi", "warnings", "reported_damage", "unassessed_damage",
           *ATTRIBUTION_COLUMNS]
#: added to the ranking and its exports when the screening ran with pathways
PATHWAY_COLUMNS = ["countries_reached", "first_foreign_country", "first_foreign_arrival_h"]


def _baseline_sum(per_year: dict[str, dict[str, float]]) -> float:
    return sum(v.get(BASELINE, 0.0) for v in per_year.values())


def _max(site: dict[str, Any], hazard: str, im: str, unit: str) -> float | None:
    values = [h["value"] for h in site["hazards"] if h["hazard"] == hazard
              and h["intensity_measure"].lower() == im and h["unit"] == unit
              and h["scenario"] == BASELINE and h["value"] is not None]
    return max(values) if values else None


def ranking(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The sites of a screening document, ranked (see the module)."""
    rows = []
    for s in doc["sites"]:
        dam = s["tailings_dam"]
        rows.append({
            "establishment_id": s["establishment_id"], "name": s["name"],
            "country": s["country"], "kind": s["kind"], "lon": s["lon"], "lat": s["lat"],
            "tank_release_per_year_kg": float(_baseline_sum(s["tank_release_per_year_kg"])),
            "dam_release_per_year_m3": float(_baseline_sum(dam["release_per_year"])) if dam else 0.0,
            "max_flood_depth_m": _max(s, "flood", "depth", "m"),
            "max_pga_g": _max(s, "earthquake", "pga", "g"),
            "thi": s["thi"]["value"] if s["thi"] else None,
            "warnings": len(s["warnings"]),
            **rank_fields(s.get("damage")),
            **({k: s["pathways"][k] for k in PATHWAY_COLUMNS} if "pathways" in s else {}),
        })
    # reported damage with loss of content first (services/damage_effect.py)
    rows.sort(key=lambda r: (-r["damage_priority"], -r["tank_release_per_year_kg"], -r["dam_release_per_year_m3"],
                             -(r["max_flood_depth_m"] or 0.0), -(r["max_pga_g"] or 0.0),
                             r["establishment_id"]))
    return [{"rank": i + 1, **r} for i, r in enumerate(rows)]


def _same_event(ev: dict[str, Any], layer: dict[str, Any]) -> bool:
    return (ev["hazard"], ev["return_period_years"], ev["scenario"], ev["horizon"]) == (
        layer["hazard"], layer["return_period_years"], layer["scenario"], layer["horizon"])


def event(doc: dict[str, Any], layer_id: str) -> dict[str, Any]:
    """The sites in the footprint of layer ``layer_id`` and what they release together."""
    layers = {la["id"]: la for la in doc["layers"]}
    layer = layers.get(layer_id)
    if layer is None:
        raise ValidationError([Problem("parameter", None, "event", f"'{layer_id}': no such "
                                       f"layer in {doc['manifest']} (one of "
                                       f"{', '.join(layers)})")])
    inside, missing = [], []
    for s in doc["sites"]:
        sample = next(h for h in s["hazards"] if h["layer_id"] == layer_id)
        if sample["value"] is None:
            missing.append({"establishment_id": s["establishment_id"],
                            "status": sample["status"]})
            continue
        if sample["value"] <= layer["hazardous_above"]:
            continue
        tanks = sum(ev["release_per_event"] for u in s["units"] for ev in u["events"]
                    if _same_event(ev, layer))
        dam = s["tailings_dam"]
        dam_m3 = sum(ev["release_per_event"] for ev in dam["events"]
                     if _same_event(ev, layer)) if dam else 0.0
        inside.append({"establishment_id": s["establishment_id"], "name": s["name"],
                       "country": s["country"], "lon": s["lon"], "lat": s["lat"],
                       "intensity": sample["value"], "unit": sample["unit"],
                       "tank_release_kg": tanks, "dam_release_m3": dam_m3})
    inside.sort(key=lambda r: (-r["tank_release_kg"], -r["dam_release_m3"], -r["intensity"],
                               r["establishment_id"]))
    return {
        "layer_id": layer_id, "hazard": layer["hazard"],
        "return_period_years": layer["return_period_years"], "scenario": layer["scenario"],
        "horizon": layer["horizon"], "hazardous_above": layer["hazardous_above"],
        "sites": inside,
        "countries": sorted({r["country"] for r in inside}),
        "tank_release_kg": sum(r["tank_release_kg"] for r in inside),
        "dam_release_m3": sum(r["dam_release_m3"] for r in inside),
        "sites_failing": sum(1 for r in inside if r["tank_release_kg"] > 0
                             or r["dam_release_m3"] > 0),
        "no_value": missing,
    }


def manifest_in(folder: str, name: str) -> Path:
    """The manifest ``name`` (``NAME`` or ``NAME.toml``) directly inside ``folder``: the only
    manifests the API may read (no other path, no sub-folder)."""
    from hazatlas.domain.errors import NotFoundError

    if not folder:
        raise NotFoundError("no hazard layer folder is configured on this server "
                            "(HAZATLAS_HAZARD_LAYERS_DIR)")
    stem = name.removesuffix(".toml")
    if not stem or not all(c.isalnum() or c in "-_." for c in stem) or stem.startswith("."):
        raise ValidationError([Problem("parameter", None, "layers",
                                       f"'{name}': expected the name of a layer manifest "
                                       "(letters, digits, '-', '_', '.')")])
    base = Path(folder).resolve()
    path = (base / f"{stem}.toml").resolve()
    if path.parent != base or not path.is_file():
        raise NotFoundError(f"no layer manifest '{stem}' on this server")
    return path


def export(rows: list[dict[str, Any]], path: Path,
           layers: list[dict[str, Any]] | None = None) -> None:
    """Write Natech ranking rows as CSV or GeoJSON (by the file extension); the GeoJSON has
    ``layers`` (the document's, with their source, licence and attribution) as a member."""
    from hazatlas.services.ranking import write_ranked

    write_ranked(rows, path, COLUMNS + (PATHWAY_COLUMNS if rows and "countries_reached" in rows[0]
                                        else []),
                 members={"layers": layers} if layers is not None else None)
