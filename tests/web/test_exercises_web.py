"""The exercise pages over HTTP on SQLite and PostGIS (issue 16): the list as each user may
read it, a controller playing an exercise through the page's forms (start the clock, release
the injects that are due: the early warning goes through the notification chain and the page
links its report; log a note; end), an evaluator rating a task, refusals shown on the page with
the service's message (403 not your role, 409 an illegal state change, 422 bad input), a forged
CSRF token refused, a user of a country that is not a Party answered 404, and the downloads
(after-action report HTML, journal XLSX)."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from fastapi.testclient import TestClient
from tests.exercises.conftest import ACCIDENT, CONTACTS
from tests.exercises.conftest import mailbox as mailbox  # noqa: F401 (the fixture)

from hazatlas.api.app import create_app
from hazatlas.domain.access import SYSTEM
from hazatlas.services import exercises, plans, users
from hazatlas.services.notify import NotifyService
from hazatlas.services.settings import Settings

from .conftest import PASSWORD, client_of, csrf

SECRET = "test-secret-key-of-the-exercise-pages-0123456789abcdef"


@pytest.fixture
def app(db, mailbox):  # noqa: F811
    settings = Settings(database_url=db.url, secret_key=SECRET, smtp_host="127.0.0.1",
                        smtp_port=mailbox.port, smtp_from="hazatlas@ian.md.example",
                        public_url="http://testserver")
    admin = NotifyService(db, SYSTEM, settings)
    for country, authority, contact, address in CONTACTS:
        admin.save_authority({"id": authority, "name": f"{country} civil protection (example)",
                              "country": country})
        admin.save_contact({"id": contact, "authority_id": authority, "name": contact,
                            "email": address, "languages": ["en"], "escalation_order": 1,
                            "available_24_7": True})
    for name, iso3 in (("md", "MDA"), ("ro", "ROU"), ("ua", "UKR"), ("rs", "SRB")):
        users.create_user(db, name, "national", country=iso3, password=PASSWORD)
    users.create_user(db, "icpdr", "basin", password=PASSWORD)
    md = users.principal_for_user(db, "md")
    plans.create(db, md, plan_id="danube-delta", title="Danube Delta joint plan (example)",
                 area_kind="basin", area="Danube Delta", form="joint_plan",
                 parties=["MDA", "ROU", "UKR"], languages=["en"], review_interval_months=36)
    exercises.create(db, md, exercise_id="dd-web", title="Danube Delta table-top (example)",
                     type="table_top", parties=["MDA", "ROU", "UKR"], plan_id="danube-delta",
                     accident=ACCIDENT, staff=[("icpdr", "evaluator")])
    exercises.add_objective(db, md, "dd-web", objective_id="O1", area="notification",
                            text="Warn the neighbours through the IAN chain",
                            tasks=["Issue the early warning", "Acknowledge receipt"])
    exercises.add_inject(db, md, "dd-web", inject_id="I1", offset_s=0,
                         synopsis="Terminal operator reports crude oil in the Danube",
                         from_party="MDA", expected_action="Alert the national authority",
                         objective="O1")
    exercises.add_inject(db, md, "dd-web", inject_id="I2", offset_s=0,
                         synopsis="Slick drifts downstream towards Reni", from_party="MDA",
                         to=["ROU", "UKR"], objective="O1", message={"type": "early_warning"},
                         expected_action="Acknowledge the early warning")
    exercises.add_inject(db, md, "dd-web", inject_id="I3", offset_s=6 * 3600,
                         synopsis="Moldova asks Romania for booms", from_party="MDA", to=["ROU"])
    return create_app(settings, db)


def row(page: str, table: str, key: str) -> str:
    body = re.search(rf'<table id="{table}">(.*?)</table>', page, re.S)
    assert body, table
    found = re.search(rf'<tr data-(?:id|seq)="{re.escape(key)}"[^>]*>(.*?)</tr>', body.group(1),
                      re.S)
    assert found, (table, key)
    return found.group(1)


def post(c: TestClient, path: str, **data: str):
    token = csrf(c, "/exercises/dd-web")
    return c.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


def test_the_list_as_each_user_may_read_it(app):
    ua = client_of(app, "ua").get("/exercises").text
    assert re.findall(r'<tr data-id="([^"]+)"', ua) == ["dd-web"]
    assert 'href="/plans/danube-delta"' in ua and "MDA, ROU, UKR" in ua
    assert 'href="/exercises" aria-current="page"' in ua
    rs = client_of(app, "rs")
    assert 'id="no-exercises"' in rs.get("/exercises").text
    assert rs.get("/exercises/dd-web").status_code == 404  # Serbia is not a Party
    assert rs.get("/exercises/dd-web/report").status_code == 404
    assert rs.get("/exercises/dd-web/journal.xlsx").status_code == 404
    assert client_of(app, None).get("/exercises/dd-web").status_code == 404
    assert client_of(app, "md").get("/exercises/nothing").status_code == 404


def test_a_controller_plays_and_an_evaluator_rates(app):
    md, ua, icpdr = client_of(app, "md"), client_of(app, "ua"), client_of(app, "icpdr")
    page = md.get("/exercises/dd-web").text
    assert 'id="start"' in page and 'id="release"' not in page
    assert "T+06:00:00" in row(page, "injects", "I3")
    assert 'id="start"' not in ua.get("/exercises/dd-web").text  # not a controller
    r = post(ua, "/exercises/dd-web/start")
    assert r.status_code == 403 and "controllers do" in r.text and 'id="error"' in r.text
    assert md.post("/exercises/dd-web/start", data={"csrf_token": "forged"}).status_code == 403
    assert exercises.get(app.state.db, SYSTEM, "dd-web")["state"] == "planned"

    assert post(md, "/exercises/dd-web/start").status_code == 303
    r = post(md, "/exercises/dd-web/start")
    assert r.status_code == 409 and 'id="error"' in r.text  # already running
    assert post(md, "/exercises/dd-web/release").status_code == 303
    page = md.get("/exercises/dd-web").text
    assert "running" in re.search(r'id="state"[^>]*>([^<]*)<', page).group(1)
    warning = exercises.get(app.state.db, SYSTEM, "dd-web")["injects"][1]["report_id"]
    assert warning and f'href="/notifications/{warning}"' in row(page, "injects", "I2")
    assert "released at T+00:00:" in row(page, "injects", "I1")
    assert "in the room" in row(page, "injects", "I1")
    assert "not yet" in row(page, "injects", "I3")  # due at T+06:00:00
    message = md.get(f"/notifications/{warning}")  # the page the link leads to
    assert message.status_code == 200 and warning in message.text

    assert post(md, "/exercises/dd-web/journal", kind="note",
                text="Romania's duty officer answered at once").status_code == 303
    r = post(md, "/exercises/dd-web/journal", kind="note", text="   ")
    assert r.status_code == 422 and "text: must not be empty" in r.text
    r = post(md, "/exercises/dd-web/journal", kind="gossip", text="x")
    assert r.status_code == 422 and "kind:" in r.text
    page = md.get("/exercises/dd-web").text
    journal = re.search(r'<table id="journal">(.*?)</table>', page, re.S).group(1)
    assert "Romania&#39;s duty officer answered at once" in journal and ">md<" in journal

    r = post(md, "/exercises/dd-web/ratings", target="O1/T1", rating="P", phase="quick")
    assert r.status_code == 403 and "evaluators do" in r.text
    assert 'id="rate-form"' in icpdr.get("/exercises/dd-web").text
    r = post(icpdr, "/exercises/dd-web/ratings", target="O1/T1", rating="S", phase="detailed")
    assert r.status_code == 422 and "evidence" in r.text  # below P: a note or evidence
    assert post(icpdr, "/exercises/dd-web/ratings", target="O1/T1", rating="S",
                phase="detailed", note="The warning left 8 minutes late").status_code == 303
    r = post(icpdr, "/exercises/dd-web/ratings", target="O1/T2", rating="M", evidence="3 x")
    assert r.status_code == 422 and "evidence: &#39;x&#39;: expected journal entry" in r.text
    r = post(icpdr, "/exercises/dd-web/ratings", target="O1/T2", rating="M", evidence="999")
    assert r.status_code == 422 and "evidence: no journal entry 999 in exercise" in r.text
    seq = exercises.get(app.state.db, SYSTEM, "dd-web")["journal"][-1]["seq"]
    assert post(icpdr, "/exercises/dd-web/ratings", target="O1/T2", rating="M",
                evidence=f"{seq}").status_code == 303
    assert post(icpdr, "/exercises/dd-web/ratings", target="O1", rating="P",
                phase="quick").status_code == 303
    page = icpdr.get("/exercises/dd-web").text
    task = row(page, "objectives", "O1/T1")
    assert '<td class="rating">S</td>' in task and "8 minutes late" in task
    assert '<td class="rating">P</td>' in row(page, "objectives", "O1")
    assert '<td class="rating">M</td>' in row(page, "objectives", "O1/T2")
    assert f"evidence: #{seq}" in row(page, "objectives", "O1/T2")

    assert post(md, "/exercises/dd-web/end").status_code == 303
    page = md.get("/exercises/dd-web").text
    assert "ended" in re.search(r'id="state"[^>]*>([^<]*)<', page).group(1)
    assert 'id="release"' not in page and 'id="end"' not in page
    r = post(md, "/exercises/dd-web/release")
    assert r.status_code == 409 and 'id="error"' in r.text

    report = ua.get("/exercises/dd-web/report")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    assert "Danube Delta table-top (example)" in report.text
    xlsx = ua.get("/exercises/dd-web/journal.xlsx")
    assert xlsx.status_code == 200 and "dd-web-journal.xlsx" in xlsx.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    cells = [str(c.value) for r in sheet.iter_rows() for c in r if c.value is not None]
    assert any("Romania's duty officer answered at once" in c for c in cells)


def test_the_improvement_plan_links_the_plan_section(app):
    md = users.principal_for_user(app.state.db, "md")
    exercises.add_action(app.state.db, md, "dd-web", text="Train the duty officers",
                         plan_id="danube-delta", section="alerting_notification",
                         responsible="UKR", due="2027-06-30", objective="O1")
    page = client_of(app, "ro").get("/exercises/dd-web").text
    actions = re.search(r'<table id="actions">(.*?)</table>', page, re.S).group(1)
    assert 'href="/plans/danube-delta#section-alerting_notification"' in actions
    assert "Train the duty officers" in actions and "2027-06-30" in actions


def test_the_pages_in_ukrainian(app):
    ua = client_of(app, "ua")
    ua.get("/language/uk")
    page = ua.get("/exercises/dd-web").text
    assert '<html lang="uk">' in page and "Перелік основних подій (MSEL)" in page
    assert "командно-штабне (настільне) навчання" in page and ">заплановано<" in page
    assert 'href="/exercises" aria-current="page">Навчання</a>' in page
