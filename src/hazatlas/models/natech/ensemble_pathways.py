"""Natech ensembles: tailings dams and the river pathway to the first foreign country.

The pure, vectorised part of one chunk (``climate_ensemble.run_chunk`` calls it; the inputs are
built once by ``services/natech_ensemble_routes.py``; docs/natech.md, section "Ensembles").

**Tailings dams** (the screening's model, ``services/natech.py``): per earthquake event the
HAZUS conditional probability of liquefaction, taken as dam failure,

    P[L | PGA] = clip(a PGA / m_f - b, 0, 1)

with a and b of the dam's susceptibility class (``natech_hazus_liquefaction.csv``, HAZUS-MH MR5
as implemented by the OpenQuake engine), PGA the site's sampled intensity (the same draw as its
tanks'), and m_f = exp(sigma_f z) the same kind of epistemic shift of the curve as the tanks'
fragility medians (z ~ N(0, 1) per dam and sample; m_f = 1 gives the screening's curve). The
release is P x V_F x 10^(s_V z_V), V_F the released volume of the ``larrauri2018`` regression at
the registered stored volume, z_V ~ N(0, 1) per dam and sample; s_V (log10) is 0 by default
because the paper's standard error was not retrieved (``tailings_runout_coefficients.csv`` holds
only a hazatlas assumption, 0.30, that the user may choose to apply).

**River pathway**: a *route* is one substance of one site whose receiving reach leads to a
foreign country. Its travel-time moments at the first border (mean, variance, diluting
discharge) were computed once, at the network's low, mean and high flow, by the river model's
own ``path_moments`` (``models/river/path.py``). Per sample the flow is drawn log-uniform
between the low and the high discharge of the site's receiving reach, u ~ U(0, 1) per site and
sample (``flow`` = ``sampled``), and ln(mean), ln(variance) and ln(discharge) are interpolated
piecewise linearly in ln Q between the three flows (a hazatlas approximation: exact at the three
flows, where the model was run; the hydraulics between them are not recomputed). With a fixed
flow (``low``, ``mean`` or ``high``) the moments are the model's. The peak and the arrival at the
border are those of the river model for an instantaneous release, from its pure functions:
peak time and peak of Eq. (K1) (``kernels.peak_time_instantaneous``, ``kernels.instantaneous``),
arrival where the curve first exceeds the substance's threshold (the leading-edge search of
``models/river/spill._crossings``: the same first guess from the exponent of (K1) and the same
safeguarded Newton iteration as ``kernels.newton`` in log time, each element iterated until it
converges rather than until all have (:func:`newton_each`); the trailing edge is not needed),
plus the site's first-leg time. The mass is the site's release of the
substance in the event (the sum over its tanks of that substance; the expected release of an
earthquake event, all or nothing for flotation). The arrival is not made causal over the
element ends as ``RiverSpillModel.compute`` does (which matters only where the dispersion jumps
sharply between reaches). Substances of a site are taken one at a time against their own
thresholds (no mixture rule): the site exceeds when any of them does and its arrival is the
earliest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hazatlas.models.river import kernels

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
FLOW_NODES = ("low", "mean", "high")
FLOW_CHOICES = ("sampled", *FLOW_NODES)


@dataclass(frozen=True)
class Dams:
    """The tailings dams of a chunk's sites, one element per dam."""

    site: IntArray  # index of the dam's site in the chunk
    released_m3: FloatArray  # V_F of larrauri2018 at the registered stored volume
    a: FloatArray  # HAZUS coefficients of the dam's susceptibility class
    b: FloatArray


@dataclass(frozen=True)
class Routes:
    """The river routes of a chunk's sites, one element per (site, substance), and the route of
    each tank of the chunk (``-1``: none)."""

    site: IntArray
    tank_route: IntArray  # per tank of the chunk (in the order of the chunk's Tanks)
    discharge_site_m3_s: FloatArray  # [route, flow node]: at the site's receiving reach
    mean_s: FloatArray  # [route, flow node]: at the first border, from the river entry
    var_s2: FloatArray  # [route, flow node]
    dilution_m3_s: FloatArray  # [route, flow node]
    leg_s: FloatArray  # first-leg time from the site to the river (s)
    decay_per_s: FloatArray
    threshold_kg_m3: FloatArray


