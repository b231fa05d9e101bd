"""Accident risk spots: stored screening results of the register, ranked per river basin or per
country the way the ICPDR ranks its accident risk spots (by Water Risk Index; tailings facilities
also by Tailings Hazard Index), with CSV and GeoJSON export.

The screening of each establishment is stored with the register (``assessment`` kind
``screening``) and recomputed when the establishment changes (see :mod:`assessments`).
WRI and THI are derived from confidential inventories and tailings details, so they are shown
only to users who may read the establishment in full.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hazatlas.domain.access import Principal, visible
from hazatlas.domain.errors import NotFoundError, Problem, ValidationError
from hazatlas.formats.cells import escape_cell
from hazatlas.services import assessments
from hazatlas.storage import assessments as store
from hazatlas.storage import repositories as repo
from hazatlas.storage.db import Database

CONFIDENTIAL_SCREENING_KEYS = ("wri", "thi", "consequence_class")
RANK_COLUMNS = ("group", "rank", "establishment_id", "name", "kind", "country", "basin", "wri",
                "wri_class", "thi", "thi_missing", "first_foreign_country",
                "first_foreign_river_km", "first_foreign_travel_time_h_mean",
                "downstream_countries", "reported_damage", "unassessed_damage", "lon", "lat")


def _network_basins() -> tuple[Any, list[str]]:
    from hazatlas.geo.network import RiverNetwork

    net = RiverNetwork.load_default()
    systems = net.attributes.get("system") or [""] * len(net)
    return net, [str(s or "") for s in systems]


def _screened(db: Database, ids: list[str]) -> dict[str, dict[str, Any]]:
    with db.transaction() as s:
        rows = store.get_many(s, ids, assessments.SCREENING)
        missing = [i for i in ids if i not in rows]
        if missing:
            assessments.refresh(s, missing)
            rows = store.get_many(s, ids, assessments.SCREENING)
        return {eid: dict(r.result) for eid, r in rows.items()}


def screening_for(db: Database, principal: Principal, establishment_id: str,
                  network: str | None = None) -> dict[str, Any]:
    """The stored screening of one establishment as ``principal`` may see it; with ``network``
    (a stored network's name, :mod:`hazatlas.services.networks`) screened on that network
    now instead."""
    with db.transaction() as s:
        e = repo.get(s, establishment_id)
    if e is None:
        raise NotFoundError(f"establishment '{establishment_id}' not found")
    if network is not None:
        from hazatlas.services.networks import load_network
        from hazatlas.services.screen import screen_register

        result = screen_register([e], network=load_network(db, network))[0]
    else:
        result = _screened(db, [establishment_id])[establishment_id]
    return _visible(principal, e, result)


def _visible(principal: Principal, e, result: dict[str, Any]) -> dict[str, Any]:
    _, full = visible(principal, e)
    out = dict(result)
    if not full:
        for k in CONFIDENTIAL_SCREENING_KEYS:
            out[k] = None
    out["complete"] = full
    return out


def wri_class(wri: float | None) -> str | None:
    """The ICPDR map class of a WRI value: ``"5-6"``, ``"6-7"``, ... (unconfirmed method).

    >>> wri_class(6.3), wri_class(None)
    ('6-7', None)
    """
    if wri is None or not math.isfinite(wri):
        return None
    lo = math.floor(wri)
    return f"{lo}-{lo + 1}"


def _thi_fields(r: dict[str, Any], e, natural: dict[str, dict[str, Any]] | None,
                layers: Path | None) -> dict[str, Any]:
    """The THI of a ranking row with its natural-conditions inputs: from ``layers`` when given
    (:func:`hazatlas.services.screen_indices.thi_with_layers`), otherwise the stored screening's
    THI, which lacks both (``thi_missing`` says so)."""
    if r.get("thi") is None and (natural is None or e.id not in natural):
        return {"thi": r.get("thi"), "thi_missing": [], "thi_inputs": None}
    if not r["complete"]:
        return {"thi": None, "thi_missing": [], "thi_inputs": None}
    if natural is not None and e.id in natural:
        got = natural[e.id]
        return {"thi": got["thi"], "thi_missing": got["missing"], "thi_inputs": got["inputs"]}
    return {"thi": r.get("thi"), "thi_missing": ["seismic_pga_g", "flood_prone"],
            "thi_inputs": {"layers": None, "note": "no hazard layers loaded: the earthquake and "
                           "flood inputs are scored as unknown (docs/indices.md)"}}


def ranking(db: Database, principal: Principal, *, group_by: str = "basin",
            country: str | None = None, basin: str | None = None,
            layers: Path | None = None) -> list[dict[str, Any]]:
    """Accident risk spots ranked within each basin (river system) or country.

    Sites with reported damage with loss of content come first in their group, the worse
    damage first (``services/damage_effect.py``); then by WRI and THI. Sites whose WRI and THI
    are both unknown or withheld from this user (and without such damage) are listed after the
    ranked ones, without a rank. With ``layers`` (a hazard layer manifest, docs/natech.md) the
    THI of tailings facilities takes its earthquake and flood inputs from the layers.
    """
    if group_by not in ("basin", "country"):
        raise ValidationError([Problem("parameter", None, "group_by",
                                       f"'{group_by}' is not 'basin' or 'country'")])
    with db.transaction() as s:
        ids = repo.all_ids(s, country or None)  # one country's sites only: read no others
        ests = repo.get_many(s, ids)
    screened = _screened(db, ids)
    net, systems = _network_basins()
    natural = None
    if layers is not None:
        from hazatlas.services.screen_indices import thi_with_layers

        natural = thi_with_layers([ests[i] for i in ids], Path(layers))
    from hazatlas.services.damage import visible_by_site
    from hazatlas.services.damage_effect import rank_fields, site_summary

    damage = visible_by_site(db, principal, {i: ests[i] for i in ids})
    rows = []
    for eid in ids:
        e = ests[eid]
        r = _visible(principal, e, screened[eid])
        reach = r.get("reach_id")
        system = systems[net.index_of(reach)] if reach is not None else ""
        if basin and system.casefold() != basin.casefold():
            continue
        foreign = [d for d in r.get("downstream") or [] if d.get("country") != e.country_iso3]
        first = foreign[0] if foreign else {}
        rows.append({
            "group": (system or "(no river)") if group_by == "basin" else e.country_iso3,
            "establishment_id": eid, "name": e.name, "kind": str(e.kind), "country": e.country_iso3,
            "basin": system or None, "wri": r.get("wri"), "wri_class": wri_class(r.get("wri")),
            **_thi_fields(r, e, natural, layers), "first_foreign_country": first.get("country"),
            "first_foreign_river_km": first.get("river_km"),
            "first_foreign_travel_time_h_mean": (first.get("travel_time_h") or {}).get("mean"),
            "downstream_countries": [d.get("country") for d in foreign],
            "lon": e.lon, "lat": e.lat, "complete": r["complete"],
            **rank_fields(site_summary(damage.get(eid, ()))),
        })

    def key(row: dict[str, Any]) -> tuple:
        wri = row["wri"] if row["wri"] is not None else -math.inf
        thi = row["thi"] if row["thi"] is not None else -math.inf
        return (row["group"], -row["damage_priority"], -wri, -thi, row["establishment_id"])

    rows.sort(key=key)
    rank, group = 0, None
    for row in rows:
        if row["group"] != group:
            rank, group = 0, row["group"]
        if row["wri"] is None and row["thi"] is None and not row["damage_priority"]:
            row["rank"] = None
        else:
            rank += 1
            row["rank"] = rank
    return rows


def rank_in_country(db: Database, principal: Principal, establishment_id: str,
                    country: str) -> dict[str, Any]:
    """Where a site of ``country`` stands in its country's ranking (:func:`ranking` with
    ``group_by="country"``, as ``principal`` sees it): ``rank`` (``None``: not ranked),
    ``ranked`` (how many sites of the country are) and the site's ``damage_priority``.
    The site page shows it beside the site's damage events."""
    rows = ranking(db, principal, group_by="country", country=country)
    mine = next((r for r in rows if r["establishment_id"] == establishment_id), None)
    return {"rank": mine["rank"] if mine else None,
            "ranked": sum(r["rank"] is not None for r in rows),
            "damage_priority": mine["damage_priority"] if mine else 0}


