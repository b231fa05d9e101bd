"""River spill alarm model: arrival, peak and duration of a pollution wave along a river path.

:class:`RiverSpillModel` propagates travel-time moments along a :class:`~.path.RiverPath`
(module :mod:`.path`) and evaluates the analytical inverse-Gaussian breakthrough curves of
:mod:`.kernels` at any distance downstream of the source. Leading edge, peak and trailing edge
are found per point by vectorised root finding on the closed-form curves, so no time grid is
needed: the cost is a few dozen array operations per call, whatever the number of points.

>>> from hazatlas.models.river.path import RiverPath
>>> path = RiverPath.uniform(100_000.0, 1.0, 50.0, 100.0)
>>> model = RiverSpillModel(path)
>>> r = model.compute(Release(mass_kg=1000.0), [50_000.0], threshold_kg_m3=1e-4)
>>> round(float(r.peak_time_s[0])), round(float(r.peak_kg_m3[0]) * 1e3, 3)   # s, mg/l
(49950, 1.785)
>>> float(r.arrival_s[0]) < 50_000.0 < float(r.trailing_s[0])
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from hazatlas.domain.errors import Problem
from hazatlas.models.base import PublishedModel, Validity, input_problem, raise_problems
from hazatlas.models.river import kernels, lakes
from hazatlas.models.river.decay import water_temp_problems
from hazatlas.models.river.path import PathMoments, RiverPath, path_moments

FLOWS = ("low", "mean", "high")
"""The flow scenarios a spill is run for (network discharges, ``hazatlas.geo``)."""


def spill_problems(
    *,
    mass_kg: float | None = None,
    duration_s: float | None = None,
    decay_per_day: float | None = None,
    threshold_mg_l: float | None = None,
    days: float | None = None,
    flow: str | float | None = None,
    duration_given: bool = False,
    water_temp_c: float | None = None,
    month: int | None = None,
) -> list[Problem]:
    """Every problem with the inputs of a river spill, each naming its parameter.

    The one place spill inputs are checked: :class:`Release` (the model's request), the
    threshold of :meth:`RiverSpillModel.compute`, the use case (``hazatlas.services.spill``) and
    the ``--duration`` option of the CLI all call it. ``None`` means "not given, not checked";
    ``duration_given`` says a duration was asked for explicitly, so 0 is refused (otherwise 0 is
    an instantaneous release).

    >>> [p.field for p in spill_problems(mass_kg=-1.0, duration_s=0.0, flow="medium")]
    ['mass', 'flow']
    """
    problems: list[Problem] = []
    if mass_kg is not None and not (math.isfinite(mass_kg) and mass_kg > 0):
        problems.append(
            input_problem("mass", f"{mass_kg!r} kg: the released mass must be positive")
        )
    if duration_s is not None:
        if duration_given and not (math.isfinite(duration_s) and duration_s > 0):
            problems.append(
                input_problem(
                    "duration",
                    f"{duration_s!r} s: a release over a duration needs a positive duration "
                    "(omit --duration for an instantaneous release)",
                )
            )
        elif not (math.isfinite(duration_s) and duration_s >= 0):
            problems.append(
                input_problem(
                    "duration",
                    f"{duration_s!r} s: the duration must be zero (instantaneous) or positive",
                )
            )
    if decay_per_day is not None and not (math.isfinite(decay_per_day) and decay_per_day >= 0):
        problems.append(
            input_problem(
                "decay-per-day", f"{decay_per_day!r} 1/day: the decay rate must be zero or positive"
            )
        )
    if threshold_mg_l is not None and not (math.isfinite(threshold_mg_l) and threshold_mg_l > 0):
        problems.append(input_problem("threshold", "the threshold must be positive"))
    if days is not None and not (math.isfinite(days) and days > 0):
        problems.append(input_problem("days", "the number of days must be positive"))
    if isinstance(flow, str):
        if flow not in FLOWS:
            problems.append(
                input_problem("flow", f"'{flow}': expected low, mean, high or a discharge in m3/s")
            )
    elif flow is not None and not (math.isfinite(flow) and flow > 0):
        problems.append(input_problem("flow", "a given discharge must be positive (m3/s)"))
    problems += water_temp_problems(water_temp_c)
    if month is not None and not (isinstance(month, int) and 1 <= month <= 12):
        problems.append(
            input_problem("month", f"{month!r}: the month of the water-temperature climatology "
                          "must be a whole number from 1 (January) to 12 (December)")
        )
    return problems


@dataclass(frozen=True)
class Release:
    """A spill: ``mass_kg`` released instantaneously (``duration_s`` = 0) or evenly over
    ``duration_s``, decaying at the first-order rate ``decay_per_s`` (the model's request)."""

    mass_kg: float
    duration_s: float = 0.0
    decay_per_s: float = 0.0

    def __post_init__(self) -> None:
        raise_problems(
            spill_problems(
                mass_kg=self.mass_kg,
                duration_s=self.duration_s,
                decay_per_day=self.decay_per_s * 86_400.0,
            )
        )


class PointResults(NamedTuple):
    """Travel-time moments and breakthrough features at each point (arrays of equal length)."""

    mean_s: np.ndarray
    var_s2: np.ndarray
    discharge_m3_s: np.ndarray
    peak_time_s: np.ndarray
    arrival_s: np.ndarray
    peak_kg_m3: np.ndarray
    trailing_s: np.ndarray


@dataclass(frozen=True)
class Breakthrough:
    """Results at each requested point (arrays of equal length; times in s after the release).

    ``arrival_s``/``trailing_s`` are the first/last times above the threshold and
    ``duration_above_s`` their difference; all three are NaN where the peak stays below the
    threshold. Concentrations are in kg/m³ (x 1000 = mg/l). ``warnings`` and ``validity`` say
    whether the path's hydraulics lie in the model's validity envelope.
    """

    distance_m: np.ndarray
    mean_s: np.ndarray
    var_s2: np.ndarray
    discharge_m3_s: np.ndarray
    peak_time_s: np.ndarray
    peak_kg_m3: np.ndarray
    arrival_s: np.ndarray
    trailing_s: np.ndarray
    threshold_kg_m3: float
    validity: Validity | None = None

    @property
    def duration_above_s(self) -> np.ndarray:
        out: np.ndarray = self.trailing_s - self.arrival_s
        return out

    @property
    def warnings(self) -> list[str]:
        """Sentences for the inputs outside the validity envelope."""
        return list(self.validity.outside) if self.validity else []


class RiverSpillModel(PublishedModel):
    """1D advection-dispersion with decay on a river path, solved by travel-time moments and
    inverse-Gaussian kernels (see ``docs/models/river.md``)."""

    name = "river-moments-ig"
    source = (
        "1D advection-dispersion, Eq. (1) of docs/models/river.md (Fischer et al. 1979, ch. 2; "
        "equation number not checked); "
        "inverse Gaussian first-passage density, Chhikara & Folks (1989) ch. 1; "
        "CSTR lakes, Levenspiel (1999) ch. 11; transient storage, Bencala & Walters (1983)"
    )
    inputs = {
        "mass_kg": "kg",
        "duration_s": "s",
        "decay_per_s": "1/s",
        "length_m": "m",
        "velocity_m_s": "m/s",
        "dispersion_m2_s": "m2/s",
        "discharge_m3_s": "m3/s",
        "lake_volume_m3": "m3",
        "storage_ratio": "1",
        "exchange_per_s": "1/s",
    }
    validity_basis = "plausibility ranges chosen by hazatlas for natural rivers (no source)"
    # Plausibility ranges chosen by hazatlas for natural rivers (not taken from a source).
    validity = {
        "velocity_m_s": (0.01, 5.0),
        "dispersion_m2_s": (0.01, 20_000.0),
        "storage_ratio": (0.0, 2.0),
    }

    def __init__(self, path: RiverPath) -> None:
        self.path = path
        self.moments: PathMoments = path_moments(path)

    def validity_envelope(self) -> Validity:
        """The validity envelope of a run on this path (its river elements' hydraulics)."""
        p = self.path
        river = ~p.is_lake
        return self.envelope(
            velocity_m_s=p.velocity_m_s[river],
            dispersion_m2_s=p.dispersion_m2_s[river],
            storage_ratio=p.storage_ratio,
        )

    def warnings(self) -> list[str]:
        """Validity warnings for the path's hydraulics."""
        return list(self.validity_envelope().outside)

    def series(
        self, release: Release, distance_m: Sequence[float] | np.ndarray, time_s: np.ndarray
    ) -> np.ndarray:
        """Concentration (kg/m³), shape (points, times), at distances (m) from the source."""
        d = np.asarray(distance_m, dtype=float)
        mean, var, q = self.moments.at(d)
        t = np.asarray(time_s, dtype=float)[None, :]
        out = kernels.concentration(
            release.mass_kg,
            release.duration_s,
            mean[:, None],
            var[:, None],
            q[:, None],
            t,
            release.decay_per_s,
        )
        tau = self.moments.lakes_at(d)
        below = tau.sum(axis=1) > 0
        if below.any():
            grid_t, grid_c = _lake_grid(release, mean, var, q, tau, below)
            for n, row in enumerate(np.flatnonzero(below)):
                out[row] = np.interp(t[0], grid_t[n], grid_c[n], right=0.0)
        return out

    def compute(
        self,
        release: Release,
        distance_m: Sequence[float] | np.ndarray,
        threshold_kg_m3: float,
    ) -> Breakthrough:
        """Peak, leading and trailing edge at distances (m) from the source (vectorised).

        The leading edge is made causal: a point never sees the front before any point
        upstream of it (the requested points and the element ends upstream of them). The moments
        rule alone can break this where the dispersion jumps sharply from one element to the
        next; the one-dimensional equation itself cannot (its profile stays unimodal).
        """
        raise_problems(spill_problems(threshold_mg_l=threshold_kg_m3 * 1000.0))
        d = np.asarray(distance_m, dtype=float)
        res = self._evaluate(release, d, threshold_kg_m3)
        ends = self.moments.end_m[self.moments.end_m < d.max()] if d.size else d
        ends = np.setdiff1d(ends, d)
        arrival_ends = (
            self._evaluate(release, ends, threshold_kg_m3).arrival_s if ends.size else ends
        )
        every = np.concatenate([ends, d])
        order = np.argsort(every, kind="stable")
        causal = np.empty(every.size)
        causal[order] = np.fmax.accumulate(np.concatenate([arrival_ends, res.arrival_s])[order])
        arrival = np.where(np.isnan(res.arrival_s), np.nan, causal[ends.size :])
        return Breakthrough(
            d,
            res.mean_s,
            res.var_s2,
            res.discharge_m3_s,
            res.peak_time_s,
            res.peak_kg_m3,
            arrival,
            res.trailing_s,
            threshold_kg_m3,
            self.validity_envelope(),
        )

    def _evaluate(self, release: Release, d: np.ndarray, threshold: float) -> PointResults:
        """Moments, dilution discharge, peak time, arrival, peak and trailing at distances d
        (arrival not yet made causal, see :meth:`compute`)."""
        mean, var, q = self.moments.at(d)
        tau = self.moments.lakes_at(d)
        below = tau.sum(axis=1) > 0
        free = ~below
        t_peak, c_peak = np.empty(d.size), np.empty(d.size)
        arrival, trailing = np.empty(d.size), np.empty(d.size)
        if free.any():
            m, v, qq = mean[free], var[free], q[free]
            t_peak[free], c_peak[free] = _peak(release, m, v, qq)
            arrival[free], trailing[free] = _crossings(
                release, m, v, qq, t_peak[free], c_peak[free], threshold
            )
        if below.any():
            grid_t, grid_c = _lake_grid(release, mean, var, q, tau, below)
            res = lakes.summarize(grid_t, grid_c, threshold)
            t_peak[below], c_peak[below], arrival[below], trailing[below] = res
        return PointResults(mean, var, q, t_peak, arrival, c_peak, trailing)


def _lake_grid(
    release: Release,
    mean: np.ndarray,
    var: np.ndarray,
    q: np.ndarray,
    tau: np.ndarray,
    below: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Grid breakthrough (module :mod:`.lakes`) for the points below at least one lake."""
    tb = tau[below]
    river_mean = mean[below] - tb.sum(axis=1)
    river_var = var[below] - (tb**2).sum(axis=1)
    return lakes.grid_breakthrough(
        release.mass_kg,
        release.duration_s,
        release.decay_per_s,
        river_mean,
        river_var,
        q[below],
        tb,
    )


def _conc(
    release: Release, mean: np.ndarray, var: np.ndarray, q: np.ndarray, t: np.ndarray
) -> np.ndarray:
    return kernels.concentration(
        release.mass_kg, release.duration_s, mean, var, q, t, release.decay_per_s
    )


def _unit_log(
    release: Release, m: np.ndarray, v: np.ndarray, q: np.ndarray, t: np.ndarray
) -> np.ndarray:
    return kernels.log_instantaneous(1.0, m, v, q, t, release.decay_per_s)


def _log_conc_and_slope(
    release: Release, m: np.ndarray, v: np.ndarray, q: np.ndarray, t: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """ln C(t) and d ln C / dt for the release (instantaneous or continuous)."""
    k = release.decay_per_s
    if release.duration_s <= 0:
        return (
            kernels.log_instantaneous(release.mass_kg, m, v, q, t, k),
            kernels.dlog_instantaneous_dt(m, v, t, k),
        )
    c = _conc(release, m, v, q, t)
    rate = release.mass_kg / release.duration_s
    dc = rate * (
        np.exp(_unit_log(release, m, v, q, t))
        - np.exp(_unit_log(release, m, v, q, t - release.duration_s))
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(c), dc / c


def _peak(
    release: Release, mean: np.ndarray, var: np.ndarray, q: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    k = release.decay_per_s
    tp1 = kernels.peak_time_instantaneous(mean, var, k)
    if release.duration_s <= 0:
        return tp1, kernels.instantaneous(release.mass_kg, mean, var, q, tp1, k)
    dur = release.duration_s

    def h(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # zero where the unit kernel has equal values at t and t - T: the maximum of (K2)
        now = _unit_log(release, mean, var, q, t)
        before = _unit_log(release, mean, var, q, t - dur)
        slope = kernels.dlog_instantaneous_dt(mean, var, t, k) - kernels.dlog_instantaneous_dt(
            mean, var, t - dur, k
        )
        return now - before, slope

    lo, hi = np.maximum(tp1, dur), tp1 + dur
    t_peak = kernels.newton(h, lo, hi, 0.5 * (lo + hi), increasing=False)
    return t_peak, _conc(release, mean, var, q, t_peak)


def _crossings(
    release: Release,
    mean: np.ndarray,
    var: np.ndarray,
    q: np.ndarray,
    t_peak: np.ndarray,
    c_peak: np.ndarray,
    threshold: float,
) -> tuple[np.ndarray, np.ndarray]:
    above = c_peak > threshold
    nan = np.full(mean.shape, np.nan)
    if not above.any():
        return nan, nan.copy()
    m, v, qq, tp = mean[above], var[above], q[above], t_peak[above]
    log_thr = math.log(threshold)
    # first guesses: roots of lam (t - mu)^2 / (2 mu^2 t) = ln(c_peak / threshold), the
    # exponent of (K1); for a continuous release the trailing guess is shifted by T
    lam = kernels.shape(m, v)
    ln_ratio = np.log(c_peak[above] / threshold)
    b = 2.0 * lam * m + 2.0 * m * m * ln_ratio
    root = np.sqrt(np.maximum(b * b - 4.0 * lam * lam * m * m, 0.0))
    early, late = (b - root) / (2.0 * lam), (b + root) / (2.0 * lam) + release.duration_s

    def rising(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # in log time
        t = np.exp(s)
        value, slope = _log_conc_and_slope(release, m, v, qq, t)
        return value - log_thr, slope * t

    guess = np.log(np.clip(early, tp * 1e-12, tp))
    arrival = np.exp(kernels.newton(rising, np.log(tp) - 60.0, np.log(tp), guess, increasing=True))
    hi = tp + release.duration_s + 10.0 * np.sqrt(v)
    for _ in range(64):
        still = _conc(release, m, v, qq, hi) > threshold
        if not still.any():
            break
        hi = np.where(still, tp + 2.0 * (hi - tp), hi)

    def falling(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        value, slope = _log_conc_and_slope(release, m, v, qq, t)
        return value - log_thr, slope

    trailing = kernels.newton(falling, tp, hi, late, increasing=False)
    a, b = nan.copy(), nan.copy()
    a[above], b[above] = arrival, trailing
    return a, b
