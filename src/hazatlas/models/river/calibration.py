"""Fitting the river spill model to measured concentrations (forecast from measurements).

During an event, concentrations measured at stations along the river update the forecast: four
factors of the prior run (:class:`Adjustment`) are fitted to what has been observed, and the
forecast downstream is recomputed with them (:mod:`.forecast`).

Parameters (``theta``, the vector the fit works on, in brackets):

* ``mass_factor`` (ln): the released mass is ``mass_factor`` times the prior mass;
* ``release_shift_s`` (hours): the release starts ``release_shift_s`` after the prior start;
* ``velocity_factor`` (ln): every river element's velocity is multiplied by it;
* ``dispersion_factor`` (ln): every river element's dispersion coefficient is multiplied by it.

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
zero (the cloud not yet there) count. The spreads below are hazatlas's choices, stated as such:

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
>>> path = RiverPath.uniform(200_000.0, 0.5, 100.0, 50.0)
>>> truth = Adjustment(2.0, 3600.0, 1.3, 0.5)
>>> t = np.tile(np.arange(10.0, 100.0, 2.0) * 3600.0, 2)   # two stations, every 2 h
>>> d = np.repeat([60_000.0, 120_000.0], t.size // 2)
>>> c = predict(path, Release(1000.0), truth, d, t)
>>> fit = ObservationFit(path, Release(1000.0)).fit(
...     [Measurement("A", x, s, v) for x, s, v in zip(d, t, c)])
>>> f = fit.fitted; round(f.mass_factor, 2), round(f.release_shift_s / 60), round(f.velocity_factor, 2)
(1.99, 60, 1.3)
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
"""The fitted parameters, in the order of ``theta``."""

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


@dataclass(frozen=True)
class Adjustment:
    """Factors applied to the prior run (1, 0, 1, 1: the prior itself)."""

    mass_factor: float = 1.0
    release_shift_s: float = 0.0
    velocity_factor: float = 1.0
    dispersion_factor: float = 1.0

    @property
    def theta(self) -> np.ndarray:
        return np.array(
            [
                math.log(self.mass_factor),
                self.release_shift_s / 3600.0,
                math.log(self.velocity_factor),
                math.log(self.dispersion_factor),
            ]
        )

    @classmethod
    def from_theta(cls, theta: Sequence[float] | np.ndarray) -> Adjustment:
        m, h, u, k = (float(x) for x in theta)
        return cls(math.exp(m), h * 3600.0, math.exp(u), math.exp(k))

    def values(self) -> dict[str, float]:
        return {name: float(getattr(self, name)) for name in PARAMETERS}


def adjusted_path(path: RiverPath, adjustment: Adjustment) -> RiverPath:
    """``path`` with its river elements' velocity and dispersion multiplied by the factors."""
    river = ~path.is_lake
    u = np.where(river, path.velocity_m_s * adjustment.velocity_factor, path.velocity_m_s)
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
        """Per parameter, the central interval of probability ``level`` (normal in theta)."""
        from scipy.stats import norm  # type: ignore[import-untyped]

        z = float(norm.ppf(0.5 + level / 2.0))
        theta, sd = self.fitted.theta, self.std
        lo = Adjustment.from_theta(theta - z * sd).values()
        hi = Adjustment.from_theta(theta + z * sd).values()
        return {name: (lo[name], hi[name]) for name in PARAMETERS}

    def ensemble(self, size: int, seed: int = 0) -> list[Adjustment]:
        """``size`` draws of the factors from the normal law of theta (fixed seed: the same
        band every time)."""
        rng = np.random.default_rng(seed)
        draws = rng.multivariate_normal(self.fitted.theta, self.covariance, size=size,
                                        method="eigh")
        return [Adjustment.from_theta(row) for row in draws]

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
        prior = Adjustment()
        theta0 = prior.theta

        def residuals(theta: np.ndarray) -> np.ndarray:
            c = predict(self.path, self.release, Adjustment.from_theta(theta), d, t)
            data = (log_obs - np.log(c + floor)) / OBSERVATION_LOG_SD
            return np.concatenate([data, (theta - theta0) / PRIOR_SD])

        best = None
        for start in (theta0, self._moments_guess(d, t, obs, floor)):
            res = least_squares(residuals, np.clip(start, LOWER, UPPER), bounds=(LOWER, UPPER),
                                x_scale=PRIOR_SD, diff_step=1e-4, method="trf")
            if best is None or res.cost < best.cost:
                best = res
        assert best is not None
        fitted = Adjustment.from_theta(best.x)
        jac = np.asarray(best.jac)
        cov = np.linalg.pinv(jac.T @ jac)
        n = len(meas)
        chi2 = float(np.sum(best.fun[:n] ** 2)) / n
        cov = cov * max(chi2, 1.0)
        vals: dict[str, Any] = dict(fitted.values())
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
            self.envelope(**vals),
        )

    def _moments_guess(
        self, d: np.ndarray, t: np.ndarray, obs: np.ndarray, floor: float
    ) -> np.ndarray:
        """First guess from the observed peak time of each station (module doc)."""
        half = self.release.duration_s / 2.0
        stations = [x for x in np.unique(d) if obs[d == x].max() > 0]
        peak_obs = np.array([t[d == x][np.argmax(obs[d == x])] for x in stations])
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
        theta = np.array([0.0, shift / 3600.0, ln_u, 0.0])
        theta = np.clip(theta, LOWER, UPPER)
        c = predict(self.path, self.release, Adjustment.from_theta(theta), d, t)
        ratio = np.log(obs + floor) - np.log(c + floor)
        theta[0] = float(np.mean(ratio[obs > 0]))
        out: np.ndarray = np.clip(theta, LOWER, UPPER)
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