@dataclass(frozen=True)
class DamResult:
    """``release_per_year_m3[site, scenario, stat]`` (earthquake), ``p_failure[site, scenario,
    rp, stat]`` and the mean ``release_per_event_m3[site, scenario, rp]`` (NaN: no dam or no
    value)."""

    release_per_year_m3: FloatArray
    p_failure: FloatArray
    release_per_event_m3: FloatArray


@dataclass(frozen=True)
class RiverResult:
    """Per hazard: ``p_above[h][site, scenario, rp]`` the fraction of the samples in which the
    first foreign country receives more than the threshold, ``arrival_s[h][site, scenario, rp,
    stat]`` the statistics of the arrival over those samples (NaN when none), and
    ``per_year[site, scenario, hazard]`` the expected number of such events per year (the
    trapezoid over lambda = 1/T of ``p_above``). NaN where the site has no route."""

    p_above: tuple[FloatArray, ...]
    arrival_s: tuple[FloatArray, ...]
    per_year: FloatArray


def dam_failure(dams: Dams, pga: FloatArray, shift: FloatArray) -> FloatArray:
    """P[L | PGA] per dam and sample at ``pga[dam, sample]`` with the curve's PGA scale
    multiplied by ``shift[dam, sample]``."""
    out: FloatArray = np.clip(dams.a[:, None] * pga / shift - dams.b[:, None], 0.0, 1.0)
    return out


