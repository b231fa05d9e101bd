"""Fitting the river spill model to measured concentrations (forecast from measurements).

During an event, concentrations measured at stations along the river update the forecast: four
factors of the prior run (:class:`Adjustment`) are fitted to what has been observed, and the
forecast downstream is recomputed with them (:mod:`.forecast`).

Parameters (``theta``, the vector the fit works on, in brackets):

* ``mass_factor`` (ln): the released mass is ``mass_factor`` times the prior mass;
* ``release_shift_s`` (hours): the release starts ``release_shift_s`` after the prior start;
* ``velocity_factor`` (ln): every river element's velocity is multiplied by it;
* ``dispersion_factor`` (ln): every river element's dispersion coefficient is multiplied by it;
* ``velocity_steps`` (ln, one per observed station but the last): below the k-th observed
  station (by distance) the velocity factor is multiplied by a further factor, so that each
  stretch between two observed stations has its own velocity factor, and the last observed
  stretch's factor is carried on downstream of the last station.

**Why velocity steps.** One velocity factor for the whole path has to average the stretches it
was fitted on: on the Baia Mare spill of 2000 at low flow (docs/cases/baia-mare-2000.md) the
Someș above Csenger and the Tisza to Szeged asked for different factors, and the single one made
the forecast on the Danube worse. The steps are a random walk along the path: the prior of each
ln step is centred on 0 with spread ln 1.5 (hazatlas's choice, no source: rivers of one basin
share most of the day's flow error, and a factor 1.5 between neighbouring stretches is one
standard deviation), so that a station with little information keeps the factor of the stretch
above it, and below the last observed station the forecast uses the factor of the nearest
observed stretch, not an average over stretches the cloud has already left.

Lakes (completely mixed reactors, residence time V/Q) and the discharges (dilution) are kept.

**Method.** Regularised (maximum a posteriori) nonlinear least squares, solved by
``scipy.optimize.least_squares`` (trust-region reflective): the residuals are

    r_i = [ln(c_obs,i + c_floor) - ln(c_model,i + c_floor)] / s_obs      (one per measurement)
    r_j = (theta_j - theta_prior,j) / s_prior,j                           (one per parameter)

The Rhine Alarm Model was calibrated in the same way, by fitting its transport parameters to
tracer breakthrough curves with an iterative nonlinear least-squares parameter estimator (SAMF;
CHR/KHR report "Rheinalarmmodell Version 2.0 - Kalibrierung und Verifikation", Annex IV,
https://production.khr-chr.org/en/publication/rheinalarmmodell-version-20-kalibrierung-und-verifikation);
after calibration its travel times are right within about 98 % and its concentrations within
about 95 % (https://production.khr-chr.org/de/projekt/rhein-alarmmodell-1990-2000). What hazatlas
adds and chose itself (no source): the residuals are on the logarithm of the concentration,
because measured concentrations along a spill span orders of magnitude and their errors are
relative (on concentrations themselves the few highest values would decide the fit alone); the
prior terms keep the four factors identifiable when only a few measurements at one or two
stations exist; ``c_floor`` (a tenth of the smallest positive measurement) lets a measurement of
zero (the cloud not yet there) count. A measurement whose **phase** is known (``phase`` column of
the observations) adds a travel-time residual: ``(t_obs - t_peak,model) / s_peak`` for the
station's peak (the highest value measured there), ``max(0, t_peak,model - t_obs) / s_peak`` for
a value taken after the peak (``falling``), ``max(0, t_obs - t_peak,model) / s_peak`` for one
taken before it (``rising``), with ``s_peak`` = 6 h (hazatlas's choice, no source: about the
sampling interval of the 2000 measurements at the Hungarian border). A single value cannot say
on which side of the cloud's peak it was taken, so without its phase the fit may match it on the
wrong side; the phase residual is the fit "in travel-time space" where the timing is known. The spreads below are hazatlas's choices, stated as such:

* ``s_obs`` = 0.5 (a factor 1.65 for sampling, analysis and the model's own error);
* ``s_prior``: mass factor ln 3, release time 12 h, velocity factor ln 2 (the network's
  velocities come from hydraulic geometry, not from the day's flow), dispersion factor ln 3
  (empirical dispersion formulas scatter by a factor of several, Fischer et al. 1979, ch. 5).

The fit starts twice, from the prior and from a first guess by the moments of the observed peaks
(the peak times of two or more stations give the velocity factor and the shift by a straight-line
fit, as in the change-of-moments practice of tracer tests, then the mass factor from the mean log
ratio); the lower cost wins. The parameter covariance is the Gauss-Newton one,
``(J^T J)^-1`` at the optimum (prior rows included), multiplied by the reduced chi-square of the
measurements when it exceeds 1 (the observed scatter is larger than ``s_obs``).

>>> import numpy as np
>>> from hazatlas.models.river.path import RiverPath
>>> from hazatlas.models.river.spill import Release
>>> path = RiverPath.uniform(200_000.0, 0.5, 100.0, 50.0, n=40)
>>> truth = Adjustment(2.0, 3600.0, 1.3, 0.5, ((60_000.0, 0.8),))  # 1.3, then 1.04 below 60 km
>>> t = np.tile(np.arange(10.0, 100.0, 2.0) * 3600.0, 2)   # two stations, every 2 h
>>> d = np.repeat([60_000.0, 120_000.0], t.size // 2)
>>> c = predict(path, Release(1000.0), truth, d, t)
>>> fit = ObservationFit(path, Release(1000.0)).fit(
...     [Measurement("A", x, s, v) for x, s, v in zip(d, t, c)])
>>> {k: round(v, 2) for k, v in fit.fitted.values().items() if k != "release_shift_s"}
{'mass_factor': 1.99, 'velocity_factor': 1.3, 'dispersion_factor': 0.5, 'velocity_factor_below_60km': 1.04}
>>> round(fit.fitted.release_shift_s / 60)
60

"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from hazatlas.domain.errors import Problem
from hazatlas.models.base import PublishedModel, Validity, input_problem, raise_problems
from hazatlas.models.river.path import RiverPath
from hazatlas.models.river.spill import Release, RiverSpillModel

PARAMETERS = ("mass_factor", "release_shift_s", "velocity_factor", "dispersion_factor")
"""The fitted parameters, in the order of ``theta`` (then one ln velocity step per boundary)."""

STEP_PRIOR_SD = math.log(1.5)
"""Prior spread of each ln velocity step (hazatlas's choice, see module doc)."""

STEP_BOUNDS = (math.log(0.2), math.log(5.0))
"""Bounds of each ln velocity step searched by the fit."""

PEAK_TIME_SD_S = 6 * 3600.0
"""Spread of (observed - modelled) peak time at a station whose peak was measured (hazatlas's
choice, see module doc)."""

OBSERVATION_LOG_SD = 0.5
"""Spread of ln(measured / modelled concentration) (hazatlas's choice, see module doc)."""

PRIOR_SD = np.array([math.log(3.0), 12.0, math.log(2.0), math.log(3.0)])
"""Prior spreads of theta: ln mass factor, shift in hours, ln velocity and ln dispersion factor
(hazatlas's choices, see module doc)."""

LOWER = np.array([math.log(1e-3), -240.0, math.log(0.1), math.log(1e-2)])
UPPER = np.array([math.log(1e3), 240.0, math.log(10.0), math.log(1e2)])
"""Bounds of theta searched by the fit (factors 1e-3..1e3, 0.1..10, 0.01..100; +-10 days)."""

FLOOR_FRACTION = 0.1
"""c_floor = this fraction of the smallest positive measured concentration."""


@dataclass(frozen=True)
class Measurement:
    """A concentration measured ``distance_m`` below the source, ``time_s`` after the prior
    release start (kg/m³; 0 allowed: nothing found)."""

    station: str
    distance_m: float
    time_s: float
    concentration_kg_m3: float
    #: where on the cloud's passage: "peak" (the highest value at the station), "rising",
    #: "falling" or "" (not known)
    phase: str = ""


@dataclass(frozen=True)
class Adjustment:
    """Factors applied to the prior run (1, 0, 1, 1, no steps: the prior itself).

    ``velocity_steps`` are pairs (distance in m below the source, factor): river elements whose
    middle lies below that distance have their velocity multiplied by the factor as well (module
    doc)."""

    mass_factor: float = 1.0
    release_shift_s: float = 0.0
    velocity_factor: float = 1.0
    dispersion_factor: float = 1.0
    velocity_steps: tuple[tuple[float, float], ...] = ()

    @property
    def boundaries_m(self) -> tuple[float, ...]:
        return tuple(b for b, _ in self.velocity_steps)

    @property
    def theta(self) -> np.ndarray:
        return np.array(
            [
                math.log(self.mass_factor),
                self.release_shift_s / 3600.0,
                math.log(self.velocity_factor),
                math.log(self.dispersion_factor),
                *(math.log(f) for _, f in self.velocity_steps),
            ]
        )

    @classmethod
    def from_theta(cls, theta: Sequence[float] | np.ndarray,
                   boundaries_m: Sequence[float] = ()) -> Adjustment:
        m, h, u, k, *steps = (float(x) for x in theta)
        if len(steps) != len(boundaries_m):
            raise ValueError(f"{len(steps)} velocity steps for {len(boundaries_m)} boundaries")
        return cls(math.exp(m), h * 3600.0, math.exp(u), math.exp(k),
                   tuple((float(b), math.exp(s)) for b, s in zip(boundaries_m, steps,
                                                                  strict=True)))

    def values(self) -> dict[str, float]:
        """The four factors and, per step, ``velocity_factor_below_<km>`` (the velocity factor
        of the stretch below that station: the product of the factor and the steps above)."""
        out = {name: float(getattr(self, name)) for name in PARAMETERS}
        factor = self.velocity_factor
        for b, f in self.velocity_steps:
            factor *= f
            out[step_name(b)] = factor
        return out

    def velocity_factors(self, path: RiverPath) -> np.ndarray:
        """The velocity factor of each element of ``path`` (by its middle's distance)."""
        out = np.full(path.length_m.size, self.velocity_factor)
        if self.velocity_steps:
            mid = np.cumsum(path.length_m) - path.length_m / 2.0
            for b, f in self.velocity_steps:
                out[mid > b] *= f
        return out


def step_name(boundary_m: float) -> str:
    """The name of the velocity factor below a boundary in :meth:`Adjustment.values`."""
    return f"velocity_factor_below_{boundary_m / 1000.0:.0f}km"


def adjusted_path(path: RiverPath, adjustment: Adjustment) -> RiverPath:
    """``path`` with its river elements' velocity and dispersion multiplied by the factors."""
    river = ~path.is_lake
    u = np.where(river, path.velocity_m_s * adjustment.velocity_factors(path), path.velocity_m_s)
    k = np.where(river, path.dispersion_m2_s * adjustment.dispersion_factor, path.dispersion_m2_s)
    return replace(path, velocity_m_s=u, dispersion_m2_s=k)


def adjusted_release(release: Release, adjustment: Adjustment) -> Release:
    """``release`` with its mass multiplied by the mass factor (duration and decay kept)."""
    return Release(release.mass_kg * adjustment.mass_factor, release.duration_s,
                   release.decay_per_s)


def predict(
    path: RiverPath,
    release: Release,
    adjustment: Adjustment,
    distance_m: np.ndarray,
    time_s: np.ndarray,
) -> np.ndarray:
    """Modelled concentration (kg/m³) at each (distance, time) pair, times after the prior
    start (so the release shift moves the curve)."""
    d = np.asarray(distance_m, dtype=float)
    t = np.asarray(time_s, dtype=float) - adjustment.release_shift_s
    model = RiverSpillModel(adjusted_path(path, adjustment))
    rel = adjusted_release(release, adjustment)
    out = np.zeros(d.size)
    for where in np.unique(d):
        rows = np.flatnonzero(d == where)
        times = t[rows]
        ok = times > 0
        if ok.any():
            out[rows[ok]] = model.series(rel, [where], times[ok])[0]
    return out


@dataclass(frozen=True)
class Calibration:
    """The result of a fit: prior and fitted factors, covariance of theta, residuals."""

    measurements: tuple[Measurement, ...]
    prior: Adjustment
    fitted: Adjustment
    covariance: np.ndarray  # of theta (ln factors, shift in hours)
    prior_kg_m3: np.ndarray
    fitted_kg_m3: np.ndarray
    floor_kg_m3: float
    converged: bool
    message: str
    validity: Validity

    @property
    def std(self) -> np.ndarray:
        """Standard deviations of theta (ln factors; hours for the shift)."""
        out: np.ndarray = np.sqrt(np.clip(np.diag(self.covariance), 0.0, None))
        return out

    def log_residuals(self, modelled_kg_m3: np.ndarray) -> np.ndarray:
        """ln(observed + floor) - ln(modelled + floor), one per measurement."""
        obs = np.array([m.concentration_kg_m3 for m in self.measurements])
        out: np.ndarray = np.log(obs + self.floor_kg_m3) - np.log(modelled_kg_m3 + self.floor_kg_m3)
        return out

    def interval(self, level: float = 0.9) -> dict[str, tuple[float, float]]:
        """Per parameter (the names of :meth:`Adjustment.values`), the central interval of
        probability ``level`` (normal in theta; a stretch's velocity factor is the exponential
        of a sum of theta's entries, with that sum's variance)."""
        from scipy.stats import norm  # type: ignore[import-untyped]

        z = float(norm.ppf(0.5 + level / 2.0))
        theta, cov = self.fitted.theta, self.covariance
        out: dict[str, tuple[float, float]] = {}
        for name, weights in _combinations(self.fitted).items():
            mean = float(weights @ theta)
            sd = math.sqrt(max(float(weights @ cov @ weights), 0.0))
            lo, hi = mean - z * sd, mean + z * sd
            if name == "release_shift_s":
                out[name] = (lo * 3600.0, hi * 3600.0)
            else:
                out[name] = (math.exp(lo), math.exp(hi))
        return out

    def ensemble(self, size: int, seed: int = 0) -> list[Adjustment]:
        """``size`` draws of the factors from the normal law of theta (fixed seed: the same
        band every time)."""
        rng = np.random.default_rng(seed)
        draws = rng.multivariate_normal(self.fitted.theta, self.covariance, size=size,
                                        method="eigh")
        bounds = self.fitted.boundaries_m
        return [Adjustment.from_theta(row, bounds) for row in draws]

    @property
    def warnings(self) -> list[str]:
        out = list(self.validity.outside)
        if not self.converged:
            out.append(f"the fit to the measurements did not converge ({self.message})")
        return out


class ObservationFit(PublishedModel):
    """Fit of the river spill model's source and transport factors to measurements."""

    name = "river-observation-fit"
    source = (
        "regularised nonlinear least squares on ln concentration (docs/models/river.md, "
        "'Forecast from measurements'); as the Rhine Alarm Model's calibration on tracer curves "
        "(CHR/KHR, Rheinalarmmodell Version 2.0 - Kalibrierung und Verifikation, Annex IV)"
    )
    inputs = {
        "mass_factor": "1",
        "release_shift_s": "s",
        "velocity_factor": "1",
        "dispersion_factor": "1",
    }
    validity_basis = (
        "plausibility ranges chosen by hazatlas (no source): a fitted factor outside them says "
        "the prior run or the measurements are wrong rather than uncertain"
    )
    validity = {
        "mass_factor": (0.1, 10.0),
        "release_shift_s": (-2.0 * 86_400.0, 2.0 * 86_400.0),
        "velocity_factor": (0.33, 3.0),
        "dispersion_factor": (0.05, 20.0),
    }

    def __init__(self, path: RiverPath, release: Release) -> None:
        self.path = path
        self.release = release
        self.moments = RiverSpillModel(path).moments

    def fit(self, measurements: Sequence[Measurement]) -> Calibration:
        """Fit the four factors to ``measurements`` (at least one positive concentration)."""
        from scipy.optimize import least_squares  # type: ignore[import-untyped]

        meas = tuple(measurements)
        raise_problems(_problems(meas, self.moments.total_length_m))
        d = np.array([m.distance_m for m in meas])
        t = np.array([m.time_s for m in meas])
        obs = np.array([m.concentration_kg_m3 for m in meas])
        floor = FLOOR_FRACTION * float(obs[obs > 0].min())
        log_obs = np.log(obs + floor)
        seen = sorted({m.distance_m for m in meas if m.concentration_kg_m3 > 0})
        bounds = tuple(seen[:-1])
        prior = Adjustment(velocity_steps=tuple((b, 1.0) for b in bounds))
        theta0 = prior.theta
        nsteps = len(bounds)
        prior_sd = np.concatenate([PRIOR_SD, np.full(nsteps, STEP_PRIOR_SD)])
        lower = np.concatenate([LOWER, np.full(nsteps, STEP_BOUNDS[0])])
        upper = np.concatenate([UPPER, np.full(nsteps, STEP_BOUNDS[1])])
        timed = [m for m in meas if m.phase]
        peaks = {m.distance_m: m.time_s for m in timed if m.phase == "peak"}
        peak_d = np.array([m.distance_m for m in timed])
        peak_t = np.array([m.time_s for m in timed])
        sign = np.array([{"peak": 0.0, "rising": 1.0, "falling": -1.0}[m.phase] for m in timed])

        def residuals(theta: np.ndarray) -> np.ndarray:
            adj = Adjustment.from_theta(theta, bounds)
            c = predict(self.path, self.release, adj, d, t)
            data = (log_obs - np.log(c + floor)) / OBSERVATION_LOG_SD
            parts = [data]
            if peak_d.size:
                r = (peak_t - model_peak_time(self.path, self.release, adj, peak_d))
                # rising (sign 1): only a model peak before t_obs counts; falling: after it
                r = np.where(sign > 0, np.maximum(r, 0.0),
                             np.where(sign < 0, np.minimum(r, 0.0), r))
                parts.append(r / PEAK_TIME_SD_S)
            parts.append((theta - theta0) / prior_sd)
            return np.concatenate(parts)

        best = None
        for start in (theta0, self._moments_guess(d, t, obs, floor, bounds, peaks)):
            res = least_squares(residuals, np.clip(start, lower, upper), bounds=(lower, upper),
                                x_scale=prior_sd, diff_step=1e-4, method="trf")
            if best is None or res.cost < best.cost:
                best = res
        assert best is not None
        fitted = Adjustment.from_theta(best.x, bounds)
        jac = np.asarray(best.jac)
        cov = np.linalg.pinv(jac.T @ jac)
        n = len(meas) + peak_d.size
        chi2 = float(np.sum(best.fun[:n] ** 2)) / n
        cov = cov * max(chi2, 1.0)
        vals: dict[str, Any] = {k: v for k, v in fitted.values().items() if k in PARAMETERS}
        notes = [f"{name} = {v:.3g} is outside 0.33 to 3 (the velocity_factor's range)"
                 for name, v in fitted.values().items()
                 if name not in PARAMETERS and not 0.33 <= v <= 3.0]
        return Calibration(
            meas,
            prior,
            fitted,
            cov,
            predict(self.path, self.release, prior, d, t),
            predict(self.path, self.release, fitted, d, t),
            floor,
            bool(best.success),
            str(best.message),
            self.envelope(notes=notes, **vals),
        )

    def _moments_guess(
        self, d: np.ndarray, t: np.ndarray, obs: np.ndarray, floor: float,
        bounds: tuple[float, ...], peaks: dict[float, float],
    ) -> np.ndarray:
        """First guess from the observed peak time of each station (module doc): a station's
        marked peak, else its highest value. One factor for the whole path (the steps start at
        1), the shift by a straight-line fit when two or more stations are seen."""
        half = self.release.duration_s / 2.0
        stations = [x for x in np.unique(d) if obs[d == x].max() > 0]
        peak_obs = np.array([peaks.get(x, t[d == x][np.argmax(obs[d == x])])
                             for x in stations])
        model = RiverSpillModel(self.path)
        peak_prior = model.compute(self.release, stations, 1e-30).peak_time_s
        travel = np.maximum(peak_prior - half, 1.0)
        if len(stations) >= 2 and np.ptp(travel) > 0:
            slope, shift = np.polyfit(travel, peak_obs - half, 1)
            if slope <= 0:
                slope, shift = float(np.mean(peak_obs - half) / np.mean(travel)), 0.0
        else:
            slope, shift = float(np.mean((peak_obs - half) / travel)), 0.0
        ln_u = -math.log(max(float(slope), 1e-6))
        theta = np.concatenate([[0.0, shift / 3600.0, ln_u, 0.0], np.zeros(len(bounds))])
        theta[:4] = np.clip(theta[:4], LOWER, UPPER)
        c = predict(self.path, self.release, Adjustment.from_theta(theta, bounds), d, t)
        ratio = np.log(obs + floor) - np.log(c + floor)
        theta[0] = float(np.clip(np.mean(ratio[obs > 0]), LOWER[0], UPPER[0]))
        return theta


def model_peak_time(path: RiverPath, release: Release, adjustment: Adjustment,
                    distance_m: np.ndarray) -> np.ndarray:
    """Modelled peak time (s after the prior start) at each distance."""
    model = RiverSpillModel(adjusted_path(path, adjustment))
    b = model.compute(adjusted_release(release, adjustment), distance_m, 1e-30)
    out: np.ndarray = b.peak_time_s + adjustment.release_shift_s
    return out


def _combinations(adjustment: Adjustment) -> dict[str, np.ndarray]:
    """For each name of ``adjustment.values()``, the weights w with ln value = w @ theta (the
    shift: hours = w @ theta)."""
    n = 4 + len(adjustment.velocity_steps)
    out: dict[str, np.ndarray] = {}
    for i, name in enumerate(PARAMETERS):
        out[name] = np.eye(n)[i]
    w = np.eye(n)[2].copy()
    for j, (b, _) in enumerate(adjustment.velocity_steps):
        w = w + np.eye(n)[4 + j]
        out[step_name(b)] = w.copy()
    return out


def _problems(meas: tuple[Measurement, ...], total_m: float) -> list[Problem]:
    problems: list[Problem] = []
    if not meas:
        return [input_problem("observations", "no measurement given")]
    for n, m in enumerate(meas, start=1):
        where = f"observations[{n}]"
        if not (math.isfinite(m.distance_m) and 0 < m.distance_m <= total_m):
            problems.append(input_problem(
                where, f"station '{m.station}' at {m.distance_m!r} m is not on the path "
                f"below the source (0 to {total_m:.0f} m)"))
        if not math.isfinite(m.time_s):
            problems.append(input_problem(where, "the time must be finite"))
        if not (math.isfinite(m.concentration_kg_m3) and m.concentration_kg_m3 >= 0):
            problems.append(input_problem(
                where, f"{m.concentration_kg_m3!r} kg/m3: a concentration must be zero or "
                "positive"))
    if not problems and not any(m.concentration_kg_m3 > 0 for m in meas):
        problems.append(input_problem(
            "observations", "every measured concentration is zero: nothing to fit the cloud to"))
    return problems
