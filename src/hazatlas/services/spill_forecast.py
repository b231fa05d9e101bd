"""Forecast from measurements: a spill run updated with concentrations measured during the event.

:func:`forecast_document` places each measurement on the run's path (a station named in the
file is a ``--point`` of the run or a gauge of ``river_gauges.csv``; else its lon/lat), fits the
release mass and time and the path's velocity and dispersion factors to them
(:mod:`hazatlas.models.river.calibration`, on the selected flow's path) and recomputes the
forecast at the run's points and border crossings with its band
(:mod:`hazatlas.models.river.forecast`). The result is the ``forecast`` block of the spill
document (keys in ``docs/models/river.md``, "Forecast from measurements").
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.domain.reference import load_table
from hazatlas.formats.observations import ObservationRow, ObservationSet
from hazatlas.models.river.calibration import (
    PARAMETERS,
    Calibration,
    Measurement,
    ObservationFit,
    step_name,
)
from hazatlas.models.river.forecast import Forecast, forecast
from hazatlas.models.river.spill import Breakthrough

if TYPE_CHECKING:
    from hazatlas.services.spill import SpillRun

BAND_LEVEL = 0.9
ENSEMBLE_SIZE = 200


def _start_utc(run: SpillRun) -> datetime:
    start = run.request.start
    return start.replace(tzinfo=UTC) if start.tzinfo is None else start


def known_stations(run: SpillRun) -> dict[str, tuple[float, float]]:
    """Station names (case-folded) with their lon/lat: the run's points, then the bundled
    gauges (``station`` and ``gauge_id`` of ``river_gauges.csv``)."""
    out: dict[str, tuple[float, float]] = {}
    for row in load_table("river_gauges"):
        try:
            where = (float(row["lon"]), float(row["lat"]))
        except (KeyError, ValueError):
            continue
        for name in (row.get("gauge_id"), row.get("station")):
            if name:
                out[name.strip().casefold()] = where
    for p in run.request.points:
        out[p.name.strip().casefold()] = (p.lon, p.lat)
    return out


def measurements(run: SpillRun, observations: ObservationSet) -> list[Measurement]:
    """The observations as :class:`Measurement` on the run's path (problems name the row)."""
    from hazatlas.services.spill import path_distance

    stations = known_stations(run)
    start = _start_utc(run)
    limit = run.request.max_snap_distance_m
    out: list[Measurement] = []
    problems: list[Problem] = []
    cache: dict[tuple[float, float], tuple[float, int, float]] = {}
    for row in observations.rows:
        where = _place(row, stations, observations, problems)
        if where is None:
            continue
        if where not in cache:
            cache[where] = path_distance(run, *where)
        dist, _, away = cache[where]
        field = "station" if row.lon is None else "lon"
        if away > limit:
            problems.append(observations.problem(row, field, (
                f"'{row.label}' is {away / 1000:.1f} km from the river downstream of the source "
                f"(limit {limit / 1000:g} km): not on the spill's path")))
            continue
        if dist <= 0:
            problems.append(observations.problem(row, field, (
                f"'{row.label}' lies {-dist / 1000:.1f} km upstream of the source")))
            continue
        # model time: from the release's arrival at the river (after the unmapped first leg)
        seconds = (row.time - start).total_seconds() - run.first_leg.time_s
        out.append(Measurement(row.label, dist, seconds, row.concentration_mg_l / 1000.0,
                               row.phase))
    if problems:
        raise ValidationError(problems)
    return out


def _place(row: ObservationRow, stations: dict[str, tuple[float, float]],
           observations: ObservationSet, problems: list[Problem]) -> tuple[float, float] | None:
    if row.lon is not None and row.lat is not None:
        return row.lon, row.lat
    assert row.station is not None
    where = stations.get(row.station.strip().casefold())
    if where is None:
        problems.append(observations.problem(row, "station", (
            f"unknown station '{row.station}': name a --point of the run (points in the API) "
            "or a gauge of river_gauges.csv, or give lon and lat")))
    return where


