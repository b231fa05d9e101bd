"""The completeness check against the element list, and the JSON and HTML exports."""

from __future__ import annotations

import json

import lxml.html
import pytest
from tests.plans.conftest import T0

from hazatlas.domain.access import ANONYMOUS
from hazatlas.domain.errors import ValidationError
from hazatlas.domain.reference import load_table
from hazatlas.services import plans
from hazatlas.services.plans.export import export

# confirmed rows only (the element list's status column), so no unconfirmed wording is pinned
SCOPE_CONFIRMED = ["P1", "P2", "P4", "P5"]


def test_element_list_carries_source_and_status():
    rows = load_table("plan_elements")
    assert all(r["source"] and r["status"] for r in rows)
    assert {r["element_id"] for r in rows if r["section"] == "scope" and r["status"] == "confirmed"} \
        == set(SCOPE_CONFIRMED)


def test_completeness_says_what_is_missing_per_section(db, people, plan):
    report = plans.check(db, people["ro"], "danube-delta")
    scope = next(s for s in report["sections"] if s["section"] == "scope")
    assert not report["complete"] and report["form_element"] == "F1"
    assert scope["missing_languages"] == ["ro", "uk", "en"]
    assert scope["missing_links"] == ["establishment"]
    assert {e["element_id"] for e in scope["missing_elements"]} >= set(SCOPE_CONFIRMED)
    plans.edit_section(db, people["md"], "danube-delta", "scope",
                       text={"ro": "a", "uk": "b", "en": "c"}, covers=SCOPE_CONFIRMED + ["X9"])
    plans.link(db, people["md"], "danube-delta", "scope", "establishment", "MD-GIU-OIL")
    scope = next(s for s in plans.check(db, people["ro"], "danube-delta")["sections"]
                 if s["section"] == "scope")
    assert scope["missing_languages"] == [] and scope["missing_links"] == []
    assert scope["unknown_elements"] == ["X9"]
    assert [e["element_id"] for e in scope["missing_elements"]] == ["P3"]  # partially confirmed
    assert scope["complete"] is False
    alert = next(s for s in plans.check(db, people["ro"], "danube-delta")["sections"]
                 if s["section"] == "alerting_notification")
    assert alert["owner"] == "ROU" and alert["missing_links"] == ["contact", "report_type"]


def test_json_export_keys(db, people, plan):
    doc = json.loads(export(db, people["ua"], "danube-delta", "json", now=T0))
    assert set(doc) == {"id", "title", "area_kind", "area", "form", "parties", "languages",
                        "public", "review_interval_months", "review_triggers", "version",
                        "adopted_version", "adopted_at", "review_due_on", "review_requests",
                        "states", "sections", "status", "access"}
    assert set(doc["sections"][0]) == {"key", "owner", "public", "text", "covers", "links"}
    assert set(doc["states"][0]) == {"party", "state", "version", "at", "by"}


def test_html_export_in_each_language(db, people, plan):
    plans.edit_section(db, people["md"], "danube-delta", "scope",
                       text={"ro": "Poluare <accidentală>.\n\nA doua.", "uk": "Забруднення."})
    plans.link(db, people["md"], "danube-delta", "scope", "establishment", "MD-GIU-OIL")
    for who in ("md", "ro", "ua"):
        plans.agree(db, people[who], "danube-delta", now=T0)
    for lang, first in (("ro", "Poluare <accidentală>."), ("uk", "Забруднення.")):
        page = lxml.html.fromstring(export(db, people["ua"], "danube-delta", "html", lang, now=T0))
        assert page.get("lang") == lang
        assert page.findtext(".//h1") == "Danube Delta joint plan (example)"
        assert page.get_element_by_id("status").text == "agreed"
        rows = page.xpath("//table[@id='parties']/tr[@data-party]")
        assert [r.get("data-party") for r in rows] == ["MDA", "ROU", "UKR"]
        assert all(r.xpath("td")[1].text == "agreed" for r in rows)
        scope = page.get_element_by_id("section-scope")
        assert scope.xpath("p")[0].text == first
        assert scope.xpath("ul/li/@data-target") == ["MD-GIU-OIL"]
        assert "details withheld" in scope.xpath("ul/li")[0].text_content()  # UKR may not read it
        assert len(page.xpath("//section")) == 12
    en = lxml.html.fromstring(export(db, people["ua"], "danube-delta", "html", "en"))
    assert en.get_element_by_id("section-scope").xpath("p[@class='missing']")
    with pytest.raises(ValidationError, match="'de' is not a language of plan"):
        export(db, people["ua"], "danube-delta", "html", "de")
    with pytest.raises(ValidationError, match="needs one of the plan's languages"):
        export(db, people["ua"], "danube-delta", "html")
    with pytest.raises(ValidationError, match="'docx' is not one of json, html, pdf"):
        export(db, people["ua"], "danube-delta", "docx")
    with pytest.raises(ValidationError, match="a PDF is not text"):
        export(db, people["ua"], "danube-delta", "pdf")
    public = lxml.html.fromstring(export(db, ANONYMOUS, "danube-delta", "html", "ro"))
    assert public.xpath("//section") == []  # no section is public yet
