"""The register CLI, run in-process against a SQLite file."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from hazatlas.cli.main import app

runner = CliRunner()


@pytest.fixture
def dbfile(tmp_path):
    return str(tmp_path / "cli.sqlite")


def run(*args: str):
    return runner.invoke(app, list(args))


def test_import_list_show_history_export(dbfile, sample_csv, tmp_path):
    r = run("register", "import", str(sample_csv), "--db", dbfile, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["created"] == 4
    r = run("register", "list", "--db", dbfile, "--json", "--kind", "tailings")
    assert [f["id"] for f in json.loads(r.stdout)["features"]] == ["KG-MAILUU-TP3", "RO-BM-AURUL"]
    r = run("register", "show", "UA-KALUSH-HCB", "--db", dbfile, "--json")
    assert json.loads(r.stdout)["properties"]["inventory"][0]["cas_number"] == "118-74-1"
    r = run("register", "history", "UA-KALUSH-HCB", "--db", dbfile, "--json")
    entry = json.loads(r.stdout)[0]
    assert entry["action"] == "create" and entry["actor"].startswith("cli:")
    out = tmp_path / "out.xlsx"
    r = run("register", "export", str(out), "--db", dbfile)
    assert r.exit_code == 0 and out.exists()
    r = run("register", "history", "UA-KALUSH-HCB", "--db", dbfile)
    assert "create" in r.stdout


def test_import_error_exit_code_and_message(dbfile, sample_rows, make_csv):
    bad = make_csv([dict(sample_rows[3], cas_number="118-74-2")])
    r = run("register", "import", str(bad), "--db", dbfile)
    assert r.exit_code == 2
    assert "bad.csv, row 2, column 'cas_number': CAS number '118-74-2' has check digit 2, expected 1" in r.stderr
    assert "nothing was changed" in r.stderr


def test_skip_invalid_from_cli(dbfile, sample_rows, make_csv, tmp_path):
    bad = make_csv([sample_rows[3], dict(sample_rows[4], lon="500")])
    rejects = tmp_path / "rej.csv"
    r = run("register", "import", str(bad), "--db", dbfile, "--skip-invalid", "--rejects", str(rejects))
    assert r.exit_code == 0, r.output
    assert "1 rows rejected" in r.stderr and rejects.read_text().count("\n") == 2


def test_users_and_acting_user(dbfile, sample_csv, tmp_path):
    assert run("register", "import", str(sample_csv), "--db", dbfile).exit_code == 0
    assert run("users", "add", "ua", "--role", "national", "--country", "UKR", "--db", dbfile).exit_code == 0
    r = run("register", "show", "RS-PANCEVO-HIP", "--db", dbfile, "--as", "ua", "--json")
    assert r.exit_code == 0 and "inventory" not in json.loads(r.stdout)["properties"]
    r = run("register", "delete", "RS-PANCEVO-HIP", "--db", dbfile, "--as", "ua")
    assert r.exit_code == 2 and "may not write" in r.stderr
    r = run("users", "add", "x", "--role", "national", "--db", dbfile)
    assert r.exit_code == 2 and "a national authority needs --country" in r.stderr
    r = run("users", "token", "ua", "--db", dbfile)
    assert r.exit_code == 0 and len(r.stdout.strip()) >= 40


def test_db_commands(dbfile):
    r = run("db", "load-geodata", "--db", dbfile, "--json")
    assert json.loads(r.stdout) == {"countries": 79, "reaches": 2206}
    assert "schema at revision" in run("db", "migrate", "--db", dbfile).stdout


def test_list_near_a_point(dbfile, sample_csv):
    assert run("register", "import", str(sample_csv), "--db", dbfile).exit_code == 0
    r = run("register", "list", "--db", dbfile, "--near", "24.0,49.0", "--limit", "2", "--json")
    assert [f["id"] for f in json.loads(r.stdout)["features"]] == ["UA-KALUSH-HCB", "RO-BM-AURUL"]
    r = run("register", "list", "--db", dbfile, "--near", "x")
    assert r.exit_code == 2 and "'x' is not LON,LAT" in r.stderr


def test_database_url_option(tmp_path):
    url = f"sqlite:///{tmp_path / 'url.sqlite'}"
    r = run("db", "migrate", "--db", url)
    assert r.exit_code == 0 and (tmp_path / "url.sqlite").exists()
