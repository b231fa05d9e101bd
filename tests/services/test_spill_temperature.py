"""Issue 14, item 6: the monthly water-temperature climatology per basin
(``river_water_temperature.csv``) picks the spill's water temperature when ``--water-temp`` is
not given, by ``--month`` or the month of the event, and the result says which was used.

The table's values are all unconfirmed estimates: the tests read them from the table and never
pin them."""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import datetime

import pytest
from typer.testing import CliRunner

from hazatlas.cli.main import app
from hazatlas.domain.errors import ValidationError
from hazatlas.domain.reference import load_table
from hazatlas.services.spill import SpillRequest, run_spill
from hazatlas.services.spill_substances import find_substance
from hazatlas.services.spill_temperature import TABLE, stations


def _table_value(cid: str, month: int) -> float:
    row = next(r for r in load_table(TABLE) if r["climatology_id"] == cid
               and int(r["month"]) == month)
    return float(row["water_temp_c"])


def _run(lon: float, lat: float, **changes: object) -> dict:
    base: dict = dict(lon=lon, lat=lat, mass_kg=1000.0, start=datetime(2000, 1, 30, 22),
                      substance="cyanide", threshold_mg_l=0.05, days=3.0)
    base.update(changes)
    return run_spill(SpillRequest(**base)).to_dict()["source"]


def test_the_table_has_twelve_months_per_station_and_says_its_status() -> None:
    rows = load_table(TABLE)
    counts = Counter(r["climatology_id"] for r in rows)
    assert counts and set(counts.values()) == {12}
    for r in rows:
        assert 0.0 <= float(r["water_temp_c"]) <= 40.0, r
        assert r["status"] and r["notes"] and r["source"], r
        # a row without a source must say it is unconfirmed
        assert r["source"] != "-" or r["status"].startswith("unconfirmed"), r
    rivers = {s.river for s in stations()}
    assert {"Danube", "Tisza", "Somes", "Mures", "Sava", "Syr Darya", "Naryn",
            "Chirchik"} <= rivers
    assert {"Danube upper", "Danube middle", "Danube lower", "Danube delta"} <= {
        s.basin for s in stations()}


def test_baia_mare_takes_the_somes_in_the_month_of_the_event() -> None:
    """The source is on the schematic Săsar; the first river of the path in the table is the
    Someș, and the event is in January."""
    src = _run(23.58, 47.66)
    clim = src["water_temp"]["climatology"]
    assert (clim["river"], clim["month"], clim["month_from"]) == ("Somes", 1, "start")
    value = _table_value("somes", 1)
    assert src["water_temp_c"] == value and src["water_temp"]["kind"] == "climatology"
    basis = src["water_temp_basis"]
    assert "climatology (unconfirmed)" in basis and "Satu Mare" in basis and "month 1" in basis
    k, _ = find_substance("cyanide").decay_at(value)
    assert src["decay_per_day"] == pytest.approx(k)
    assert k < 0.173  # January water is colder than the rate's 20 °C


def test_the_month_given_wins_over_the_start_and_the_user_value_over_both() -> None:
    july = _run(23.58, 47.66, month=7)
    assert july["water_temp"]["climatology"]["month_from"] == "month"
    assert july["water_temp_c"] == _table_value("somes", 7)
    assert july["decay_per_day"] > _run(23.58, 47.66)["decay_per_day"]
    user = _run(23.58, 47.66, month=7, water_temp_c=4.0)
    assert user["water_temp_c"] == 4.0 and user["water_temp_basis"] == "given by the user"
    assert user["water_temp"]["climatology"] is None


@pytest.mark.parametrize(("lon", "lat", "station"), [
    (19.05, 47.50, "danube_middle"),   # Budapest
    (13.60, 48.57, "danube_upper"),    # below Passau
    (25.90, 43.90, "danube_lower"),    # Giurgiu
    (20.15, 46.25, "tisza_lower"),     # Szeged
    (19.60, 44.97, "sava"),
    (69.60, 41.50, "chirchik"),
    (71.30, 40.90, "syr_darya"),
])
def test_the_station_of_the_source_river_nearest_to_the_source(
    lon: float, lat: float, station: str
) -> None:
    src = _run(lon, lat, month=8)
    assert src["water_temp"]["climatology"]["climatology_id"] == station
    assert src["water_temp_c"] == _table_value(station, 8)


def test_a_river_outside_the_table_keeps_the_reference_temperature() -> None:
    src = _run(7.59, 47.56)  # the Rhine at Basel
    assert src["water_temp_c"] is None and src["water_temp"]["kind"] == "reference temperature"
    assert "no river of the path" in src["water_temp_basis"]
    assert src["decay_per_day"] == 0.173


@pytest.mark.parametrize("bad", [0, 13, -1])
def test_a_month_outside_1_12_is_refused(bad: int) -> None:
    with pytest.raises(ValidationError, match="month"):
        _run(23.58, 47.66, month=bad)


def test_cli_month() -> None:
    base = ["spill", "--at", "23.58,47.66", "--mass", "100t", "--start", "2000-01-30T22:00",
            "--substance", "cyanide", "--days", "3", "--no-store", "--json"]
    ok = CliRunner().invoke(app, [*base, "--month", "8"])
    assert ok.exit_code == 0, ok.output
    src = json.loads(ok.stdout)["source"]
    assert src["water_temp"]["climatology"]["month"] == 8
    assert math.isclose(src["water_temp_c"], _table_value("somes", 8))
    bad = CliRunner().invoke(app, [*base, "--month", "13"])
    assert bad.exit_code == 2 and "month" in bad.stderr
