"""Natech ensembles: storage tanks x return periods x climate scenarios x sampled uncertainty.

The pure, vectorised computation of one **chunk** of sites (the Dask runner is
``services/natech_ensemble.py``; docs/natech.md, section "Ensembles"). For every sample s, tank
u, scenario c and return period T of a hazard:

* **fill** f ~ Uniform(fill_low, fill_high) per tank and sample; the tank keeps the size of its
  registered quantity at its design fill f_d, so its content is content x f / f_d and its liquid
  height f x H (as ``hazatlas natech chain flood --fill``);
* **fragility**: the medians of the tank's lognormal curves times exp(sigma_f z), z ~ N(0, 1)
  per tank and sample (one draw for all its damage states: an epistemic shift of the curves);
* **intensity**: the site's intensity times exp(sigma_i z), z ~ N(0, 1) per site, hazard and
  sample, common to its return periods and scenarios (the error of the hazard map at the site,
  e.g. the flood depth for a given flow);
* earthquake (PGA, g): P(DS >= ds) = Phi(ln(PGA / theta) / beta) with the crossing correction
  of ``fragility.ordered``; flood (depth, m): the tank floats when depth > h_cr of
  ``flood.TankFlotation`` (floats: the whole content is released);
* per event: the tank's expected release = sum_ds P(ds) x release fraction x content, and its
  probability of any loss of containment; per site: the sum of the releases, and
  1 - prod_u (1 - p_u) for the probability that at least one tank releases (tanks independent
  given the intensity: a screening assumption);
* per year: the trapezoid over lambda = 1/T of ``screening.expected_annual``, over the return
  periods with a value at the site (NaN, reported as missing, where it has none); the total
  over the hazards counts those with a value.

The sigmas and the fill range are **hazatlas assumptions** chosen by the user (defaults in
``natech_coefficients.csv``, model ``ensemble``); with both sigmas 0 and the fill fixed at the
design fill, every sample equals the deterministic screening (tested).

**Reproducibility**: the random numbers of a chunk come from
``numpy.random.default_rng([seed, chunk index])`` and nothing else, and the chunks are fixed
by the order of the sites and the chunk size, so the result does not depend on where or in
which order the chunks run (one process or a cluster).

Statistics over the samples: mean and the 5th, 50th and 95th percentiles (``STATS``) of the
release per year and of the probability of a release per event; the mean of the release per
event.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr  # type: ignore[import-untyped]

from hazatlas.models.natech.ensemble_pathways import (
    DamResult,
    Dams,
    RiverResult,
    Routes,
    arrival,
    dam_failure,
    flow_moments,
    unit_peak,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
STATS = ("mean", "p05", "p50", "p95")
HAZARDS = ("earthquake", "flood")


@dataclass(frozen=True)
class Tanks:
    """The tanks of a chunk's sites, one element per tank (units in the names)."""

    site: IntArray  # index of the tank's site in the chunk
    content_kg: FloatArray  # at the design fill
    design_fill: FloatArray
    density_kg_m3: FloatArray
    diameter_m: FloatArray
    height_m: FloatArray  # shell height: the liquid height is fill x height
    mass_kg: FloatArray
    medians_g: FloatArray  # tanks x damage states above the first
    betas: FloatArray
    fractions: FloatArray  # release fraction of each seismic damage state (first: none)


@dataclass(frozen=True)
class HazardCurves:
    """One hazard's intensities at the chunk's sites: ``intensity[site, scenario, rp]``
    (NaN where the layer has no value), at ``return_periods_years`` (increasing)."""

    hazard: str
    return_periods_years: FloatArray
    intensity: FloatArray


@dataclass(frozen=True)
class Uncertainty:
    """What is sampled, and how much (hazatlas assumptions; see the module)."""

    samples: int
    fill_low: float
    fill_high: float
    fragility_sigma: float
    intensity_sigma: float
    water_density_kg_m3: float = 1000.0
    #: log10 standard deviation of the released volume of a tailings dam (0: the regression's
    #: value; the paper's standard error was not retrieved, see ``ensemble_pathways``)
    dam_volume_sigma_log10: float = 0.0
    #: river flow of the pathway: ``sampled`` (log-uniform low..high) or low / mean / high
    flow: str = "sampled"


