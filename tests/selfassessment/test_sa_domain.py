"""The framework data says which wording is official; pure rules of levels, actions and the
report (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from hazatlas.domain.errors import ConflictError, ValidationError
from hazatlas.domain.reference import load_table
from hazatlas.domain.selfassessment import actions, report
from hazatlas.domain.selfassessment.framework import load_framework


def test_framework_marks_official_and_default_wording():
    fw = load_framework()
    assert [a.kind for a in fw.areas].count("working_area") == 6
    assert [a.kind for a in fw.areas].count("cross_cutting") == 2
    assert all(a.source_locator.startswith("SA-") for a in fw.areas)
    assert all("not the official" in i.wording for i in fw.indicators)
    assert all("Art." in i.source_locator or "Annex" in i.source_locator for i in fw.indicators)
    assert {i.area for i in fw.indicators} == {a.key for a in fw.areas}
    assert [lv.level for lv in fw.levels] == [0, 1, 2, 3, 4]
    assert all("not the official" in lv.wording for lv in fw.levels)
    for table in ("selfassessment_framework", "selfassessment_criteria_levels",
                  "implementation_report_sections", "implementation_report_seveso_map"):
        assert all(r["source"] and r["status"] for r in load_table(table)), table
    with pytest.raises(ValidationError, match="not a framework version"):
        load_framework("unece-2014")


def test_report_sections_and_seveso_map_use_known_keys():
    keys = [s["key"] for s in report.sections()]
    assert len(keys) == 6
    figures = {k for s in report.sections() for k in s["figure_keys"].split(";") if k}
    for row in load_table("implementation_report_seveso_map"):
        assert row["report_section"] in keys
        assert row["figure_or_section"] in figures | set(keys)


def test_sign_off_needs_figures_and_edits_make_a_new_draft():
    doc = report.new_report("MDA", "11th", dt.date(2023, 1, 1), dt.date(2026, 12, 31), ["ro"])
    at = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    with pytest.raises(ConflictError, match="no figures"):
        report.sign_off(doc, "md", at)
    doc = report.with_figures(doc, {"x": {"value": 1}}, at)
    signed = report.sign_off(doc, "md", at)
    assert signed["version"] == doc["version"] and signed["state"] == "signed_off"
    edited = report.set_text(signed, "prevention", "ro", "Text.")
    assert edited["state"] == "draft" and edited["version"] == signed["version"] + 1
    with pytest.raises(ValidationError, match="ISO 639"):
        report.new_report("MDA", "11th", dt.date(2023, 1, 1), dt.date(2026, 1, 1), ["RO"])
    with pytest.raises(ValidationError, match="alpha-3"):
        report.new_report("Moldova", "11th", dt.date(2023, 1, 1), dt.date(2026, 1, 1), ["ro"])


def test_improvement_section_decides_the_indicator():
    rec = {"id": "a", "exercise_id": "e", "text": "t", "due": "2026-01-01"}
    got = actions.improvement_records([{**rec, "plan_section": "communication"},
                                       {**rec, "id": "b", "plan_section": "public_information"},
                                       {**rec, "id": "c"}])
    assert [g["indicator_id"] for g in got] == ["RM1", "PI1", "PP1"]
    assert [g["status"] for g in got] == ["planned"] * 3
