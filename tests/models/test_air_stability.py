"""Pasquill-Turner stability classes, wind profile and source-term edge cases."""

from __future__ import annotations

import pytest

from hazatlas.domain.errors import HazatlasError
from hazatlas.models.air.source import GasHoleRelease, PoolEvaporationEPA, direct_mass, direct_rate
from hazatlas.models.air.stability import pasquill_class
from hazatlas.models.air.wind import wind_at_height


@pytest.mark.parametrize(
    ("wind", "daytime", "insolation", "cloud", "expected"),
    [
        (1.0, True, "strong", None, "A"),
        (1.0, True, "moderate", None, "B"),  # "A-B" resolved to the more stable class
        (2.0, True, "strong", None, "B"),  # boundary goes to the higher row ("2-3": A-B)
        (4.0, True, "slight", None, "C"),
        (5.5, True, "moderate", None, "D"),  # "C-D"
        (6.0, True, "strong", None, "C"),  # 6.0 is still the "5-6" row
        (8.0, True, "moderate", None, "D"),  # NOAA READY / Turner: D (the CSV's source says C)
        (8.0, True, "strong", None, "C"),
        (1.5, False, None, 6, "F"),  # footnote class G mapped to F
        (2.5, False, None, 5, "E"),
        (2.5, False, None, 2, "F"),
        (4.0, False, None, 2, "E"),
        (4.0, False, None, 8, "D"),  # overcast
        (3.0, True, "strong", 8, "D"),
    ],
)
def test_pasquill_table(
    wind: float, daytime: bool, insolation: str | None, cloud: float | None, expected: str
) -> None:
    assert (
        pasquill_class(wind, daytime=daytime, insolation=insolation, cloud_cover_octas=cloud)
        == expected
    )


def test_source_variant_and_transitional_choice() -> None:
    assert pasquill_class(8.0, daytime=True, insolation="moderate", variant="source") == "C"
    assert pasquill_class(1.0, daytime=True, insolation="moderate", transitional="unstable") == "A"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"daytime": True},  # no insolation
        {"daytime": False},  # no cloud cover at night
        {"daytime": True, "insolation": "bright"},
        {"daytime": False, "cloud_cover_octas": 9},
    ],
)
def test_pasquill_errors(kwargs: dict) -> None:
    with pytest.raises(HazatlasError):
        pasquill_class(3.0, **kwargs)


def test_wind_profile_floor_and_errors() -> None:
    assert wind_at_height(3.0, 10.0, 0.0, "D") == pytest.approx(3.0 * 0.1**0.15)
    with pytest.raises(HazatlasError):
        wind_at_height(3.0, 0.0, 10.0, "D")
    with pytest.raises(HazatlasError):
        wind_at_height(3.0, 10.0, 10.0, "G")


def test_direct_sources_reject_non_positive() -> None:
    assert direct_rate(2.0).rate_kg_s == 2.0
    assert direct_mass(5.0).kind == "instantaneous"
    for fn in (direct_rate, direct_mass):
        with pytest.raises(HazatlasError):
            fn(0.0)


def test_hole_flow_choked_transition_is_continuous() -> None:
    model = GasHoleRelease()
    k = 1.4
    p_crit = 101_325.0 * ((k + 1) / 2) ** (k / (k - 1))
    kw = {
        "hole_diameter_m": 0.01,
        "temperature_k": 300.0,
        "molar_mass_kg_mol": 0.029,
        "heat_capacity_ratio": k,
    }
    above = model.compute(pressure_pa=p_crit * 1.0001, **kw)
    below = model.compute(pressure_pa=p_crit * 0.9999, **kw)
    assert above == pytest.approx(below, rel=1e-3)
    assert model.compute(pressure_pa=101_325.0, **kw) == 0.0
    assert model.is_choked(3e5, k) and not model.is_choked(1.5e5, k)


def test_pool_evaporation_scales_linearly_with_area_and_vapour_pressure() -> None:
    m = PoolEvaporationEPA()
    kw = {"wind_speed_m_s": 2.0, "molar_mass_g_mol": 78.11, "temperature_k": 298.15}
    base = m.compute(area_m2=10.0, vapour_pressure_pa=1e4, **kw)
    assert m.compute(area_m2=20.0, vapour_pressure_pa=1e4, **kw) == pytest.approx(2 * base)
    assert m.compute(area_m2=10.0, vapour_pressure_pa=2e4, **kw) == pytest.approx(2 * base)
    assert m.check_validity(vapour_pressure_pa=2e5)  # boiling liquid: outside the formula
