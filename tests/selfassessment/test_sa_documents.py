"""Self-assessment (levels, evidence, versions, progress between rounds) and the implementation
report's life (text per language, versions, sign-off by the country's authority, exports), with
access and the change log. SQLite and PostGIS."""

from __future__ import annotations

import json

import lxml.html
import pytest
from sqlalchemy import text

from hazatlas.domain.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from hazatlas.services.selfassessment import assessments, reports

from .conftest import SINCE, T0, UNTIL


def _log(db, entity_type):
    with db.transaction() as s:
        return s.execute(text("SELECT action, actor, scope FROM change_log WHERE entity_type = :t "
                              "ORDER BY id"), {"t": entity_type}).all()


def test_assessment_levels_versions_and_progress(db, register, people, no_exercises):
    first = assessments.create(db, people["rs"], "SRB", "2022", "2021-01-01", "2022-12-31", now=T0)
    areas = [a["key"] for a in first["areas"]]
    assert areas == ["identification", "notification", "prevention", "preparedness",
                     "response_mutual_assistance", "public_information", "legislation",
                     "institutions"]
    ind = first["areas"][0]["indicators"][0]
    assert ind["id"] == "ID1" and ind["level"] is None and "not the official" in ind["wording"]
    assert "Art. 4(1)" in ind["source_locator"]
    assessments.set_indicator(db, people["rs"], "SRB", "2022", "ID1", level=1, now=T0)
    assessments.set_indicator(db, people["rs"], "SRB", "2022", "NO1", level=2, now=T0)
    assessments.create(db, people["rs"], "SRB", "2026", SINCE, UNTIL, now=T0)
    doc = assessments.set_indicator(db, people["rs"], "SRB", "2026", "ID1", level=3,
                                    evidence="Register of 2 hazardous activities (see figures)",
                                    comments="Annex I 2014 version applied", now=T0)
    assessments.set_indicator(db, people["rs"], "SRB", "2026", "NO1", level=1, now=T0)
    assert doc["version"] == 2 and doc["areas"][0]["indicators"][0]["updated_by"] == "rs"
    p = assessments.progress(db, people["rs"], "SRB", "2022", "2026")
    rows = {r["indicator"]: r for r in p["indicators"]}
    assert (rows["ID1"]["from"], rows["ID1"]["to"], rows["ID1"]["change"]) == (1, 3, 2)
    assert rows["NO1"]["change"] == -1 and rows["PP1"]["change"] is None
    assert (p["improved"], p["declined"]) == (1, 1)
    assert assessments.get(db, people["rs"], "SRB", "2026", version=1)["areas"][0][
        "indicators"][0]["level"] is None
    with pytest.raises(NotFoundError, match=r"self-assessment of SRB for round '2026' has no "
                                            r"version 9 \(1 to 3\)"):
        assessments.get(db, people["rs"], "SRB", "2026", version=9)
    with pytest.raises(ValidationError, match="not a criterion level"):
        assessments.set_indicator(db, people["rs"], "SRB", "2026", "ID1", level=7)
    with pytest.raises(ValidationError, match="not an indicator"):
        assessments.set_indicator(db, people["rs"], "SRB", "2026", "ZZ1", level=1)
    with pytest.raises(ConflictError):
        assessments.create(db, people["rs"], "SRB", "2026", SINCE, UNTIL)
    with pytest.raises(ValidationError, match="before it starts"):
        assessments.create(db, people["rs"], "SRB", "2030", "2030-12-31", "2030-01-01")
    assert [r["action"] for r in assessments.revisions(db, people["rs"], "SRB", "2026")] == [
        "create", "set_indicator", "set_indicator"]
    log = _log(db, "self_assessment")
    assert len(log) == 6 and {r[1] for r in log} == {"rs"}
    scope = json.loads(log[0][2]) if isinstance(log[0][2], str) else log[0][2]
    assert scope["countries"] == ["SRB"]


def test_assessment_is_the_countrys_own(db, register, people, no_exercises):
    assessments.create(db, people["rs"], "SRB", "2026", SINCE, UNTIL)
    for who in ("ro", "hu", "icpdr"):
        with pytest.raises(NotFoundError):
            assessments.get(db, people[who], "SRB", "2026")
        assert assessments.list_assessments(db, people[who]) == []
        with pytest.raises(PermissionDeniedError):
            assessments.create(db, people[who], "SRB", "2027", SINCE, UNTIL)
    with pytest.raises(PermissionDeniedError):
        assessments.set_indicator(db, people["ro"], "SRB", "2026", "ID1", level=1)
    assert [r["round"] for r in assessments.list_assessments(db, people["admin"])] == ["2026"]


