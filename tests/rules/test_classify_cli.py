"""``hazatlas classify INVENTORY_FILE [--annex-version] --json``: the JSON contract and errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from hazatlas.cli.main import app

runner = CliRunner()
HEADER = (
    "establishment_id,substance_name,cas_number,hazard_statements,clp_classification,"
    "seveso_categories,seveso_entry,quantity,unit,cannot_initiate\n"
)


def write(tmp_path, *rows: str):
    path = tmp_path / "inventory.csv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def run(*args: str):
    return runner.invoke(app, ["classify", *args])


def test_json_contract(tmp_path):
    path = write(
        tmp_path,
        "PLANT-1,Chlorine,7782-50-5,H330;H400,,,,30,t,false",
        "PLANT-1,Toluene,108-88-3,H225,,,,3000,t,",
        "DEPOT-2,Gasoline,,,Flam. Liq. 1;Aquatic Chronic 2,,34,3000,t,false",
        "DEPOT-2,Old drum,,,,,,5,kg,true",
    )
    result = run(str(path), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [d["establishment_id"] for d in data] == ["PLANT-1", "DEPOT-2"]
    for d in data:
        assert {
            "establishment_id",
            "seveso_tier",
            "convention_hazardous_activity",
            "sums",
            "contributions",
            "reasons",
        } <= set(d)
        assert d["seveso_tier"] in ("none", "lower", "upper")
        assert isinstance(d["convention_hazardous_activity"], bool)
        assert set(d["sums"]) == {"health", "physical", "environmental"}
        assert all(
            set(v) == {"lower", "upper"} and isinstance(v["lower"], float)
            for v in d["sums"].values()
        )
        assert all(isinstance(r, str) for r in d["reasons"])
    plant, depot = data
    assert plant["seveso_tier"] == "upper" and plant["convention_hazardous_activity"]
    assert plant["sums"]["health"]["upper"] == pytest.approx(1.2)  # 30 t / 25 t (entry 10)
    by_name = {c["substance_name"]: c for c in plant["contributions"]}
    assert (
        by_name["Chlorine"]["line_ids"] == ["row 2"] and by_name["Chlorine"]["seveso_entry"] == 10
    )
    assert depot["seveso_tier"] == "lower" and not depot["convention_hazardous_activity"]
    assert depot["not_classifiable"] == ["Old drum (line row 5)"]
    assert any(r.startswith("not classifiable: Old drum") for r in depot["reasons"])


@pytest.mark.parametrize(
    ("version", "hazardous"), [("1992", True), ("2006", False), ("2014", False)]
)
def test_annex_version_option(tmp_path, version, hazardous):
    path = write(tmp_path, "S,Cl2,7782-50-5,,,H2,,24,t,false")
    data = json.loads(run(str(path), "--annex-version", version, "--json").stdout)
    # chlorine 24 t: 2006 and 2014 Part II 25 t -> no; 1992 has no Part II: H2 'toxic' 200 t -> no
    assert data[0]["annex_version"] == version
    assert data[0]["convention_hazardous_activity"] is False
    path = write(tmp_path, "S,x,,,,H2,,200,t,false")
    data = json.loads(run(str(path), "--annex-version", version, "--json").stdout)
    assert data[0]["convention_hazardous_activity"] is True


def test_unit_conversion_at_thresholds(tmp_path):
    # H1 lower tier 5 t written in t, kg, lb and g; just below in lb
    path = write(
        tmp_path,
        "T,x,,,,H1,,5,t,false",
        "KG,x,,,,H1,,5000,kg,false",
        f"LB,x,,,,H1,,{5000 / 0.45359237!r},lb,false",
        "G,x,,,,H1,,5000000,g,false",
        "LB-BELOW,x,,,,H1,,11020,lb,false",
    )
    data = json.loads(run(str(path), "--json").stdout)
    assert [d["seveso_tier"] for d in data] == ["lower", "lower", "lower", "lower", "none"]


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("A,x,,H999,,,,1,t,false", "hazard_statements", "unknown hazard statement 'H999'"),
        ("A,x,7782-50-6,,,,,1,t,false", "cas_number", "check digit 6, expected 5"),
        ("A,x,12-3,,,,,1,t,false", "cas_number", "is not a CAS number"),
        ("A,x,,H330,,,,1,,false", "unit", "unit is missing"),
        ("A,x,,H330,,,,lots,t,false", "quantity", "'lots' is not a number"),
        ("A,x,,H330,,,,,t,false", "quantity", "quantity is empty"),
        ("A,x,,H330,,,,-1,t,false", "quantity", "non-negative"),
        ("A,x,,H330,,,,1,stone,false", "unit", "unknown mass unit 'stone'"),
        ("A,x,,,Acute Tox. 3,,,1,t,false", "clp_classification", "needs its exposure route"),
        ("A,x,,,Toxic 9,,,1,t,false", "clp_classification", "unknown CLP hazard class"),
        ("A,x,,,,Q7,,1,t,false", "seveso_categories", "unknown Seveso III Part 1 category 'Q7'"),
        ("A,x,,,,,49,1,t,false", "seveso_entry", "entry 49 does not exist"),
        ("A,x,7782-50-5,,,,9,1,t,false", "seveso_entry", "is Part 2 entry 10"),
        ("A,x,,H330,,,,1,t,perhaps", "cannot_initiate", "'perhaps' is not true or false"),
        (",x,,H330,,,,1,t,false", "establishment_id", "empty"),
    ],
)
def test_bad_input_names_the_row(tmp_path, row, column, message):
    path = write(tmp_path, "OK,fine,,H400,,,,1,t,false", row)
    result = run(str(path), "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"inventory.csv, row 3, column '{column}'" in result.stderr
    assert message in " ".join(result.stderr.split())


def test_missing_column_and_missing_file(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("establishment_id,substance_name,quantity\nA,x,1\n", encoding="utf-8")
    result = run(str(path), "--json")
    assert result.exit_code == 2 and "column 'unit': column is missing" in result.stderr
    result = run(str(tmp_path / "nope.csv"), "--json")
    assert result.exit_code == 2 and "cannot read inventory file" in result.stderr


def test_bad_annex_version(tmp_path):
    result = run(str(write(tmp_path, "A,x,,H400,,,,1,t,false")), "--annex-version", "2008")
    assert result.exit_code == 2 and "2008" in result.stderr


def test_table_output(tmp_path):
    result = run(str(write(tmp_path, "A,x,,H400,,,,150,t,false")))
    assert result.exit_code == 0 and "lower" in result.stdout


def test_without_file_classifies_the_register(tmp_path, sample_csv):
    from hazatlas.cli.main import app as main_app

    dbfile = str(tmp_path / "reg.sqlite")
    imported = CliRunner().invoke(main_app, ["register", "import", str(sample_csv), "--db", dbfile])
    assert imported.exit_code == 0, imported.output
    result = run("--db", dbfile, "--json")
    assert result.exit_code == 0, result.output
    by_id = {r["establishment_id"]: r for r in json.loads(result.stdout)}
    assert set(by_id) == {"RO-BM-AURUL", "RS-PANCEVO-HIP", "UA-KALUSH-HCB", "KG-MAILUU-TP3"}
    assert by_id["RS-PANCEVO-HIP"]["seveso_tier"] == "upper"
    assert by_id["RS-PANCEVO-HIP"]["annex_version"] == "2014"
    forced = run("--db", dbfile, "--annex-version", "1992", "--json")
    assert {r["annex_version"] for r in json.loads(forced.stdout)} == {"1992"}


def test_register_in_an_empty_database(tmp_path):
    result = run("--db", str(tmp_path / "empty.sqlite"), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []
