"""Tailings dam failure as one scenario, end to end on the demo register: runout -> river entry
-> river spill per constituent -> countries (``hazatlas.services.tailings_failure``).

The demo register gives neither stored volume nor dam height for Baia Mare and Stolice (nor
constituent concentrations for Stolice); the runs give them as inputs, as a user must:

* Baia Mare (RO-BM-AURUL): 1.6 Mm3 stored (the register's notes, WISE), 20 m high (the value
  of the register test fixture; unconfirmed), 100 000 m3 released (UNEP/OCHA 2000, in the
  register's notes), i.e. a fraction of 0.0625; cyanide from the inventory (100 t, illustrative).
* Stolice (RS-KRUPANJ-STOLICE): 0.1 Mm3, 10 m, As/Sb/Pb concentrations: illustrative values.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from typer.testing import CliRunner

from hazatlas.cli.main import app
from hazatlas.domain.access import ANONYMOUS, SYSTEM
from hazatlas.domain.errors import NotFoundError, PermissionDeniedError, ValidationError
from hazatlas.services.tailings_failure import (
    TailingsFailureRequest,
    run_and_store,
    run_tailings_failure,
)

BAIA_MARE = dict(establishment_id="RO-BM-AURUL", start=datetime(2000, 1, 30, 22),
                 released_fraction=0.0625, stored_volume_m3=1.6e6, dam_height_m=20.0)
STOLICE_MG_KG = {"Arsenic": 3000.0, "Antimony": 5000.0, "Lead": 1500.0}
STOLICE = dict(establishment_id="RS-KRUPANJ-STOLICE", start=datetime(2014, 5, 15, 12),
               stored_volume_m3=1e5, dam_height_m=10.0, constituents_mg_kg=STOLICE_MG_KG)


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory):
    from hazatlas.cli.demo import prepare_demo

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    prepare_demo(path)
    return path


@pytest.fixture(scope="module")
def demo(demo_path):
    from hazatlas.cli.common import open_db

    db = open_db(demo_path)
    yield db
    db.dispose()


@pytest.fixture(scope="module")
def baia_mare(demo):
    return run_and_store(demo, SYSTEM, TailingsFailureRequest(**BAIA_MARE))


@pytest.fixture(scope="module")
def stolice(demo):
    return run_and_store(demo, SYSTEM, TailingsFailureRequest(**STOLICE))


def _arrivals_increase(doc):
    for spill in doc["spills"]:
        rows = sorted((c for c in spill["countries"] if c["first_arrival"]),
                      key=lambda c: c["river_km_from_source"])
        times = [c["first_arrival"] for c in rows]
        assert times == sorted(times), spill["constituent"]
    rows = [c for c in doc["countries"] if c["first_arrival"]]
    assert [c["river_km_from_entry"] for c in rows] == sorted(c["river_km_from_entry"] for c in rows)
    assert [c["first_arrival"] for c in rows] == sorted(c["first_arrival"] for c in rows)
    for c in rows:
        assert c["first_arrival"] <= c["peak_time"]


def test_baia_mare_end_to_end(baia_mare, demo):
    doc = baia_mare
    assert doc["kind"] == "tailings-failure" and doc["establishment_id"] == "RO-BM-AURUL"
    assert set(doc) >= {"runout", "river_entry", "spills", "countries", "warnings", "validity",
                        "release", "scenario_id"}
    # mass: 100 000 m3 of 1.6 Mm3 released; the inventory's 100 t of sodium cyanide x 0.0625
    assert doc["release"]["released_volume_m3"] == pytest.approx(1e5)
    assert doc["runout"]["released_volume_m3"] == pytest.approx(1e5)
    [spill] = doc["spills"]
    assert spill["constituent"] == "Sodium cyanide"
    assert spill["mass_kg"] == pytest.approx(100_000 * 0.0625)
    assert spill["source"]["mass_kg"] == pytest.approx(spill["mass_kg"])  # what the river gets
    assert doc["release"]["mass_kg"] == {"Sodium cyanide": pytest.approx(6250.0)}
    assert doc["filled_from_establishment"] == {"inventory": ["Sodium cyanide"]}
    assert [x["constituent"] for x in doc["not_modelled"]] == [
        "Gold retreatment tailings (Meda pond material)"]
    # the river entry is where the spill starts: the Săsar (its receiving water, a schematic
    # reach of the bundled network, issue 14), named as in the spill's source, and marked
    entry = doc["river_entry"]
    assert spill["source"]["reach_id"] == entry["reach_id"]
    assert spill["source"]["snap_distance_m"] < 1.0
    assert entry["river"] == spill["source"]["river"] == "Săsar" and entry["distance_km"] < 2
    assert [s["river"] for s in entry["schematic"]] == ["Săsar", "Lăpuș"]
    assert spill["source"]["schematic"] == entry["schematic"]
    # ... at the very offset along the reach that the entry reports (was 112.6 vs 119.1 km: the
    # entry point came from shapely's lon/lat fraction, not from the snapping's metres), and
    # the entry is the point of the reach nearest to the dam, distance_km away
    assert spill["source"]["offset_m"] == pytest.approx(entry["offset_m"], abs=5.0)
    assert (spill["source"]["lon"], spill["source"]["lat"]) == (entry["lon"], entry["lat"])
    from hazatlas.geo._geodesy import geodesic_m

    dam = doc["establishment"]
    away = geodesic_m(*([v] for v in (dam["lon"], dam["lat"], entry["lon"], entry["lat"])))[0]
    assert away / 1000 == pytest.approx(entry["distance_km"], abs=0.05)
    assert entry["path"]["coordinates"][-1] == pytest.approx([entry["lon"], entry["lat"]])
    # the runout (about 1 km) and the river: said so either way
    assert entry["runout_reaches_river"] == (entry["runout_km"] >= entry["distance_km"])
    assert entry["runout_reaches_river"] or any("short of the mapped river" in w
                                                for w in doc["warnings"])
    # downstream: Hungary first (by the Săsar, Lăpuș and Someș), then the Tisza and the Danube
    assert doc["countries"][0]["country"] == "HUN"
    assert doc["countries"][0]["constituent"] == "Sodium cyanide"
    assert "2000-01-31" <= doc["countries"][0]["first_arrival"] < "2000-02-03"
    assert doc["countries"][0]["peak_mg_l"] > 0.05
    _arrivals_increase(doc)
    assert [v["model"] for v in doc["validity"]] == ["larrauri2018", "river-moments-ig"]
    # stored with who ran it and the inputs; read back the same
    from hazatlas.services import scenarios

    stored = scenarios.get(demo, SYSTEM, doc["scenario_id"])
    assert stored["establishment_id"] == "RO-BM-AURUL" and stored["created_by"] == "system"
    assert stored["result"]["countries"] == doc["countries"]
    assert stored["parameters"]["released_fraction"] == 0.0625
    # stored under its own kind, and `scenarios show` gives what the run printed
    assert stored["kind"] == "tailings-failure"
    assert stored["result"] == json.loads(json.dumps(doc))


def test_stolice_end_to_end(stolice):
    doc = stolice
    released = doc["release"]["released_volume_m3"]
    assert released == pytest.approx(doc["runout"]["released_volume_m3"])
    tailings_kg = released * 1400.0
    by_name = {s["constituent"]: s for s in doc["spills"]}
    assert set(by_name) == set(STOLICE_MG_KG)
    for name, mg_kg in STOLICE_MG_KG.items():
        # conservation: runout release = river input = concentration x released tailings mass
        assert doc["runout"]["river_source"]["mass_kg"][name] == pytest.approx(mg_kg * 1e-6 * tailings_kg)
        assert by_name[name]["mass_kg"] == pytest.approx(mg_kg * 1e-6 * tailings_kg)
        assert by_name[name]["source"]["mass_kg"] == pytest.approx(by_name[name]["mass_kg"])
    assert sum(doc["release"]["mass_kg"].values()) == pytest.approx(
        sum(doc["runout"]["river_source"]["mass_kg"].values()))
    assert doc["filled_from_establishment"] == {}
    # Stolice drains by the Jadar (its receiving water, a schematic reach) to the Drina, the
    # border river of BIH and SRB
    assert doc["river_entry"]["river"] == "Jadar" and doc["river_entry"]["schematic"]
    for spill in doc["spills"]:
        assert spill["source"]["offset_m"] == pytest.approx(doc["river_entry"]["offset_m"], abs=5.0)
    countries = [c["country"] for c in doc["countries"]]
    # Bosnia and Herzegovina is met where the Jadar joins the Drina, not at the river entry
    assert countries[0] == "BIH" and "SRB" not in countries[:1]
    _arrivals_increase(doc)


def test_runs_are_stored_for_the_establishment(demo, baia_mare):
    from hazatlas.services import scenarios

    assert baia_mare["scenario_id"] in [r["id"] for r in scenarios.list_for(demo, SYSTEM, "RO-BM-AURUL")]


@pytest.mark.parametrize(("change", "field", "text"), [
    ({"released_fraction": 0.0}, "released_fraction", "(0, 1]"),
    ({"released_fraction": 1.5}, "released_fraction", "(0, 1]"),
    ({"released_fraction": float("nan")}, "released_fraction", "(0, 1]"),
    ({"establishment_id": "AL-EL-KOMBINATI"}, "establishment_id", "not a tailings facility"),
    ({"stored_volume_m3": None}, "stored_volume_m3", "no stored volume for 'RO-BM-AURUL'"),
    ({"dam_height_m": None}, "dam_height_m", "no dam height for 'RO-BM-AURUL'"),
])
def test_invalid_inputs_name_the_parameter(demo, change, field, text):
    with pytest.raises(ValidationError) as err:
        run_tailings_failure(demo, SYSTEM, TailingsFailureRequest(**{**BAIA_MARE, **change}))
    assert [p.field for p in err.value.problems] == [field]
    assert text in err.value.problems[0].message


def test_unknown_establishment_and_anonymous(demo):
    with pytest.raises(NotFoundError, match="'NO-SUCH-SITE' not found"):
        run_tailings_failure(demo, SYSTEM, TailingsFailureRequest(
            **{**BAIA_MARE, "establishment_id": "NO-SUCH-SITE"}))
    with pytest.raises(PermissionDeniedError):
        run_and_store(demo, ANONYMOUS, TailingsFailureRequest(**BAIA_MARE))


def test_cli_json_and_errors(demo_path):
    runner = CliRunner()
    base = ["scenario", "tailings-failure", "--db", str(demo_path), "--start", "2000-01-30T22:00"]
    ok = runner.invoke(app, [*base, "--establishment", "RO-BM-AURUL", "--released", "0.0625",
                             "--stored-volume", "1.6Mm3", "--dam-height", "20m", "--json"])
    assert ok.exit_code == 0, ok.output
    doc = json.loads(ok.stdout)
    assert doc["countries"][0]["country"] == "HUN" and doc["scenario_id"]
    missing = runner.invoke(app, [*base, "--establishment", "RS-KRUPANJ-STOLICE"])
    assert missing.exit_code == 2
    assert "dam_height_m" in missing.stderr and "stored_volume_m3" in missing.stderr
    unknown = runner.invoke(app, [*base, "--establishment", "NO-SUCH-SITE"])
    assert unknown.exit_code == 2 and "'NO-SUCH-SITE' not found" in unknown.stderr
    bad = runner.invoke(app, [*base, "--establishment", "RO-BM-AURUL", "--released", "2"])
    assert bad.exit_code == 2 and "released_fraction" in bad.stderr


def test_register_concentrations_fill_the_constituents(demo):
    """Ajka (HU-AJKA-RESX) has constituent concentrations in the register (volume and height
    illustrative here): they are used, each mass = concentration x released tailings mass; the
    dam is farther than 20 km from a reach, so the runout is not traced but the named receiving
    water (Raab, within 50 km) is the river entry."""
    run = run_tailings_failure(demo, SYSTEM, TailingsFailureRequest(
        "HU-AJKA-RESX", datetime(2010, 10, 4, 12, 30), stored_volume_m3=3e7, dam_height_m=25.0,
        days=5))
    doc = run.to_json()
    summary = run.summary()  # the contract's short form, the same keys as every kind
    assert summary["kind"] == "tailings-failure" and summary["inputs"]["days"] == 5
    assert summary["countries"] == [c["country"] for c in doc["countries"]]
    assert summary["models"][0] == "larrauri2018"
    filled = doc["filled_from_establishment"]["constituents_mg_kg"]
    assert filled["Arsenic"] == 110.0 and filled["Iron(III) oxide"] == 400_000.0
    tailings_kg = doc["release"]["tailings_mass_kg"]
    masses = {s["constituent"]: s["mass_kg"] for s in doc["spills"]}
    assert set(masses) == {"Arsenic", "Mercury", "Chromium", "Nickel", "Cadmium"}
    for name, mass in masses.items():
        assert mass == pytest.approx(filled[name] * 1e-6 * tailings_kg)
    assert {x["constituent"] for x in doc["not_modelled"]} >= {"Iron(III) oxide", "Sodium hydroxide"}
    assert doc["runout"]["path"] == [] and doc["river_entry"]["match"] == "named"
    assert any("not traced down the valley" in w for w in doc["warnings"])


def test_confidential_tailings_details_are_not_used(demo):
    """A basin body may not read a record of disclosure 'national' (UZ-TA-ALMALYK): the register
    fills nothing and the missing inputs say why."""
    from hazatlas.domain.access import Principal, Role

    basin = Principal("icpdr", Role.BASIN)
    with pytest.raises(ValidationError) as err:
        run_tailings_failure(demo, basin, TailingsFailureRequest("UZ-TA-ALMALYK", datetime(2020, 1, 1)))
    assert {p.field for p in err.value.problems} == {"stored_volume_m3", "dam_height_m"}
    assert all("confidential to user 'icpdr'" in p.message for p in err.value.problems)


def test_every_stored_kind_names_its_data_files():
    """A run of any kind records the versions of the data it used (provenance)."""
    from hazatlas.domain.reference import data_path
    from hazatlas.services import scenarios

    assert set(scenarios.KINDS) <= set(scenarios.DATA_FILES)
    for parts in scenarios.DATA_FILES["tailings-failure"]:
        assert data_path(*parts).is_file(), parts


def test_cli_db_takes_a_database_url(demo_path):
    """``--db`` is a file or a URL, as for every command: ``sqlite:////abs/path`` must reach the
    same database (typed as a path, its ``//`` was folded to ``/`` and the site not found)."""
    url = f"sqlite:///{demo_path.resolve()}"
    res = CliRunner().invoke(app, ["scenario", "tailings-failure", "--db", url, "--start",
                                   "2000-01-30T22:00", "--establishment", "RO-BM-AURUL",
                                   "--released", "0.0625", "--stored-volume", "1.6Mm3",
                                   "--dam-height", "20m", "--no-store", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["establishment_id"] == "RO-BM-AURUL"


def test_month_picks_the_water_temperature_climatology(demo_path):
    """Without --water-temp the constituents decay at the river's monthly climatology: the
    month of --start, or --month (issue 14 item 6); a month outside 1-12 names the option."""
    runner = CliRunner()
    base = ["scenario", "tailings-failure", "--db", str(demo_path), "--start", "2000-01-30T22:00",
            "--establishment", "RO-BM-AURUL", "--released", "0.0625", "--stored-volume", "1.6Mm3",
            "--dam-height", "20m", "--json", "--no-store"]
    runs = {}
    for extra in ([], ["--month", "7"], ["--water-temp", "2"]):
        got = runner.invoke(app, [*base, *extra])
        assert got.exit_code == 0, got.output
        runs[" ".join(extra)] = json.loads(got.stdout)["spills"][0]["source"]["water_temp"]
    january, july, given = runs[""], runs["--month 7"], runs["--water-temp 2"]
    assert january["kind"] == july["kind"] == "climatology" and given["kind"] != "climatology"
    assert (january["climatology"]["month"], january["climatology"]["month_from"]) == (1, "start")
    assert (july["climatology"]["month"], july["climatology"]["month_from"]) == (7, "month")
    assert july["value_c"] > january["value_c"] and given["value_c"] == 2.0
    bad = runner.invoke(app, [*base, "--month", "13"])
    assert bad.exit_code == 2 and "month" in bad.stderr
