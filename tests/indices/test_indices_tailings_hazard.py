"""Tailings Hazard Index: a hazatlas design following the UNECE/UBA THI structure.

The scoring is hazatlas's own (hazatlas_thi_scoring.csv); these tests check the code against
that design table, not against published THI values (the published scoring was not available).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hazatlas.domain.errors import ValidationError
from hazatlas.domain.establishment import Establishment, EstablishmentKind, EstablishmentStatus
from hazatlas.domain.inventory import InventoryItem
from hazatlas.domain.tailings import ConstructionMethod, TailingsDetails, TailingsStatus
from hazatlas.indices.tailings_hazard import tailings_hazard_index

AS_OF = dt.date(2026, 6, 1)


def tmf(
    tailings: TailingsDetails | None,
    *,
    status: EstablishmentStatus = EstablishmentStatus.OPERATING,
    inventory: list[InventoryItem] | None = None,
) -> Establishment:
    return Establishment(
        "TMF-1",
        "pond",
        "ROU",
        23.6,
        47.7,
        kind=EstablishmentKind.TAILINGS,
        status=status,
        inventory=inventory or [],
        tailings=tailings,
    )


def test_industrial_site_has_no_thi() -> None:
    e = Establishment("I-1", "plant", "HUN", 19.0, 47.5)
    assert tailings_hazard_index(e) is None


def test_worked_example_worst_case_by_hand() -> None:
    t = TailingsDetails(
        stored_volume_m3=1e7,  # capacity log10(1e7) = 7
        dam_height_m=45.0,  # 30-60 m: 1.5
        construction_method=ConstructionMethod.UPSTREAM,  # 1
        tailings_status=TailingsStatus.ABANDONED,  # 2
        last_inspection=dt.date(2021, 6, 1),  # 5 years: 1
    )
    cyanide = InventoryItem("cyanide", 1e5, water_hazard_class=3)  # toxicity 3
    e = tmf(t, status=EstablishmentStatus.DAMAGED, inventory=[cyanide])  # damaged: +1
    r = tailings_hazard_index(e, seismic_pga_g=0.35, flood_prone=True, as_of=AS_OF)  # 2 + 1
    assert r is not None
    scores = {c.name: c.score for c in r.components}
    assert scores == pytest.approx(
        {"capacity": 7.0, "toxicity": 3.0, "management": 3.0, "natural": 3.0, "dam_safety": 3.5}
    )
    assert r.value == pytest.approx(19.5)
    assert r.missing == ()


def test_worked_example_best_case_by_hand() -> None:
    t = TailingsDetails(
        stored_volume_m3=1e4,  # 4
        dam_height_m=4.0,  # 0
        construction_method=ConstructionMethod.DOWNSTREAM,  # 0
        tailings_status=TailingsStatus.ACTIVE,  # 0
        last_inspection=dt.date(2026, 1, 1),  # < 1 year: 0
    )
    lime = InventoryItem("limestone fines", 1e6, hazard_statements=("H315",))  # derived WGK 1
    r = tailings_hazard_index(
        tmf(t, inventory=[lime]), seismic_pga_g=0.02, flood_prone=False, as_of=AS_OF
    )
    assert r is not None
    assert r.value == pytest.approx(4.0 + 1.0)
    assert r.component("toxicity").inputs["wgk"] == 1


def test_missing_inputs_get_precautionary_scores_and_are_listed() -> None:
    r = tailings_hazard_index(tmf(None), as_of=AS_OF)
    assert r is not None
    # 6 (volume) + 3 (WGK 3 deemed) + 0 + 1 (status from operating; no inspection)
    # + 1 + 0.5 (PGA, flood unknown) + 1 + 0.5 (height, method unknown)
    assert r.value == pytest.approx(13.0)
    assert set(r.missing) == {
        "stored_volume_m3",
        "water_hazard_class",
        "last_inspection",
        "seismic_pga_g",
        "flood_prone",
        "dam_height_m",
        "construction_method",
    }


def test_volume_estimated_from_area_and_height() -> None:
    r = tailings_hazard_index(tmf(TailingsDetails(area_m2=1e5, dam_height_m=20.0)), as_of=AS_OF)
    assert r is not None
    assert r.component("capacity").score == pytest.approx(6.0)  # 0.5 x 1e5 x 20 = 1e6 m3
    assert "stored_volume_m3" not in r.missing


def test_result_is_labelled_as_hazatlas_design_and_serialises() -> None:
    r = tailings_hazard_index(tmf(TailingsDetails(stored_volume_m3=1e6)), as_of=AS_OF)
    assert r is not None
    d = r.to_dict()
    json.dumps(d)
    assert "hazatlas design" in d["method"] and "NOT the" in d["method"]
    assert d["establishment_id"] == "TMF-1"


def test_negative_inputs_are_rejected() -> None:
    with pytest.raises(ValidationError):
        tailings_hazard_index(tmf(TailingsDetails()), seismic_pga_g=-0.1)
    with pytest.raises(ValidationError):
        tailings_hazard_index(tmf(TailingsDetails(stored_volume_m3=-5.0)))


# ---- monotonic properties: a worse input never lowers the THI ----------------------------

_DETAILS = st.builds(
    TailingsDetails,
    stored_volume_m3=st.none() | st.floats(0.0, 1e9),
    dam_height_m=st.none() | st.floats(0.0, 300.0),
    area_m2=st.none() | st.floats(0.0, 1e8),
    construction_method=st.none() | st.sampled_from(ConstructionMethod),
    tailings_status=st.none() | st.sampled_from(TailingsStatus),
    last_inspection=st.none() | st.dates(dt.date(1990, 1, 1), AS_OF),
)
_PGA = st.none() | st.floats(0.0, 1.5)


def _thi(t: TailingsDetails, pga: float | None = None, flood: bool | None = None) -> float:
    r = tailings_hazard_index(tmf(t), seismic_pga_g=pga, flood_prone=flood, as_of=AS_OF)
    assert r is not None
    return r.value


@given(_DETAILS, st.floats(0.0, 1e9), st.floats(0.0, 1e9))
def test_more_volume_never_lowers_thi(t: TailingsDetails, a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    t.stored_volume_m3 = lo
    low = _thi(t)
    t.stored_volume_m3 = hi
    assert _thi(t) >= low


@given(_DETAILS, st.floats(0.0, 300.0), st.floats(0.0, 300.0))
def test_higher_dam_never_lowers_thi(t: TailingsDetails, a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    t.dam_height_m = lo
    low = _thi(t)
    t.dam_height_m = hi
    assert _thi(t) >= low


_STATUS_ORDER = [TailingsStatus.ACTIVE, TailingsStatus.INACTIVE, TailingsStatus.ABANDONED]


@given(
    _DETAILS,
    st.integers(0, 2),
    st.integers(0, 2),
    st.dates(dt.date(1990, 1, 1), AS_OF),
    st.dates(dt.date(1990, 1, 1), AS_OF),
)
def test_worse_management_never_lowers_thi(
    t: TailingsDetails, s1: int, s2: int, d1: dt.date, d2: dt.date
) -> None:
    better_status, worse_status = sorted((s1, s2))
    older, newer = sorted((d1, d2))
    t.tailings_status, t.last_inspection = _STATUS_ORDER[better_status], newer
    good = _thi(t)
    t.tailings_status, t.last_inspection = _STATUS_ORDER[worse_status], older
    assert _thi(t) >= good
    t.last_inspection = None  # never inspected is the worst
    assert _thi(t) >= good


@given(_DETAILS, st.floats(0.0, 1.5), st.floats(0.0, 1.5), st.booleans())
def test_stronger_shaking_or_flooding_never_lowers_thi(
    t: TailingsDetails, a: float, b: float, flood: bool
) -> None:
    lo, hi = sorted((a, b))
    assert _thi(t, hi, flood) >= _thi(t, lo, flood)
    assert _thi(t, lo, True) >= _thi(t, lo, False)


@given(_DETAILS, _PGA)
def test_reported_damage_never_lowers_thi(t: TailingsDetails, pga: float | None) -> None:
    base = tailings_hazard_index(tmf(t), seismic_pga_g=pga, as_of=AS_OF)
    damaged = tailings_hazard_index(
        tmf(t, status=EstablishmentStatus.DAMAGED), seismic_pga_g=pga, as_of=AS_OF
    )
    assert base is not None and damaged is not None
    assert damaged.value >= base.value
