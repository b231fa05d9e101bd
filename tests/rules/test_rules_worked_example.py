"""The worked example of docs/identification.md, run through the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hazatlas.cli.main import app

DOC = Path(__file__).resolve().parents[2] / "docs" / "identification.md"


def test_worked_example(tmp_path):
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"A chemical plant, `inventory.csv`:\n\n```\n(.*?)```", text, re.S).group(1)
    path = tmp_path / "inventory.csv"
    path.write_text(block, encoding="utf-8")
    result = CliRunner().invoke(app, ["classify", str(path), "--json"])
    assert result.exit_code == 0, result.output
    (site,) = json.loads(result.stdout)
    assert site["seveso_tier"] == "lower" and site["convention_hazardous_activity"] is False
    sums = {g: (v["lower"], v["upper"]) for g, v in site["sums"].items()}
    assert sums["health"] == (pytest.approx(1.40), pytest.approx(0.47))
    assert sums["physical"] == (pytest.approx(0.24), pytest.approx(0.024))
    assert sums["environmental"] == (pytest.approx(1.28), pytest.approx(0.56))
    for reason in (
        re.search(r"reasons beginning\n\n```\n(.*?)```", text, re.S).group(1).splitlines()
    ):
        prefix = reason.removesuffix("...").strip()
        assert any(r.startswith(prefix) for r in site["reasons"]), prefix
