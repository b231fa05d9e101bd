"""Levels of concern, threat distances, footprints, geo-referencing and validity warnings."""

from __future__ import annotations

import math

import numpy as np
import pytest
from shapely.geometry import Polygon

from hazatlas.domain.errors import HazatlasError
from hazatlas.models.air import footprint as fp
from hazatlas.models.air.plume import GaussianPlume
from hazatlas.models.air.zones import (
    aegl_period,
    find_substance,
    levels_of_concern,
    threat_distances,
    validity_warnings,
)


@pytest.mark.parametrize(
    ("duration_s", "period", "over"),
    [
        (60, "10 min", False),
        (600, "10 min", False),
        (601, "30 min", False),
        (3600, "60 min", False),
        (3601, "4 h", False),
        (28_800, "8 h", False),
        (40_000, "8 h", True),
    ],
)
def test_duration_rounds_up(duration_s: float, period: str, over: bool) -> None:
    assert aegl_period(duration_s) == (period, over)


def test_levels_from_the_tables_follow_the_csv() -> None:
    # values as in aegl_values.csv (chlorine is 'partially confirmed' there; this pins the lookup)
    ten = levels_of_concern("7782-50-5", duration_s=300)
    assert [(lv.level, lv.threshold_mg_m3, lv.duration) for lv in ten] == [
        ("AEGL-1", 1.45, "10 min"),
        ("AEGL-2", 8.12, "10 min"),
        ("AEGL-3", 145.0, "10 min"),
    ]
    erpg = levels_of_concern("Chlorine", kind="erpg")
    assert [lv.threshold_mg_m3 for lv in erpg] == [2.90, 8.70, 58.0]
    assert [lv.level for lv in levels_of_concern("phosgene")] == ["AEGL-2", "AEGL-3"]  # AEGL-1 NR
    assert find_substance("sulfur dioxide").name == "Sulphur dioxide"
    with pytest.raises(HazatlasError):
        levels_of_concern("unobtainium")
    with pytest.raises(HazatlasError):
        levels_of_concern("chlorine", kind="idlh")


def _ground(m: GaussianPlume, h: float = 0.0):
    return lambda x: m.centreline(
        x, rate_kg_s=1.0, wind_speed_m_s=3.0, stability="D", release_height_m=h
    )


def test_threat_distance_is_the_root_of_the_centreline() -> None:
    m = GaussianPlume("briggs-rural")
    thr = np.array([1e-6, 1e-5, 1e-4])
    d = threat_distances(_ground(m), thr)[0]
    assert np.allclose(_ground(m)(d), thr, rtol=1e-6)
    assert np.all(np.diff(d) < 0)


def test_threat_distance_zero_and_beyond_range() -> None:
    m = GaussianPlume("briggs-rural")
    d = threat_distances(_ground(m, h=50.0), np.array([1.0, 1e-12]))[0]
    assert d[0] == 0.0  # never reached at ground level
    assert math.isinf(d[1])  # still exceeded at 100 km


def test_elevated_release_takes_the_far_crossing() -> None:
    m = GaussianPlume("briggs-rural")
    ground = _ground(m, h=40.0)
    x = np.geomspace(1, 1e5, 2000)
    cmax = ground(x).max()
    d = threat_distances(ground, np.array([0.5 * cmax]))[0, 0]
    assert d > x[np.argmax(ground(x))]
    assert ground(np.array([d]))[0] == pytest.approx(0.5 * cmax, rel=1e-6)


def test_many_sites_in_one_call_match_single_calls() -> None:
    m = GaussianPlume("briggs-rural")
    rates = np.array([[0.5], [1.0], [5.0]])
    stab = np.array([["D"], ["F"], ["B"]])

    def ground(x: np.ndarray) -> np.ndarray:
        return m.centreline(x, rate_kg_s=rates, wind_speed_m_s=3.0, stability=stab)

    thr = np.array([1e-6, 1e-5])
    many = threat_distances(ground, thr, n_sites=3)
    for i in range(3):
        one = threat_distances(
            lambda x, i=i: m.centreline(
                x, rate_kg_s=rates[i, 0], wind_speed_m_s=3.0, stability=stab[i, 0]
            ),
            thr,
        )[0]
        assert np.allclose(many[i], one)


def test_footprint_georeferenced_downwind() -> None:
    m = GaussianPlume("briggs-rural")
    ground = _ground(m)
    d = float(threat_distances(ground, np.array([1e-5]))[0, 0])
    local = fp.footprint_local(ground, lambda x: m.crosswind_sigma(x, "D"), 1e-5, d)
    assert local.bounds[2] == pytest.approx(d, rel=1e-6)
    wedge = fp.wedge_local(d, fp.wedge_half_angle_deg("D", 3.0), local)
    assert wedge.buffer(1e-6).contains(local)
    # wind from the north: the zone lies to the south of the release point
    geo = fp.local_to_lonlat(local, 20.0, 45.0, 0.0)
    assert geo.bounds[3] <= 45.0 + 1e-9 and geo.bounds[1] < 45.0 - 0.9 * d / 111_320
    # wind from the west: the zone lies to the east
    east = fp.local_to_lonlat(local, 20.0, 45.0, 270.0)
    assert east.bounds[0] >= 20.0 - 1e-9
    lon, lat = fp.local_point_to_lonlat(d, 0.0, 20.0, 45.0, 270.0)
    assert lat == pytest.approx(45.0, abs=1e-3) and lon > 20.0
    assert fp.wedge_half_angle_deg("F", 0.5) == 180.0
    assert fp.wedge_local(1000.0, 180.0, Polygon()).area == pytest.approx(math.pi * 1e6, rel=0.01)


def test_validity_warnings() -> None:
    assert validity_warnings(wind_speed_m_s=3.0, distances_m=[500.0, 2000.0]) == []
    w = validity_warnings(
        wind_speed_m_s=0.5,
        distances_m=[50.0, 20_000.0],
        molar_mass_g_mol=70.9,
        release_temperature_k=240.0,
        level_status=["unconfirmed (from memory)"],
    )
    text = " ".join(w)
    for phrase in (
        "dense-gas model",
        "cold cloud",
        "below 1 m/s",
        "below 100 m",
        "exceeds 10 km",
        "unconfirmed",
    ):
        assert phrase in text
    assert validity_warnings(wind_speed_m_s=3.0, distances_m=[500.0], molar_mass_g_mol=17.03) == []