def forecast_document(run: SpillRun, observations: ObservationSet) -> dict[str, Any]:
    """The ``forecast`` block: parameters prior/fitted, residuals, points and countries with
    their band (see module doc)."""
    meas = measurements(run, observations)
    path = run.runs[run.selected].model.path
    fit = ObservationFit(path, run.release).fit(meas)
    total = float(np.cumsum(path.length_m)[-1])
    places = [(p.name, "name", float(d)) for p, d in zip(run.request.points, run.point_distance_m,
                                                          strict=True)]
    places += [(c.country, "country", float(np.clip(c.river_distance_m, 1.0, total)))
               for c in run.crossings]
    thr = run.threshold_mg_l / 1000.0
    fc = forecast(path, run.release, fit, [p[2] for p in places], thr,
                  size=ENSEMBLE_SIZE, level=BAND_LEVEL) if places else None
    furthest = max(m.distance_m for m in meas)
    entries = [_entry(run, fc, i, key, name, furthest) for i, (name, key, _) in
               enumerate(places)] if fc is not None else []
    warnings = list(fit.warnings)
    if run.request.start.tzinfo is None:
        warnings.append("the run's start has no time zone: it was read as UTC to compare it "
                        "with the measurements' times")
    return {
        "flow": run.selected,
        "method": (
            "source mass and time, a velocity factor per stretch between observed stations (the "
            "last one carried downstream) and a dispersion factor fitted to the measurements "
            "by regularised least squares on ln concentration (and on the peak time where a "
            "measurement's phase is given); band: central "
            f"{BAND_LEVEL:.0%} of {ENSEMBLE_SIZE} runs drawn from the fit's parameter "
            "covariance"),
        "model": ObservationFit.describe(),
        "observations": {"source": observations.source, "count": len(meas),
                         "stations": _stations(run, meas)},
        "parameters": _parameters(run, fit),
        "residuals": _residuals(run, observations, fit),
        "rms_log_residual": {
            "prior": _rms(fit.log_residuals(fit.prior_kg_m3)),
            "fitted": _rms(fit.log_residuals(fit.fitted_kg_m3)),
        },
        "points": [e for e in entries if "name" in e],
        "countries": [e for e in entries if "country" in e],
        "validity": fit.validity.to_json(),
        "warnings": warnings,
    }


def _rms(x: np.ndarray) -> float:
    return round(float(np.sqrt(np.mean(x**2))), 3)


def _sig(x: float) -> float | None:
    return float(f"{x:.4g}") if math.isfinite(x) else None


def _km(run: SpillRun, river_m: float) -> float:
    """km from the release point: the unmapped first leg and ``river_m`` along the river."""
    return round((run.first_leg.length_m + river_m) / 1000.0, 1)


def _stations(run: SpillRun, meas: list[Measurement]) -> list[dict[str, Any]]:
    seen: dict[str, list[Measurement]] = {}
    for m in meas:
        seen.setdefault(m.station, []).append(m)
    return [{"station": k, "river_km_from_source": _km(run, v[0].distance_m),
             "count": len(v)} for k, v in seen.items()]


