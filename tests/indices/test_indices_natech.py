"""Natech exposure flags (hazatlas design bands; Floods Directive scenario names)."""

from __future__ import annotations

import pytest

from hazatlas.domain.errors import ValidationError
from hazatlas.indices.natech import natech_exposure


@pytest.mark.parametrize(
    ("pga", "level", "flagged"),
    [(0.0, "low", False), (0.099, "low", False), (0.1, "moderate", True), (0.5, "high", True)],
)
def test_earthquake_bands_against_design_table(pga: float, level: str, flagged: bool) -> None:
    r = natech_exposure(pga_g=pga)
    assert r is not None
    assert (r.flags[0].level, r.flags[0].flagged) == (level, flagged)


@pytest.mark.parametrize(
    ("zone", "level", "flagged"),
    [
        ("high_probability", "high", True),
        ("medium_probability", "moderate", True),
        ("low_probability", "low", True),
        ("outside", "none", False),
    ],
)
def test_flood_zones(zone: str, level: str, flagged: bool) -> None:
    r = natech_exposure(flood_zone=zone)
    assert r is not None
    assert (r.flags[0].level, r.flags[0].flagged) == (level, flagged)


def test_combined_and_empty() -> None:
    assert natech_exposure() is None
    r = natech_exposure(pga_g=0.3, flood_zone="medium_probability")
    assert r is not None
    assert r.flagged_hazards == ("earthquake", "flood")
    assert r.to_dict()["flagged_hazards"] == ["earthquake", "flood"]


def test_bad_inputs() -> None:
    with pytest.raises(ValidationError) as err:
        natech_exposure(pga_g=-1.0, flood_zone="HQ100")
    assert [p.field for p in err.value.problems] == ["pga_g", "flood_zone"]