@dataclass(frozen=True)
class ChunkResult:
    """Statistics of one chunk: ``release_per_year_kg[site, scenario, hazard or total, stat]``
    (hazards in the order of the input, then the total), ``p_release[hazard][site, scenario,
    rp, stat]`` and the mean ``release_per_event_kg[hazard][site, scenario, rp]``."""

    chunk: int
    release_per_year_kg: FloatArray
    p_release: tuple[FloatArray, ...]
    release_per_event_kg: tuple[FloatArray, ...]
    dams: DamResult | None = None
    river: RiverResult | None = None


def stats(x: FloatArray) -> FloatArray:
    """Mean, 5th, 50th and 95th percentiles over the last axis (the samples), as the last
    axis. The percentiles are numpy's default (``linear``) rule, the same operations as
    ``np.percentile`` (tested equal bit for bit) on the sorted rows: NaN where a row has one."""
    v = np.sort(x, axis=-1)
    n = x.shape[-1]
    out = np.empty(x.shape[:-1] + (len(STATS),))
    out[..., 0] = x.mean(axis=-1)
    with_nan = np.isnan(v[..., -1])
    for j, q in enumerate((np.asarray([5.0, 50.0, 95.0]) / 100).tolist(), start=1):
        virtual = (n - 1) * q
        lo = int(np.floor(virtual))
        hi = min(lo + 1, n - 1)
        gamma = virtual - lo
        a, b = v[..., lo], v[..., hi]
        diff = b - a
        value = b - diff * (1 - gamma) if gamma >= 0.5 else a + diff * gamma
        out[..., j] = np.where(with_nan, np.nan, value)
    return out


def annual(return_periods: FloatArray, release: FloatArray) -> FloatArray:
    """Expected release per year: ``release[..., rp, sample]`` (NaN where missing, in the same
    places for every sample) integrated by the trapezoid over lambda = 1/T (the rule of
    ``screening.expected_annual``) over the return periods with a value; NaN where there is
    none. The result has the shape ``release[..., sample]``."""
    lam = 1.0 / return_periods
    n_rp = return_periods.size
    valid = ~np.isnan(release[..., 0])
    code = (valid * (1 << np.arange(n_rp))).sum(axis=-1)  # which return periods have a value
    out = np.full(release.shape[:-2] + release.shape[-1:], np.nan)
    for pattern in np.unique(code).tolist():
        keep = np.flatnonzero((pattern >> np.arange(n_rp)) & 1)
        if keep.size == 0:
            continue
        rows = code == pattern
        r = release[rows][:, keep, :]
        lk = lam[keep]
        total = lk[-1] * r[:, -1]
        for i in range(keep.size - 1):
            total = total + (lk[i] - lk[i + 1]) * (r[:, i] + r[:, i + 1]) / 2.0
        out[rows] = total
    return out


def _log_medians(t: Tanks, median_factor: FloatArray) -> FloatArray:
    """ln of the shifted fragility medians per tank, sample and damage state (the same for
    every event of a chunk, so computed once)."""
    out: FloatArray = np.log(t.medians_g[:, None, :] * median_factor[:, :, None])
    return out


