"""The plan pages over HTTP on SQLite and PostGIS: the list and its filters, the public view
(public sections only, no completeness, versions or diff), a Party's user editing its own
section through the form (CSRF) and refused another's, agreeing and adopting for its Party,
refusals shown on the page, links resolved for the reader (a confidential site named but not
described to another country; contacts in escalation order), the diff view, the title and
Parties form, and the downloads as the reader may see the plan. The browser walk-through is
test_plans_browser.py."""

from __future__ import annotations

import html
import json
import re

import pytest
from tests.plans.conftest import DEPOT, TERMINAL

from hazatlas.api.app import create_app
from hazatlas.domain.access import SYSTEM
from hazatlas.services import plans, users
from hazatlas.services.notify import NotifyService
from hazatlas.services.register import RegisterService
from hazatlas.services.settings import Settings

from .conftest import PASSWORD, client_of, csrf

SECRET = "test-secret-key-of-the-plan-pages-0123456789abcdef"


@pytest.fixture
def app(db):
    settings = Settings(database_url=db.url, secret_key=SECRET)
    RegisterService(db, SYSTEM).save(TERMINAL, create=True)
    RegisterService(db, SYSTEM).save(DEPOT, create=True)
    admin = NotifyService(db, SYSTEM, settings)
    for iso3, order in (("ROU", 2), ("MDA", 1)):
        admin.save_authority({"id": f"{iso3}/ca", "name": f"{iso3} authority", "country": iso3})
        admin.save_contact({"id": f"{iso3}/poc", "authority_id": f"{iso3}/ca",
                            "name": f"{iso3} duty officer", "email": f"poc-{iso3.lower()}@x.test",
                            "languages": ["en"], "escalation_order": order})
    for name, iso3 in (("md", "MDA"), ("ro", "ROU"), ("ua", "UKR"), ("rs", "SRB")):
        users.create_user(db, name, "national", country=iso3, password=PASSWORD)
    md = users.principal_for_user(db, "md")
    plans.create(db, md, plan_id="danube-delta", title="Danube Delta joint plan (example)",
                 area_kind="basin", area="Danube Delta", form="joint_plan",
                 parties=["MDA", "ROU", "UKR"], languages=["ro", "uk", "en"],
                 review_interval_months=36, public=True,
                 owners={"alerting_notification": "ROU"})
    plans.edit_section(db, md, "danube-delta", "scope", public=True,
                       text={"en": "PUBLICSCOPE text.", "ro": "Domeniul PUBLICSCOPE."})
    plans.edit_section(db, md, "danube-delta", "roles", text={"en": "SECRETROLES text."})
    plans.link(db, md, "danube-delta", "scope", "establishment", "MD-GIU-OIL")
    ro = users.principal_for_user(db, "ro")
    for contact in ("ROU/poc", "MDA/poc"):
        plans.link(db, ro, "danube-delta", "alerting_notification", "contact", contact)
    plans.create(db, users.principal_for_user(db, "rs"), plan_id="sava", title="Sava plan",
                 area_kind="basin", area="Sava", form="standalone_agreement",
                 parties=["SRB", "BIH"], languages=["sr"], review_interval_months=24)
    return create_app(settings, db)


def ids(html: str) -> list[str]:
    return re.findall(r'<tr data-id="([^"]+)"', html)


def test_list_and_filters(app):
    public = client_of(app, None)
    assert ids(public.get("/plans").text) == ["danube-delta"]  # the Sava plan is not public
    rs = client_of(app, "rs")
    assert sorted(ids(rs.get("/plans").text)) == ["danube-delta", "sava"]
    assert ids(rs.get("/plans?party=bih").text) == ["sava"]
    assert ids(rs.get("/plans?basin=Danube+Delta&state=draft").text) == ["danube-delta"]
    assert ids(rs.get("/plans?state=adopted").text) == []
    r = rs.get("/plans?state=finished")
    assert r.status_code == 200 and "finished&#39; is not one of draft, agreed" in r.text


def test_public_view_shows_public_sections_only(app):
    c = client_of(app, None)
    page = c.get("/plans/danube-delta").text
    assert "PUBLICSCOPE" in page and "SECRETROLES" not in page
    assert 'id="section-roles"' not in page and 'id="completeness"' not in page
    assert 'id="revisions"' not in page and "/sections/scope/edit" not in page
    assert "Giurgiulesti oil terminal (example)" in page and "TERMINALSECRET" not in page
    assert c.get("/plans/danube-delta/diff?from=1&to=2").status_code == 403
    assert c.get("/plans/sava").status_code == 404
    body = json.loads(c.get("/plans/danube-delta/download?format=json").content)
    assert [s["key"] for s in body["sections"]] == ["scope"] and body["access"] == "public"
    doc = c.get("/plans/danube-delta/download?format=html&lang=ro")
    assert "Domeniul PUBLICSCOPE." in doc.text and "SECRETROLES" not in doc.text
    assert c.get("/plans/danube-delta/download?format=docx").status_code == 422
    assert c.get("/plans/danube-delta/download?format=html&lang=de").status_code == 422