def export_ranking(rows: list[dict[str, Any]], path: Path) -> None:
    """Write ranking rows as CSV or GeoJSON (by the file extension)."""
    write_ranked(rows, path, RANK_COLUMNS)


def write_ranked(rows: list[dict[str, Any]], path: Path, columns: Sequence[str],
                 members: Mapping[str, Any] | None = None) -> None:
    """Write ranked sites (``columns`` of each row, with ``establishment_id``, ``lon`` and
    ``lat``) as CSV or GeoJSON by the file extension; a list value is one cell joined by ";".
    ``members`` are added to the GeoJSON FeatureCollection (e.g. the layers' attribution).
    Used by the ranking and by the Natech ranking (``services/natech_region.py``)."""
    path = Path(path)
    if path.suffix.lower() in (".geojson", ".json"):
        feats = [{"type": "Feature", "id": r["establishment_id"],
                  "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                  "properties": {k: r[k] for k in columns if k not in ("lon", "lat")}}
                 for r in rows]
        path.write_text(json.dumps({"type": "FeatureCollection", **(members or {}),
                                    "features": feats}, ensure_ascii=False), encoding="utf-8")
        return
    if path.suffix.lower() != ".csv":
        raise ValidationError([Problem("parameter", None, "export",
                                       f"'{path.name}': expected a .csv or .geojson file")])
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        for r in rows:
            # text cells escaped against spreadsheet formulas (names come from the register)
            w.writerow([escape_cell(";".join(r[k])) if isinstance(r[k], list) else
                        "" if r[k] is None else
                        escape_cell(r[k]) if isinstance(r[k], str) else r[k]
                        for k in columns])
