"""The batch indices give exactly what the one-at-a-time functions give.

``water_risk_indices`` and ``tailings_hazard_indices`` are the bulk paths of the screening;
these properties compare them bit for bit (values and error messages) with
``water_risk_index`` and ``tailings_hazard_index`` on random inventories and facilities,
including invalid ones. The weights and scores themselves are tested elsewhere (several are
unconfirmed or a hazatlas design); here only the equality of the two paths is checked.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hazatlas.domain.errors import HazatlasError
from hazatlas.domain.establishment import Establishment, EstablishmentKind, EstablishmentStatus
from hazatlas.domain.inventory import InventoryItem
from hazatlas.domain.tailings import ConstructionMethod, TailingsDetails, TailingsStatus
from hazatlas.indices.tailings_hazard import tailings_hazard_index, tailings_hazard_indices
from hazatlas.indices.water_risk import water_risk_index, water_risk_indices

AS_OF = dt.date(2026, 1, 1)
_CODES = ["H300", "H301", "H304", "H310", "H311", "H350", "H360FD", "H400", "H410", "H411",
          "H412", "H225", "EUH029", "h302"]  # fmt: skip
_MASS = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, 1000.0, 1e9, math.nan, math.inf, -5.0]),
    st.floats(0.0, 1e12),
    st.integers(0, 10**9),
)
_LINE = st.builds(
    InventoryItem,
    st.sampled_from(["a", "b", "sodium cyanide"]),
    _MASS,
    hazard_statements=st.lists(st.sampled_from(_CODES), max_size=4).map(tuple),
    water_hazard_class=st.none() | st.sampled_from([0, 1, 2, 3, 4, -1]),
)
_INVENTORY = st.lists(_LINE, max_size=5)


def _same(a: float | None, b: float) -> bool:
    """``a`` from the one-at-a-time function (None = no value), ``b`` from the batch (nan)."""
    return (a is None and math.isnan(b)) or (a is not None and a == b)


@settings(max_examples=150, deadline=None)
@given(st.lists(_INVENTORY, max_size=12))
def test_water_risk_indices_equal_one_at_a_time(inventories: list[list[InventoryItem]]) -> None:
    batch = water_risk_indices(inventories)
    assert len(batch.value) == len(inventories)
    for i, inventory in enumerate(inventories):
        try:
            one = water_risk_index(inventory)
        except HazatlasError as exc:
            assert str(batch.errors[i]) == str(exc)
            assert math.isnan(batch.value[i])
            continue
        assert i not in batch.errors
        assert _same(None if one is None else one.value, float(batch.value[i]))
        assert _same(
            None if one is None else one.equivalent_mass_kg, float(batch.equivalent_mass_kg[i])
        )


def test_water_risk_indices_many_lines_use_exact_sums() -> None:
    """Three or more lines are summed with math.fsum, as the one-at-a-time function does."""
    inventory = [InventoryItem(str(k), 0.1 * (k + 1), water_hazard_class=3) for k in range(7)]
    batch = water_risk_indices([inventory, inventory[:2], inventory[:1], []])
    expected = [water_risk_index(inv) for inv in (inventory, inventory[:2], inventory[:1])]
    assert batch.value[:3].tolist() == [r.value for r in expected if r is not None]
    assert np.isnan(batch.value[3])


_DETAILS = st.builds(
    TailingsDetails,
    stored_volume_m3=st.none() | st.floats(-10.0, 1e9) | st.just(math.nan),
    dam_height_m=st.none() | st.floats(0.0, 300.0) | st.just(-1.0),
    area_m2=st.none() | st.floats(0.0, 1e7),
    construction_method=st.none() | st.sampled_from(list(ConstructionMethod)),
    tailings_status=st.none() | st.sampled_from(list(TailingsStatus)),
    last_inspection=st.none() | st.dates(dt.date(1990, 1, 1), AS_OF),
)
_ESTABLISHMENT = st.builds(
    Establishment,
    st.just("T"),
    st.just("facility"),
    st.just("ROU"),
    st.just(23.6),
    st.just(47.7),
    kind=st.sampled_from(list(EstablishmentKind)),
    status=st.sampled_from(list(EstablishmentStatus)),
    inventory=_INVENTORY,
    tailings=st.none() | _DETAILS,
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(_ESTABLISHMENT, max_size=10),
    st.none() | st.floats(0.0, 1.5) | st.just(-0.1),
    st.none() | st.booleans(),
)
def test_tailings_hazard_indices_equal_one_at_a_time(
    establishments: list[Establishment], pga: float | None, flood: bool | None
) -> None:
    batch = tailings_hazard_indices(
        establishments, seismic_pga_g=pga, flood_prone=flood, as_of=AS_OF
    )
    for i, e in enumerate(establishments):
        try:
            one = tailings_hazard_index(e, seismic_pga_g=pga, flood_prone=flood, as_of=AS_OF)
        except HazatlasError as exc:
            assert str(batch.errors[i]) == str(exc)
            continue
        assert i not in batch.errors
        assert _same(None if one is None else one.value, float(batch.value[i]))


def test_tailings_hazard_indices_share_component_scores_exactly() -> None:
    """Many facilities differing only in volume: the cached components give the same sums."""
    ests = [
        Establishment(
            f"T{k}", "pond", "ROU", 23.6, 47.7, kind=EstablishmentKind.TAILINGS,
            tailings=TailingsDetails(stored_volume_m3=1e6 + 7919 * k, dam_height_m=15.0),
            inventory=[InventoryItem("x", 10.0, hazard_statements=("H411",))],
        )
        for k in range(50)
    ]  # fmt: skip
    batch = tailings_hazard_indices(ests, as_of=AS_OF)
    one = [tailings_hazard_index(e, as_of=AS_OF) for e in ests]
    assert batch.value.tolist() == [r.value for r in one if r is not None]