def flow_moments(routes: Routes, u: FloatArray, flow: str
                 ) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Mean (s), variance (s²) and diluting discharge (m³/s) at the border per route and
    sample, ``u[route, sample]`` the flow draw (see the module)."""
    s_n = u.shape[1]
    if flow != "sampled":
        j = FLOW_NODES.index(flow)
        return tuple(np.repeat(x[:, j:j + 1], s_n, axis=1)  # type: ignore[return-value]
                     for x in (routes.mean_s, routes.var_s2, routes.dilution_m3_s))
    lq = np.log(routes.discharge_site_m3_s)
    x = lq[:, :1] + u * (lq[:, 2:3] - lq[:, :1])
    with np.errstate(divide="ignore", invalid="ignore"):
        w0 = np.nan_to_num((x - lq[:, :1]) / (lq[:, 1:2] - lq[:, :1]), nan=0.0, posinf=0.0,
                           neginf=0.0)
        w1 = np.nan_to_num((x - lq[:, 1:2]) / (lq[:, 2:3] - lq[:, 1:2]), nan=0.0, posinf=0.0,
                           neginf=0.0)
    lower = x <= lq[:, 1:2]

    def interp(y: FloatArray) -> FloatArray:
        ly = np.log(y)
        out: FloatArray = np.exp(np.where(lower, ly[:, :1] + w0 * (ly[:, 1:2] - ly[:, :1]),
                                          ly[:, 1:2] + w1 * (ly[:, 2:3] - ly[:, 1:2])))
        return out

    return interp(routes.mean_s), interp(routes.var_s2), interp(routes.dilution_m3_s)


def unit_peak(routes: Routes, mean: FloatArray, var: FloatArray, q: FloatArray
              ) -> tuple[FloatArray, FloatArray]:
    """Peak time (s) and peak concentration per kg released (kg/m³/kg) per route and sample."""
    t_peak, c_peak = np.empty_like(mean), np.empty_like(mean)
    for k in np.unique(routes.decay_per_s).tolist():
        rows = routes.decay_per_s == k
        tp = kernels.peak_time_instantaneous(mean[rows], var[rows], k)
        t_peak[rows] = tp
        c_peak[rows] = kernels.instantaneous(1.0, mean[rows], var[rows], q[rows], tp, k)
    return t_peak, c_peak


def leading_edge(mean: FloatArray, var: FloatArray, q_per_kg: FloatArray, t_peak: FloatArray,
                 c_peak: FloatArray, threshold: float, decay_per_s: float) -> FloatArray:
    """First time (s) the instantaneous curve (K1) with peak ``c_peak`` (kg/m³) at ``t_peak``
    reaches ``threshold`` (every ``c_peak`` above it): the rising branch of
    ``models/river/spill._crossings``. ``q_per_kg`` is the diluting discharge over the mass
    (the curve of M kg in Q is that of 1 kg in Q / M)."""
    log_thr = float(np.log(threshold))
    lam = kernels.shape(mean, var)
    ln_ratio = np.log(c_peak / threshold)
    b = 2.0 * lam * mean + 2.0 * mean * mean * ln_ratio
    root = np.sqrt(np.maximum(b * b - 4.0 * lam * lam * mean * mean, 0.0))
    early = (b - root) / (2.0 * lam)

    # the terms of kernels.log_instantaneous and kernels.dlog_instantaneous_dt that do not
    # depend on the time, computed once per element with the same operations (same numbers)
    mu2 = mean**2
    two_mu2 = 2.0 * mu2
    log_lam = np.log(lam) - kernels.LOG_2PI
    log_unit = np.log(1.0 / q_per_kg)
    slope_lam = lam / two_mu2

    def rising(s: FloatArray, i: IntArray) -> tuple[FloatArray, FloatArray]:  # in log time
        t = np.exp(s)
        m = mean[i]
        with np.errstate(divide="ignore", invalid="ignore"):
            logf = 0.5 * (log_lam[i] - 3.0 * np.log(t)) - lam[i] * (t - m) ** 2 / (
                two_mu2[i] * t)
            value = log_unit[i] + np.log(t / m) + logf
            value = value - decay_per_s * t
            slope = -0.5 / t - slope_lam[i] * (1.0 - mu2[i] / t**2) - decay_per_s
        if not (t > 0).all():  # exp underflow: log (K1) is -inf there, as kernels says
            value = np.where(t > 0, value, -np.inf)
        return value - log_thr, slope * t

    guess = np.log(np.clip(early, t_peak * 1e-12, t_peak))
    out: FloatArray = np.exp(newton_each(rising, np.log(t_peak) - 60.0, np.log(t_peak), guess))
    return out


def newton_each(fun: Callable[[FloatArray, IntArray], tuple[FloatArray, FloatArray]],
                lo: FloatArray, hi: FloatArray, start: FloatArray, iterations: int = 80,
                xtol: float = 1e-11) -> FloatArray:
    """The safeguarded Newton iteration of ``kernels.newton`` for an increasing function, each
    element stopped when it has converged: ``fun(x, i)`` gives the value and the derivative at
    ``x`` for the elements ``i``."""
    lo, hi = np.array(lo, dtype=float), np.array(hi, dtype=float)
    x = np.clip(np.asarray(start, dtype=float), lo, hi)
    active = np.arange(x.size)
    for _ in range(iterations):
        xa = x[active]
        f, df = fun(xa, active)
        above = f > 0  # the root lies below x
        ha = np.where(above, xa, hi[active])
        la = np.where(above, lo[active], xa)
        with np.errstate(divide="ignore", invalid="ignore"):
            nxt = xa - f / df
        bad = ~np.isfinite(nxt) | (nxt < la) | (nxt > ha)
        nxt = np.where(bad, 0.5 * (la + ha), nxt)
        done = (np.abs(nxt - xa) <= xtol * (1.0 + np.abs(xa))) | (f == 0)
        x[active], lo[active], hi[active] = nxt, la, ha
        active = active[~done]
        if not active.size:
            break
    out: FloatArray = x
    return out


def arrival(routes: Routes, mass: FloatArray, mean: FloatArray, var: FloatArray,
            q: FloatArray, t_peak: FloatArray, c_unit: FloatArray,
            where: NDArray[np.bool_] | None = None) -> FloatArray:
    """Arrival (s after the release at the site) at the threshold per route and sample; NaN
    where the peak ``mass x c_unit`` stays at or below the threshold (and, with ``where``,
    where it is false)."""
    out = np.full(mass.shape, np.nan)
    above = mass * c_unit > routes.threshold_kg_m3[:, None]
    if where is not None:
        above &= where
    if not above.any():
        return out
    keys = np.stack([routes.decay_per_s, routes.threshold_kg_m3], axis=1)
    for k, thr in np.unique(keys, axis=0).tolist():
        rows = (routes.decay_per_s == k) & (routes.threshold_kg_m3 == thr)
        sel = above & rows[:, None]
        if not sel.any():
            continue
        m = mass[sel]
        arr = leading_edge(mean[sel], var[sel], q[sel] / m, t_peak[sel], c_unit[sel] * m, thr, k)
        out[sel] = arr + np.broadcast_to(routes.leg_s[:, None], mass.shape)[sel]
    return out
