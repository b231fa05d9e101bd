"""The forecast recomputed from a fit to measurements, with its uncertainty band.

:func:`forecast` runs the river spill model at the requested distances with the prior factors
and with the fitted ones (:mod:`.calibration`), and over an ensemble of factors drawn from the
fit's parameter covariance (a normal law of ``theta``, fixed seed). The band is the central
interval of probability ``level`` of the ensemble's arrival, peak time and peak; the share of
members whose peak exceeds the threshold is ``probability_above``. All times are seconds after
the prior release start (the fitted release shift included).

>>> import numpy as np
>>> from hazatlas.models.river.calibration import Measurement, ObservationFit, predict, Adjustment
>>> from hazatlas.models.river.path import RiverPath
>>> from hazatlas.models.river.spill import Release
>>> path = RiverPath.uniform(200_000.0, 0.5, 100.0, 50.0)
>>> t = np.arange(20.0, 60.0, 2.0) * 3600.0
>>> d = np.full(t.size, 60_000.0)
>>> c = predict(path, Release(1000.0), Adjustment(velocity_factor=1.3), d, t)
>>> fit = ObservationFit(path, Release(1000.0)).fit(
...     [Measurement("A", x, s, v) for x, s, v in zip(d, t, c)])
>>> f = forecast(path, Release(1000.0), fit, [150_000.0], 1e-6, size=50)
>>> bool(f.band["peak_time_s"][0][0] <= f.peak_time_s[0] <= f.band["peak_time_s"][1][0])
True
>>> round(float(f.peak_time_s[0] / f.prior.peak_time_s[0]), 2)   # 1 / 1.3
0.77
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hazatlas.models.river.calibration import (
    Adjustment,
    Calibration,
    adjusted_path,
    adjusted_release,
)
from hazatlas.models.river.path import RiverPath
from hazatlas.models.river.spill import Breakthrough, Release, RiverSpillModel

BAND_FIELDS = ("arrival_s", "peak_time_s", "peak_kg_m3")


@dataclass(frozen=True)
class Forecast:
    """Prior and fitted breakthrough at each distance, and the ensemble band.

    ``arrival_s``, ``peak_time_s``, ``trailing_s`` and ``peak_kg_m3`` are the fitted run's
    (times after the prior start); ``band[name]`` is a pair (low, high) of arrays for each of
    :data:`BAND_FIELDS` (NaN where fewer than half of the members cross the threshold, for the
    arrival).
    """

    distance_m: np.ndarray
    prior: Breakthrough
    fitted: Breakthrough
    shift_s: float
    band: dict[str, tuple[np.ndarray, np.ndarray]]
    probability_above: np.ndarray
    level: float
    size: int

    @property
    def arrival_s(self) -> np.ndarray:
        out: np.ndarray = self.fitted.arrival_s + self.shift_s
        return out

    @property
    def peak_time_s(self) -> np.ndarray:
        out: np.ndarray = self.fitted.peak_time_s + self.shift_s
        return out

    @property
    def trailing_s(self) -> np.ndarray:
        out: np.ndarray = self.fitted.trailing_s + self.shift_s
        return out

    @property
    def peak_kg_m3(self) -> np.ndarray:
        return self.fitted.peak_kg_m3


def run(
    path: RiverPath,
    release: Release,
    adjustment: Adjustment,
    distance_m: np.ndarray,
    threshold_kg_m3: float,
) -> Breakthrough:
    """The model with the factors applied (times relative to the shifted release)."""
    model = RiverSpillModel(adjusted_path(path, adjustment))
    return model.compute(adjusted_release(release, adjustment), distance_m, threshold_kg_m3)


def forecast(
    path: RiverPath,
    release: Release,
    calibration: Calibration,
    distance_m: Sequence[float] | np.ndarray,
    threshold_kg_m3: float,
    *,
    size: int = 200,
    level: float = 0.9,
    seed: int = 0,
) -> Forecast:
    """Prior, fitted and ensemble runs at ``distance_m`` (see module doc)."""
    d = np.asarray(distance_m, dtype=float)
    prior = run(path, release, calibration.prior, d, threshold_kg_m3)
    fitted = run(path, release, calibration.fitted, d, threshold_kg_m3)
    members = calibration.ensemble(size, seed)
    values = {name: np.empty((size, d.size)) for name in BAND_FIELDS}
    for n, adj in enumerate(members):
        b = run(path, release, adj, d, threshold_kg_m3)
        values["arrival_s"][n] = b.arrival_s + adj.release_shift_s
        values["peak_time_s"][n] = b.peak_time_s + adj.release_shift_s
        values["peak_kg_m3"][n] = b.peak_kg_m3
    above = np.mean(values["peak_kg_m3"] > threshold_kg_m3, axis=0) if size else np.zeros(d.size)
    q = (50.0 - 50.0 * level, 50.0 + 50.0 * level)
    band: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name, v in values.items():
        if size == 0:
            band[name] = (np.full(d.size, np.nan), np.full(d.size, np.nan))
            continue
        if name == "arrival_s":
            # a member below the threshold never arrives: count it as arriving last
            lo, hi = np.percentile(np.where(np.isnan(v), np.inf, v), q, axis=0,
                                   method="inverted_cdf")
            lo = np.where(np.isfinite(lo) & (above >= 0.5), lo, np.nan)
            hi = np.where(np.isfinite(hi), hi, np.nan)
        else:
            lo, hi = np.percentile(v, q, axis=0)
        band[name] = (lo, hi)
    return Forecast(d, prior, fitted, calibration.fitted.release_shift_s, band, above, level,
                    size)
