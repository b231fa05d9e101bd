"""Tailings runout regressions: verification table (UNCONFIRMED coefficients), properties."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hazatlas.domain.errors import HazatlasError
from hazatlas.domain.reference import load_table
from hazatlas.models.tailings.runout import METHODS, runout_model

REF = Path(__file__).parent / "reference"


def _rows() -> list[dict[str, str]]:
    with open(REF / "tailings_regressions.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("row", _rows(), ids=lambda r: f"{r['method']}-{r['impounded_volume_m3']}")
def test_regression_table(row: dict[str, str]) -> None:
    """Pins the code to the coefficient table (which is UNCONFIRMED against the papers)."""
    r = runout_model(row["method"]).compute(
        impounded_volume_m3=float(row["impounded_volume_m3"]),
        dam_height_m=float(row["dam_height_m"]),
    )
    tol = float(row["rel_tol"])
    assert r.released_volume_m3 == pytest.approx(float(row["expected_released_volume_m3"]), rel=tol)
    assert r.runout_km == pytest.approx(float(row["expected_runout_km"]), rel=tol)
    lo, hi = r.interval_km
    assert lo < r.runout_km < hi


def test_unconfirmed_coefficients_are_flagged() -> None:
    rows = load_table("tailings_runout_coefficients")
    assert {r["model"] for r in rows} == set(METHODS)
    assert all("UNCONFIRMED" in r["status"] for r in rows)
    for method in METHODS:
        r = runout_model(method).compute(impounded_volume_m3=1e6, dam_height_m=20.0)
        assert any("UNCONFIRMED" in w for w in r.warnings)
        assert any("assumed log10 residual" in w for w in r.warnings)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(sorted(METHODS)),
    st.floats(1e4, 1e9),
    st.floats(2.0, 250.0),
    st.floats(1.01, 10.0),
)
def test_runout_grows_with_volume_and_height(method: str, vt: float, h: float, k: float) -> None:
    m = runout_model(method)
    base = m.compute(impounded_volume_m3=vt, dam_height_m=h)
    more_volume = m.compute(impounded_volume_m3=vt * k, dam_height_m=h)
    higher = m.compute(impounded_volume_m3=vt, dam_height_m=h * k)
    assert more_volume.released_volume_m3 > base.released_volume_m3
    assert more_volume.runout_km > base.runout_km
    assert higher.runout_km > base.runout_km
    # with the released volume given, more release also runs farther
    given_more = m.compute(
        impounded_volume_m3=vt,
        dam_height_m=h,
        released_volume_m3=min(vt, base.released_volume_m3 * k),
    )
    assert given_more.runout_km >= base.runout_km


def test_vectorised_and_errors() -> None:
    m = runout_model("larrauri2018")
    vt = np.array([1e6, 1e7])
    vf = m.released_volume_m3(vt)
    assert vf.shape == (2,) and np.all(np.diff(m.runout_km(50.0, vf, vt)) > 0)
    with pytest.raises(HazatlasError):
        runout_model("piciullo2022")
    with pytest.raises(HazatlasError):
        m.compute(impounded_volume_m3=0.0, dam_height_m=10.0)
    r = m.compute(impounded_volume_m3=1e6, dam_height_m=10.0, released_volume_m3=2e6)
    assert "released volume exceeds the impounded volume" in r.warnings
