"""The spill model includes the unmapped first leg from the release point to the river, as
screening does (issue 14): the same receiving reach, the same first leg (length, travel time,
``unmapped``), the same river km to every country and the same mean travel time to it at each
flow; every time of the spill counts from the release at the site."""

from __future__ import annotations

import csv
import functools
from datetime import datetime, timedelta

import numpy as np
import pytest

from hazatlas.domain.reference import data_path
from hazatlas.geo.network import FLOWS, RiverNetwork
from hazatlas.geo.water_bodies import ON_RIVER_M, first_leg_velocity_m_s
from hazatlas.services.screen import Site, screen_sites
from hazatlas.services.spill import SpillRequest, iso, run_spill

START = datetime(2020, 3, 1, 6, 0)
#: demo sites off their river (first legs of 1 to 48 km), one on a border river (Novat: the
#: Tisza, Ukraine on the far bank), most guided by their receiving water
SITES = ("RO-BM-NOVAT", "RO-AB-ZLATNA", "RO-HD-CERTEJ", "HU-AJKA-RESX", "RS-BOR-VK",
         "RS-MP-SASKA")  # fmt: skip


@functools.cache
def _demo() -> dict[str, Site]:
    with data_path("demo", "register.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = {r["establishment_id"]: r for r in csv.DictReader(fh)}
    return {
        k: Site(k, float(r["lon"]), float(r["lat"]), r["country"], r["receiving_water"] or None)
        for k, r in rows.items()
    }


def _screen(site: Site) -> dict:
    return screen_sites([site], network=RiverNetwork.load_default()).results()[0]


def _spill(site: Site, **kw):
    request = SpillRequest(site.lon, site.lat, 1000.0, START, receiving_water=site.receiving_water,
                           days=60.0, **kw)  # fmt: skip
    return run_spill(request, RiverNetwork.load_default())


@pytest.mark.parametrize("site_id", SITES)
def test_spill_and_screening_agree_on_first_leg_km_and_travel_times(site_id: str) -> None:
    site = _demo()[site_id]
    screened, run = _screen(site), _spill(site)
    doc = run.to_json()
    leg = screened["first_leg"]
    assert leg["status"] == "unmapped" and leg["length_km"] > ON_RIVER_M / 1000
    assert doc["source"]["first_leg"] == leg
    assert doc["source"]["reach_id"] == screened["reach_id"]
    down = screened["downstream"]
    assert [c["country"] for c in doc["countries"]] == [d["country"] for d in down]
    for c, d in zip(doc["countries"], down, strict=True):
        assert c["river_km_from_source"] == round(d["river_km"], 1)
    # the mean travel time of the cloud to each country (first moment of the breakthrough, s
    # after the release at the site) is screening's travel time, at every flow
    for flow in FLOWS:
        mean_h = run.runs[flow].borders.mean_s / 3600.0
        want = np.array([d["travel_time_h"][flow] for d in down])
        assert np.allclose(mean_h, want, atol=0.002), flow


def test_every_time_and_km_counts_the_first_leg() -> None:
    site = _demo()["HU-AJKA-RESX"]  # 41 km from the Danube (the reservoir's receiving water)
    run = _spill(site)
    leg_s = run.first_leg.length_m / first_leg_velocity_m_s()
    assert run.first_leg.time_s == pytest.approx(leg_s)
    assert leg_s > 10 * 3600
    # the same release put straight into the river at the snapped point, leg_s later
    model = run.runs[run.selected].model
    at_river = model.compute(run.release, model.moments.end_m, run.threshold_mg_l / 1000.0)
    profile = run.runs[run.selected].profile
    for name in ("arrival_s", "peak_time_s", "trailing_s", "mean_s"):
        assert np.allclose(getattr(profile, name), getattr(at_river, name) + leg_s, equal_nan=True)
    doc = run.to_json()
    first = doc["profile"][0]
    assert first["river_km_from_source"] == round(
        (run.first_leg.length_m + float(at_river.distance_m[0])) / 1000.0, 1)
    assert first["arrival"] == iso(START, float(at_river.arrival_s[0]) + leg_s)
    assert datetime.fromisoformat(first["arrival"]) >= START + timedelta(seconds=leg_s - 60)
    # nothing reaches the river before the first leg's time; afterwards the model's series
    times, conc = run.series_mg_l(1800.0, np.array([50_000.0]))
    assert (conc[0, times <= leg_s] == 0).all()
    later = times > leg_s
    want = model.series(run.release, np.array([50_000.0]), times[later] - leg_s) * 1000.0
    assert np.allclose(conc[0, later], want[0])


def test_a_release_on_the_river_has_no_first_leg() -> None:
    run = run_spill(SpillRequest(23.58, 47.66, 1000.0, START), RiverNetwork.load_default())
    assert run.first_leg.length_m == 0.0 and run.first_leg.time_s == 0.0
    leg = run.to_json()["source"]["first_leg"]
    assert leg["status"] == "on river" and leg["length_km"] == 0.0
    assert set(leg["travel_time_h"]) == set(FLOWS)
    model = run.runs["mean"].model
    same = model.compute(run.release, model.moments.end_m, run.threshold_mg_l / 1000.0)
    assert np.array_equal(run.runs["mean"].profile.arrival_s, same.arrival_s, equal_nan=True)


def test_a_point_off_the_river_without_receiving_water_has_the_nearest_reach_and_a_leg() -> None:
    site = Site("p", 22.0, 45.6, None, None)  # 4.9 km from the Timiș (Tamis), no receiving water
    screened, run = _screen(site), _spill(site)
    assert run.to_json()["source"]["first_leg"] == screened["first_leg"]
    assert run.first_leg.unmapped and run.first_leg.length_m == pytest.approx(4914, abs=1)
    assert [c["country"] for c in run.to_json()["countries"]] == [
        d["country"] for d in screened["downstream"]]