def _seismic(t: Tanks, pga: FloatArray, log_med: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(expected release fraction, P(any release)) per tank and sample at ``pga[u, s]``, with
    ``log_med`` of :func:`_log_medians`."""
    with np.errstate(divide="ignore"):
        z = (np.log(pga)[:, :, None] - log_med) / t.betas[:, None, :]
    exc = ndtr(z)
    n_ds = exc.shape[-1]
    # the upper envelope of fragility.ordered, one damage state at a time (max is exact)
    for j in range(n_ds - 2, -1, -1):
        np.maximum(exc[..., j], exc[..., j + 1], out=exc[..., j])
    # P(ds) = P(>= ds) - P(>= ds + 1), with P(>= first) = 1 and 0 above the last
    probs = np.empty(exc.shape[:-1] + (n_ds + 1,))
    probs[..., 0] = 1.0 - exc[..., 0]
    np.subtract(exc[..., :-1], exc[..., 1:], out=probs[..., 1:-1])
    probs[..., -1] = exc[..., -1]
    fraction = probs @ t.fractions
    p_any = probs[..., 1:] @ (t.fractions[1:] > 0).astype(float)
    return fraction, p_any


def _critical_depth(t: Tanks, fill: FloatArray, rho_w: float) -> FloatArray:
    """h_cr of ``flood.TankFlotation`` per tank and sample (m above the tank base)."""
    area = np.pi * t.diameter_m**2 / 4.0
    out: FloatArray = (t.mass_kg / (rho_w * area))[:, None] + (
        t.density_kg_m3 / rho_w)[:, None] * (fill * t.height_m[:, None])
    return out


def _site_any(site: IntArray, x: FloatArray, n_sites: int) -> FloatArray:
    """1 where any element of a site is true in ``x[element, sample]`` (bool), else 0."""
    s_n = x.shape[1]
    if np.unique(site).size == site.size:  # one element per site: no reduction needed
        one: FloatArray = np.zeros((n_sites, s_n))
        one[site] = x
        return one
    flat = (site[:, None] * s_n + np.arange(s_n)[None, :]).ravel()
    out = np.bincount(flat, weights=x.ravel().astype(float), minlength=n_sites * s_n)
    hit: FloatArray = (out.reshape(n_sites, s_n) > 0).astype(float)
    return hit


def _site_min(site: IntArray, x: FloatArray, n_sites: int) -> FloatArray:
    """The smallest non-NaN value of a site's elements in ``x[element, sample]`` (NaN: none)."""
    s_n = x.shape[1]
    if np.unique(site).size == site.size:  # one element per site: no reduction needed
        one: FloatArray = np.full((n_sites, s_n), np.nan)
        one[site] = np.where(np.isinf(x), np.nan, x)
        return one
    out = np.full(n_sites * s_n, np.inf)
    flat = (site[:, None] * s_n + np.arange(s_n)[None, :]).ravel()
    np.minimum.at(out, flat, np.where(np.isnan(x), np.inf, x).ravel())
    out[np.isinf(out)] = np.nan
    return out.reshape(n_sites, s_n)


def _nan_stats(x: FloatArray) -> FloatArray:
    """:func:`stats` over the non-NaN samples of each row (NaN where a row has none); the
    percentiles by numpy's default (linear) rule on the sorted values, NaNs sorted last."""
    out = np.full(x.shape[:-1] + (len(STATS),), np.nan)
    valid = ~np.isnan(x)
    count = valid.sum(axis=-1)
    rows = count > 0
    if not rows.any():
        return out
    v = np.sort(x[rows], axis=-1)
    n = count[rows]
    out[rows, 0] = np.where(valid[rows], x[rows], 0.0).sum(axis=-1) / n
    for j, q in enumerate((5.0, 50.0, 95.0), start=1):
        pos = q / 100.0 * (n - 1)
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, n - 1)
        a = np.take_along_axis(v, lo[:, None], axis=-1)[:, 0]
        b = np.take_along_axis(v, hi[:, None], axis=-1)[:, 0]
        out[rows, j] = a + (pos - lo) * (b - a)
    return out


@dataclass(frozen=True)
class _DamDraw:
    """A chunk's dams with their sampled curve shifts and released volumes (m³)."""

    dams: Dams
    shift: FloatArray
    volume: FloatArray
    has: NDArray[np.bool_]

    @classmethod
    def of(cls, dams: Dams, rng: np.random.Generator, u: Uncertainty, n_sites: int
           ) -> _DamDraw:
        s_n = u.samples
        shift = np.exp(u.fragility_sigma * rng.standard_normal((dams.site.size, s_n)))
        volume = dams.released_m3[:, None] * 10.0 ** (
            u.dam_volume_sigma_log10 * rng.standard_normal((dams.site.size, s_n)))
        has = np.zeros(n_sites, dtype=bool)
        has[dams.site] = True
        return cls(dams, shift, volume, has)

    def event(self, im: FloatArray, no_value: NDArray[np.bool_]
              ) -> tuple[FloatArray, FloatArray]:
        """Per site and sample: the dams' release (m³) and P(any dam fails) at ``im[site,
        sample]``; NaN at sites without a dam or without a value."""
        n_sites, s_n = im.shape
        d = self.dams
        p_dam = dam_failure(d, im[d.site], self.shift)
        flat = (d.site[:, None] * s_n + np.arange(s_n)[None, :]).ravel()
        rel = np.bincount(flat, weights=(p_dam * self.volume).ravel(), minlength=n_sites * s_n)
        with np.errstate(divide="ignore"):
            p = -np.expm1(np.bincount(flat, weights=np.log1p(-p_dam).ravel(),
                                      minlength=n_sites * s_n))
        off = (~self.has | no_value)[:, None]
        return (np.where(off, np.nan, rel.reshape(n_sites, s_n)),
                np.where(off, np.nan, p.reshape(n_sites, s_n)))


