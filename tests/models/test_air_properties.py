"""Property tests (hypothesis) of the plume, puff and threat zones."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from hazatlas.models.air.footprint import footprint_local
from hazatlas.models.air.plume import GaussianPlume
from hazatlas.models.air.puff import GaussianPuff
from hazatlas.models.air.zones import threat_distances

SETS = st.sampled_from(["briggs-rural", "briggs-urban", "pasquill-gifford"])
CLASSES = st.sampled_from(list("ABCDEF"))
LIDS = st.sampled_from([math.inf, 300.0, 1000.0])


@settings(max_examples=60, deadline=None)
@given(
    SETS,
    CLASSES,
    st.floats(1.0, 50_000.0),
    st.floats(0.0, 2_000.0),
    st.floats(0.0, 100.0),
    st.floats(0.0, 50.0),
    LIDS,
)
def test_plume_symmetric_and_non_negative(
    sigmas: str, stab: str, x: float, y: float, z: float, h: float, lid: float
) -> None:
    m = GaussianPlume(sigmas)
    kw = {
        "rate_kg_s": 2.0,
        "wind_speed_m_s": 3.0,
        "stability": stab,
        "release_height_m": h,
        "mixing_height_m": lid,
    }
    left = m.compute(x, y, z, **kw)
    right = m.compute(x, -y, z, **kw)
    assert left >= 0.0
    assert left == right


@settings(max_examples=60, deadline=None)
@given(SETS, CLASSES, st.floats(0.0, 60.0), LIDS)
def test_ground_level_decreases_downwind_of_its_maximum(
    sigmas: str, stab: str, h: float, lid: float
) -> None:
    m = GaussianPlume(sigmas)
    x = np.geomspace(1.0, 30_000.0, 600)
    c = m.centreline(
        x,
        rate_kg_s=1.0,
        wind_speed_m_s=4.0,
        stability=stab,
        release_height_m=h,
        mixing_height_m=lid,
    )
    assert np.all(c >= 0)
    tail = c[int(np.argmax(c)) :]
    assert np.all(np.diff(tail) <= 1e-12 * tail[:-1] + 1e-300)


@settings(max_examples=40, deadline=None)
@given(SETS, CLASSES, st.floats(0.0, 30.0), st.floats(0.05, 20.0), st.floats(1.0, 10.0))
def test_zones_are_nested(sigmas: str, stab: str, h: float, rate: float, wind: float) -> None:
    m = GaussianPlume(sigmas)

    def ground(x: np.ndarray) -> np.ndarray:
        return m.centreline(
            x, rate_kg_s=rate, wind_speed_m_s=wind, stability=stab, release_height_m=h
        )

    thresholds = np.array([1.45, 5.8, 58.0]) * 1e-6  # increasing levels (AEGL-1 < 2 < 3)
    d = threat_distances(ground, thresholds)[0]
    assert d[0] >= d[1] >= d[2]
    polys = [
        footprint_local(ground, lambda x: m.crosswind_sigma(x, stab), t, min(di, 1e5))
        for t, di in zip(thresholds, d, strict=True)
    ]
    for outer, inner in zip(polys, polys[1:], strict=False):
        if not inner.is_empty:
            assert outer.buffer(1e-4 * outer.length).contains(inner)


@settings(max_examples=4, deadline=None)
@given(CLASSES, st.floats(100.0, 3_000.0), st.floats(0.0, 20.0))
def test_puff_conserves_mass(stab: str, travel: float, h: float) -> None:
    p = GaussianPuff("briggs-rural")
    u = 2.5
    t = travel / u
    sy, sz = (float(v) for v in p.sigmas.compute(travel, stab))
    xs = np.linspace(travel - 8 * sy, travel + 8 * sy, 101)
    ys = np.linspace(-8 * sy, 8 * sy, 101)
    zs = np.linspace(0.0, h + 8 * sz, 161)
    X, Y, Z = np.meshgrid(xs, ys, zs, indexing="ij")
    c = p.compute(X, Y, Z, t, mass_kg=100.0, wind_speed_m_s=u, stability=stab, release_height_m=h)
    total = integrate.simpson(integrate.simpson(integrate.simpson(c, x=zs), x=ys), x=xs)
    assert abs(total - 100.0) < 0.5


def test_puff_conserves_mass_under_a_lid() -> None:
    p = GaussianPuff("briggs-rural")
    lid, u, travel = 200.0, 3.0, 2000.0
    sy, sz = (float(v) for v in p.sigmas.compute(travel, "C"))
    xs = np.linspace(travel - 8 * sy, travel + 8 * sy, 101)
    ys = np.linspace(-8 * sy, 8 * sy, 101)
    zs = np.linspace(0.0, lid, 121)
    X, Y, Z = np.meshgrid(xs, ys, zs, indexing="ij")
    c = p.compute(
        X,
        Y,
        Z,
        travel / u,
        mass_kg=100.0,
        wind_speed_m_s=u,
        stability="C",
        release_height_m=10.0,
        mixing_height_m=lid,
    )
    total = integrate.simpson(integrate.simpson(integrate.simpson(c, x=zs), x=ys), x=xs)
    assert abs(total - 100.0) < 1.0


def test_plume_flux_through_a_crosswind_plane_is_the_rate() -> None:
    m = GaussianPlume("briggs-rural")
    u, x = 3.0, 1500.0
    sy, sz = (float(v) for v in m.sigmas.compute(x, "D"))
    ys = np.linspace(-8 * sy, 8 * sy, 401)
    zs = np.linspace(0.0, 8 * sz + 20, 401)
    Y, Z = np.meshgrid(ys, zs, indexing="ij")
    c = m.compute(x, Y, Z, rate_kg_s=2.0, wind_speed_m_s=u, stability="D", release_height_m=20.0)
    flux = u * integrate.simpson(integrate.simpson(c, x=zs), x=ys)
    assert abs(flux - 2.0) < 0.01
