"""Climate change factors (models/natech/climate.py) and their table (formats/climate_factors.py):
values written out by hand, bounds, the most specific row, and errors."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hazatlas.domain.errors import ValidationError
from hazatlas.formats.climate_factors import parse_factors
from hazatlas.models.natech.climate import (
    ChangeFactor,
    apply_factor,
    best_factor,
    intensity_ratio,
    shifted_return_period,
)

HEADER = "hazard,intensity_measure,region,basin,scenario,horizon,return_period_years,factor,source,status\n"


def test_intensity_ratio():
    assert intensity_ratio(2.0, 3.0).factor == 1.5
    assert intensity_ratio(2.0, 0.0).factor == 0.0
    assert intensity_ratio(0.0, 1.0).factor is None
    assert intensity_ratio(None, 1.0).note == "no value in the baseline or the future layer at the site"
    assert intensity_ratio(-1.0, 1.0).factor is None


def test_shifted_return_period_by_hand():
    # 2.0 between 1.5 (10 y) and 3.0 (100 y): w = 1/3, T' = exp(ln 10 + ln 10 / 3)
    s = shifted_return_period(2.0, [100.0, 10.0], [3.0, 1.5])  # any order
    assert s.bound == "within" and s.return_period_years == pytest.approx(10 ** (4 / 3))
    # exact at a given return period
    assert shifted_return_period(3.0, [10.0, 100.0], [1.5, 3.0]).return_period_years == 100.0
    below = shifted_return_period(1.0, [10.0, 100.0], [1.5, 3.0])
    assert (below.return_period_years, below.bound) == (10.0, "below")
    above = shifted_return_period(4.0, [10.0, 100.0], [1.5, 3.0])
    assert (above.return_period_years, above.bound) == (100.0, "above")
    assert shifted_return_period(2.0, [10.0], [1.5]).return_period_years is None
    assert "not a curve" in shifted_return_period(2.0, [10.0, 100.0], [3.0, 1.5]).note
    assert shifted_return_period(0.0, [10.0, 100.0], [1.5, 3.0]).bound == "none"
    # a missing future value is left out
    assert shifted_return_period(2.0, [10.0, 50.0, 100.0], [1.5, None, 3.0]).bound == "within"


@given(st.floats(0.1, 10.0), st.floats(0.1, 10.0), st.floats(0.05, 1.0))
def test_shift_lies_between_the_bracketing_return_periods(lo, step, frac):
    hi = lo + step
    design = lo + frac * step
    s = shifted_return_period(design, [10.0, 100.0], [lo, hi])
    assert s.bound == "within" and 10.0 <= s.return_period_years <= 100.0 + 1e-9


def test_apply_factor_refuses_what_it_cannot_scale():
    assert apply_factor(2.0, 1.25) == 2.5
    for base, factor in ((1.0, 0.0), (1.0, math.inf), (-1.0, 1.0)):
        with pytest.raises(ValueError):
            apply_factor(base, factor)


def cf(region, basin, scenario="RCP4.5", factor=1.0, rp=100.0):
    return ChangeFactor("flood", "depth", region, basin, scenario, "2050", rp, factor, "s", "unconfirmed")


def test_the_most_specific_row_wins():
    rows = [cf("*", "*", factor=1.1), cf("SRB", "*", factor=1.2), cf("SRB", "Sava", factor=1.3),
            cf("*", "*", scenario="RCP8.5", factor=1.5), cf("HUN", "*", factor=9.0),
            cf("*", "*", factor=7.0, rp=10.0)]
    got = best_factor(rows, hazard="flood", intensity_measure="Depth", return_period_years=100.0,
                      country="SRB", basin="sava")
    assert [(r.scenario, r.factor) for r in got] == [("RCP4.5", 1.3), ("RCP8.5", 1.5)]
    got = best_factor(rows, hazard="flood", intensity_measure="depth", return_period_years=100.0,
                      country="SRB", basin=None)
    assert [r.factor for r in got] == [1.2, 1.5]
    got = best_factor(rows, hazard="flood", intensity_measure="depth", return_period_years=100.0,
                      country="MDA", basin="Prut")
    assert [r.factor for r in got] == [1.1, 1.5]
    assert best_factor(rows, hazard="earthquake", intensity_measure="pga",
                       return_period_years=100.0, country="SRB", basin=None) == []


def test_table_parses_with_and_without_the_basin_column():
    rows = parse_factors(HEADER + "flood,depth,SRB,Sava,SSP5-8.5,2070,100,1.25,paper,confirmed\n",
                         "t.csv")
    assert rows[0] == ChangeFactor("flood", "depth", "SRB", "Sava", "SSP5-8.5", "2070", 100.0,
                                   1.25, "paper", "confirmed")
    no_basin = HEADER.replace("basin,", "")
    assert parse_factors(no_basin + "flood,depth,*,RCP8.5,2050,100,1.1,p,unconfirmed\n",
                         "t.csv")[0].basin == "*"


@pytest.mark.parametrize(("body", "expected"), [
    ("flood,depth,SRB,*,RCP4.5,2050,100,1.2,p,unconfirmed\n"
     "flood,depth,SRB,*,RCP4.5,2050,100,1.3,p,unconfirmed\n", "t.csv, row 3, column 'factor': repeats row 2"),
    ("flood,depth,SRB,*,RCP4.5,1990,100,1.2,p,unconfirmed\n", "row 2, column 'horizon'"),
    ("flood,depth,SRB,*,RCP4.5,²⁰⁵⁰,100,1.2,p,unconfirmed\n", "row 2, column 'horizon'"),
    ("flood,depth,ÄÖÜ,*,RCP4.5,2050,100,1.2,p,unconfirmed\n", "row 2, column 'region'"),
    ("flood,depth,SRB,*,RCP4.5,2050,0,1.2,p,unconfirmed\n", "row 2, column 'return_period_years'"),
    ("tsunami,depth,SRB,*,RCP4.5,2050,100,1.2,p,unconfirmed\n", "row 2, column 'hazard'"),
    ("flood,,SRB,*,RCP4.5,2050,100,abc,p,unconfirmed\n", "column 'intensity_measure': empty"),
    ("", "no change factor rows"),
])
def test_table_errors(body, expected):
    with pytest.raises(ValidationError) as err:
        parse_factors(HEADER + body, "t.csv")
    assert expected in str(err.value)


def test_table_header_errors():
    with pytest.raises(ValidationError) as err:
        parse_factors("hazard,region,colour\nflood,SRB,red\n", "t.csv")
    text = str(err.value)
    assert "t.csv, row 1, column 'factor': missing column" in text
    assert "column 'colour': unknown column" in text
