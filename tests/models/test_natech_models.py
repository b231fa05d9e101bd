"""Natech fragility and release models: verification tables, RAPID-N validation values, errors."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from hazatlas.domain.errors import ValidationError
from hazatlas.domain.reference import load_table
from hazatlas.models.natech.custom import parse_custom_curves
from hazatlas.models.natech.damage import classification
from hazatlas.models.natech.flood import TankFlotation
from hazatlas.models.natech.fragility import SHIPPED, Ala2001SteelTank, HazusSteelTankAnchored
from hazatlas.models.natech.gmpe import Boatwright2003, Singh1993
from hazatlas.models.natech.tailings import (
    FreeboardScreen,
    HazusLiquefaction,
    Jibson2007Newmark,
    critical_acceleration_g,
)

REF = Path(__file__).parent / "reference"


def _table(name: str) -> list[dict[str, str]]:
    with open(REF / name, encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize(
    "row", _table("natech_fragility.csv"), ids=lambda r: f"{r['model']}-{r['pga_g']}"
)
def test_fragility_table(row: dict[str, str]) -> None:
    model = SHIPPED[row["model"]]()
    pga = float(row["pga_g"])
    tol = float(row["abs_tol"])
    raw = model.exceedance(np.array([pga]))[0]
    assert raw == pytest.approx([float(row[f"raw_ds{k}"]) for k in range(2, 6)], abs=tol)
    r = model.damage(pga_g=[pga])
    assert r.exceedance[0] == pytest.approx([float(row[f"ds{k}"]) for k in range(2, 6)], abs=tol)


def test_hazus_values_of_the_research_notes() -> None:
    """P(>=DS2..DS5) at 0.3 g as the reference notes computed them from the same parameters."""
    r = HazusSteelTankAnchored().damage(pga_g=0.3)
    assert r.exceedance[0] == pytest.approx([0.5000, 0.0790, 0.0141, 0.0026], abs=1e-4)


def test_ala_crossing_is_corrected_and_said() -> None:
    below = Ala2001SteelTank().damage(pga_g=[0.3])
    assert not any("curves cross in this intensity" in w for w in below.warnings)
    assert any("Porter 2021" in w for w in below.warnings)  # the uncorrected original is said
    above = Ala2001SteelTank().damage(pga_g=[1.5])
    assert any("curves cross in this intensity" in w for w in above.warnings)
    assert (above.probabilities >= 0).all()
    assert above.probabilities[0, 3] == 0.0  # DS4 is skipped where DS5 lies above it


def test_loc_mapping_and_release() -> None:
    c = classification("hazus-2010-storage-tank")
    assert c.loc_states == ("None", "Minor", "Moderate", "Major", "Catastrophic")
    assert c.release_fractions[0] == 0.0 and c.release_fractions[-1] == 1.0
    r = HazusSteelTankAnchored().damage(pga_g=[0.0, 100.0])
    assert r.expected_release_fraction == pytest.approx([0.0, 1.0], abs=1e-9)
    loc = r.loc_probabilities()
    assert loc["None"][0] == 1.0 and loc["Catastrophic"][1] == pytest.approx(1.0)
    doc = r.to_json()
    assert doc["states"][4] == {
        "damage_state": "DS5",
        "loc_state": "Catastrophic",
        "release_fraction": 1.0,
    }


def test_fill_outside_validity_is_warned_not_refused() -> None:
    r = HazusSteelTankAnchored().damage(pga_g=0.3, fill_fraction=0.5)
    assert not r.validity[0].inside
    assert any("fill_fraction = 0.5" in w for w in r.warnings)
    assert HazusSteelTankAnchored().damage(pga_g=0.3, fill_fraction=0.9).validity[0].inside


@pytest.mark.parametrize("bad", [-0.1, math.nan, math.inf])
def test_bad_intensity_names_the_parameter(bad: float) -> None:
    with pytest.raises(ValidationError) as e:
        HazusSteelTankAnchored().damage(pga_g=[0.1, bad])
    assert e.value.problems[0].field == "pga_g"
    assert "element 1" in e.value.problems[0].message


def test_shipped_curve_status_is_carried() -> None:
    rows = load_table("natech_fragility_curves")
    assert {r["model"] for r in rows} == set(SHIPPED)
    hazus = [r for r in rows if r["model"].startswith("hazus")]
    assert all(r["status"].startswith("partially confirmed") for r in hazus)


# -- flood ---------------------------------------------------------------------------------


def test_flotation_critical_depth_by_hand() -> None:
    # D = 20 m, empty tank 60 t, 2 m of diesel (840 kg/m3): h = 60000/(1000 pi 100) + 0.84*2
    h = TankFlotation().critical_depth_m(
        diameter_m=20.0, tank_mass_kg=60_000.0, fill_height_m=2.0, liquid_density_kg_m3=840.0
    )[0]
    assert h == pytest.approx(60_000.0 / (1000.0 * math.pi * 100.0) + 1.68, rel=1e-12)
    r = TankFlotation().damage(
        flood_depth_m=[h - 1e-6, h + 1e-6],
        diameter_m=20.0,
        tank_mass_kg=60_000.0,
        fill_height_m=2.0,
        liquid_density_kg_m3=840.0,
    )
    assert r.probabilities.tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert r.loc_states == ("None", "Catastrophic")
    assert r.expected_release_fraction.tolist() == [0.0, 1.0]


def test_flotation_denser_water_lowers_the_critical_depth() -> None:
    kw = dict(diameter_m=10.0, tank_mass_kg=20_000.0, fill_height_m=3.0, liquid_density_kg_m3=900.0)
    clear = TankFlotation().critical_depth_m(**kw)[0]
    muddy = TankFlotation().critical_depth_m(**kw, water_density_kg_m3=1200.0)[0]
    assert muddy < clear


def test_flotation_bad_inputs_name_every_parameter() -> None:
    with pytest.raises(ValidationError) as e:
        TankFlotation().critical_depth_m(
            diameter_m=0.0, tank_mass_kg=-1.0, fill_height_m=1.0, liquid_density_kg_m3=800.0
        )
    assert [p.field for p in e.value.problems] == ["diameter_m", "tank_mass_kg"]


# -- tailings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "row",
    _table("natech_tailings.csv"),
    ids=lambda r: f"{r['model']}-{r['susceptibility']}-{r['pga_g']}",
)
def test_tailings_table(row: dict[str, str]) -> None:
    pga = float(row["pga_g"])
    if row["model"] == "hazus-liquefaction":
        r = HazusLiquefaction().compute(
            pga_g=pga,
            susceptibility=row["susceptibility"],
            magnitude=float(row["magnitude"]),
            groundwater_depth_m=float(row["groundwater_depth_m"]),
        )
        assert r.conditional[0] == pytest.approx(float(row["conditional"]), abs=1e-12)
        assert r.probability is not None
        assert r.probability[0] == pytest.approx(float(row["probability"]), abs=1e-9)
    else:
        n = Jibson2007Newmark().compute(
            pga_g=pga,
            critical_acceleration_g=float(row["critical_acceleration_g"]),
            magnitude=float(row["magnitude"]),
        )
        assert n.displacement_cm[0] == pytest.approx(float(row["displacement_cm"]), rel=1e-9)
        assert n.failure_probability[0] == pytest.approx(
            float(row["failure_probability"]), abs=1e-12
        )


def test_hazus_corrections_of_the_research_notes() -> None:
    m = HazusLiquefaction()
    assert m.magnitude_correction(6.5) == pytest.approx(1.1965, abs=1e-4)
    assert m.groundwater_correction(5 * 0.3048) == pytest.approx(1.0400, abs=1e-4)


def test_liquefaction_errors() -> None:
    with pytest.raises(ValidationError) as e:
        HazusLiquefaction().compute(pga_g=0.3, susceptibility="sandy", magnitude=6.5)
    assert [p.field for p in e.value.problems] == ["susceptibility", "groundwater_depth_m"]


def test_liquefaction_damage_is_two_state() -> None:
    r = HazusLiquefaction().compute(pga_g=[0.05, 0.5], susceptibility="high").damage()
    assert r.classification == "tailings-dam"
    assert r.probabilities[:, 1].tolist() == pytest.approx([0.0, 1.0])


def test_newmark_critical_acceleration() -> None:
    assert critical_acceleration_g(1.5, 30.0) == pytest.approx(0.25)
    assert critical_acceleration_g(0.9, 30.0) == 0.0
    with pytest.raises(ValidationError):
        critical_acceleration_g(1.5, 95.0)
    with pytest.raises(ValidationError) as e:
        Jibson2007Newmark().compute(pga_g=0.3, critical_acceleration_g=0.0, magnitude=6.0)
    assert e.value.problems[0].field == "critical_acceleration_g"


def test_freeboard_screen_by_hand() -> None:
    # 100 mm on a 10 ha pond with a 40 ha catchment at C = 0.5: rise = 0.1 (10 + 20)/10 = 0.3 m
    r = FreeboardScreen().compute(
        design_rainfall_m=[0.1, 0.4, 0.8],
        pond_level_m=97.0,
        crest_level_m=98.0,
        min_freeboard_m=0.5,
        pond_area_m2=1e5,
        catchment_area_m2=4e5,
        runoff_coefficient=0.5,
    )
    assert r.rise_m == pytest.approx([0.3, 1.2, 2.4])
    assert r.remaining_freeboard_m == pytest.approx([0.7, -0.2, -1.4])
    assert r.freeboard_exceeded.tolist() == [False, True, True]
    assert r.overtopped.tolist() == [False, True, True]
    assert r.damage().probabilities[:, 1].tolist() == [0.0, 1.0, 1.0]


def test_freeboard_pond_above_crest_is_refused() -> None:
    with pytest.raises(ValidationError) as e:
        FreeboardScreen().compute(
            design_rainfall_m=0.1,
            pond_level_m=99.0,
            crest_level_m=98.0,
            min_freeboard_m=0.5,
            pond_area_m2=1e5,
        )
    assert e.value.problems[0].field == "pond_level_m"


# -- RAPID-N ground-motion estimators ---------------------------------------------------------


@pytest.mark.parametrize(
    "row",
    _table("natech_gmpe.csv"),
    ids=lambda r: f"{r['model']}-{r['magnitude']}-{r['hypocentral_distance_km']}",
)
def test_rapidn_validation_values(row: dict[str, str]) -> None:
    m, d = float(row["magnitude"]), float(row["hypocentral_distance_km"])
    if row["model"] == "boatwright2003-pga":
        got = Boatwright2003().pga_g(
            magnitude=m, hypocentral_distance_km=d, site_class=row["site_class"]
        )
    else:
        got = Singh1993().pga_cm_s2(magnitude=m, hypocentral_distance_km=d)
    assert got[0] == pytest.approx(float(row["expected"]), abs=float(row["abs_tol"]))


def test_gmpe_validity_warned() -> None:
    assert Singh1993().check_validity(magnitude=5.0)  # outside the narrowed 6-7.6
    assert not Boatwright2003().check_validity(magnitude=5.0, hypocentral_distance_km=100.0)


# -- custom curves -------------------------------------------------------------------------

HEADER = "curve,hazard,intensity_measure,unit,damage_state,loc_state,release_fraction,median,beta,source\n"


def test_custom_curves_compute_like_the_shipped_ones() -> None:
    text = HEADER + "".join(
        f"tank,earthquake,PGA,g,{ds},{loc},{f},{m},{b},HAZUS copy for the test\n"
        for ds, loc, f, (m, b) in zip(
            ("DS2", "DS3", "DS4", "DS5"),
            ("Minor", "Moderate", "Major", "Catastrophic"),
            (0.01, 0.1, 0.5, 1.0),
            ((0.30, 0.60), (0.70, 0.60), (1.25, 0.65), (1.60, 0.60)),
            strict=True,
        )
    )
    custom = parse_custom_curves(text, "curves.csv")["tank"]
    assert custom.intensity_name() == "pga_g"
    pga = np.array([0.1, 0.3, 0.7, 2.0])
    a = custom.damage(pga_g=pga)
    b = HazusSteelTankAnchored().damage(pga_g=pga)
    assert a.probabilities == pytest.approx(b.probabilities, abs=1e-15)
    assert a.expected_release_fraction == pytest.approx(b.expected_release_fraction, abs=1e-15)
    assert a.model == "custom:tank"


def test_custom_curve_errors_name_file_row_and_column() -> None:
    text = HEADER + (
        "pipe,flood,depth,m,DS2,Minor,0.1,2.0,0.5,Example (2020)\n"
        "pipe,flood,depth,cm,DS3,Major,0.05,1.0,0.5,Example (2020)\n"
        "pipe,flood,depth,m,DS4,Catastrophic,1.0,abc,0.5,\n"
    )
    with pytest.raises(ValidationError) as e:
        parse_custom_curves(text, "curves.csv")
    found = {(p.source, p.row, p.field) for p in e.value.problems}
    assert found == {("curves.csv", 4, "source"), ("curves.csv", 4, "median")}
    with pytest.raises(ValidationError) as e:
        parse_custom_curves(text.replace("abc", "3.0").replace(",\n", ",x\n"), "curves.csv")
    found = {(p.row, p.field) for p in e.value.problems}
    assert found == {(3, "unit"), (3, "median"), (3, "release_fraction")}


def test_custom_curve_missing_columns() -> None:
    with pytest.raises(ValidationError) as e:
        parse_custom_curves("curve,median\nx,1\n", "c.csv")
    fields = [p.field for p in e.value.problems]
    assert "beta" in fields and "source" in fields and all(p.row == 1 for p in e.value.problems)
    with pytest.raises(ValidationError):
        parse_custom_curves(HEADER, "empty.csv")
