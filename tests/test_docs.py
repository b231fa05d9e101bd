"""The documentation tells the truth: every CLI command and option is in docs/cli.md (generated
from the code), every API path is in docs/api.md, every setting is in the README, and the README
starts with the two commands that .ci/run uses."""

from __future__ import annotations

import re
from pathlib import Path

from hazatlas.api.app import create_app
from hazatlas.cli.reference import render
from hazatlas.services.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_cli_reference_is_current():
    current = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert current == render(), "docs/cli.md is out of date: python -m hazatlas.cli.reference > docs/cli.md"


def test_every_api_path_is_documented(tmp_path):
    app = create_app(Settings(database_url=str(tmp_path / "x.sqlite")))
    documented = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    missing = [p for p in app.openapi()["paths"] if f"`{p}`" not in documented
               and not any(f"{m.upper()} {p}`" in documented for m in ("get", "post", "put", "delete"))]
    assert not missing, f"undocumented API paths: {missing}"


def test_every_setting_is_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    used = set()
    for path in (ROOT / "src").rglob("*.py"):
        used |= set(re.findall(r"HAZATLAS_[A-Z_]+[A-Z]", path.read_text(encoding="utf-8")))
    missing = sorted(v for v in used if v not in readme)
    assert not missing, f"settings not in README.md: {missing}"


def test_readme_starts_with_the_two_commands_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    block = readme[readme.index("```sh") + 1:readme.index("```sh") + 3]
    assert block[0].startswith("make demo") and block[1].startswith("make test")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.rstrip().splitlines()[-1] == "make test"
