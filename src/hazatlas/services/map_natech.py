"""The Natech layer of the web map (``/api/map/natech``; ``docs/natech.md``, section "Map
layer"): the sites in view coloured by their Natech screening against a layer manifest of the
server's ``HAZATLAS_HAZARD_LAYERS_DIR``, and the sites with damage events marked.

Per site (``natech_class``):

* ``release expected``: the screening gives an expected release per year above 0 (tanks, kg, or
  a tailings dam, m³; the baseline, summed over the hazards, :mod:`services.natech_region`);
* ``exposed``: a baseline layer's value at the site is above its ``hazardous_above`` but no
  release follows (or the release is withheld from this user);
* ``not exposed``: the layers have values at the site, none above;
* ``no hazard value``: no layer has a value there (off the rasters, nodata);
* ``no layers``: no manifest chosen or none on the server: only damaged sites are drawn.

Releases come from the inventory, which is confidential: for a site the user may not read in
full they are ``None`` and the class rests on the exposure only, as the access rules of the
screening say. At most :data:`MAX_SITES` sites in the bounding box are screened (``truncated``
says when there were more: zoom in).
"""

from __future__ import annotations

from typing import Any

from hazatlas.domain.access import Principal
from hazatlas.domain.hazard_layer import BASELINE
from hazatlas.domain.register_query import BBox, RegisterQuery
from hazatlas.services import natech, natech_region
from hazatlas.services.damage import DamageService
from hazatlas.services.register import RegisterService
from hazatlas.services.store import Database

MAX_SITES = 500
CLASSES = ("release expected", "exposed", "not exposed", "no hazard value", "no layers")


def manifests(folder: str) -> list[str]:
    """The layer manifests (names without ``.toml``) directly in ``folder``."""
    from pathlib import Path

    if not folder or not Path(folder).is_dir():
        return []
    return sorted(p.stem for p in Path(folder).glob("*.toml") if p.is_file())


def _class(site: dict[str, Any] | None, row: dict[str, Any] | None, full: bool) -> str:
    if site is None or row is None:
        return "no layers"
    if full and (row["tank_release_per_year_kg"] > 0 or row["dam_release_per_year_m3"] > 0):
        return "release expected"
    base = [h for h in site["hazards"] if h["scenario"] == BASELINE]
    values = [h for h in base if h["value"] is not None]
    if not values:
        return "no hazard value"
    layers = {la["id"]: la for la in site.get("_layers", [])}
    if any(h["value"] > float(layers.get(h["layer_id"], {}).get("hazardous_above", 0.0))
           for h in values):
        return "exposed"
    return "not exposed"


def natech_layer(db: Database, principal: Principal, *, folder: str, layers: str | None,
                 bbox: BBox | None) -> dict[str, Any]:
    """GeoJSON of the Natech layer (see the module)."""
    sites, total = RegisterService(db, principal).list(
        RegisterQuery(bbox=bbox, limit=MAX_SITES))
    by_id = {e.id: (e, full) for e, full in sites}
    damage: dict[str, list[dict[str, Any]]] = {}
    for ev in DamageService(db, principal).visible_events():
        if ev["establishment_id"] in by_id:
            damage.setdefault(ev["establishment_id"], []).append(ev)
    screened: dict[str, dict[str, Any]] = {}
    rows: dict[str, dict[str, Any]] = {}
    doc_layers: list[dict[str, Any]] = []
    if layers and by_id:
        manifest = natech_region.manifest_in(folder, layers)
        doc = natech.screen(db, principal, manifest, establishment_ids=list(by_id))
        doc_layers = doc["layers"]
        screened = {s["establishment_id"]: {**s, "_layers": doc_layers} for s in doc["sites"]}
        rows = {r["establishment_id"]: r for r in doc["ranking"]}
    features = []
    order = {"none": 0, "minor": 1, "moderate": 2, "severe": 3, "destroyed": 4}
    for eid, (e, full) in by_id.items():
        events = damage.get(eid, [])
        if not layers and not events:
            continue
        row = rows.get(eid)
        worst = max((ev["extent"] for ev in events), key=order.__getitem__, default=None)
        features.append({
            "type": "Feature", "id": eid,
            "geometry": {"type": "Point", "coordinates": [e.lon, e.lat]},
            "properties": {
                "id": eid, "name": e.name, "kind": str(e.kind), "country_iso3": e.country_iso3,
                "natech_class": _class(screened.get(eid), row, full),
                "tank_release_per_year_kg": row["tank_release_per_year_kg"] if row and full else None,
                "dam_release_per_year_m3": row["dam_release_per_year_m3"] if row and full else None,
                "max_flood_depth_m": row["max_flood_depth_m"] if row else None,
                "max_pga_g": row["max_pga_g"] if row else None,
                "damage_events": len(events), "reported_damage": worst,
                "unassessed_damage": any(not ev["assessed"] for ev in events),
                "layer_ids": row["layer_ids"] if row else [],
                "licence_notice": row["licence_notice"] if row else None,
            },
        })
    return {"type": "FeatureCollection", "features": features, "layers": layers,
            "layer_attribution": [{k: la[k] for k in ("id", "source", "licence", "attribution",
                                                       "user_supplied", "licence_notice")}
                                  for la in doc_layers],
            "classes": list(CLASSES), "numberMatched": total, "truncated": total > len(by_id),
            "note": None if layers else "no hazard layer manifest chosen: damaged sites only"}
