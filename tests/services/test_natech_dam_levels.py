"""The rain-dam chain takes the pond level, crest level and minimum freeboard from the register's
dam record when the caller does not give them."""

from __future__ import annotations

from datetime import datetime

import pytest

from hazatlas.domain.access import SYSTEM
from hazatlas.domain.errors import ValidationError
from hazatlas.formats.register_columns import COLUMNS
from hazatlas.services.natech_chain import RainDamRequest, run_rain_dam_chain
from hazatlas.services.register import RegisterService
from hazatlas.services.tailings_failure import TailingsFailureRequest

DAM = dict(kind="tailings", country="SRB", lon="19.3000", lat="44.3700", disclosure="public",
           source="https://example.org/d", stored_volume="100000", dam_height_m="10")


def row(**values: str) -> dict[str, str]:
    return {**dict.fromkeys(COLUMNS, ""), **DAM, **values}


@pytest.fixture
def dams(db, make_csv):
    rows = [row(establishment_id="RS-TEST-LEVELS", name="Dam with levels", pond_level_m="9",
                crest_level_m="10", min_freeboard_m="0.5"),
            row(establishment_id="RS-TEST-NOLEVELS", name="Dam without levels")]
    RegisterService(db, SYSTEM).import_file(make_csv(rows, "dams.csv"))
    return db


def _req(site: str, **levels: float | None) -> RainDamRequest:
    failure = TailingsFailureRequest(site, datetime(2014, 5, 15, 12))
    given = {"pond_level_m": None, "crest_level_m": None, "min_freeboard_m": None, **levels}
    return RainDamRequest(failure, design_rainfall_m=0.01, pond_area_m2=20_000.0, **given)


def test_levels_come_from_the_register(dams):
    doc = run_rain_dam_chain(dams, SYSTEM, _req("RS-TEST-LEVELS"))
    assert doc["from_register"] == ["pond_level_m", "crest_level_m", "min_freeboard_m"]
    assert doc["inputs"]["pond_level_m"] == 9.0 and doc["inputs"]["crest_level_m"] == 10.0
    # rise 0.01 m: 10 - 9 - 0.01 m of freeboard left, above the 0.5 m minimum
    assert doc["overtopping"]["remaining_freeboard_m"] == pytest.approx(0.99)
    assert doc["failure"] is None


def test_given_levels_win_over_the_register(dams):
    doc = run_rain_dam_chain(dams, SYSTEM, _req("RS-TEST-LEVELS", pond_level_m=9.2))
    assert doc["from_register"] == ["crest_level_m", "min_freeboard_m"]
    assert doc["inputs"]["pond_level_m"] == 9.2
    assert doc["overtopping"]["remaining_freeboard_m"] == pytest.approx(0.79)


def test_missing_levels_name_the_input(dams):
    with pytest.raises(ValidationError) as exc:
        run_rain_dam_chain(dams, SYSTEM, _req("RS-TEST-NOLEVELS", min_freeboard_m=0.5))
    assert [p.field for p in exc.value.problems] == ["pond_level_m", "crest_level_m"]
    assert "the register has none" in str(exc.value.problems[0])
