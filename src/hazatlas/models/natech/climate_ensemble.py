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

Statistics over the samples: mean and the 5th, 50th and 95th percentiles (``STATS``).
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
    rp, stat]`` and ``release_per_event_kg[hazard][site, scenario, rp, stat]``."""

    chunk: int
    release_per_year_kg: FloatArray
    p_release: tuple[FloatArray, ...]
    release_per_event_kg: tuple[FloatArray, ...]


def stats(x: FloatArray) -> FloatArray:
    """Mean, 5th, 50th and 95th percentiles over the first axis, as the last axis."""
    pct = np.percentile(x, [5.0, 50.0, 95.0], axis=0)
    return np.stack([x.mean(axis=0), pct[0], pct[1], pct[2]], axis=-1)


def annual(return_periods: FloatArray, release: FloatArray) -> FloatArray:
    """Expected release per year: ``release[..., site, rp]`` (NaN where missing) integrated by
    the trapezoid over lambda = 1/T (the rule of ``screening.expected_annual``), per site over
    the return periods it has; NaN where it has none."""
    lam = 1.0 / return_periods
    valid = ~np.isnan(release)
    out = np.full(release.shape[:-1], np.nan)
    patterns = np.unique(valid.reshape(-1, valid.shape[-1]), axis=0)
    for pattern in patterns:
        keep = np.flatnonzero(pattern)
        if keep.size == 0:
            continue
        rows = np.all(valid == pattern, axis=-1)
        r = release[..., keep][rows]
        lk = lam[keep]
        total = lk[-1] * r[..., -1]
        for i in range(keep.size - 1):
            total = total + (lk[i] - lk[i + 1]) * (r[..., i] + r[..., i + 1]) / 2.0
        out[rows] = total
    return out


def _seismic(t: Tanks, pga: FloatArray, median_factor: FloatArray) -> tuple[FloatArray,
                                                                          FloatArray]:
    """(expected release fraction, P(any release)) per sample and tank at ``pga[s, u]``."""
    med = t.medians_g[None, :, :] * median_factor[:, :, None]
    with np.errstate(divide="ignore"):
        z = (np.log(pga)[:, :, None] - np.log(med)) / t.betas[None, :, :]
    exc, _ = ordered(ndtr(z).reshape(-1, med.shape[-1]))
    exc = exc.reshape(med.shape)
    first = np.ones(exc.shape[:-1] + (1,))
    probs = np.concatenate([first, exc], axis=-1) - np.concatenate(
        [exc, np.zeros(first.shape)], axis=-1)
    fraction = probs @ t.fractions
    p_any = probs[..., 1:] @ (t.fractions[1:] > 0).astype(float)
    return fraction, p_any


def _flotation(t: Tanks, depth: FloatArray, fill: FloatArray, rho_w: float
               ) -> tuple[FloatArray, FloatArray]:
    area = np.pi * t.diameter_m**2 / 4.0
    h_cr = t.mass_kg / (rho_w * area) + t.density_kg_m3 / rho_w * (fill * t.height_m)
    floats = (depth > h_cr).astype(float)
    return floats, floats


def run_chunk(chunk: int, seed: int, n_sites: int, tanks: Tanks,
              hazards: tuple[HazardCurves, ...], u: Uncertainty) -> ChunkResult:
    """The statistics of one chunk of ``n_sites`` sites (see the module)."""
    rng = np.random.default_rng([seed, chunk])
    n_t, s_n = tanks.site.size, u.samples
    fill = rng.uniform(u.fill_low, u.fill_high, size=(s_n, n_t))
    median_factor = np.exp(u.fragility_sigma * rng.standard_normal((s_n, n_t)))
    site_eps = np.exp(u.intensity_sigma * rng.standard_normal((len(hazards), s_n, n_sites)))
    content = tanks.content_kg[None, :] * fill / tanks.design_fill[None, :]
    flat = (tanks.site[None, :] + n_sites * np.arange(s_n)[:, None]).ravel()

    def per_site(x: FloatArray) -> FloatArray:
        """Sum of a [sample, tank] array over each site's tanks: [sample, site]."""
        out = np.asarray(np.bincount(flat, weights=x.ravel(), minlength=s_n * n_sites),
                         dtype=np.float64)
        return out.reshape(s_n, n_sites)

    n_scen = hazards[0].intensity.shape[1] if hazards else 0
    per_year = np.zeros((s_n, n_sites, n_scen, len(hazards) + 1))
    p_out, r_out = [], []
    for h, curves in enumerate(hazards):
        n_rp = curves.return_periods_years.size
        site_release = np.zeros((s_n, n_sites, n_scen, n_rp))
        site_p = np.zeros((s_n, n_sites, n_scen, n_rp))
        for c in range(n_scen):
            for k in range(n_rp):
                im = curves.intensity[:, c, k][None, :] * site_eps[h]  # samples x sites
                im_t = im[:, tanks.site]
                missing = np.isnan(im_t)
                im_t = np.where(missing, 0.0, im_t)
                if curves.hazard == "earthquake":
                    frac, p_any = _seismic(tanks, im_t, median_factor)
                else:
                    frac, p_any = _flotation(tanks, im_t, fill, u.water_density_kg_m3)
                rel = per_site(frac * content)
                with np.errstate(divide="ignore"):
                    log_keep = per_site(np.log1p(-p_any))
                no_value = np.isnan(curves.intensity[:, c, k])
                rel[:, no_value] = np.nan
                site_release[:, :, c, k] = rel
                site_p[:, :, c, k] = np.where(no_value[None, :], np.nan, -np.expm1(log_keep))
        yearly = annual(curves.return_periods_years, site_release)
        per_year[..., h] = yearly
        p_out.append(stats(site_p))
        r_out.append(stats(site_release))
    hazard_years = per_year[..., :-1]
    per_year[..., -1] = np.where(np.isnan(hazard_years).all(axis=-1), np.nan,
                                 np.where(np.isnan(hazard_years), 0.0, hazard_years).sum(axis=-1))
    return ChunkResult(chunk, stats(per_year), tuple(p_out), tuple(r_out))
