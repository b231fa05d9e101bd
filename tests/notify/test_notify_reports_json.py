"""REPORT.json: reading with clear errors (file, JSON path), writing, round trip."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from hazatlas.domain.errors import ValidationError
from hazatlas.domain.notification import Report, ReportStatus, ReportType
from hazatlas.formats.reports import (
    ReportDefaults,
    read_report_json,
    report_from_dict,
    report_to_dict,
    report_to_json,
)


def _problems(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, str]:
    return {p.field: p.message for p in exc.value.problems}


def test_round_trip(sample_report: Report) -> None:
    again = report_from_dict(json.loads(report_to_json(sample_report)))
    assert again == sample_report


def test_quantities_with_units_and_reference_strings(sample_reports: dict[str, Report]) -> None:
    ew = sample_reports["early_warning"]
    assert ew.accident.substances[0].quantity_kg == 100_000.0
    assert ew.accident.substances[1].quantity_kg is None
    assert ew.areas[1].circles[0].radius_m == 5000.0
    info = sample_reports["information"]
    assert info.references[0].sent == dt.datetime(2026, 3, 1, 12, 20, tzinfo=dt.UTC)
    assert info.accident.occurred_at.utcoffset() == dt.timedelta(0)  # "Z" accepted


def test_defaults_fill_what_the_file_leaves_out(tmp_path: Path) -> None:
    data = report_to_dict(read_report_json(Path(__file__).parent / "data" / "test.json"))
    for key in ("id", "sender", "sent", "status"):
        del data[key]
    path = tmp_path / "REPORT.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        read_report_json(path)
    assert {"id", "sender", "sent"} <= set(_problems(exc))
    assert all(p.source == "REPORT.json" for p in exc.value.problems)
    now = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC)
    report = read_report_json(path, defaults=ReportDefaults(id="UKR-1", sender="ha@x", sent=now))
    assert (report.id, report.sender, report.sent) == ("UKR-1", "ha@x", now)
    assert report.status == ReportStatus.TEST  # a test report defaults to status test


def test_errors_name_file_and_json_path(tmp_path: Path) -> None:
    doc = {
        "type": "early_warning",
        "id": "X-1",
        "sender": "s@x",
        "sender_name": "S",
        "sender_country": "ROU",
        "sent": "2026-03-01T12:00:00",
        "texts": [{"language": "en", "description": "d"}],
        "accident": {
            "type": "volcano",
            "occurred_at": "yesterday",
            "place": {"description": "p", "country": "ROU", "timezone": "Europe/Bucharest"},
            "substances": [{"name": "chlorine", "quantity": "12 parsecs"}],
        },
        "areas": [{"description": "a", "polygons": [[[1, 2], "x"]]}],
        "references": ["only,two"],
    }
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        read_report_json(path)
    problems = _problems(exc)
    assert "time zone" in problems["sent"]
    assert "volcano" in problems["accident.type"] and "'fire'" in problems["accident.type"]
    assert "ISO 8601" in problems["accident.occurred_at"]
    assert "accident.substances[0].quantity" in problems
    assert "[lon, lat]" in problems["areas[0].polygons[0][1]"]
    assert "sender,identifier,sent" in problems["references[0]"]
    text = str(exc.value)
    assert "bad.json, column 'accident.type'" in text


def test_not_json_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValidationError, match="r.json.*not valid JSON"):
        read_report_json(path)
    with pytest.raises(ValidationError, match="cannot read file"):
        read_report_json(tmp_path / "missing.json")
    with pytest.raises(ValidationError, match="expected a JSON object"):
        report_from_dict([1, 2])


def test_domain_rules_apply_after_reading(sample_reports: dict[str, Report]) -> None:
    data = report_to_dict(sample_reports["information"])
    data["references"] = []
    with pytest.raises(ValidationError) as exc:
        report_from_dict(data, source="x.json")
    assert "references" in _problems(exc)
    assert sample_reports["information"].type == ReportType.INFORMATION


def test_unknown_keys_are_reported(sample_reports: dict[str, Report]) -> None:
    data = report_to_dict(sample_reports["early_warning"])
    data["severty"] = "high"
    data["accident"]["place"]["timezon"] = "Europe/Bucharest"
    data["texts"][0]["descripton"] = "typo"
    with pytest.raises(ValidationError) as exc:
        report_from_dict(data, source="REPORT.json")
    problems = _problems(exc)
    assert "unknown key" in problems["severty"]
    assert "timezone" in problems["accident.place.timezon"]
    assert "texts[0].descripton" in problems
