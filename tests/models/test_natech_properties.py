"""Properties of the Natech models: monotone in the intensity, damage states ordered,
probabilities in [0, 1] summing to 1 (shipped curves, random custom curves, limit states)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hazatlas.models.natech.custom import parse_custom_curves
from hazatlas.models.natech.damage import DamageResult
from hazatlas.models.natech.flood import TankFlotation
from hazatlas.models.natech.fragility import SHIPPED
from hazatlas.models.natech.tailings import FreeboardScreen, HazusLiquefaction, Jibson2007Newmark

intensity = st.floats(0.0, 5.0, allow_nan=False)


def _check(r: DamageResult, im: np.ndarray) -> None:
    """The four properties on a result computed at increasing intensities ``im``."""
    assert np.all(np.diff(im) >= 0)
    p, exc = r.probabilities, r.exceedance
    assert np.all((p >= 0) & (p <= 1))
    assert np.allclose(p.sum(axis=1), 1.0, atol=1e-12)
    assert np.all((exc >= 0) & (exc <= 1))
    assert np.all(np.diff(exc, axis=1) <= 0)  # P(>= ds_k+1) <= P(>= ds_k): states ordered
    assert np.all(np.diff(exc, axis=0) >= -1e-15)  # each curve grows with the intensity
    assert np.all(np.diff(r.expected_release_fraction) >= -1e-12)


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(sorted(SHIPPED)), st.lists(intensity, min_size=1, max_size=30))
def test_shipped_curves(model: str, values: list[float]) -> None:
    im = np.sort(np.array(values))
    _check(SHIPPED[model]().damage(pga_g=im), im)


@st.composite
def curve_tables(draw: st.DrawFn) -> str:
    n = draw(st.integers(1, 5))
    medians = sorted(draw(st.lists(st.floats(0.01, 10.0), min_size=n, max_size=n)))
    betas = draw(st.lists(st.floats(0.05, 2.0), min_size=n, max_size=n))
    fractions = sorted(draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n)))
    rows = "".join(
        f"c,flood,depth,m,DS{k + 2},L{k},{f!r},{m!r},{b!r},test\n"
        for k, (m, b, f) in enumerate(zip(medians, betas, fractions, strict=True))
    )
    return (
        "curve,hazard,intensity_measure,unit,damage_state,loc_state,release_fraction,"
        "median,beta,source\n" + rows
    )


@settings(max_examples=80, deadline=None)
@given(curve_tables(), st.lists(st.floats(0.0, 20.0), min_size=1, max_size=30))
def test_random_custom_curves(text: str, values: list[float]) -> None:
    im = np.sort(np.array(values))
    curve = parse_custom_curves(text, "random.csv")["c"]
    _check(curve.damage(depth_m=im), im)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0.0, 20.0), min_size=1, max_size=20),
    st.floats(1.0, 100.0),
    st.floats(100.0, 1e7),
    st.floats(0.0, 30.0),
    st.floats(500.0, 1500.0),
)
def test_flotation(values: list[float], d: float, mass: float, fill: float, rho: float) -> None:
    im = np.sort(np.array(values))
    r = TankFlotation().damage(
        flood_depth_m=im,
        diameter_m=d,
        tank_mass_kg=mass,
        fill_height_m=fill,
        liquid_density_kg_m3=rho,
    )
    _check(r, im)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(intensity, min_size=1, max_size=20),
    st.sampled_from(["very_high", "high", "moderate", "low", "very_low"]),
    st.floats(5.0, 8.5),
    st.floats(0.0, 30.0),
)
def test_liquefaction(values: list[float], susceptibility: str, mw: float, dw: float) -> None:
    im = np.sort(np.array(values))
    r = HazusLiquefaction().compute(
        pga_g=im, susceptibility=susceptibility, magnitude=mw, groundwater_depth_m=dw
    )
    assert r.probability is not None
    assert np.all(np.diff(r.conditional) >= 0) and np.all(np.diff(r.probability) >= -1e-15)
    _check(r.damage(), im)


@settings(max_examples=60, deadline=None)
@given(st.lists(intensity, min_size=1, max_size=20), st.floats(0.01, 1.0), st.floats(4.0, 8.5))
def test_newmark(values: list[float], ac: float, mw: float) -> None:
    im = np.sort(np.array(values))
    r = Jibson2007Newmark().compute(pga_g=im, critical_acceleration_g=ac, magnitude=mw)
    assert np.all(np.diff(r.displacement_cm) >= 0)
    assert np.all(r.failure_probability <= 0.335)
    _check(r.damage(), im)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0.0, 2.0), min_size=1, max_size=20),
    st.floats(0.0, 5.0),
    st.floats(0.0, 2.0),
    st.floats(1e3, 1e7),
    st.floats(0.0, 1e8),
    st.floats(0.0, 1.0),
)
def test_freeboard(
    values: list[float], margin: float, fb: float, area: float, catchment: float, c: float
) -> None:
    im = np.sort(np.array(values))
    r = FreeboardScreen().compute(
        design_rainfall_m=im,
        pond_level_m=100.0,
        crest_level_m=100.0 + margin,
        min_freeboard_m=fb,
        pond_area_m2=area,
        catchment_area_m2=catchment,
        runoff_coefficient=c,
    )
    assert np.all(np.diff(r.rise_m) >= 0)
    _check(r.damage(), im)
