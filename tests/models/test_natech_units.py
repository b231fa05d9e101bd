"""Unit kinds and given unit data in the Natech tank screening (models/natech/screening.py)."""

from __future__ import annotations

import math

import pytest

from hazatlas.domain.errors import ValidationError
from hazatlas.domain.inventory import UNIT_KINDS
from hazatlas.models.natech.screening import TANK_KINDS, tank_event, tank_unit

GIVEN = {"unit_kind": "atmospheric_tank", "anchored": "true", "tank_diameter_m": "20",
         "tank_height_m": "10", "liquid_density_kg_m3": "800", "tank_mass_kg": "90000"}


@pytest.mark.parametrize("kind", sorted(set(UNIT_KINDS) - TANK_KINDS))
def test_non_tank_kinds_are_not_screened_as_tanks(kind: str) -> None:
    with pytest.raises(ValidationError) as exc:
        tank_unit("P-1", "tailings water", 1e6, {"unit_kind": kind})
    (problem,) = exc.value.problems
    assert problem.field == "unit_kind" and "no fragility model for this unit kind" in str(problem)


def test_unknown_kind_names_the_vocabulary() -> None:
    with pytest.raises(ValidationError) as exc:
        tank_unit("T-1", "x", 1e6, {"unit_kind": "floating_roof"})
    assert "atmospheric_tank" in str(exc.value.problems[0])


def test_given_data_are_used_over_the_defaults() -> None:
    u = tank_unit("T-1", "toluene", 1.6e6, GIVEN)
    assert u.assumed == ()
    assert u.tank_model == "hazus-steel-tank-anchored"
    assert u.diameter_m == 20.0 and u.tank_mass_kg == 90000.0
    # 1.6e6 kg / 800 kg/m3 = 2000 m3 in a 20 m x 10 m tank (3141.6 m3): fill 0.6366
    assert u.fill_fraction == pytest.approx(2000.0 / (math.pi * 100.0 * 10.0))
    assert u.fill_height_m == pytest.approx(2000.0 / (math.pi * 100.0))
    unanchored = tank_unit("T-1", "toluene", 1.6e6, {**GIVEN, "anchored": "false"})
    quake = tank_event(u, "earthquake", 0.5, 475.0, "baseline", "")
    weaker = tank_event(unanchored, "earthquake", 0.5, 475.0, "baseline", "")
    assert quake.model == "hazus-steel-tank-anchored"
    assert weaker.model == "hazus-steel-tank-unanchored"
    assert quake.release_per_event < weaker.release_per_event


def test_given_fill_with_height_and_diameter() -> None:
    # 1.2e6 kg / 800 kg/m3 = 1500 m3 fits half of the 20 m x 10 m tank (1570.8 m3)
    u = tank_unit("T-1", "toluene", 1.2e6, {**GIVEN, "fill_fraction": "0.5"})
    assert u.fill_fraction == 0.5 and u.fill_height_m == pytest.approx(5.0)


def test_a_given_fill_must_hold_the_content() -> None:
    """2000 m3 at a fill of 0.5 of a 20 m x 10 m tank (1570.8 m3): flotation (fill x H) and
    the release (the content) would describe two different tanks, so it is refused."""
    with pytest.raises(ValidationError) as exc:
        tank_unit("T-1", "toluene", 1.6e6, {**GIVEN, "fill_fraction": "0.5"})
    assert exc.value.problems[0].field == "fill_fraction"
    assert "more than a fill of 0.5" in exc.value.problems[0].message


def test_old_diameter_name_is_still_read() -> None:
    u = tank_unit("T-1", "x", 1e6, {"diameter_m": "12"})
    assert u.diameter_m == 12.0 and "diameter_m" not in u.assumed


def test_missing_kind_is_an_assumed_tank() -> None:
    u = tank_unit("T-1", "x", 1e6, {})
    assert "unit_kind" in u.assumed


@pytest.mark.parametrize(("given", "field"), [
    ({"tank_height_m": "10"}, "tank_height_m"),
    ({"tank_diameter_m": "5", "tank_height_m": "5"}, "tank_height_m"),
    ({"tank_diameter_m": "-3"}, "tank_diameter_m"),
])
def test_inconsistent_dimensions_name_the_field(given: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        tank_unit("T-1", "x", 1e6, given)  # 1000 m3 does not fit 5 m x 5 m (98 m3)
    assert exc.value.problems[0].field == field
