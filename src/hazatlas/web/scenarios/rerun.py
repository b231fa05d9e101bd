"""What a scenario page needs beyond the stored result document, computed again from the
stored inputs: the breakthrough curves of a river spill at its border crossings and chosen
points (with each crossing's peak time and hours above the threshold), and the threat-zone
polygons of a gas release.

The inputs are the stored ``parameters`` completed with what the site filled
(``filled_from_establishment``: the values used), run without the database through the same use
cases (:mod:`hazatlas.services.scenario_runs`, ``keep=False``). The models are deterministic, so
the run is the stored one as long as the model and the packaged data are those of its
``provenance``; the rerun is checked against the stored result (countries and peaks, threat
distances) and not shown if it differs. A run made on a river network file of the user's
(``--network``) is not rerun. When the page's own form ran the model, :func:`remember` keeps
what it computed, so the page it leads to computes nothing again; otherwise the first view
computes it (a few seconds) and later views read it from a small in-process cache.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from typing import Any

import numpy as np

from hazatlas.domain.access import Principal
from hazatlas.domain.errors import HazatlasError

CACHE_SIZE = 64
#: at most this many times per curve
SAMPLES = 600
_cache: OrderedDict[str, dict[str, Any] | None] = OrderedDict()
_lock = threading.Lock()


def remember(scenario_id: str, extra: dict[str, Any] | None) -> None:
    with _lock:
        _cache[scenario_id] = extra
        _cache.move_to_end(scenario_id)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)


def _cached(scenario_id: str) -> tuple[bool, dict[str, Any] | None]:
    with _lock:
        if scenario_id in _cache:
            _cache.move_to_end(scenario_id)
            return True, _cache[scenario_id]
    return False, None


def inputs(stored: dict[str, Any]) -> dict[str, Any]:
    """The inputs the run used: its parameters with the values the site filled."""
    values = {k: v for k, v in (stored.get("parameters") or {}).items() if k != "establishment_id"}
    for key, filled in (stored["result"].get("filled_from_establishment") or {}).items():
        values[key] = filled["value"]
    return values


def _packaged_data_only(result: dict[str, Any]) -> bool:
    files = [d.get("file", "") for d in (result.get("provenance") or {}).get("data") or []]
    return all(f.startswith(("geo/", "reference/")) for f in files)


def spill_extra(run: Any) -> dict[str, Any]:
    """Curves (mg/l) at the border crossings then the chosen points, and per crossing its peak
    time and hours above the threshold (first to last time above, within the horizon, as the
    result document counts them for the points)."""
    pr = run.runs[run.selected]
    horizon = run.request.days * 86_400.0
    step = max(600.0, horizon / SAMPLES)
    crossings = [float(c.river_distance_m) for c in run.crossings]
    where = np.asarray(crossings + [float(d) for d in run.point_distance_m], float)
    times, conc = run.series_mg_l(step, where)
    borders = []
    for i, c in enumerate(run.crossings):
        arr, tr = float(pr.borders.arrival_s[i]), float(pr.borders.trailing_s[i])
        inside = math.isfinite(arr) and arr <= horizon
        borders.append({"country": c.country,
                        "hours_above": round((min(tr, horizon) - arr) / 3600.0, 1) if inside else 0.0,
                        "peak_hours": (round(float(pr.borders.peak_time_s[i]) / 3600.0, 1)
                                       if float(pr.borders.peak_time_s[i]) <= horizon else None)})
    names = [c.country for c in run.crossings] + [p.name for p in run.request.points]
    return {"times_s": [float(t) for t in times],
            "curves": [{"name": n, "border": i < len(crossings),
                        "mg_l": [float(v) for v in conc[i]]} for i, n in enumerate(names)],
            "borders": borders, "threshold_mg_l": float(run.threshold_mg_l)}


def plume_extra(result: Any) -> dict[str, Any]:
    return {"polygons": result.geojson() if result.geometries else None}


def _same_spill(stored: dict[str, Any], doc: dict[str, Any]) -> bool:
    def key(d: dict[str, Any]) -> list[tuple[str, float]]:
        return [(c["country"], c["peak_mg_l"]) for c in d.get("countries") or []]

    return key(stored) == key(doc)


def _same_plume(stored: dict[str, Any], doc: dict[str, Any]) -> bool:
    return ([z["distance_m"] for z in stored.get("zones") or []]
            == [z["distance_m"] for z in doc.get("zones") or []]
            and stored.get("countries") == doc.get("countries"))


def _compute(principal: Principal, stored: dict[str, Any]) -> dict[str, Any] | None:
    from hazatlas.services import scenario_runs

    result, values = stored["result"], inputs(stored)
    if not _packaged_data_only(result):
        return None
    if stored["kind"] == "river":
        run, doc = scenario_runs.river(None, principal, values, keep=False)
        return spill_extra(run) if _same_spill(result, doc) else None
    if stored["kind"] == "plume":
        values["loc_kind"] = values.pop("levels", None) or values.get("loc_kind") or "aegl"
        plume, doc = scenario_runs.plume(None, principal, values, keep=False)
        return plume_extra(plume) if _same_plume(result, doc) else None
    return None


def extra(principal: Principal, stored: dict[str, Any]) -> dict[str, Any] | None:
    """The curves or polygons of a stored run (``GET /api/scenarios/{id}``'s answer, read
    under its access rule by the caller); None when they cannot be reproduced."""
    found, value = _cached(stored["id"])
    if found:
        return value
    try:
        value = _compute(principal, stored)
    except (HazatlasError, KeyError, TypeError, ValueError):
        value = None
    remember(stored["id"], value)
    return value
