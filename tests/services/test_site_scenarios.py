"""Scenarios belong to sites (issue 12, item 1): a run on an establishment takes the inputs left
out from the site and says so; every run (CLI and API) is stored with who ran it, the inputs,
the provenance and the result, listed and shown as it was answered; reading and running follow
the register's access rules; anonymous callers run nothing (401)."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hazatlas.api.app import create_app
from hazatlas.cli.main import app
from hazatlas.domain.access import SYSTEM
from hazatlas.services import users
from hazatlas.services.register import RegisterService
from hazatlas.services.scenarios import RUN_KEYS
from hazatlas.services.settings import Settings

START = "2000-01-30T22:00"


@pytest.fixture
def register(sqlite_db, sample_csv):
    """The sample register: RO-BM-AURUL (tailings, 'parties', sodium cyanide 100 t, 2.5 Mm3,
    20 m dam, cyanide and copper), RS-PANCEVO-HIP ('national', ammonia 15 000 t), ..."""
    RegisterService(sqlite_db, SYSTEM).import_file(sample_csv)
    for name, role, extra in (("rs", "national", {"country": "SRB"}),
                              ("hu", "national", {"country": "HUN"}),
                              ("icpdr", "basin", {}), ("admin", "administrator", {})):
        users.create_user(sqlite_db, name, role, **extra)
    return sqlite_db


@pytest.fixture
def client(register):
    with TestClient(create_app(Settings(database_url=register.url), register)) as c:
        c.hdr = {u: {"Authorization": f"Bearer {users.issue_token(register, u)}"}
                  for u in ("rs", "hu", "icpdr", "admin")}
        yield c


def cli(db, *args: str) -> tuple[int, dict | list | None, str]:
    res = CliRunner().invoke(app, [*args, "--db", db.url])
    data = json.loads(res.stdout) if res.exit_code == 0 and "--json" in args else None
    return res.exit_code, data, res.stderr


# -- the site fills what the user leaves out ----------------------------------------------------

def test_cli_spill_from_a_site_is_filled_stored_listed_and_shown_as_run(register) -> None:
    code, run, err = cli(register, "spill", "--establishment", "RO-BM-AURUL", "--start", START,
                         "--json")
    assert code == 0, err
    filled = run["filled_from_establishment"]
    assert set(filled) == {"at", "substance", "mass_kg"}
    assert filled["at"]["value"] == [23.529, 47.642]
    assert filled["mass_kg"]["value"] == 100_000.0 and "Sodium cyanide" in filled["mass_kg"]["from"]
    assert run["source"]["substance"] == "Cyanide" and run["source"]["mass_kg"] == 100_000.0
    assert run["threshold"]["default"] is False  # cyanide has a drinking-water limit
    assert run["establishment"]["receiving_water"] == "Somes"
    assert run["created_by"].startswith("cli:") and run["scenario_id"]
    assert {d["file"] for d in run["provenance"]["data"]} >= {"geo/rivers/ne10m_river_network.geojson"}
    assert run["provenance"]["models"][0]["name"] == run["method"]["name"]

    code, shown, _ = cli(register, "scenarios", "show", run["scenario_id"], "--json")
    assert code == 0 and shown == run  # the JSON the run printed
    code, shown, _ = cli(register, "scenarios", "show", run["scenario_id"], "--meta", "--json")
    assert code == 0 and shown["result"] == run  # the stored row around it
    assert shown["parameters"]["mass_kg"] is None and shown["establishment_id"] == "RO-BM-AURUL"
    code, listed, _ = cli(register, "scenarios", "list", "--establishment", "RO-BM-AURUL", "--json")
    assert code == 0 and [r["id"] for r in listed] == [run["scenario_id"]]
    assert listed[0]["filled_from_establishment"] == ["at", "mass_kg", "substance"]
    code, listed, _ = cli(register, "scenarios", "list", "--establishment", "UA-KALUSH-HCB", "--json")
    assert code == 0 and listed == []


def test_given_inputs_are_never_replaced_and_no_store_stores_nothing(register) -> None:
    code, run, err = cli(register, "spill", "--establishment", "RO-BM-AURUL", "--start", START,
                         "--mass", "2t", "--at", "23.58,47.66", "--no-store", "--json")
    assert code == 0, err
    assert run["source"]["mass_kg"] == 2000.0 and run["source"]["lon"] == 23.58
    assert set(run["filled_from_establishment"]) == {"substance"}
    assert run["scenario_id"] is None and run["created_by"] is None
    assert cli(register, "scenarios", "list", "--json")[1] == []


def test_cli_plume_and_runout_from_sites(register) -> None:
    code, run, err = cli(register, "plume", "--establishment", "RS-PANCEVO-HIP", "--wind", "3m/s",
                         "--stability", "D", "--wind-from", "270", "--json")
    assert code == 0, err
    assert set(run["filled_from_establishment"]) == {"at", "substance", "mass_kg"}
    assert run["filled_from_establishment"]["mass_kg"]["value"] == 15_000_000.0
    assert [z["level"] for z in run["zones"]] == ["AEGL-1", "AEGL-2", "AEGL-3"]
    code, run, err = cli(register, "plume", "--establishment", "RS-PANCEVO-HIP", "--wind", "3m/s",
                         "--stability", "D", "--rate", "1kg/s", "--json")
    assert code == 0, err
    assert set(run["filled_from_establishment"]) == {"substance"}  # the given source is kept

    code, run, err = cli(register, "runout", "--establishment", "RO-BM-AURUL", "--json")
    assert code == 0, err
    filled = run["filled_from_establishment"]
    assert filled["impounded_volume_m3"]["value"] == 2.5e6 and filled["dam_height_m"]["value"] == 20
    assert filled["constituents_mg_kg"]["value"] == {"Cyanide": 120.0, "Copper": 2000.0}
    assert run["river_source"]["mass_kg"]["Cyanide"] > 0


def test_a_site_without_what_is_missing_is_answered_naming_the_input(register) -> None:
    code, _, err = cli(register, "runout", "--establishment", "UA-KALUSH-HCB", "--json")
    assert code == 2 and "impounded_volume_m3" in err and "dam_height_m" in err
    code, _, err = cli(register, "spill", "--establishment", "KG-MAILUU-TP3", "--start", START)
    assert code == 2 and "mass_kg" in err
    code, _, err = cli(register, "spill", "--establishment", "NOPE", "--start", START)
    assert code == 2 and "NOPE" in err


# -- the API: same inputs, same rules ------------------------------------------------------------

def test_api_runs_from_a_site_and_gives_them_back(client) -> None:
    r = client.post("/api/scenarios/river", headers=client.hdr["admin"],
                    json={"establishment_id": "RO-BM-AURUL", "start": START})
    assert r.status_code == 200, r.text
    run = r.json()
    assert set(RUN_KEYS) <= set(run) and run["filled_from_establishment"]["mass_kg"]["value"] == 1e5
    stored = client.get(f"/api/scenarios/{run['scenario_id']}", headers=client.hdr["admin"]).json()
    assert stored["result"] == run and stored["created_by"] == "admin"
    assert stored["parameters"]["establishment_id"] == "RO-BM-AURUL"
    listed = client.get("/api/scenarios", params={"establishment_id": "RO-BM-AURUL"},
                        headers=client.hdr["admin"]).json()
    assert [x["id"] for x in listed] == [run["scenario_id"]] and "result" not in listed[0]
    r = client.post("/api/scenarios/runout", headers=client.hdr["admin"],
                    json={"establishment_id": "RO-BM-AURUL", "released_volume_m3": 1e5})
    assert r.status_code == 200 and r.json()["released_volume_m3"] == 1e5
    kinds = [x["kind"] for x in client.get("/api/scenarios", headers=client.hdr["admin"]).json()]
    assert sorted(kinds) == ["river", "runout"]
    only = client.get("/api/scenarios", params={"kind": "runout"}, headers=client.hdr["admin"])
    assert [x["kind"] for x in only.json()] == ["runout"]


def test_api_missing_inputs_name_the_json_field(client) -> None:
    r = client.post("/api/scenarios/river", headers=client.hdr["admin"], json={"start": START})
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"at", "mass_kg"}
    assert "--" not in r.json()["errors"][0]["message"].split("(")[0]
    r = client.post("/api/scenarios/river", headers=client.hdr["admin"],
                    json={"start": START, "at": [23.58, 47.66], "mass_kg": 1e5, "substance": "zinc"})
    assert r.status_code == 422 and "threshold_mg_l" in r.text


def test_running_on_a_site_follows_the_access_rules(client) -> None:
    """RS-PANCEVO-HIP is 'national' (SRB): SRB's authority and administrators run on it; a basin
    body and another country's authority may not use its confidential inventory (403); the
    anonymous public runs nothing (401). The runs of the site follow the site."""
    body = {"establishment_id": "RS-PANCEVO-HIP", "wind_speed_m_s": 3, "stability": "D"}
    assert client.post("/api/scenarios/plume", json=body).status_code == 401
    for user in ("icpdr", "hu"):
        assert client.post("/api/scenarios/plume", json=body,
                           headers=client.hdr[user]).status_code == 403
    r = client.post("/api/scenarios/plume", json=body, headers=client.hdr["rs"])
    assert r.status_code == 200, r.text
    sid = r.json()["scenario_id"]
    unlinked = client.post("/api/scenarios/plume", headers=client.hdr["hu"],
                           json={"wind_speed_m_s": 3, "stability": "D", "rate_kg_s": 1}).json()
    for user, expected in (("rs", 200), ("admin", 200), ("hu", 403), ("icpdr", 403), (None, 403)):
        headers = client.hdr[user] if user else {}
        assert client.get(f"/api/scenarios/{sid}", headers=headers).status_code == expected
        ids = {x["id"] for x in client.get("/api/scenarios", headers=headers).json()}
        assert (sid in ids) == (expected == 200) and unlinked["scenario_id"] in ids
    assert client.post("/api/scenarios/river", headers=client.hdr["rs"],
                       json={"establishment_id": "NOPE", "start": START}).status_code == 404


# -- defaults a newcomer expects (item 4) -------------------------------------------------------

def test_spill_without_substance_gives_arrival_peak_and_duration_with_its_threshold() -> None:
    from datetime import datetime

    from hazatlas.services.spill import SpillRequest, run_spill

    def doc(mass_kg: float) -> dict:
        # on the Someș below Baia Mare (Baia Mare itself is on the small Săsar, issue 14)
        return run_spill(SpillRequest(lon=23.10, lat=47.72, mass_kg=mass_kg,
                                      start=datetime(2000, 1, 30, 22))).to_json()

    big, small = doc(100_000.0), doc(1_000.0)
    assert big["threshold"]["default"] is True and "1%" in big["threshold"]["basis"]
    assert big["source"]["threshold_mg_l"] == big["threshold"]["value"] > 0
    hun = big["countries"][0]
    assert hun["country"] == "HUN" and hun["first_arrival"] and hun["peak_mg_l"] > big["threshold"]["value"]
    assert [p["arrival"] for p in big["profile"]] == [p["arrival"] for p in small["profile"]]
    assert big["threshold"]["value"] == pytest.approx(100 * small["threshold"]["value"], rel=1e-6)


def test_plume_without_substance_gives_isopleths_and_the_centreline() -> None:
    from hazatlas.services.air import PlumeRequest, run_plume
    from hazatlas.services.air_levels import ISOPLETHS_MG_M3

    doc = run_plume(PlumeRequest(wind_speed_m_s=3.0, stability="D", rate_kg_s=1.0)).to_json()
    levels = [z["threshold_mg_m3"] for z in doc["zones"]]
    assert sorted(levels) == sorted(ISOPLETHS_MG_M3)
    distances = [z["distance_m"] for z in doc["zones"]]  # highest concentration, shortest distance
    assert all(d and d > 0 for d in distances) and distances == sorted(distances)
    assert any("not levels of harm" in w for w in doc["warnings"])
    conc = [p["concentration_mg_m3"] for p in doc["centreline"]]
    assert conc == sorted(conc, reverse=True) and conc[0] > 0


def test_no_store_without_a_site_needs_no_database(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HAZATLAS_DATABASE_URL", raising=False)
    res = CliRunner().invoke(app, ["plume", "--rate", "1kg/s", "--wind", "3m/s", "--stability",
                                   "D", "--no-store", "--json"])
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["scenario_id"] is None and not (tmp_path / "var").exists()
