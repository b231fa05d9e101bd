"""Issue 14 item 6 and issue 15 (reference values): the water-temperature climatology against
the measured monthly means read from a source, and the honesty of the Natech release fractions.

The climatology's values are unconfirmed estimates and are never pinned; the measured means of
``river_water_temperature_observations.csv`` are confirmed (read in Kovács & Károlyi 1977,
Vízügyi Közlemények 59(3), p. 375, Table I), so this file pins them and checks the estimates
against them."""

from __future__ import annotations

import pytest

from hazatlas.domain.reference import load_table
from hazatlas.models.natech.damage import classification
from hazatlas.services.spill_temperature import stations

OBS = "river_water_temperature_observations"

#: Danube at Mohács, period means (°C) as printed in Table I (Nov, Dec, Jan, Feb, Mar)
MOHACS = {
    "1946-1960": {11: 6.91, 12: 3.19, 1: 1.39, 2: 1.69, 3: 4.77},
    "1961-1975": {11: 7.62, 12: 2.88, 1: 1.27, 2: 2.73, 3: 5.44},
}

#: how far (°C) a station's estimate may lie from the nearest measured mean of the same river
#: and month: a hazatlas screening tolerance (the stations are up to ~200 km apart and the
#: periods differ), not a published value
TOLERANCE_C = 1.0


def test_the_observations_are_the_values_read_and_say_where_from() -> None:
    rows = load_table(OBS)
    got = {(r["period"], int(r["month"])): float(r["water_temp_c"]) for r in rows
           if r["station"] == "Mohács"}
    want = {(p, m): v for p, months in MOHACS.items() for m, v in months.items()}
    assert got == want
    for r in rows:
        assert r["status"].startswith("confirmed"), r
        assert "Vízügyi Közlemények 59(3)" in r["source"] and "Table I" in r["source"], r


def test_the_observations_are_one_per_station_period_and_month() -> None:
    keys = [(r["river"], r["station"], r["period"], r["month"]) for r in load_table(OBS)]
    assert len(keys) == len(set(keys))
    for r in load_table(OBS):
        assert 1 <= int(r["month"]) <= 12 and 0.0 <= float(r["water_temp_c"]) <= 40.0, r


def test_the_danube_estimates_lie_near_the_measured_winter_means() -> None:
    """The nearest Danube station of the climatology to Mohács is Budapest (danube_middle);
    its winter estimates lie within the tolerance of the later period's measured means."""
    obs = [r for r in load_table(OBS) if r["river"] == "Danube" and r["period"] == "1961-1975"]
    danube = [s for s in stations() if s.river == "Danube"]
    lon, lat = float(obs[0]["lon"]), float(obs[0]["lat"])
    nearest = min(danube, key=lambda s: (s.lon - lon) ** 2 + (s.lat - lat) ** 2)
    assert nearest.climatology_id == "danube_middle"
    for r in obs:
        month = int(r["month"])
        estimate = nearest.by_month[month - 1]
        assert estimate == pytest.approx(float(r["water_temp_c"]), abs=TOLERANCE_C), month
    # the climatology itself stays marked unconfirmed: a cross-check is not a confirmation
    assert nearest.status.startswith("unconfirmed")


def test_the_cross_checked_rows_name_the_measurement() -> None:
    rows = [r for r in load_table("river_water_temperature")
            if r["climatology_id"] == "danube_middle"]
    for r in rows:
        month = int(r["month"])
        if month in MOHACS["1961-1975"]:
            assert "Mohács" in r["notes"] and f"{MOHACS['1961-1975'][month]:.2f}" in r["notes"]
        else:
            assert "Mohács" not in r["notes"]


def test_tank_release_fractions_of_ds2_to_ds4_are_marked_assumptions() -> None:
    """No published fraction per damage state was found: the table must say so, and the
    fractions must still grow with the damage state (0 at DS1, 1 at DS5 by the wording)."""
    rows = {r["damage_state"]: r for r in load_table("natech_damage_classifications")
            if r["classification"] == "hazus-2010-storage-tank"}
    for ds in ("DS2", "DS3", "DS4"):
        status = rows[ds]["release_fraction_status"]
        assert status.startswith("hazatlas assumption"), ds
        assert "risk_state/list" in status, ds
    for ds in ("DS1", "DS5"):
        assert not rows[ds]["release_fraction_status"].startswith("hazatlas assumption"), ds
    c = classification("hazus-2010-storage-tank")
    assert c.loc_states == ("None", "Minor", "Moderate", "Major", "Catastrophic")
    fractions = list(c.release_fractions)
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions) and len(set(fractions)) == len(fractions)