def test_report_versions_sign_off_and_exports(db, register, people, no_exercises):
    r = reports.create(db, people["admin"], "SRB", "11th", SINCE, UNTIL, ["sr", "en"], now=T0)
    assert [s["key"] for s in r["sections"]] == [
        "identification_notification", "prevention", "preparedness_response",
        "public_information", "siting_land_use", "cooperation"]
    reports.set_text(db, people["rs"], "SRB", "11th", "prevention", "sr",
                     "Inspekcija je obavila 12 nadzora.\n\nDrugi pasus.")
    with pytest.raises(ValidationError, match="not a language of the report"):
        reports.set_text(db, people["rs"], "SRB", "11th", "prevention", "de", "x")
    with pytest.raises(PermissionDeniedError, match="only its national authority"):
        reports.sign_off(db, people["admin"], "SRB", "11th")
    with pytest.raises(ConflictError, match="not the current version"):
        reports.sign_off(db, people["rs"], "SRB", "11th", version=1)
    signed = reports.sign_off(db, people["rs2"], "SRB", "11th", version=2, now=T0)
    assert signed["state"] == "signed_off" and signed["signed_off"] == {
        "by": "rs2", "at": T0.isoformat(), "version": 2}
    with pytest.raises(ConflictError, match="already signed off"):
        reports.sign_off(db, people["rs"], "SRB", "11th")
    # an edit after sign-off is a new draft version; the signed version stays readable
    draft = reports.set_text(db, people["rs"], "SRB", "11th", "prevention", "en", "Twelve.")
    assert (draft["version"], draft["state"], draft["signed_off"]) == (3, "draft", None)
    old = reports.get(db, people["rs"], "SRB", "11th", version=2)
    assert old["state"] == "signed_off" and old["signed_off"]["by"] == "rs2"
    with pytest.raises(NotFoundError, match=r"implementation report of SRB for round '11th' "
                                            r"has no version 4 \(1 to 3\)"):
        reports.get(db, people["rs"], "SRB", "11th", version=4)
    history = reports.revisions(db, people["rs"], "SRB", "11th")
    assert [(h["version"], h["state"], h["action"]) for h in history] == [
        (1, "draft", "create"), (2, "draft", "set_text"), (2, "signed_off", "sign_off"),
        (3, "draft", "set_text")]
    assert [r[0] for r in _log(db, "implementation_report")] == [
        "create", "set_text", "sign_off", "set_text"]
    html = reports.export(db, people["rs"], "SRB", "11th", "html", "sr", version=2)
    page = lxml.html.fromstring(html)
    assert page.get("lang") == "sr" and "signed off by rs2" in page.get_element_by_id("state").text
    prevention = page.get_element_by_id("section-prevention")
    assert [p.text for p in prevention.findall(".//p")] == ["Inspekcija je obavila 12 nadzora.",
                                                            "Drugi pasus."]
    cell = page.xpath('//tr[@data-figure="hazardous_activities_identified"]/td[@class="value"]')
    assert cell[0].text == f"{old['figures']['hazardous_activities_identified']['value']} establishments"
    assert "FROM establishment JOIN assessment" in html
    assert page.xpath('//tr[@data-figure="exercises_held"]/td[@class="value"]')[0].text == \
        "not yet available"
    data = json.loads(reports.export(db, people["rs"], "SRB", "11th", "json"))
    assert data["version"] == 3 and data["seveso"][1]["seveso_question"] == "Q4.1"
    with pytest.raises(ValidationError, match="needs one of the report's languages"):
        reports.export(db, people["rs"], "SRB", "11th", "html")
    with pytest.raises(NotFoundError):
        reports.export(db, people["ro"], "SRB", "11th", "json")
    with pytest.raises(PermissionDeniedError):
        reports.set_text(db, people["ro"], "SRB", "11th", "prevention", "sr", "x")
    with pytest.raises(NotFoundError):
        reports.sign_off(db, people["ro"], "SRB", "11th")
