"""Networks users bring, stored and used: ``services.networks`` on SQLite and PostGIS, and the
``hazatlas network`` / ``--network NAME`` CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from hazatlas.cli.main import app
from hazatlas.domain.access import ANONYMOUS, SYSTEM
from hazatlas.domain.errors import (
    HazatlasError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from hazatlas.formats.network_files import write_hydrorivers, write_osm
from hazatlas.geo.network_synthetic import hydrorivers_columns, synthetic_network
from hazatlas.services import networks
from hazatlas.services.screen import screen_point
from hazatlas.storage import repositories as repo

#: The Tisza and the Danube from Budapest to the delta (the main stems, then tributaries).
BOX = (18.0, 42.0, 30.5, 47.6)


@pytest.fixture(scope="module")
def table():
    return synthetic_network(2_000, seed=3, bbox=BOX)


@pytest.fixture(scope="module")
def files(table, tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("networks")
    gpkg = d / "tisza_hydrorivers.gpkg"
    write_hydrorivers(gpkg, hydrorivers_columns(table), table)
    pbf = d / "tisza.osm.pbf"
    write_osm(pbf, table, np.where(table.element > 0, table.element, 10**9 + np.arange(len(table))))
    return {"gpkg": gpkg, "pbf": pbf}


def test_build_store_list_show_load(db, table, files) -> None:
    doc = networks.build_network(db, SYSTEM, files["gpkg"], "tisza", basin="Danube")
    assert doc["reaches"] == len(table) and doc["source_format"] == "hydrorivers"
    assert doc["summary"]["reaches_with_discharge"] == len(table)
    assert [r["name"] for r in networks.list_networks(db)] == ["tisza"]
    assert networks.show_network(db, "tisza")["source_file"] == "tisza_hydrorivers.gpkg"
    net = networks.load_network(db, "tisza")
    assert len(net) == len(table) and net.source == "network:tisza"
    assert net.reach_id.tolist() == table.reach_id.tolist()
    assert net.discharge("mean") == pytest.approx(table.discharge_m3_s, abs=1e-3)  # 3 decimals
    assert net.length_m == pytest.approx(table.length_m, abs=1.0)  # LENGTH_KM to 1 m
    assert networks.load_network(db, "tisza") is net  # loaded once per version
    with db.transaction() as s:
        entries = repo.history(s, "tisza", "river_network")
    assert [(e.action, e.actor) for e in entries] == [("create", SYSTEM.username)]


def test_screening_on_a_stored_network_agrees_with_the_bundled_one(db, files) -> None:
    networks.build_network(db, SYSTEM, files["gpkg"], "tisza")
    net = networks.resolve(db, "tisza")
    # Szeged, on the Tisza: the synthetic main stems are the bundled reaches cut into pieces,
    # with the bundled lengths and mean discharges
    mine = screen_point(20.15, 46.25, network=net)
    bundled = screen_point(20.15, 46.25)
    assert [d["country"] for d in mine["downstream"]] == [d["country"] for d in bundled["downstream"]]
    for a, b in zip(mine["downstream"], bundled["downstream"], strict=True):
        assert a["river_km"] == pytest.approx(b["river_km"], rel=0.02, abs=0.5)
        assert a["travel_time_h"]["mean"] == pytest.approx(b["travel_time_h"]["mean"], rel=0.02, abs=0.5)
    assert mine["nearest_border"] == bundled["nearest_border"]


def test_osm_extract_builds(db, files) -> None:
    doc = networks.build_network(db, SYSTEM, files["pbf"], "tisza-osm")
    assert doc["source_format"] == "osm" and doc["reaches"] > 1000
    assert doc["summary"]["named_reaches"] > 0


def test_replace_needs_replace_and_is_audited(db, files) -> None:
    networks.build_network(db, SYSTEM, files["gpkg"], "tisza")
    with pytest.raises(HazatlasError, match="exists; add --replace"):
        networks.build_network(db, SYSTEM, files["pbf"], "tisza")
    doc = networks.build_network(db, SYSTEM, files["pbf"], "tisza", replace=True)
    assert doc["source_format"] == "osm"
    with db.transaction() as s:
        assert [e.action for e in repo.history(s, "tisza", "river_network")] == ["create", "update"]
    assert networks.load_network(db, "tisza").source == "network:tisza"


def test_refusals(db, files, tmp_path) -> None:
    with pytest.raises(PermissionDeniedError):
        networks.build_network(db, ANONYMOUS, files["gpkg"], "x")
    for bad in ("", "bundled", "a b", "-x"):
        with pytest.raises(ValidationError, match="name"):
            networks.build_network(db, SYSTEM, files["gpkg"], bad)
    with pytest.raises(NotFoundError):
        networks.show_network(db, "nothing")
    with pytest.raises(HazatlasError, match="not a network file and not a stored network"):
        networks.resolve(db, "nothing")
    assert networks.list_networks(db) == []  # nothing was stored


def test_bad_files_are_named(db, table, tmp_path) -> None:
    cols = hydrorivers_columns(table)
    no_next = tmp_path / "no_next.gpkg"
    write_hydrorivers(no_next, {k: v for k, v in cols.items() if k != "NEXT_DOWN"}, table)
    with pytest.raises(ValidationError) as exc:
        networks.build_network(db, SYSTEM, no_next, "x")
    p = exc.value.problems[0]
    assert (p.source, p.field) == ("no_next.gpkg", "NEXT_DOWN")
    assert "missing column NEXT_DOWN (or next_down)" in p.message and "HYRIV_ID" in p.message
    # a piece cut off from its river: NEXT_DOWN of one reach points outside the file
    cut = dict(cols, NEXT_DOWN=np.where(np.arange(len(table)) == 5, 1, cols["NEXT_DOWN"]))
    clipped = tmp_path / "clipped.gpkg"
    write_hydrorivers(clipped, cut, table)
    with pytest.raises(ValidationError) as exc:
        networks.build_network(db, SYSTEM, clipped, "x")
    p = exc.value.problems[0]
    assert p.field == "NEXT_DOWN" and f"HYRIV_ID {table.reach_id[5]}: flows to a reach" in p.message
    roads = tmp_path / "roads.osm.pbf"
    import osmium

    w = osmium.SimpleWriter(str(roads))
    w.add_node(osmium.osm.mutable.Node(id=1, location=(20.0, 45.0)))
    w.add_node(osmium.osm.mutable.Node(id=2, location=(20.1, 45.0)))
    w.add_way(osmium.osm.mutable.Way(id=7, nodes=[1, 2], tags={"highway": "primary"}))
    w.close()
    with pytest.raises(ValidationError, match="roads.osm.pbf.*no ways tagged waterway"):
        networks.build_network(db, SYSTEM, roads, "x")
    assert networks.list_networks(db) == []


def test_cli_build_list_show_and_screen_with_network_name(sqlite_db, files) -> None:
    runner = CliRunner()
    url = sqlite_db.url
    res = runner.invoke(app, ["network", "build", str(files["gpkg"]), "--name", "tisza",
                              "--basin", "Danube", "--db", url, "--json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["name"] == "tisza"
    listed = json.loads(runner.invoke(app, ["network", "list", "--db", url, "--json"]).stdout)
    assert [r["name"] for r in listed] == ["tisza"]
    shown = runner.invoke(app, ["network", "show", "tisza", "--db", url])
    assert shown.exit_code == 0 and "reaches: 2000" in shown.stdout
    res = runner.invoke(app, ["screen", "--at", "20.15,46.25", "--network", "tisza", "--db", url,
                              "--basin", "Danube", "--json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    row = json.loads(res.stdout)[0]
    assert row["reach_id"] >= 20_000_001 and [d["country"] for d in row["downstream"]][0] == "SRB"
    bad = runner.invoke(app, ["screen", "--at", "20.15,46.25", "--network", "nope", "--db", url])
    assert bad.exit_code == 2 and "not a network file and not a stored network" in bad.output
    again = runner.invoke(app, ["network", "build", str(files["gpkg"]), "--name", "tisza", "--db", url])
    assert again.exit_code == 2 and "--replace" in again.output


def test_spill_on_a_stored_network_records_it(sqlite_db, files) -> None:
    from hazatlas.services import scenario_runs

    networks.build_network(sqlite_db, SYSTEM, files["gpkg"], "tisza")
    values = {"at": [20.15, 46.25], "mass_kg": 1000.0, "start": "2000-02-10T00:00", "days": 10}
    _, doc = scenario_runs.river(sqlite_db, SYSTEM, values, network=Path("tisza"))
    files_recorded = [d["file"] for d in doc["provenance"]["data"]]
    assert "network:tisza (tisza_hydrorivers.gpkg)" in files_recorded
    assert doc["scenario_id"]


def test_runout_traced_on_a_stored_network(sqlite_db, files) -> None:
    networks.build_network(sqlite_db, SYSTEM, files["gpkg"], "tisza")
    res = CliRunner().invoke(app, ["runout", "--volume", "12Mm3", "--height", "20m", "--at",
                                   "20.15,46.25", "--network", "tisza", "--db", sqlite_db.url,
                                   "--no-store", "--json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["stop"]["reach_id"] >= 20_000_001
    assert "network:tisza (tisza_hydrorivers.gpkg)" in [d["file"] for d in doc["provenance"]["data"]]
