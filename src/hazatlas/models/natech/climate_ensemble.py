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

from hazatlas.models.natech.fragility import ordered

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


@dataclass(frozen=True)
class ChunkResult:
    """Statistics of one chunk: ``release_per_year_kg[site, scenario, hazard or total, stat]``
    (hazards in the order of the input, then the total), ``p_release[hazard][site, scenario,
    rp, stat]`` and the mean ``release_per_event_kg[hazard][site, scenario, rp]``."""

    chunk: int
    release_per_year_kg: FloatArray
    p_release: tuple[FloatArray, ...]
    release_per_event_kg: tuple[FloatArray, ...]


def stats(x: FloatArray) -> FloatArray:
    """Mean, 5th, 50th and 95th percentiles over the last axis (the samples), as the last
    axis."""
    pct = np.percentile(x, [5.0, 50.0, 95.0], axis=-1)
    return np.stack([x.mean(axis=-1), pct[0], pct[1], pct[2]], axis=-1)


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


def _seismic(t: Tanks, pga: FloatArray, median_factor: FloatArray) -> tuple[FloatArray,
                                                                          FloatArray]:
    """(expected release fraction, P(any release)) per tank and sample at ``pga[u, s]``."""
    med = t.medians_g[:, None, :] * median_factor[:, :, None]
    with np.errstate(divide="ignore"):
        z = (np.log(pga)[:, :, None] - np.log(med)) / t.betas[:, None, :]
    exc, _ = ordered(ndtr(z).reshape(-1, med.shape[-1]))
    exc = exc.reshape(med.shape)
    first = np.ones(exc.shape[:-1] + (1,))
    probs = np.concatenate([first, exc], axis=-1) - np.concatenate(
        [exc, np.zeros(first.shape)], axis=-1)
    fraction = probs @ t.fractions
    p_any = probs[..., 1:] @ (t.fractions[1:] > 0).astype(float)
    return fraction, p_any


def _critical_depth(t: Tanks, fill: FloatArray, rho_w: float) -> FloatArray:
    """h_cr of ``flood.TankFlotation`` per tank and sample (m above the tank base)."""
    area = np.pi * t.diameter_m**2 / 4.0
    out: FloatArray = (t.mass_kg / (rho_w * area))[:, None] + (
        t.density_kg_m3 / rho_w)[:, None] * (fill * t.height_m[:, None])
    return out


def run_chunk(chunk: int, seed: int, n_sites: int, tanks: Tanks,
              hazards: tuple[HazardCurves, ...], u: Uncertainty) -> ChunkResult:
    """The statistics of one chunk of ``n_sites`` sites (see the module). Arrays are
    ``[tank or site, ..., sample]``."""
    rng = np.random.default_rng([seed, chunk])
    n_t, s_n = tanks.site.size, u.samples
    fill = rng.uniform(u.fill_low, u.fill_high, size=(n_t, s_n))
    median_factor = np.exp(u.fragility_sigma * rng.standard_normal((n_t, s_n)))
    site_eps = np.exp(u.intensity_sigma * rng.standard_normal((len(hazards), n_sites, s_n)))
    content = tanks.content_kg[:, None] * fill / tanks.design_fill[:, None]
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
    h_cr = _critical_depth(tanks, fill, u.water_density_kg_m3)
    for h, curves in enumerate(hazards):
        n_rp = curves.return_periods_years.size
        site_release = np.empty((n_sites, n_scen, n_rp, s_n))
        site_p = np.empty((n_sites, n_scen, n_rp, s_n))
        for c in range(n_scen):
            for k in range(n_rp):
                no_value = np.isnan(curves.intensity[:, c, k])
                im = np.where(no_value, 0.0, curves.intensity[:, c, k])[:, None] * site_eps[h]
                im_t = im if one_each else im[tanks.site]
                if curves.hazard == "earthquake":
                    frac, p_any = _seismic(tanks, im_t, median_factor)
                else:
                    frac = p_any = (im_t > h_cr).astype(float)
                rel = per_site(frac * content)
                if one_each:
                    p_site = p_any
                else:
                    with np.errstate(divide="ignore"):
                        p_site = -np.expm1(per_site(np.log1p(-p_any)))
                rel[no_value] = np.nan
                site_release[:, c, k] = rel
                site_p[:, c, k] = np.where(no_value[:, None], np.nan, p_site)
        per_year[:, :, h] = annual(curves.return_periods_years, site_release)
        p_out.append(stats(site_p))
        r_out.append(site_release.mean(axis=-1))
    hazard_years = per_year[:, :, :-1]
    per_year[:, :, -1] = np.where(np.isnan(hazard_years).all(axis=2), np.nan,
                                  np.where(np.isnan(hazard_years), 0.0, hazard_years).sum(axis=2))
    return ChunkResult(chunk, stats(per_year), tuple(p_out), tuple(r_out))
