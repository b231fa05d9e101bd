"""The pure parts: the element list is data (a row added without code is checked), the review
date in calendar months, illegal transitions."""

from __future__ import annotations

import datetime as dt

import pytest

from hazatlas.domain.errors import ConflictError
from hazatlas.domain.plans import completeness, lifecycle
from hazatlas.domain.plans.model import new_plan

AT = dt.datetime(2026, 1, 31, tzinfo=dt.UTC)


def _plan():
    return new_plan(plan_id="p", title="t", area_kind="site", area="a", form="standalone_agreement",
                    parties=["MDA", "UKR"], languages=["en"], review_interval_months=1)


def test_a_checklist_row_added_as_data_is_checked():
    rows = [{"element_id": "CL1", "section": "roles", "element": "Official checklist question",
             "needs_link": "contact", "status": "confirmed"},
            {"element_id": "U1", "section": "roles", "element": "not found", "needs_link": "",
             "status": "not found"}]
    roles = completeness.check(_plan(), rows)["sections"][4]
    assert roles["section"] == "roles"
    assert [e["element_id"] for e in roles["missing_elements"]] == ["CL1"]
    assert roles["missing_links"] == ["contact"]
    scope = completeness.check(_plan(), rows)["sections"][0]
    assert scope["missing_elements"] == [] and scope["missing_languages"] == ["en"]
    assert completeness.check(_plan(), rows)["form_element"] == "F3"


def test_review_date_and_transitions():
    p = lifecycle.agree(_plan(), "MDA", by="md", at=AT)
    with pytest.raises(ConflictError, match="still draft: UKR"):
        lifecycle.adopt(p, "MDA", by="md", at=AT)
    p = lifecycle.agree(p, "UKR", by="ua", at=AT)
    p = lifecycle.adopt(lifecycle.adopt(p, "MDA", by="md", at=AT), "UKR", by="ua", at=AT)
    assert p.review_due_on == dt.date(2026, 2, 28)
    assert lifecycle.status(p, dt.datetime(2026, 2, 27, 23, tzinfo=dt.UTC)) == "adopted"
    assert lifecycle.status(p, dt.datetime(2026, 2, 28, tzinfo=dt.UTC)) == "review_due"
    with pytest.raises(ConflictError, match="MDA has already adopted version 1"):
        lifecycle.adopt(p, "MDA", by="md", at=AT)
    with pytest.raises(ConflictError, match="never been adopted"):
        lifecycle.request_review(_plan(), "MDA", "x", by="md", at=AT)
    with pytest.raises(ConflictError, match="nothing changed"):
        lifecycle.edit_section(p, "scope", text={})
    edited = lifecycle.edit_section(p, "scope", text={"en": "Scope."})
    assert lifecycle.status(edited, AT) == "draft" and edited.adopted_version == 1
