"""The ensemble's fast paths give the same numbers, bit for bit, as the plain formulations
they replace (the river kernels, ``fragility.ordered``, ``np.percentile``, the scatter
reductions); docs/natech.md, section "Ensembles"."""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr  # type: ignore[import-untyped]

from hazatlas.models.natech import climate_ensemble as ce
from hazatlas.models.natech import ensemble_pathways as ep
from hazatlas.models.natech.fragility import ordered
from hazatlas.models.river import kernels


def _plain_leading_edge(mean, var, q_per_kg, t_peak, c_peak, threshold, k):
    """The arrival with the river kernels evaluated in full at every iteration."""
    log_thr = float(np.log(threshold))
    lam = kernels.shape(mean, var)
    ln_ratio = np.log(c_peak / threshold)
    b = 2.0 * lam * mean + 2.0 * mean * mean * ln_ratio
    root = np.sqrt(np.maximum(b * b - 4.0 * lam * lam * mean * mean, 0.0))
    early = (b - root) / (2.0 * lam)

    def rising(s, i):
        t = np.exp(s)
        value = kernels.log_instantaneous(1.0, mean[i], var[i], q_per_kg[i], t, k)
        return value - log_thr, kernels.dlog_instantaneous_dt(mean[i], var[i], t, k) * t

    guess = np.log(np.clip(early, t_peak * 1e-12, t_peak))
    return np.exp(ep.newton_each(rising, np.log(t_peak) - 60.0, np.log(t_peak), guess))


def test_leading_edge_equals_the_kernels_bit_for_bit():
    rng = np.random.default_rng(3)
    n = 4000
    mean = rng.uniform(1e4, 1e6, n)
    var = (mean * rng.uniform(0.05, 0.8, n)) ** 2
    var[:5] = 0.0  # the kernels' variance floor
    q = rng.uniform(10.0, 3000.0, n) / rng.uniform(1e2, 1e7, n)
    for k in (0.0, 2e-6):
        t_peak = kernels.peak_time_instantaneous(mean, var, k)
        c_peak = kernels.instantaneous(1.0, mean, var, q, t_peak, k)
        threshold = float(np.quantile(c_peak, 0.2))
        keep = c_peak > threshold
        args = (mean[keep], var[keep], q[keep], t_peak[keep], c_peak[keep], threshold, k)
        got = ep.leading_edge(*args)
        np.testing.assert_array_equal(got, _plain_leading_edge(*args))
        assert np.all(got < t_peak[keep])


def test_seismic_equals_the_ordered_curves_bit_for_bit():
    rng = np.random.default_rng(4)
    n, s_n, states = 300, 50, 4
    fractions = np.array([0.0, 0.0, 0.05, 0.4, 1.0])
    medians = rng.uniform(0.1, 1.5, (n, states))
    medians[::3] = medians[::3, ::-1]  # crossing curves: the envelope changes them
    tanks = ce.Tanks(np.arange(n), np.ones(n), np.ones(n), np.ones(n), np.ones(n), np.ones(n),
                     np.ones(n), medians, rng.uniform(0.3, 0.8, (n, states)), fractions)
    factor = np.exp(0.3 * rng.standard_normal((n, s_n)))
    pga = rng.uniform(0.0, 1.0, (n, s_n))
    pga[0, :5] = 0.0
    frac, p_any = ce._seismic(tanks, pga, ce._log_medians(tanks, factor))
    # the plain formulation
    med = medians[:, None, :] * factor[:, :, None]
    with np.errstate(divide="ignore"):
        z = (np.log(pga)[:, :, None] - np.log(med)) / tanks.betas[:, None, :]
    exc, change = ordered(ndtr(z).reshape(-1, states))
    assert change > 0
    exc = exc.reshape(med.shape)
    first = np.ones(exc.shape[:-1] + (1,))
    probs = np.concatenate([first, exc], axis=-1) - np.concatenate(
        [exc, np.zeros(first.shape)], axis=-1)
    np.testing.assert_array_equal(frac, probs @ fractions)
    np.testing.assert_array_equal(p_any, probs[..., 1:] @ (fractions[1:] > 0).astype(float))


def test_stats_equal_numpy_percentiles_of_the_raw_samples():
    rng = np.random.default_rng(5)
    for n in (1, 2, 3, 7, 20, 100, 101):
        x = rng.lognormal(size=(40, 3, 2, n))
        x[::4] = 0.0
        x[1, 1, 1, ::2] = 7.0  # ties
        x[2, 0, 0] = np.nan  # a site without a value
        x[3, 2, 1, -1] = np.nan
        got = ce.stats(x)
        pct = np.percentile(x, [5.0, 50.0, 95.0], axis=-1)
        np.testing.assert_array_equal(got, np.stack([x.mean(axis=-1), *pct], axis=-1))


def test_site_reductions_with_one_or_several_elements_per_site():
    rng = np.random.default_rng(6)
    x = rng.uniform(1.0, 9.0, (3, 8))
    x[0, :3] = np.nan
    x[2, 4] = np.inf
    hit = ~np.isnan(x)
    for site in (np.array([3, 0, 1]), np.array([3, 3, 1])):  # one each; two at site 3
        expected_min = np.full((5, 8), np.nan)
        expected_any = np.zeros((5, 8))
        for s in np.unique(site):
            rows = np.where(np.isnan(x[site == s]), np.inf, x[site == s]).min(axis=0)
            expected_min[s] = np.where(np.isinf(rows), np.nan, rows)
            expected_any[s] = hit[site == s].any(axis=0)
        np.testing.assert_array_equal(ce._site_min(site, x, 5), expected_min)
        np.testing.assert_array_equal(ce._site_any(site, hit, 5), expected_any)