def _parameters(run: SpillRun, fit: Calibration) -> dict[str, Any]:
    from hazatlas.services.spill import iso

    iv = fit.interval(BAND_LEVEL)
    prior, fitted = fit.prior.values(), fit.fitted.values()
    m0, start = run.request.mass_kg, run.request.start
    shift = iv["release_shift_s"]
    out: dict[str, Any] = {
        "mass_kg": {"prior": m0, "fitted": _sig(m0 * fitted["mass_factor"]),
                    "low": _sig(m0 * iv["mass_factor"][0]),
                    "high": _sig(m0 * iv["mass_factor"][1]), "unit": "kg"},
        "release_start": {
            "prior": iso(start, 0.0), "fitted": iso(start, fitted["release_shift_s"]),
            "low": iso(start, shift[0]), "high": iso(start, shift[1]), "unit": "ISO 8601"},
    }
    for name in PARAMETERS[2:]:
        out[name] = {"prior": prior[name], "fitted": _sig(fitted[name]),
                     "low": _sig(iv[name][0]), "high": _sig(iv[name][1]), "unit": "1"}
    # one velocity factor per stretch between observed stations, the last carried downstream
    out["velocity_factor_by_stretch"] = [
        {"from_river_km": _km(run, lo), "to_river_km": None if hi is None else _km(run, hi),
         "prior": prior[name], "fitted": _sig(fitted[name]), "low": _sig(iv[name][0]),
         "high": _sig(iv[name][1]), "unit": "1"}
        for name, lo, hi in _stretches(fit)]
    return out


def _stretches(fit: Calibration) -> list[tuple[str, float, float | None]]:
    """(name in ``values()``, from m, to m or None: carried to the outlet) per stretch."""
    bounds = fit.fitted.boundaries_m
    names = ["velocity_factor"] + [step_name(b) for b in bounds]
    starts = [0.0, *bounds]
    ends: list[float | None] = [*bounds, None]
    return list(zip(names, starts, ends, strict=True))


def _residuals(run: SpillRun, observations: ObservationSet, fit: Calibration) -> list[dict]:
    from hazatlas.services.spill import iso

    r_prior = fit.log_residuals(fit.prior_kg_m3)
    r_fit = fit.log_residuals(fit.fitted_kg_m3)
    out = []
    for i, (row, m) in enumerate(zip(observations.rows, fit.measurements, strict=True)):
        out.append({
            "row": row.row, "station": m.station,
            "river_km_from_source": _km(run, m.distance_m),
            "time": iso(run.request.start, m.time_s + run.first_leg.time_s),
            "observed_mg_l": _sig(m.concentration_kg_m3 * 1000.0),
            "prior_mg_l": _sig(float(fit.prior_kg_m3[i]) * 1000.0),
            "fitted_mg_l": _sig(float(fit.fitted_kg_m3[i]) * 1000.0),
            "log_residual_prior": round(float(r_prior[i]), 3),
            "log_residual_fitted": round(float(r_fit[i]), 3),
        })
    return out


def _timing(run: SpillRun, b: Breakthrough, shift_s: float, i: int) -> dict[str, Any]:
    from hazatlas.services.spill import iso

    start, shift_s = run.request.start, shift_s + run.first_leg.time_s
    return {"arrival": iso(start, float(b.arrival_s[i]) + shift_s),
            "peak_time": iso(start, float(b.peak_time_s[i]) + shift_s),
            "peak_mg_l": _sig(float(b.peak_kg_m3[i]) * 1000.0)}


def _entry(run: SpillRun, fc: Forecast, i: int, key: str, name: str,
           furthest_m: float) -> dict[str, Any]:
    from hazatlas.services.spill import iso

    start = run.request.start
    leg = run.first_leg.time_s
    band = {k: [float(fc.band[f][0][i]) + leg, float(fc.band[f][1][i]) + leg]
            for k, f in (("arrival", "arrival_s"), ("peak_time", "peak_time_s"))}
    lo, hi = fc.band["peak_kg_m3"][0][i], fc.band["peak_kg_m3"][1][i]
    return {
        key: name,
        "river_km_from_source": _km(run, float(fc.distance_m[i])),
        "beyond_observations": bool(fc.distance_m[i] > furthest_m),
        "prior": _timing(run, fc.prior, 0.0, i),
        "fitted": _timing(run, fc.fitted, fc.shift_s, i),
        "band": {**{k: [iso(start, v[0]), iso(start, v[1])] for k, v in band.items()},
                 "peak_mg_l": [_sig(float(lo) * 1000.0), _sig(float(hi) * 1000.0)]},
        "probability_above_threshold": round(float(fc.probability_above[i]), 3),
    }
