"""Analytical breakthrough curves from travel-time moments (inverse-Gaussian kernels).

For a travel time with mean ``mu`` (s) and variance ``var`` (s²) the inverse Gaussian density
(Chhikara & Folks 1989, ch. 1; equation number not checked) with shape ``lam = mu**3 / var`` is

    f(t) = sqrt(lam / (2 pi t^3)) * exp(-lam (t - mu)^2 / (2 mu^2 t)).

In a uniform reach (mu = x/U, lam = x²/(2K)) it is exactly the first-passage density of 1D
advection-dispersion. The resident (cross-section mean) concentration after an instantaneous
release of mass M is taken as

    c(t) = M / Q * (t / mu) * f(t) * exp(-k t),                                  (K1)

which in a uniform reach (A = Q/U) is identical to the classical solution
C = M / (A sqrt(4 pi K t)) exp(-(x - U t)^2 / (4 K t)) exp(-k t) (Eq. (1) of
``docs/models/river.md``; Fischer et al. 1979, ch. 2, equation number not checked), and conserves
mass exactly: Q ∫ c dt = M E[t]/mu = M for k = 0.

A continuous release at rate R = M / T over [0, T] is the time integral of (K1). With the
exponential tilting of the inverse Gaussian (nu = sqrt(1 + 2 k mu²/lam), mu' = mu/nu,
D = exp(lam/mu (1 - nu))) the integral has the closed form

    C(t) = R / Q * D * (mu'/mu) * [G(t; mu') - G(t - T; mu')],                   (K2)
    G(t; m) = Phi(a) - exp(2 lam/m) Phi(-b),  a = sqrt(lam/t)(t/m - 1), b = sqrt(lam/t)(t/m + 1),

since dG/dt = (t/m) f(t; m, lam) (derived here; the second term is evaluated with the scaled
complementary error function to avoid overflow). Concentrations are in kg/m³ (= g/l; multiply by
1000 for mg/l).

>>> import numpy as np
>>> c = instantaneous(1000.0, 10_000.0, 1.0e6, 100.0, np.array([10_000.0]), 0.0)
>>> round(float(c[0]) * 1e3, 4)   # mg/l; = 1000/(100 sqrt(4 pi 50 * 10000)) * 1e3
3.9894
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy.special import erfcx, ndtr  # type: ignore[import-untyped]

_SQRT2 = math.sqrt(2.0)
_LOG_2PI = math.log(2.0 * math.pi)
LOG_2PI = _LOG_2PI


def shape(mean_s: np.ndarray, var_s2: np.ndarray) -> np.ndarray:
    """Inverse-Gaussian shape parameter lam = mu³/var (s); variance floored at (1e-6 mu)²."""
    mean = np.asarray(mean_s, dtype=float)
    var = np.maximum(np.asarray(var_s2, dtype=float), (1e-6 * mean) ** 2)
    out: np.ndarray = mean**3 / var
    return out


def log_instantaneous(
    mass_kg: float | np.ndarray,
    mean_s: np.ndarray,
    var_s2: np.ndarray,
    discharge_m3_s: np.ndarray,
    time_s: np.ndarray,
    decay_per_s: float = 0.0,
) -> np.ndarray:
    """Natural log of (K1) in kg/m³ (``-inf`` for t <= 0); arrays broadcast together."""
    mu = np.asarray(mean_s, dtype=float)
    lam = shape(mu, var_s2)
    t = np.asarray(time_s, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        tt = np.where(t > 0, t, 1.0)
        logf = 0.5 * (np.log(lam) - _LOG_2PI - 3.0 * np.log(tt)) - lam * (tt - mu) ** 2 / (
            2.0 * mu**2 * tt
        )
        out = np.log(np.asarray(mass_kg, dtype=float) / discharge_m3_s) + np.log(tt / mu) + logf
        out = out - decay_per_s * tt
    return np.where(t > 0, out, -np.inf)


def instantaneous(
    mass_kg: float | np.ndarray,
    mean_s: np.ndarray,
    var_s2: np.ndarray,
    discharge_m3_s: np.ndarray,
    time_s: np.ndarray,
    decay_per_s: float = 0.0,
) -> np.ndarray:
    """Resident concentration (kg/m³) after an instantaneous release, Eq. (K1)."""
    out: np.ndarray = np.exp(log_instantaneous(mass_kg, mean_s, var_s2, discharge_m3_s, time_s, decay_per_s))
    return out


def _g(t: np.ndarray, m: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """G(t; m, lam) of (K2): the integral of (tau/m) f(tau; m, lam) from 0 to t (0 for t <= 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        tt = np.where(t > 0, t, 1.0)
        s = np.sqrt(lam / tt)
        a = s * (tt / m - 1.0)
        b = s * (tt / m + 1.0)
        second = 0.5 * np.exp(-0.5 * a * a) * erfcx(b / _SQRT2)
        g = ndtr(a) - second
    return np.where(t > 0, g, 0.0)


def _gc(t: np.ndarray, m: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """1 - G(t; m, lam), computed directly (accurate in the tail, t > m)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        tt = np.where(t > 0, t, 1.0)
        s = np.sqrt(lam / tt)
        a = s * (tt / m - 1.0)
        b = s * (tt / m + 1.0)
        gc = ndtr(-a) + 0.5 * np.exp(-0.5 * a * a) * erfcx(b / _SQRT2)
    return np.where(t > 0, gc, 1.0)


def continuous(
    mass_kg: float | np.ndarray,
    duration_s: float,
    mean_s: np.ndarray,
    var_s2: np.ndarray,
    discharge_m3_s: np.ndarray,
    time_s: np.ndarray,
    decay_per_s: float = 0.0,
) -> np.ndarray:
    """Resident concentration (kg/m³) for a release of ``mass_kg`` spread evenly over
    ``duration_s`` starting at t = 0, Eq. (K2). ``duration_s`` must be positive."""
    mu = np.asarray(mean_s, dtype=float)
    lam = shape(mu, var_s2)
    nu = np.sqrt(1.0 + 2.0 * decay_per_s * mu**2 / lam)
    m = mu / nu
    factor = np.exp(lam / mu * (1.0 - nu)) / nu
    t = np.asarray(time_s, dtype=float)
    early = _g(t, m, lam) - _g(t - duration_s, m, lam)
    late = _gc(t - duration_s, m, lam) - _gc(t, m, lam)  # same, without cancellation in the tail
    diff = np.where(t - duration_s > m, late, early)
    rate = np.asarray(mass_kg, dtype=float) / duration_s
    out: np.ndarray = np.maximum(rate / discharge_m3_s * factor * diff, 0.0)
    return out


def concentration(
    mass_kg: float | np.ndarray,
    duration_s: float,
    mean_s: np.ndarray,
    var_s2: np.ndarray,
    discharge_m3_s: np.ndarray,
    time_s: np.ndarray,
    decay_per_s: float = 0.0,
) -> np.ndarray:
    """(K1) if ``duration_s`` is 0, else (K2); kg/m³."""
    if duration_s > 0:
        return continuous(mass_kg, duration_s, mean_s, var_s2, discharge_m3_s, time_s, decay_per_s)
    return instantaneous(mass_kg, mean_s, var_s2, discharge_m3_s, time_s, decay_per_s)


def peak_time_instantaneous(
    mean_s: np.ndarray, var_s2: np.ndarray, decay_per_s: float = 0.0
) -> np.ndarray:
    """Time (s) of the maximum of (K1): the positive root of
    (lam + 2 k mu²) t² + mu² t - lam mu² = 0 (derived from d ln c / dt = 0)."""
    mu = np.asarray(mean_s, dtype=float)
    lam = shape(mu, var_s2)
    a = lam + 2.0 * decay_per_s * mu**2
    mu2 = mu * mu
    # numerically stable root of a t² + mu² t - lam mu² = 0
    out: np.ndarray = 2.0 * lam * mu2 / (mu2 + np.sqrt(mu2 * mu2 + 4.0 * a * lam * mu2))
    return out


def dlog_instantaneous_dt(
    mean_s: np.ndarray, var_s2: np.ndarray, time_s: np.ndarray, decay_per_s: float = 0.0
) -> np.ndarray:
    """Time derivative of the log of (K1): -1/(2t) - lam/(2 mu²) (1 - mu²/t²) - k (1/s)."""
    mu = np.asarray(mean_s, dtype=float)
    lam = shape(mu, var_s2)
    t = np.asarray(time_s, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out: np.ndarray = -0.5 / t - lam / (2.0 * mu**2) * (1.0 - mu**2 / t**2) - decay_per_s
        return out


def newton(
    fun: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    lo: np.ndarray,
    hi: np.ndarray,
    start: np.ndarray,
    increasing: bool,
    iterations: int = 80,
    xtol: float = 1e-11,
) -> np.ndarray:
    """Vectorised safeguarded Newton iteration for a root of a monotone function on [lo, hi].

    ``fun(x)`` returns the value and the derivative. The bracket shrinks with every
    evaluation; a Newton step leaving it (or not finite) is replaced by bisection, so the
    iteration converges like bisection at worst and quadratically near the root.
    """
    lo = np.array(lo, dtype=float, copy=True)
    hi = np.array(hi, dtype=float, copy=True)
    x = np.clip(np.asarray(start, dtype=float), lo, hi)
    for _ in range(iterations):
        f, df = fun(x)
        above = f > 0 if increasing else f < 0  # the root lies below x
        hi = np.where(above, x, hi)
        lo = np.where(above, lo, x)
        with np.errstate(divide="ignore", invalid="ignore"):
            nxt = x - f / df
        bad = ~np.isfinite(nxt) | (nxt < lo) | (nxt > hi)
        nxt = np.where(bad, 0.5 * (lo + hi), nxt)
        done = (np.abs(nxt - x) <= xtol * (1.0 + np.abs(x))) | (f == 0)
        x = nxt
        if done.all():
            break
    out: np.ndarray = x
    return out

