"""Report validation: every rule of a report type gives an error that names the field."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from hazatlas.domain.errors import ValidationError
from hazatlas.domain.notification import (
    AssistanceResponse,
    Report,
    ReportStatus,
    ReportText,
    ReportType,
    ResponseKind,
)
from hazatlas.domain.report_validation import require_aware, validate_report


def _fields(exc: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return {p.field for p in exc.value.problems}


def test_samples_are_valid(sample_report: Report) -> None:
    assert validate_report(sample_report) is sample_report


def test_naive_times_are_errors_naming_the_field(sample_reports: dict[str, Report]) -> None:
    ew = sample_reports["early_warning"]
    naive = dt.datetime(2026, 3, 1, 12, 0)
    bad = dataclasses.replace(
        ew,
        sent=naive,
        expires=naive,
        accident=dataclasses.replace(ew.accident, occurred_at=naive),
    )
    with pytest.raises(ValidationError) as exc:
        validate_report(bad)
    assert {"sent", "expires", "accident.occurred_at"} <= _fields(exc)
    assert "time zone" in str(exc.value)
    with pytest.raises(ValidationError):
        require_aware(naive, "x")
    assert require_aware(naive.replace(tzinfo=dt.UTC), "x").tzinfo is dt.UTC


@pytest.mark.parametrize(
    ("sample", "change", "field"),
    [
        ("early_warning", {"accident": None}, "accident"),
        ("information", {"references": ()}, "references"),
        ("end_of_alert", {"references": ()}, "references"),
        ("assistance_request", {"assistance": None}, "assistance"),
        ("assistance_response", {"response": None}, "response"),
        ("test", {"status": ReportStatus.ACTUAL}, "status"),
        ("early_warning", {"id": "has space"}, "id"),
        ("early_warning", {"sender": "a,b"}, "sender"),
        ("early_warning", {"sender_country_iso3": "RO"}, "sender_country_iso3"),
        ("early_warning", {"texts": ()}, "texts"),
        ("early_warning", {"languages": ("not a tag!",)}, "languages[0]"),
        ("early_warning", {"sender_name": "bad\x00name"}, "sender_name"),
        ("early_warning", {"response": AssistanceResponse(ResponseKind.OFFER, "x")}, "response"),
    ],
)
def test_type_rules(
    sample: str, change: dict, field: str, sample_reports: dict[str, Report]
) -> None:
    bad = dataclasses.replace(sample_reports[sample], **change)
    with pytest.raises(ValidationError) as exc:
        validate_report(bad)
    assert field in _fields(exc)


def test_nested_fields_are_named(sample_reports: dict[str, Report]) -> None:
    ew = sample_reports["early_warning"]
    acc = ew.accident
    place = dataclasses.replace(acc.place, timezone="Mars/Olympus", country_iso3="xx", lon=500.0)
    sub = dataclasses.replace(acc.substances[0], cas="12345", quantity_kg=-1.0)
    area = dataclasses.replace(ew.areas[1], circles=(), polygons=(((1.0, 1.0), (2.0, 2.0)),))
    bad = dataclasses.replace(
        ew, accident=dataclasses.replace(acc, place=place, substances=(sub,)), areas=(area,)
    )
    with pytest.raises(ValidationError) as exc:
        validate_report(bad)
    assert {
        "accident.place.timezone",
        "accident.place.country_iso3",
        "accident.place",
        "accident.substances[0].cas",
        "accident.substances[0].quantity_kg",
        "areas[0].polygons[0]",
    } <= _fields(exc)


def test_response_kinds(sample_reports: dict[str, Report]) -> None:
    base = sample_reports["assistance_response"]
    for response, field in [
        (AssistanceResponse(ResponseKind.REFUSAL), "response.reason"),
        (AssistanceResponse(ResponseKind.TERMS, scope="lab"), "response.terms"),
        (AssistanceResponse(ResponseKind.OFFER), "response.scope"),
    ]:
        with pytest.raises(ValidationError) as exc:
            validate_report(dataclasses.replace(base, response=response))
        assert field in _fields(exc)
    ok = AssistanceResponse(ResponseKind.REFUSAL, reason="no capacity")
    validate_report(dataclasses.replace(base, response=ok))


def test_languages_and_texts(sample_reports: dict[str, Report]) -> None:
    ew = sample_reports["early_warning"]
    assert ew.output_languages == ("ro", "en", "ru", "uk")
    assert ew.text_for("en").language == "en"
    assert ew.text_for("ru").language == "ro"  # no Russian text: the original
    dup = dataclasses.replace(ew, texts=(ReportText("en", "a"), ReportText("en", "b")))
    with pytest.raises(ValidationError, match="same language"):
        validate_report(dup)


def test_ref_of_a_report_is_what_followers_cite(sample_reports: dict[str, Report]) -> None:
    ew, info = sample_reports["early_warning"], sample_reports["information"]
    assert info.references[0] == ew.ref
    assert info.type == ReportType.INFORMATION
