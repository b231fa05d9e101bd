"""``hazatlas screen`` CLI contract."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from hazatlas.cli.main import app

runner = CliRunner()


def test_screen_at_json_contract() -> None:
    result = runner.invoke(app, ["screen", "--at", "23.58,47.66", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data, list) and len(data) == 1
    row = data[0]
    for key in ("establishment_id", "nearest_border", "location_flags", "reach_id", "downstream",
                "wri", "thi", "consequence_class"):  # fmt: skip
        assert key in row
    assert [d["country"] for d in row["downstream"]][:1] == ["HUN"]


def test_screen_at_table_and_receiving_water() -> None:
    result = runner.invoke(app, ["screen", "--at", "22.10,44.08", "--receiving-water", "Timok"])
    assert result.exit_code == 0, result.output
    assert "BGR" in result.stdout and "Black Sea" in result.stdout


def test_screen_at_basin_filter() -> None:
    out = runner.invoke(app, ["screen", "--at", "23.58,47.66", "--basin", "Danube", "--json"])
    assert len(json.loads(out.stdout)) == 1
    other = runner.invoke(app, ["screen", "--at", "23.58,47.66", "--basin", "Rhine", "--json"])
    assert json.loads(other.stdout) == []


def test_screen_bad_input_exit_2() -> None:
    for args in (["--at", "abc"], ["--at", "200,10"], ["--at", "23.5,47.6", "--dispersion", "x"]):
        result = runner.invoke(app, ["screen", *args, "--json"])
        assert result.exit_code == 2
        assert "error" in result.output


def test_screen_at_with_poi_file(tmp_path) -> None:
    poi = tmp_path / "intakes.csv"
    poi.write_text("name,lon,lat\nSzeged intake,20.16,46.25\n", encoding="utf-8")
    result = runner.invoke(app, ["screen", "--at", "23.58,47.66", "--poi-file", str(poi), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["points_of_interest"][0]["name"] == "Szeged intake"
    bad = tmp_path / "bad.csv"
    bad.write_text("name,lon,lat\nx,abc,1\n", encoding="utf-8")
    result = runner.invoke(app, ["screen", "--at", "23.58,47.66", "--poi-file", str(bad)])
    assert result.exit_code == 2 and "row 2" in result.output