@dataclass(frozen=True)
class _RouteFlow:
    """A chunk's routes at the sampled flows: moments, peak time and unit peak per route and
    sample (computed once per chunk)."""

    routes: Routes
    mean: FloatArray
    var: FloatArray
    q: FloatArray
    t_peak: FloatArray
    c_unit: FloatArray
    #: the mass of each route and sample when all its tanks release their whole content (a
    #: flotation), and its arrival, computed once when first needed (the same numbers)
    full_mass: FloatArray
    full_arrival: list[FloatArray]

    @classmethod
    def of(cls, routes: Routes, flow_u: FloatArray, flow: str, content: FloatArray
           ) -> _RouteFlow:
        mean, var, q = flow_moments(routes, flow_u[routes.site], flow)
        t_peak, c_unit = unit_peak(routes, mean, var, q)
        full = cls._mass(routes, content)
        return cls(routes, mean, var, q, t_peak, c_unit, full, [])

    @staticmethod
    def _mass(r: Routes, tank_release: FloatArray) -> FloatArray:
        """Per route and sample, the sum of its tanks' releases ``tank_release[tank, sample]``."""
        s_n = tank_release.shape[1]
        routed = r.tank_route >= 0
        flat = (r.tank_route[routed][:, None] * s_n + np.arange(s_n)[None, :]).ravel()
        mass = np.bincount(flat, weights=tank_release[routed].ravel(),
                           minlength=r.site.size * s_n).reshape(r.site.size, s_n)
        return np.asarray(mass, dtype=np.float64)

    def event(self, tank_release: FloatArray, no_value: NDArray[np.bool_]
              ) -> tuple[FloatArray, FloatArray]:
        """Per site and sample: 1 when the first foreign country receives more than the
        threshold (else 0), and the earliest arrival (s; NaN: none), for the tanks' releases
        ``tank_release[tank, sample]``; NaN at sites without a route or a value."""
        r = self.routes
        n_sites = no_value.size
        mass = self._mass(r, tank_release)
        full = mass == self.full_mass
        args = (self.mean, self.var, self.q, self.t_peak, self.c_unit)
        t_arr = arrival(r, mass, *args, where=~full)
        if full.any():
            if not self.full_arrival:
                self.full_arrival.append(arrival(r, self.full_mass, *args))
            t_arr[full] = self.full_arrival[0][full]
        has = np.zeros(n_sites, dtype=bool)
        has[r.site] = True
        off = (~has | no_value)[:, None]
        return (np.where(off, np.nan, _site_any(r.site, ~np.isnan(t_arr), n_sites)),
                np.where(off, np.nan, _site_min(r.site, t_arr, n_sites)))


