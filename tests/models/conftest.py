"""The model commands store their runs (``hazatlas spill|plume|runout`` without ``--no-store``):
in these tests, into a scratch SQLite database instead of ``var/hazatlas.sqlite`` of the
working directory."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def _scratch_database_url(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("runs") / "runs.sqlite")


@pytest.fixture(autouse=True)
def _runs_in_scratch_database(monkeypatch, _scratch_database_url) -> None:
    monkeypatch.setenv("HAZATLAS_DATABASE_URL", _scratch_database_url)
