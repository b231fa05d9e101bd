"""Who reads and writes which part of a plan; confidential links are named, not described.
SQLite and PostGIS."""

from __future__ import annotations

import pytest
from tests.plans.conftest import T0

from hazatlas.domain.access import ANONYMOUS
from hazatlas.domain.errors import NotFoundError, PermissionDeniedError
from hazatlas.services import plans


def _section(doc, key):
    return next(s for s in doc["sections"] if s["key"] == key)


def test_a_country_edits_only_its_sections_and_its_own_state(db, people, plan):
    plans.edit_section(db, people["ro"], "danube-delta", "alerting_notification",
                       text={"ro": "Avertizare."})
    with pytest.raises(PermissionDeniedError, match="section 'scope' of plan 'danube-delta': it is MDA's"):
        plans.edit_section(db, people["ro"], "danube-delta", "scope", text={"ro": "x"})
    with pytest.raises(PermissionDeniedError, match="it is ROU's"):
        plans.link(db, people["md"], "danube-delta", "alerting_notification", "report_type",
                   "early_warning")
    with pytest.raises(PermissionDeniedError, match="may act for ROU only, not MDA"):
        plans.agree(db, people["ro"], "danube-delta", "MDA", now=T0)
    with pytest.raises(PermissionDeniedError, match="acts for no Party"):
        plans.agree(db, people["rs"], "danube-delta", now=T0)
    with pytest.raises(PermissionDeniedError, match="only an administrator"):
        plans.edit_section(db, people["md"], "danube-delta", "scope", owner="UKR")
    for who in ("icpdr", "rs"):
        with pytest.raises(PermissionDeniedError):
            plans.edit_section(db, people[who], "danube-delta", "scope", text={"ro": "x"})
    with pytest.raises(PermissionDeniedError, match="may not create a plan of MDA, ROU"):
        plans.create(db, people["rs"], plan_id="p2", title="t", area_kind="basin", area="a",
                     form="joint_plan", parties=["MDA", "ROU"], languages=["ro"],
                     review_interval_months=12)
    # the administrator writes any part and acts for any Party it names
    plans.edit_section(db, people["admin"], "danube-delta", "scope", text={"en": "Scope."})
    p = plans.agree(db, people["admin"], "danube-delta", "UKR", now=T0)
    assert [s["state"] for s in p["states"]] == ["draft", "draft", "agreed"]
    assert p["version"] == 3


def test_the_public_sees_only_public_sections(db, people, plan):
    plans.edit_section(db, people["md"], "danube-delta", "scope", text={"ro": "Domeniu."},
                       public=True)
    plans.edit_section(db, people["md"], "danube-delta", "roles", text={"ro": "ROLESECRET"})
    public = plans.get(db, ANONYMOUS, "danube-delta")
    assert public["access"] == "public"
    assert [s["key"] for s in public["sections"]] == ["scope"]
    assert "ROLESECRET" not in str(public)
    assert [p["id"] for p in plans.list_plans(db, people["rs"])] == ["danube-delta"]
    full = plans.get(db, people["icpdr"], "danube-delta")
    assert full["access"] == "full" and len(full["sections"]) == 12
    with pytest.raises(PermissionDeniedError):
        plans.check(db, ANONYMOUS, "danube-delta")
    with pytest.raises(PermissionDeniedError):
        plans.diff(db, ANONYMOUS, "danube-delta", 1, 2)


def test_a_plan_not_public_is_not_found_by_others(db, people, plan):
    plans.create(db, people["ro"], plan_id="ro-ua", title="Prut border area", area_kind="border_area",
                 area="Prut", form="standalone_agreement", parties=["ROU", "UKR"],
                 languages=["ro", "uk"], review_interval_months=24)
    for who in (ANONYMOUS, people["rs"], people["md"]):
        with pytest.raises(NotFoundError):
            plans.get(db, who, "ro-ua")
        assert "ro-ua" not in [p["id"] for p in plans.list_plans(db, who)]
    assert plans.get(db, people["ua"], "ro-ua")["access"] == "full"