def run_chunk(chunk: int, seed: int, n_sites: int, tanks: Tanks,
              hazards: tuple[HazardCurves, ...], u: Uncertainty, dams: Dams | None = None,
              routes: Routes | None = None) -> ChunkResult:
    """The statistics of one chunk of ``n_sites`` sites (see the module), with its tailings
    dams and river routes when given (``ensemble_pathways``). Arrays are ``[tank or site, ...,
    sample]``."""
    rng = np.random.default_rng([seed, chunk])
    n_t, s_n = tanks.site.size, u.samples
    fill = rng.uniform(u.fill_low, u.fill_high, size=(n_t, s_n))
    median_factor = np.exp(u.fragility_sigma * rng.standard_normal((n_t, s_n)))
    site_eps = np.exp(u.intensity_sigma * rng.standard_normal((len(hazards), n_sites, s_n)))
    # drawn after the tanks' numbers, which therefore do not depend on the dams and routes
    dam_draw = _DamDraw.of(dams, rng, u, n_sites) if dams is not None else None
    content = tanks.content_kg[:, None] * fill / tanks.design_fill[:, None]
    route_flow = (_RouteFlow.of(routes, rng.uniform(0.0, 1.0, size=(n_sites, s_n)), u.flow,
                                content) if routes is not None else None)
    one_each = n_t == n_sites and bool(np.array_equal(tanks.site, np.arange(n_sites)))
    flat = (tanks.site[:, None] * s_n + np.arange(s_n)[None, :]).ravel()

    def per_site(x: FloatArray) -> FloatArray:
        """Sum of a [tank, sample] array over each site's tanks: [site, sample]."""
        if one_each:
            return x
        out = np.asarray(np.bincount(flat, weights=x.ravel(), minlength=n_sites * s_n),
                         dtype=np.float64)
        return out.reshape(n_sites, s_n)

    n_scen = hazards[0].intensity.shape[1] if hazards else 0
    per_year = np.zeros((n_sites, n_scen, len(hazards) + 1, s_n))
    p_out, r_out = [], []
    dam_out: DamResult | None = None
    river_p, river_t = [], []
    river_year = np.full((n_sites, n_scen, len(hazards)), np.nan)
    h_cr = _critical_depth(tanks, fill, u.water_density_kg_m3)
    log_med = (_log_medians(tanks, median_factor)
               if any(c.hazard == "earthquake" for c in hazards) else None)
    for h, curves in enumerate(hazards):
        n_rp = curves.return_periods_years.size
        site_release = np.empty((n_sites, n_scen, n_rp, s_n))
        # what only enters statistics per event is reduced per event (the same numbers, less
        # memory): the probabilities' statistics, the river's share above and arrival statistics
        stat_shape = (n_sites, n_scen, n_rp, len(STATS))
        site_p = np.empty(stat_shape)
        quake = dam_draw if curves.hazard == "earthquake" else None
        shape = (n_sites, n_scen, n_rp, s_n)
        dam_release, dam_p = (np.empty(shape), np.empty(stat_shape)) if quake else (None, None)
        above, first = ((np.empty(shape[:-1]), np.empty(stat_shape)) if route_flow
                        else (None, None))
        for c in range(n_scen):
            for k in range(n_rp):
                no_value = np.isnan(curves.intensity[:, c, k])
                if no_value.all():  # no layer for this event (e.g. a scenario without one)
                    for arr in (site_release, site_p, dam_release, dam_p, above, first):
                        if arr is not None:
                            arr[:, c, k] = np.nan
                    continue
                im = np.where(no_value, 0.0, curves.intensity[:, c, k])[:, None] * site_eps[h]
                im_t = im if one_each else im[tanks.site]
                if curves.hazard == "earthquake":
                    assert log_med is not None
                    frac, p_any = _seismic(tanks, im_t, log_med)
                else:
                    frac = p_any = (im_t > h_cr).astype(float)
                tank_release = frac * content
                rel = per_site(tank_release)
                if one_each:
                    p_site = p_any
                else:
                    with np.errstate(divide="ignore"):
                        p_site = -np.expm1(per_site(np.log1p(-p_any)))
                rel[no_value] = np.nan
                site_release[:, c, k] = rel
                site_p[:, c, k] = stats(np.where(no_value[:, None], np.nan, p_site))
                if quake is not None and dam_release is not None and dam_p is not None:
                    dam_rel, dam_pe = quake.event(im, no_value)
                    dam_release[:, c, k], dam_p[:, c, k] = dam_rel, stats(dam_pe)
                if route_flow is not None and above is not None and first is not None:
                    hit, when = route_flow.event(tank_release, no_value)
                    above[:, c, k], first[:, c, k] = hit.mean(axis=-1), _nan_stats(when)
        per_year[:, :, h] = annual(curves.return_periods_years, site_release)
        p_out.append(site_p)
        r_out.append(site_release.mean(axis=-1))
        if dam_release is not None and dam_p is not None:
            dam_out = DamResult(stats(annual(curves.return_periods_years, dam_release)),
                                dam_p, dam_release.mean(axis=-1))
        if above is not None and first is not None:
            p_above = above
            river_p.append(p_above)
            river_t.append(first)
            river_year[:, :, h] = annual(curves.return_periods_years, p_above[..., None])[..., 0]
    hazard_years = per_year[:, :, :-1]
    per_year[:, :, -1] = np.where(np.isnan(hazard_years).all(axis=2), np.nan,
                                  np.where(np.isnan(hazard_years), 0.0, hazard_years).sum(axis=2))
    river = (RiverResult(tuple(river_p), tuple(river_t), river_year)
             if routes is not None else None)
    return ChunkResult(chunk, stats(per_year), tuple(p_out), tuple(r_out), dam_out, river)
