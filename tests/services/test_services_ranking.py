"""Screening results stored with the register, and the accident-risk-spot ranking."""

from __future__ import annotations

import csv
import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hazatlas.api.app import create_app
from hazatlas.cli.main import app as cli
from hazatlas.domain.access import ANONYMOUS, SYSTEM
from hazatlas.services import ranking
from hazatlas.services.register import RegisterService
from hazatlas.services.settings import Settings
from hazatlas.storage import assessments as store


@pytest.fixture
def filled(sqlite_db, sample_csv):
    RegisterService(sqlite_db, SYSTEM).import_file(sample_csv)
    return sqlite_db


def test_screening_is_stored_and_redacted(filled):
    with filled.transaction() as s:
        row = store.get(s, "RO-BM-AURUL", "screening")
    assert row is not None and row.result["downstream"][0]["country"] == "HUN"
    full = ranking.screening_for(filled, SYSTEM, "RO-BM-AURUL")
    assert full["complete"] and full["wri"] is not None
    public = ranking.screening_for(filled, ANONYMOUS, "RO-BM-AURUL")  # disclosure: parties
    assert public["wri"] is None and public["downstream"] == full["downstream"]


def test_ranking_by_basin_orders_by_wri(filled):
    rows = ranking.ranking(filled, SYSTEM, group_by="basin")
    danube = [r for r in rows if r["group"] == "Danube"]
    assert {r["establishment_id"] for r in danube} == {"RO-BM-AURUL", "RS-PANCEVO-HIP"}
    ranked = [r for r in danube if r["rank"] is not None]
    assert [r["rank"] for r in ranked] == list(range(1, len(ranked) + 1))
    wris = [r["wri"] for r in ranked if r["wri"] is not None]
    assert wris == sorted(wris, reverse=True)
    aurul = next(r for r in danube if r["establishment_id"] == "RO-BM-AURUL")
    assert aurul["first_foreign_country"] == "HUN" and aurul["downstream_countries"][:1] == ["HUN"]


def test_ranking_by_country_and_public_view(filled):
    rows = ranking.ranking(filled, ANONYMOUS, group_by="country", country="SRB")
    assert [r["group"] for r in rows] == ["SRB"]
    assert rows[0]["wri"] is None and rows[0]["rank"] is None  # national record: WRI withheld


def test_ranking_recomputed_after_change(filled, sample_rows, make_csv):
    before = ranking.screening_for(filled, SYSTEM, "UA-KALUSH-HCB")["wri"]
    sample_rows[3]["quantity"] = "115"  # 100 times less hexachlorobenzene
    RegisterService(filled, SYSTEM).import_file(make_csv(sample_rows, "v2.csv"))
    after = ranking.screening_for(filled, SYSTEM, "UA-KALUSH-HCB")["wri"]
    assert after == pytest.approx(before - 2.0)


def test_ranking_api_and_exports(filled, tmp_path):
    with TestClient(create_app(Settings(database_url=filled.url), filled)) as c:
        body = c.get("/api/ranking", params={"group_by": "country"}).json()
        assert {r["group"] for r in body} == {"ROU", "SRB", "UKR", "KGZ"}
        r = c.get("/api/ranking", params={"format": "csv"})
        rows = list(csv.DictReader(r.text.splitlines()))
        assert rows[0].keys() >= {"rank", "wri", "establishment_id"}
        gj = c.get("/api/ranking", params={"format": "geojson"}).json()
        assert gj["type"] == "FeatureCollection" and len(gj["features"]) == 4
        scr = c.get("/api/establishments/UA-KALUSH-HCB/screening").json()
        assert scr["nearest_border"]["country"] in ("POL", "ROU", "HUN", "SVK", "MDA", "BLR", "RUS")
    out = tmp_path / "rank.geojson"
    res = CliRunner().invoke(cli, ["ranking", "--db", str(filled.url), "--export", str(out), "--json"])
    assert res.exit_code == 0, res.output
    assert len(json.loads(out.read_text())["features"]) == 4
    assert isinstance(json.loads(res.stdout), list)


def test_ranking_csv_escapes_spreadsheet_formulas(filled, sample_rows, make_csv, tmp_path):
    """A site name that a spreadsheet would run as a formula is written as text (leading ')."""
    for row in sample_rows:
        if row["establishment_id"] == sample_rows[3]["establishment_id"]:
            row["name"] = '=CMD("/c calc")'
    RegisterService(filled, SYSTEM).import_file(make_csv(sample_rows, "evil.csv"))
    out = tmp_path / "rank.csv"
    ranking.export_ranking(ranking.ranking(filled, SYSTEM, group_by="country"), out)
    text = out.read_text(encoding="utf-8")
    names = {r["establishment_id"]: r["name"] for r in csv.DictReader(text.splitlines())}
    assert names[sample_rows[3]["establishment_id"]] == '\'=CMD("/c calc")'
    assert not any(n.startswith(("=", "+", "-", "@")) for n in names.values())