def test_confidential_links_are_named_not_described(db, people, plan):
    plans.link(db, people["md"], "danube-delta", "scope", "establishment", "MD-GIU-OIL")
    plans.link(db, people["md"], "danube-delta", "scope", "establishment", "RO-GAL-DEP")
    plans.edit_section(db, people["md"], "danube-delta", "scope", public=True)
    md = {lk["target"]: lk for lk in _section(plans.get(db, people["md"], "danube-delta"), "scope")["links"]}
    assert "withheld" not in md["MD-GIU-OIL"] and "classification" in md["MD-GIU-OIL"]
    ro = {lk["target"]: lk for lk in _section(plans.get(db, people["ro"], "danube-delta"), "scope")["links"]}
    assert ro["MD-GIU-OIL"]["withheld"] is True and "classification" not in ro["MD-GIU-OIL"]
    assert ro["MD-GIU-OIL"]["name"] == "Giurgiulesti oil terminal (example)"
    assert "withheld" not in ro["RO-GAL-DEP"]  # shared with Parties
    pub = {lk["target"]: lk for lk in _section(plans.get(db, ANONYMOUS, "danube-delta"), "scope")["links"]}
    assert pub["MD-GIU-OIL"]["withheld"] and pub["RO-GAL-DEP"]["withheld"]
    from hazatlas.services.plans.export import export

    for who in (people["ro"], ANONYMOUS):
        for fmt, lang in (("json", None), ("html", "ro")):
            assert "TERMINALSECRET" not in export(db, who, "danube-delta", fmt, lang)


def test_scenario_links_follow_the_runs_access(db, people, plan):
    from hazatlas.services import scenarios

    sid = scenarios.save(db, people["md"], "river", {"substance": "crude oil"},
                         {"countries": [{"country": "UKR", "arrival_h": 5.5}], "warnings": []},
                         "MD-GIU-OIL")
    with pytest.raises(PermissionDeniedError):  # Romania may not read Moldova's national site's run
        plans.link(db, people["ro"], "danube-delta", "alerting_notification", "scenario", sid)
    plans.link(db, people["md"], "danube-delta", "hazards_scenarios", "scenario", sid,
               note="terminal spill, arrival at the Ukrainian border")
    [md] = _section(plans.get(db, people["md"], "danube-delta"), "hazards_scenarios")["links"]
    assert md["countries"] == [{"country": "UKR", "arrival_h": 5.5}] and "withheld" not in md
    [ro] = _section(plans.get(db, people["ro"], "danube-delta"), "hazards_scenarios")["links"]
    assert ro == {"kind": "scenario", "target": sid, "note": md["note"], "withheld": True}
    with pytest.raises(NotFoundError, match="contact 'nobody' not found"):
        plans.link(db, people["md"], "danube-delta", "roles", "contact", "nobody")
    with pytest.raises(PermissionDeniedError, match="earlier versions"):
        plans.get(db, ANONYMOUS, "danube-delta", version=1)


def test_contact_links_show_details_to_full_readers_only(db, people, plan):
    from hazatlas.storage.notifications import directory

    with db.transaction() as s:
        directory.save_authority(s, "ro-igsu", country="ROU", basin=None,
                                 name="IGSU (example)", kind="civil_protection", at=T0)
        s.flush()
        directory.save_contact(s, "ro-poc", {
            "authority_id": "ro-igsu", "party": "ROU", "name": "Romanian PoC (example)",
            "role": "poc", "email": "poc@ro.example", "webhook_url": None, "webhook_format": "json",
            "webhook_secret_ref": None, "languages": ["ro", "en"], "available_24_7": True,
            "escalation_order": 1, "active": True}, T0)
    plans.link(db, people["ro"], "danube-delta", "alerting_notification", "contact", "ro-poc")
    plans.edit_section(db, people["ro"], "danube-delta", "alerting_notification", public=True)
    [ua] = _section(plans.get(db, people["ua"], "danube-delta"), "alerting_notification")["links"]
    assert ua["name"] == "Romanian PoC (example)" and ua["escalation_order"] == 1
    assert "email" not in ua
    [pub] = _section(plans.get(db, ANONYMOUS, "danube-delta"), "alerting_notification")["links"]
    assert pub == {"kind": "contact", "target": "ro-poc", "note": "", "withheld": True}
