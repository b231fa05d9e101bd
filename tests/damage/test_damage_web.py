"""The site page's damage section over HTTP (SQLite): the form for a user who may write the
site, its errors (422, every problem named, values kept), a recorded event shown to its
authority and withheld from the public while confidential."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from hazatlas.api.app import create_app
from hazatlas.domain.access import SYSTEM, Principal, Role
from hazatlas.services import ranking, users
from hazatlas.services.register import RegisterService
from hazatlas.services.settings import Settings
from hazatlas.storage import repositories as repo

PASSWORD = "correct horse battery staple"
SITE = "RS-PANCEVO-HIP"  # national disclosure, Serbia
RS = Principal("rs", Role.NATIONAL, "SRB")


@pytest.fixture
def app(sqlite_db, sample_csv):
    RegisterService(sqlite_db, SYSTEM).import_file(sample_csv)
    for name, country in (("rs", "SRB"), ("hu", "HUN")):
        users.create_user(sqlite_db, name, "national", country=country, password=PASSWORD)
    return create_app(Settings(database_url=sqlite_db.url, secret_key="test-secret"), sqlite_db)


def csrf(c: TestClient, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', c.get(path).text)
    assert found
    return found.group(1)


def client_of(app, username: str | None = None) -> TestClient:
    c = TestClient(app)
    if username is not None:
        r = c.post("/login", data={"username": username, "password": PASSWORD,
                                   "csrf_token": csrf(c, "/login")}, follow_redirects=False)
        assert r.status_code == 303
    return c


FORM = {"occurred_on": "2022-04-03", "cause": "armed_conflict", "hazard_type": "",
        "extent": "severe", "source": "SOURCE-OF-TEST", "source_url": "",
        "reliability": "media", "notes": "", "affected_units": "tank farm"}


def test_record_on_the_page(app):
    rs = client_of(app, "rs")
    page = rs.get(f"/sites/{SITE}").text
    assert 'id="damage-form"' in page and 'value="tank farm"' in page
    assert "No damage event is recorded for this site." in page
    bad = rs.post(f"/sites/{SITE}/damage", data={**FORM, "occurred_on": "2099-01-01",
                                                 "csrf_token": csrf(rs, f"/sites/{SITE}")})
    assert bad.status_code == 422 and "is in the future" in bad.text
    assert 'value="SOURCE-OF-TEST"' in bad.text
    done = rs.post(f"/sites/{SITE}/damage", data={**FORM, "csrf_token": csrf(rs, f"/sites/{SITE}")},
                   follow_redirects=False)
    assert done.status_code == 303
    page = rs.get(done.headers["location"]).text
    table = page[page.index('id="damage-events"'):]
    assert "SOURCE-OF-TEST" in table and "tank farm" in table and "not yet" in table
    # confidential (the default): not on the public's or Hungary's page, no form there
    for other in (client_of(app), client_of(app, "hu")):
        page = other.get(f"/sites/{SITE}").text
        assert "SOURCE-OF-TEST" not in page and 'id="damage-form"' not in page
    hu = client_of(app, "hu")
    refused = hu.post(f"/sites/{SITE}/damage", data={**FORM, "csrf_token": csrf(hu, f"/sites/{SITE}")})
    assert refused.status_code == 403
    no_token = rs.post(f"/sites/{SITE}/damage", data=FORM)
    assert no_token.status_code == 403


def test_unassessed_list(app):
    rs = client_of(app, "rs")
    rs.post(f"/sites/{SITE}/damage", data={**FORM, "csrf_token": csrf(rs, f"/sites/{SITE}")})
    rs.post(f"/sites/{SITE}/damage", data={**FORM, "source": "PUBLIC-OF-TEST", "public": "1",
                                           "csrf_token": csrf(rs, f"/sites/{SITE}")})
    refused = rs.post("/sites/KG-MAILUU-TP3/damage", data={
        **FORM, "affected_units": "dam", "csrf_token": csrf(rs, f"/sites/{SITE}")})
    assert refused.status_code == 403  # Kyrgyzstan's site: not Serbia's to write
    page = rs.get("/damage").text
    assert "Events: 2; sites: 1." in page
    assert 'href="/sites/RS-PANCEVO-HIP#h-damage"' in page
    public = client_of(app).get("/damage").text
    assert "PUBLIC-OF-TEST" in public and "SOURCE-OF-TEST" not in public
    assert "Events: 1; sites: 1." in public


def _event_id(page: str, source: str) -> int:
    row = re.search(r'<tr class="[^"]*" id="damage-event-(\d+)"[^>]*>(?:(?!</tr>).)*' + source,
                    page, re.S)
    assert row, f"no event {source} on the page"
    return int(row.group(1))


def _between(page: str, start: str, end: str = "</div>") -> str:
    part = page[page.index(start):]
    return part[:part.index(end)]


def test_assess_on_the_site_page(app):
    """Serbia's authority assesses a Serbian site's event on its page: problems by field, then
    the assessment, its audit entry and its effect on the release assumptions and the rank."""
    rs = client_of(app, "rs")
    rs.post(f"/sites/{SITE}/damage", data={**FORM, "public": "1",
                                           "csrf_token": csrf(rs, f"/sites/{SITE}")})
    page = rs.get(f"/sites/{SITE}").text
    event = _event_id(page, "SOURCE-OF-TEST")
    assert f'id="assess-{event}-form"' in page and f'action="/damage/{event}/assessment"' in page
    effect = _between(page, 'id="damage-effect"')
    assert "severe</span> (DS4, LOC Major)" in effect
    assert "Damage with loss of content: the site ranks before" in effect
    assert "1 of 1 — counted with their reported extent until assessed" in effect
    units = effect[effect.index('id="damage-units"'):]
    assert "tank farm" in units and "0.50" in units  # severe: HAZUS DS4, release fraction 0.5
    rank = ranking.rank_in_country(app.state.db, RS, SITE, "SRB")
    assert rank["rank"] == 1 and rank["damage_priority"] == 3  # severe damage ranks first
    assert f"Rank in Serbia: 1 of {rank['ranked']}." in effect

    token = csrf(rs, f"/sites/{SITE}")
    bad = rs.post(f"/damage/{event}/assessment",
                  data={"extent": "bogus", "note": "KEPT-NOTE", "csrf_token": token})
    assert bad.status_code == 422
    err = re.search(rf'id="assess-{event}-extent-error">([^<]+)<', bad.text)
    assert err and "expected one of none, minor, moderate, severe, destroyed" in err.group(1)
    assert f'aria-describedby="assess-{event}-extent-error"' in bad.text
    assert ">KEPT-NOTE</textarea>" in bad.text and f'id="assess-{event}" open' in bad.text
    long_note = rs.post(f"/damage/{event}/assessment",
                        data={"extent": "minor", "note": "x" * 4001, "csrf_token": token})
    assert long_note.status_code == 422
    assert re.search(rf'id="assess-{event}-note-error">expected text of at most 4000',
                     long_note.text)
    assert f'id="assess-{event}-extent-error"' not in long_note.text
    assert "not yet" in rs.get(f"/sites/{SITE}").text  # nothing was written

    done = rs.post(f"/damage/{event}/assessment",
                   data={"extent": "minor", "note": "ASSESSED-ON-SITE", "csrf_token": token},
                   follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] == f"/sites/{SITE}?assessed={event}#h-damage"
    page = rs.get(done.headers["location"]).text
    assert 'id="damage-assessed"' in page
    row = page[page.index(f'id="damage-event-{event}"'):]
    row = row[:row.index("</tr>")]
    assert "yes, by rs" in row and "ASSESSED-ON-SITE" in row and "(reported: severe)" in row
    effect = _between(page, 'id="damage-effect"')
    assert "minor</span> (DS2, LOC Minor)" in effect and "0 of 1" in effect
    assert "Damage without loss of content: shown, but it does not move the site" in effect
    after = ranking.rank_in_country(app.state.db, RS, SITE, "SRB")
    assert after["damage_priority"] == 0
    if after["rank"] is not None:
        assert f"Rank in Serbia: {after['rank']} of {after['ranked']}." in effect
    with app.state.db.transaction() as s:  # audited, from the web
        entries = repo.history(s, str(event), "damage_event")
    assert [(h.action, h.actor, h.context) for h in entries] == [
        ("create", "rs", "web"), ("assess", "rs", "web")]
    assert entries[1].changes == {"assessed": [False, True], "extent": ["severe", "minor"],
                                  "assessment_note": [None, "ASSESSED-ON-SITE"]}
    assert "Assess again: the event of 2022-04-03" in page  # it may be assessed again


def test_who_may_assess(app):
    """Another country's authority and the public see a public event without the form and are
    refused (403, nothing written); a confidential event is not found for them (404); a form
    without the session's CSRF token is refused."""
    rs = client_of(app, "rs")
    rs.post(f"/sites/{SITE}/damage", data={**FORM, "public": "1", "source": "PUBLIC-OF-TEST",
                                           "csrf_token": csrf(rs, f"/sites/{SITE}")})
    rs.post(f"/sites/{SITE}/damage", data={**FORM, "csrf_token": csrf(rs, f"/sites/{SITE}")})
    page = rs.get(f"/sites/{SITE}").text
    public, secret = _event_id(page, "PUBLIC-OF-TEST"), _event_id(page, "SOURCE-OF-TEST")
    hu, anyone = client_of(app, "hu"), client_of(app)
    for other, token_page in ((hu, f"/sites/{SITE}"), (anyone, "/login")):
        shown = other.get(f"/sites/{SITE}").text
        assert "PUBLIC-OF-TEST" in shown and '/assessment"' not in shown
        assert f'id="assess-{public}-form"' not in shown
        assert 'id="damage-units"' not in shown  # the units are withheld from them
        listed = other.get("/damage").text
        assert "PUBLIC-OF-TEST" in listed and f'id="assess-{public}-form"' not in listed
        token = csrf(other, token_page)
        refused = other.post(f"/damage/{public}/assessment",
                             data={"extent": "none", "csrf_token": token})
        assert refused.status_code == 403
        assert re.search(rf'id="assess-{public}-form-error">[^<]*may not assess', refused.text)
        hidden = other.post(f"/damage/{secret}/assessment",
                            data={"extent": "none", "csrf_token": token})
        assert hidden.status_code == 404
    no_token = rs.post(f"/damage/{public}/assessment", data={"extent": "none"})
    assert no_token.status_code == 403
    assert rs.get(f"/sites/{SITE}").text.count("not yet") == 2  # nothing was assessed


def test_assess_from_the_unassessed_list(app):
    rs = client_of(app, "rs")
    rs.post(f"/sites/{SITE}/damage", data={**FORM, "csrf_token": csrf(rs, f"/sites/{SITE}")})
    listed = rs.get("/damage").text
    event = int(re.search(r'data-event="(\d+)"', listed).group(1))
    assert f'id="assess-{event}-form"' in listed and 'name="back" value="list"' in listed
    token = csrf(rs, "/damage")
    bad = rs.post(f"/damage/{event}/assessment",
                  data={"extent": "worse", "back": "list", "csrf_token": token})
    assert bad.status_code == 422 and 'id="damage-list"' in bad.text  # the list again
    assert re.search(rf'id="assess-{event}-extent-error">[^<]*expected one of', bad.text)
    done = rs.post(f"/damage/{event}/assessment",
                   data={"extent": "", "note": "", "back": "list", "csrf_token": token},
                   follow_redirects=False)
    assert done.status_code == 303  # empty extent: the reported one is kept
    page = rs.get(done.headers["location"]).text
    assert "yes, by rs" in page and "severe</span> (DS4, LOC Major)" in page
    assert "Events: 0; sites: 0." in rs.get("/damage").text
