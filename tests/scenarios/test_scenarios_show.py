"""``hazatlas scenarios show ID --json`` prints exactly the JSON the run printed (issue 12: "same
JSON as the run"), for every kind of run on the demo database; ``--meta`` gives the stored row
(who ran it, when, the inputs, the result under ``result``), as ``GET /api/scenarios/{id}``."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from hazatlas.cli.main import app

RUNS = {
    "river": ["spill", "--establishment", "RO-BM-AURUL", "--start", "2000-01-30T22:00"],
    "plume": ["plume", "--establishment", "HU-BAZ-BORSODCHEM", "--wind", "3m/s",
              "--stability", "D", "--wind-from", "200"],
    "runout": ["runout", "--establishment", "RO-BM-AURUL", "--volume", "1.6Mm3",
               "--height", "20m"],
    "tailings-failure": ["scenario", "tailings-failure", "--establishment", "RO-BM-AURUL",
                         "--released", "0.0625", "--stored-volume", "1.6Mm3",
                         "--dam-height", "20m", "--start", "2000-01-30T22:00"],
}


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory) -> str:
    from hazatlas.cli.demo import prepare_demo

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    prepare_demo(path)
    return str(path)


def hz(url: str, *args: str) -> str:
    result = CliRunner().invoke(app, [*args, "--db", url])
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result.stdout


@pytest.mark.parametrize("kind", sorted(RUNS))
def test_show_json_is_the_json_the_run_printed(kind, demo_url):
    printed = json.loads(hz(demo_url, *RUNS[kind], "--json"))
    sid = printed["scenario_id"]
    assert sid and printed["establishment_id"]
    shown = json.loads(hz(demo_url, "scenarios", "show", sid, "--json"))
    assert shown == printed

    # the stored row: with --meta, and in the listing
    row = json.loads(hz(demo_url, "scenarios", "show", sid, "--meta"))
    assert row["id"] == sid and row["kind"] == kind and row["result"] == printed
    assert row["establishment_id"] == printed["establishment_id"]
    assert row["created_by"] == printed["created_by"] and row["created_at"]
    assert json.loads(hz(demo_url, "scenarios", "show", sid, "--json", "--meta")) == row
    listed = json.loads(hz(demo_url, "scenarios", "list", "--kind", kind, "--json"))
    assert sid in [r["id"] for r in listed]
