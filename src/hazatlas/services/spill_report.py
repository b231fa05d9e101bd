"""The JSON document of a river spill run (CLI ``hazatlas spill --json`` and the API).

Keys of the contract (issue 5): ``source``, ``points`` (``name``, ``reach_id``,
``river_km_from_source``, ``arrival``, ``peak_time``, ``peak_mg_l``, ``trailing_edge``,
``hours_above_threshold``), ``countries`` (``country``, ``first_arrival``, ``peak_mg_l``),
``flow`` and ``method``; ``profile`` adds the longitudinal profile of the peak; ``threshold``
(``value`` in mg/l, ``unit``, ``basis``, ``default``) says which threshold the arrival and
duration use and why (``default`` true: no substance or threshold was given, see
``hazatlas.services.spill.DEFAULT_THRESHOLD_FRACTION``). Times are
ISO 8601; events after the requested horizon (``days``) are ``null``. ``source.first_leg``
(``length_km``, ``travel_time_h``, ``velocity_m_s``, ``status`` ``unmapped`` or ``on river``,
as in screening) is the unmapped first leg from the release point to the river: its length is
in every ``river_km_from_source`` and its travel time in every time.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from hazatlas.geo.schematic import path_fields
from hazatlas.models.base import scenario_summary
from hazatlas.models.river.spill import Breakthrough

if TYPE_CHECKING:
    from hazatlas.services.spill import PathRun, SpillRun


def _sig(x: float, digits: int = 4) -> float:
    if not math.isfinite(x) or x == 0:
        return 0.0
    return float(f"{x:.{digits}g}")


def _km(run: SpillRun, river_m: float) -> float:
    """km from the release point: the unmapped first leg and ``river_m`` along the river."""
    return round((run.first_leg.length_m + river_m) / 1000.0, 1)


def _timing(run: SpillRun, pr: PathRun, b: Breakthrough, i: int) -> dict[str, Any]:
    from hazatlas.services.spill import iso

    start, horizon = run.request.start, run.request.days * 86_400.0
    arr, tp, tr = (float(b.arrival_s[i]), float(b.peak_time_s[i]), float(b.trailing_s[i]))
    peak = float(b.peak_kg_m3[i]) * 1000.0
    if tp > horizon:  # the peak comes later: report the highest value inside the horizon
        from hazatlas.services.spill import delayed_series

        where = np.array([b.distance_m[i]])
        peak = float(delayed_series(pr.model, run.release, where, np.array([horizon]),
                                     run.first_leg.time_s)[0, 0])  # fmt: skip
        tp = math.nan
    inside = math.isfinite(arr) and arr <= horizon
    hours = (min(tr, horizon) - arr) / 3600.0 if inside else 0.0
    return {
        "arrival": iso(start, arr) if inside else None,
        "peak_time": iso(start, tp),
        "peak_mg_l": _sig(peak),
        "trailing_edge": iso(start, tr) if inside and tr <= horizon else None,
        "hours_above_threshold": round(hours, 1),
    }


def _points(run: SpillRun, pr: PathRun) -> list[dict[str, Any]]:
    out = []
    net = run.network
    for i, p in enumerate(run.request.points):
        entry = {
            "name": p.name,
            "reach_id": int(net.reach_id[run.point_reach[i]]),
            "river_km_from_source": _km(run, float(run.point_distance_m[i])),
        }
        assert pr.points is not None
        entry.update(_timing(run, pr, pr.points, i))
        out.append(entry)
    return out


def _countries(run: SpillRun, pr: PathRun) -> list[dict[str, Any]]:
    out = []
    for i, c in enumerate(run.crossings):
        assert pr.borders is not None
        t = _timing(run, pr, pr.borders, i)
        out.append(
            {
                "country": c.country,
                "first_arrival": t["arrival"],
                "peak_mg_l": t["peak_mg_l"],
                "river_km_from_source": _km(run, c.river_distance_m),
                "border_river": bool(getattr(c, "border_river", False)),
                **(c.contact.fields() if getattr(c, "contact", None) else {}),
            }
        )
    return out


def country_rows(run: SpillRun) -> list[dict[str, Any]]:
    """The ``countries`` of :func:`spill_document` (selected flow) without the rest of it."""
    return _countries(run, run.runs[run.selected])


def _profile(run: SpillRun, pr: PathRun) -> list[dict[str, Any]]:
    net = run.network
    out = []
    for i, r in enumerate(run.path_reaches):
        t = _timing(run, pr, pr.profile, i)
        out.append(
            {
                "reach_id": int(net.reach_id[r]),
                "river": net.river_name(r),
                "river_names": net.river_names(r),
                "river_km_from_source": _km(run, float(pr.profile.distance_m[i])),
                "arrival": t["arrival"],
                "peak_time": t["peak_time"],
                "peak_mg_l": t["peak_mg_l"],
            }
        )
    return out


def mixing_length_m(run: SpillRun, flow: str | float) -> float:
    """Distance (m) to complete cross-sectional mixing for a bank release on the source reach:
    0.4 U B² / e_t with e_t = 0.6 H u* (Fischer et al. 1979, ch. 5) and u* from Manning's
    equation, u* = n U sqrt(g) / H^(1/6), as in ``hazatlas.geo.hydraulics``."""
    from hazatlas.geo.hydraulics import geometry_coefficients

    net, i = run.network, run.snap.reach_index
    if flow in ("low", "mean", "high"):
        hyd = net.hydraulics(flow)
    else:
        q = net.discharge("mean")
        hyd = net.hydraulics_for_discharge(q * (float(flow) / q[run.path_reaches[0]]))
    u, b, h = float(hyd.velocity_m_s[i]), float(hyd.width_m[i]), float(hyd.depth_m[i])
    gc = geometry_coefficients()
    u_star = gc.manning_n * u * math.sqrt(gc.g) / max(h, 0.01) ** (1.0 / 6.0)
    return 0.4 * u * b * b / (0.6 * max(h, 0.01) * max(u_star, 1e-6))


def spill_warnings(run: SpillRun) -> list[str]:
    """Validity warnings of a run: the model's envelope on the selected flow's path, points
    within the cross-sectional mixing length, a source far from the mapped river, the forks
    of the path (``hazatlas.geo.distributaries.path_forks``)."""
    req, sel = run.request, run.runs[run.selected]
    warnings = sel.model.warnings()
    mix = mixing_length_m(run, sel.flow)
    near = [p.name for p, d in zip(req.points, run.point_distance_m, strict=True) if d < mix]
    if near:
        warnings.append(
            f"{', '.join(near)} lie within the estimated cross-sectional mixing length "
            f"({mix / 1000:.1f} km, 0.4 U B^2 / (0.6 H u*), Fischer et al. 1979 ch. 5): the 1D "
            "model is not yet valid there and may underestimate the peak on the release bank"
        )
    if run.snap.distance_m > 5_000:
        warnings.append(
            f"the source is {run.snap.distance_m / 1000:.1f} km from the nearest river of the "
            "network: travel along the missing tributary is not modelled"
        )
    warnings += [
        f"reach {f['reach_id']} ({f['river'] or 'unnamed'}) on the path: {f['message']}"
        for f in path_plausibility(run)
    ]
    from hazatlas.geo.distributaries import path_forks

    warnings += path_forks(run.network, run.path_reaches)
    return warnings


def path_plausibility(run: SpillRun) -> list[dict[str, Any]]:
    """The plausibility flags (``hazatlas.geo.plausibility``) of the reaches on the spill's
    path, in path order."""
    from hazatlas.geo.plausibility import path_flags

    return [f.to_dict(run.network) for f in path_flags(run.network, run.path_reaches)]


def spill_summary(run: SpillRun) -> dict[str, Any]:
    """The kind-independent summary of a spill run (``scenario_summary``) with its headline:
    flow, threshold, places and borders reached above the threshold, the highest peak."""
    doc = spill_document(run)
    reached = [p for p in doc["points"] if p["arrival"] is not None]
    borders = [c for c in doc["countries"] if c["first_arrival"] is not None]
    peaks = [p["peak_mg_l"] for p in doc["profile"]]
    return scenario_summary(
        run,
        {
            "flow": doc["flow"]["scenario"],
            "threshold_mg_l": run.threshold_mg_l,
            "places_above_threshold": len(reached),
            "borders_above_threshold": len(borders),
            "max_peak_mg_l": max(peaks) if peaks else None,
        },
    )


def spill_document(run: SpillRun) -> dict[str, Any]:
    """Plain JSON-ready dict of ``run`` (selected flow in the main keys, all flows in the band)."""
    req, sub, net = run.request, run.substance, run.network
    sel = run.runs[run.selected]
    band = []
    for key, pr in run.runs.items():
        band.append(
            {
                "flow": key,
                "discharge_at_source_m3_s": _sig(pr.source_discharge_m3_s),
                "points": [
                    {
                        k: p[k]
                        for k in (
                            "name",
                            "arrival",
                            "peak_time",
                            "peak_mg_l",
                            "trailing_edge",
                            "hours_above_threshold",
                        )
                    }
                    for p in _points(run, pr)
                ],
                "countries": _countries(run, pr),
            }
        )
    warnings = spill_warnings(run)
    return {
        "source": {
            "lon": req.lon,
            "lat": req.lat,
            "reach_id": int(net.reach_id[run.snap.reach_index]),
            "river": net.river_name(run.snap.reach_index),
            "river_names": net.river_names(run.snap.reach_index),
            "schematic": path_fields(net, run.snap.reach_index),
            "offset_m": round(run.snap.offset_m, 1),
            "snap_distance_m": round(run.snap.distance_m, 1),
            "first_leg": run.first_leg.fields(),
            "start": req.start.isoformat(timespec="minutes"),
            "mass_kg": req.mass_kg,
            "duration_h": round(req.duration_s / 3600.0, 3),
            "substance": sub.name if sub else None,
            "cas": sub.cas if sub else None,
            "decay_per_day": run.decay_per_day,
            "decay_basis": run.decay_basis,
            "water_temp_c": run.water_temp.water_temp_c,
            "water_temp_basis": run.water_temp_basis,
            "water_temp": run.water_temp.fields(),
            "threshold_mg_l": run.threshold_mg_l,
            "threshold_basis": run.threshold_basis,
            "days": req.days,
        },
        "points": _points(run, sel),
        "countries": _countries(run, sel),
        "flow": {
            "scenario": run.selected,
            "discharge_at_source_m3_s": _sig(sel.source_discharge_m3_s),
            "given_m3_s": None if isinstance(req.flow, str) else req.flow,
            "band": band,
            "plausibility": path_plausibility(run),
        },
        "method": {
            "name": sel.model.name,
            "description": (
                "1D advection-dispersion with first-order decay: travel-time moments along the "
                "path, inverse-Gaussian breakthrough curves, complete mixing at confluences, "
                "lakes as completely mixed reactors (docs/models/river.md)"
            ),
            "source": sel.model.source,
            "dispersion": getattr(net, "dispersion_method", ""),
            "warnings": warnings,
        },
        "profile": _profile(run, sel),
        "threshold": {
            "value": run.threshold_mg_l,
            "unit": "mg/l",
            "basis": run.threshold_basis,
            "default": run.threshold_default,
        },
    }
