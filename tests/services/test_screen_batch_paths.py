"""The bulk paths of the screening give exactly what the per-site paths give.

``ScreeningBatch.results()`` and ``batch.result(i)`` are one builder (``build_results``) run on
all rows or on one; both must give the same objects key for key and in key order. (The JSON
of the builder was checked byte for byte against the two builders it replaced.) The default
indices are computed in bulk (``default_indices_batch``); they must equal the per-establishment
hook. Location flags read from the establishments must equal those read from the sites.
"""

from __future__ import annotations

import gc
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hazatlas.domain.establishment import Establishment, EstablishmentKind, EstablishmentStatus
from hazatlas.domain.gc_pause import gc_paused
from hazatlas.domain.inventory import InventoryItem
from hazatlas.domain.tailings import TailingsDetails
from hazatlas.services import screen_indices
from hazatlas.services.screen import PointOfInterest, screen_establishments
from hazatlas.services.screen_batch import build_results

# Points across the region (many near rivers of the bundled network, some at sea or far away).
_LON = st.floats(12.0, 80.0)
_LAT = st.floats(35.0, 56.0)
_NEAR = st.sampled_from([(23.58, 47.66), (22.10, 44.08), (74.0, 41.4), (20.46, 44.82),
                         (28.9, 45.2), (19.0, 47.5), (71.0, 40.9), (29.0, 43.0)])  # fmt: skip
_LINE = st.builds(
    InventoryItem,
    st.just("s"),
    st.sampled_from([0.0, 10.0, 1e5, 3.3e7, float("nan")]),
    hazard_statements=st.sampled_from([(), ("H304", "H411"), ("H400",), ("H350",)]),
    water_hazard_class=st.none() | st.sampled_from([0, 1, 2, 3, 9]),
    seveso_categories=st.sampled_from([(), ("E1",), ("H2", "E2"), ("P5a",)]),
)


@st.composite
def _establishment(draw: st.DrawFn) -> Establishment:
    lon, lat = draw(st.tuples(_LON, _LAT) | _NEAR.map(lambda p: (p[0] + 0.01, p[1] - 0.01)))
    tmf = draw(st.booleans())
    return Establishment(
        draw(st.text("abc123", min_size=1, max_size=4)), "site",
        draw(st.sampled_from(["ROU", "SRB", "KGZ", "HUN", "XXX", ""])), lon, lat,
        kind=EstablishmentKind.TAILINGS if tmf else EstablishmentKind.INDUSTRIAL,
        status=draw(st.sampled_from(list(EstablishmentStatus))),
        receiving_water=draw(st.sampled_from([None, "", "Danube", "Timok", "reach:1", "Nil"])),
        inventory=draw(st.lists(_LINE, max_size=3)),
        tailings=draw(st.none() | st.builds(TailingsDetails, stored_volume_m3=st.floats(0, 1e8))),
    )  # fmt: skip


def _json(x: object) -> str:
    return json.dumps(x, allow_nan=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_establishment(), min_size=1, max_size=25), st.booleans())
def test_results_equal_per_site_results(ests: list[Establishment], pois: bool) -> None:
    points = [PointOfInterest("intake", 21.0, 45.0)] if pois else []
    batch = screen_establishments(ests, points_of_interest=points)
    bulk = batch.results()
    assert [_json(r) for r in bulk] == [_json(batch.result(i)) for i in range(len(batch))]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.none() | _establishment(), max_size=30))
def test_default_indices_batch_equals_hook(ests: list[Establishment | None]) -> None:
    hook = screen_indices.default_hook()
    table = screen_indices.default_indices_batch(ests)
    assert table is not None
    expected = [{} if e is None else hook(e) for e in ests]
    assert [_json(table[i]) for i in range(len(ests))] == [_json(d) for d in expected]
    assert [_json(d) for d in table[::-1]] == [_json(d) for d in expected[::-1]]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.none() | _establishment(), max_size=30), st.data())
def test_location_flags_from_establishments_equal_from_sites(
    ests: list[Establishment | None], data: st.DataObject
) -> None:
    from hazatlas.services.screen import Site

    n = len(ests)
    sites = [Site(str(i), 20.0, 45.0, None, None, e) for i, e in enumerate(ests)]
    near = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    tb = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    country = np.where(near, "ROU", "")
    dist = np.where(near, 5_000.0, np.nan)
    args = (sites, country, dist, tb, None, np.zeros(n, dtype=np.int64))
    assert screen_indices.location_flags(*args) == screen_indices.location_flags(
        *args, establishments=ests
    )


def test_gc_pause_restores_the_collector_state() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


_FLOATS = (
    st.floats(allow_nan=True, allow_infinity=True)
    | st.integers(-(10**7), 10**7).map(
        lambda k: k / 2000.0  # exact and near half-thousandths: the hard cases of rounding
    )
    | st.floats(-1e6, 1e6).map(lambda x: float(np.nextafter(round(x, 3) + 0.0005, np.inf)))
)


@given(st.lists(_FLOATS, max_size=50))
def test_vectorised_rounding_equals_python_round(values: list[float]) -> None:
    from hazatlas.services.screen_batch import _round3

    got = _round3(np.array(values, dtype=float))
    assert _json(got) == _json([round(v, 3) for v in values])


def test_results_keep_the_records_as_they_were_when_screened() -> None:
    est = Establishment("A", "site", "ROU", 23.58, 47.66)
    batch = screen_establishments([est])
    est.id, est.lon = "B", 0.0
    assert batch.result(0)["establishment_id"] == "A"
    assert batch.results()[0]["lon"] == 23.58
    assert batch.sites[0].establishment is est


def test_result_takes_any_row_of_the_batch() -> None:
    ests = [Establishment(c, "site", "ROU", 23.58 + i / 10, 47.66) for i, c in enumerate("ABC")]
    batch = screen_establishments(ests)
    assert batch.result(-1) == batch.result(2) == batch.results()[2]
    assert [r["establishment_id"] for r in build_results(batch, np.array([2, 0]))] == ["C", "A"]
    for bad in (3, -4):
        with pytest.raises(IndexError):
            batch.result(bad)