def test_sections_per_language_links_and_completeness(app):
    ua = client_of(app, "ua")
    page = ua.get("/plans/danube-delta?lang=ro").text
    assert "Domeniul PUBLICSCOPE." in page and 'id="completeness"' in page
    assert 'id="check-scope"' in page and "missing-languages" in page
    site = re.search(r'<tr data-target="MD-GIU-OIL">(.*?)</tr>', page, re.S).group(1)
    assert "withheld" in site  # Moldova's confidential site: named, not described to Ukraine
    assert "withheld" not in re.search(r'<tr data-target="MD-GIU-OIL">(.*?)</tr>',
                                       client_of(app, "md").get("/plans/danube-delta").text,
                                       re.S).group(1)
    contacts = re.findall(r'<li data-target="([A-Z]+/poc)">', page)
    assert contacts == ["MDA/poc", "ROU/poc"]  # escalation order 1, then 2
    uk = ua.get("/plans/danube-delta?lang=uk").text
    assert "No text in uk yet." in uk and "Text exists in: en, ro." in uk


def test_a_party_edits_its_section_agrees_and_adopts(app):
    md, ro = client_of(app, "md"), client_of(app, "ro")
    token = csrf(md, "/plans/danube-delta/sections/scope/edit")
    form = {"csrf_token": token, "text-en": "New scope.\n\nSecond paragraph.", "text-ro": "",
            "text-uk": "Нова сфера.", "covers": "p1, P2", "public": "on"}
    assert md.post("/plans/danube-delta/sections/scope/edit",
                   data={**form, "csrf_token": "forged"}).status_code == 403
    r = md.post("/plans/danube-delta/sections/scope/edit", data=form, follow_redirects=False)
    assert r.status_code == 303
    page = md.get("/plans/danube-delta?lang=en").text
    assert "<p>New scope.</p>" in page and "<p>Second paragraph.</p>" in page
    doc = plans.get(app.state.db, SYSTEM, "danube-delta")
    scope = doc["sections"][0]
    assert scope["text"] == {"en": "New scope.\n\nSecond paragraph.", "uk": "Нова сфера."}
    assert scope["covers"] == ["P1", "P2"] and scope["public"]
    # Romania may not edit Moldova's section
    assert ro.get("/plans/danube-delta/sections/scope/edit").status_code == 403
    r = ro.post("/plans/danube-delta/sections/scope/edit",
                data={**form, "csrf_token": csrf(ro, "/plans/danube-delta")})
    assert r.status_code == 403 and "You may not edit this section" in r.text
    # adopting before every Party agreed is refused on the page (409, the services' message)
    r = md.post("/plans/danube-delta/adopt", data={"csrf_token": csrf(md, "/plans/danube-delta")})
    assert r.status_code == 409 and "still draft: MDA, ROU, UKR" in r.text
    for who in ("md", "ro", "ua"):
        c = client_of(app, who) if who == "ua" else (md if who == "md" else ro)
        r = c.post("/plans/danube-delta/agree",
                   data={"csrf_token": csrf(c, "/plans/danube-delta")}, follow_redirects=False)
        assert r.status_code == 303
    page = md.get("/plans/danube-delta").text
    assert 'id="status" class="plan-status status-agreed"' in page
    assert 'id="adopt-MDA"' in page and 'id="agree-MDA"' not in page
    md.post("/plans/danube-delta/adopt", data={"csrf_token": csrf(md, "/plans/danube-delta")})
    row = re.search(r'<tr data-party="MDA">(.*?)</tr>', md.get("/plans/danube-delta").text, re.S)
    assert "adopted" in row.group(1)
    # the visitor is sent to sign in; a country that is not a Party may not agree
    visitor = client_of(app, None)
    r = visitor.post("/plans/danube-delta/agree", data={"csrf_token": csrf(visitor, "/login")},
                     follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    rs = client_of(app, "rs")
    r = rs.post("/plans/danube-delta/agree", data={"csrf_token": csrf(rs, "/plans/danube-delta")})
    assert r.status_code == 403 and "acts for no Party" in r.text


def test_links_form_diff_and_title_form(app):
    md = client_of(app, "md")
    token = csrf(md, "/plans/danube-delta/sections/scope/edit")
    r = md.post("/plans/danube-delta/links", data={"csrf_token": token, "section": "scope",
                                                   "kind": "establishment", "target": "NOPE"})
    assert r.status_code == 404 and "establishment 'NOPE' not found" in html.unescape(r.text)
    r = md.post("/plans/danube-delta/links", data={"csrf_token": token, "section": "scope",
                                                   "kind": "establishment", "target": "RO-GAL-DEP",
                                                   "note": "downstream depot"},
                follow_redirects=False)
    assert r.status_code == 303
    version = plans.get(app.state.db, SYSTEM, "danube-delta")["version"]
    diff = md.get(f"/plans/danube-delta/diff?from={version - 1}&to={version}").text
    assert "+ establishment RO-GAL-DEP" in diff
    diff = md.get("/plans/danube-delta/diff?from=1&to=2").text
    assert "<ins>+PUBLICSCOPE text.</ins>" in diff
    assert md.get("/plans/danube-delta/diff?from=1&to=99").status_code == 404
    r = md.post("/plans/danube-delta/edit", data={
        "csrf_token": token, "title": "Lower Danube plan (example)", "parties": "MDA ROU UKR bgr"},
        follow_redirects=False)
    assert r.status_code == 303
    doc = plans.get(app.state.db, SYSTEM, "danube-delta")
    assert doc["title"] == "Lower Danube plan (example)" and doc["parties"][-1] == "BGR"
    r = md.post("/plans/danube-delta/edit", data={"csrf_token": token, "title": doc["title"],
                                                  "parties": "MDA ROU BGR"})
    assert r.status_code == 403 and "only UKR itself or an administrator" in r.text
