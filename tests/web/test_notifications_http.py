"""The notification pages over HTTP, on SQLite and PostGIS: who reads and acknowledges what (the
services' rules: a country that a report was not sent to gets 404, as from the API), CSRF on the
acknowledge and compose forms, exercise messages marked, the compose form's errors next to their
field, and a report composed in the form delivered by the real worker to a real SMTP server on
loopback (the demo's mail sink) and acknowledged. The browser walk-through is
test_notifications_browser.py."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from hazatlas.api.app import create_app
from hazatlas.delivery.outbox import Outbox
from hazatlas.domain.access import SYSTEM
from hazatlas.services import users
from hazatlas.services.demo_mail import MailSink
from hazatlas.services.notify import NotifyService, outbox_config
from hazatlas.services.settings import Settings

from .conftest import PASSWORD, client_of, csrf

SECRET = "test-secret-key-of-the-notification-pages-0123456789"


@pytest.fixture
def sink():
    box = MailSink().start()
    yield box
    box.stop()


@pytest.fixture
def settings(db, sink) -> Settings:
    return sink.settings(Settings(database_url=db.url, secret_key=SECRET), "http://testserver")


@pytest.fixture
def app(db, settings):
    admin = NotifyService(db, SYSTEM, settings)
    for iso3 in ("ROU", "HUN", "SRB"):
        admin.save_authority({"id": f"{iso3}/ca", "name": f"{iso3} authority", "country": iso3})
        admin.save_contact({"id": f"{iso3}/poc", "authority_id": f"{iso3}/ca",
                            "name": f"{iso3} PoC", "email": f"poc-{iso3.lower()}@demo.localhost",
                            "languages": ["en"], "escalation_order": 1})
    for name, iso3 in (("ro", "ROU"), ("hu", "HUN"), ("rs", "SRB")):
        users.create_user(db, name, "national", country=iso3, password=PASSWORD)
    users.create_user(db, "op", "public", password=PASSWORD)
    return create_app(settings, db)


def send_as_rou(db, settings, status: str = "exercise") -> str:
    svc = NotifyService(db, users.principal_for_user(db, "ro"), settings)
    data = {"type": "test" if status == "test" else "early_warning", "status": status,
            "texts": [{"language": "en", "description": "Chlorine release at the test site."}]}
    if status != "test":
        data["accident"] = {"type": "release_to_air", "occurred_at": "2026-03-01T13:50+02:00",
                            "place": {"description": "Test site", "country": "ROU",
                                      "timezone": "Europe/Bucharest"}}
    return svc.create_report(data, ["HUN"], issue=True)["id"]


def deliver(db, settings) -> int:
    return Outbox(db, outbox_config(settings, db, threads=1)).run_once()


def test_recipient_reads_and_acknowledges_other_country_gets_404(app, db, settings, sink):
    rid = send_as_rou(db, settings)
    hu, rs = client_of(app, "hu"), client_of(app, "rs")
    inbox = hu.get("/notifications")
    assert inbox.status_code == 200 and rid in inbox.text
    assert re.search(rf'data-id="{rid}" data-status="exercise"', inbox.text)
    assert 'class="mark mark-exercise"' in inbox.text
    assert rid not in rs.get("/notifications").text
    for path in (f"/notifications/{rid}", f"/notifications/{rid}/status",
                 "/notifications/NO-SUCH-REPORT", "/notifications/NO-SUCH-REPORT/status"):
        assert rs.get(path).status_code == 404, path
    token = csrf(rs, "/notifications")
    r = rs.post(f"/notifications/{rid}/ack", data={"csrf_token": token})
    assert r.status_code == 404 and "Acknowledged" not in r.text

    # not yet sent: no button; the API's rule (409) if the form is posted anyway
    page = hu.get(f"/notifications/{rid}")
    assert 'id="ack-form"' not in page.text and "EXERCISE" in page.text
    r = hu.post(f"/notifications/{rid}/ack", data={"csrf_token": csrf(hu, "/notifications")})
    assert r.status_code == 409 and "queued for sending" in r.text

    assert deliver(db, settings) == 1
    (mail,) = sink.messages()
    assert mail.to == ("poc-hun@demo.localhost",) and mail.report_id == rid
    assert mail.status == "exercise" and "EXERCISE" in mail.subject
    status = hu.get(f"/notifications/{rid}/status").json()
    assert status["may_acknowledge"] and [d["state"] for d in status["deliveries"]] == ["delivered"]
    assert 'id="ack-form"' in hu.get(f"/notifications/{rid}").text

    # CSRF: without the token, or with another session's, refused
    assert hu.post(f"/notifications/{rid}/ack", data={}).status_code == 403
    assert hu.post(f"/notifications/{rid}/ack", data={"csrf_token": token}).status_code == 403
    assert rs.post(f"/notifications/{rid}/ack", data={"csrf_token": token}).status_code == 404
    r = hu.post(f"/notifications/{rid}/ack", data={"csrf_token": csrf(hu, "/notifications")},
                follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/notifications/{rid}?done=ack"
    ro = client_of(app, "ro")
    sender = ro.get(f"/notifications/{rid}/status").json()
    assert [(d["party"], d["state"]) for d in sender["deliveries"]] == [("HUN", "acknowledged")]
    assert sender["deliveries"][0]["acknowledged_by"] == "hu"
    assert "acknowledged" in ro.get(f"/notifications/{rid}").text


def test_visitors_and_other_roles_cannot_read(app, db, settings):
    rid = send_as_rou(db, settings, "test")
    visitor = client_of(app, None)
    r = visitor.get(f"/notifications/{rid}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    assert visitor.get("/notifications/new", follow_redirects=False).status_code == 303
    assert visitor.get(f"/notifications/{rid}/status").status_code == 403
    op = client_of(app, "op")
    assert op.get("/notifications").status_code == 403
    assert op.get(f"/notifications/{rid}").status_code == 403
    assert "Chlorine release" not in op.get(f"/notifications/{rid}").text
    # the nav entry is for authority accounts only
    assert 'href="/notifications"' not in op.get("/register").text
    assert 'href="/notifications"' in client_of(app, "hu").get("/register").text


def _form(client: TestClient, **fields: str) -> dict[str, str]:
    page = client.get("/notifications/new")
    base = re.search(r'name="base" value="([^"]*)"', page.text).group(1)
    import html

    return {"csrf_token": csrf(client, "/notifications/new"), "base": html.unescape(base),
            "proposal": "[]", "scenario": "", "type": "early_warning", "status": "exercise",
            "texts[0].language": "en", "texts[0].description": "Ammonia release.",
            "accident.type": "release_to_air", "accident.occurred_at": "2026-03-01T13:50+02:00",
            "accident.severity": "moderate", "accident.certainty": "observed",
            "accident.ongoing": "1", "accident.place.description": "Test site",
            "accident.place.country": "ROU", "accident.place.timezone": "Europe/Bucharest",
            "accident.substances[new].name": "ammonia",
            "accident.substances[new].quantity": "2 t", "recipients": "HUN", **fields}


def test_compose_validates_next_to_the_field_and_sends(app, db, settings, sink):
    ro = client_of(app, "ro")
    page = ro.get("/notifications/new")
    assert page.status_code == 200 and 'value="HUN"' in page.text and 'value="ROU"' not in page.text
    assert ro.post("/notifications/new", data={"type": "test"}).status_code == 403  # no CSRF

    r = ro.post("/notifications/new", data=_form(ro, **{"accident.occurred_at": "2026-03-01 13:50"}))
    assert r.status_code == 422
    assert re.search(r'<span class="field-error" id="err-accident-occurred_at">[^<]*time zone', r.text)
    assert 'id="f-accident-occurred_at" aria-invalid="true"' in r.text
    assert "2026-03-01 13:50" in r.text  # the values typed are kept
    r = ro.post("/notifications/new", data=_form(ro, **{"accident.place.country": "Romania"}))
    assert r.status_code == 422 and 'id="err-accident-place-country"' in r.text
    r = ro.post("/notifications/new", data=_form(ro, recipients="", recipients_other="XXX"))
    assert r.status_code == 422 and re.search(r'id="err-recipients">[^<]*XXX', r.text)
    assert NotifyService(db, SYSTEM, settings).list_reports() == []

    r = ro.post("/notifications/new", data=_form(ro), follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    rid = r.headers["location"].split("/")[-1].split("?")[0]
    view = NotifyService(db, SYSTEM, settings).get_report(rid)
    assert view["status"] == "exercise" and view["sender_country"] == "ROU"
    assert view["report"]["accident"]["substances"][0]["quantity_kg"] == 2000.0
    assert [d["party"] for d in view["deliveries"]] == ["HUN"]
    assert deliver(db, settings) == 1 and sink.messages()[0].report_id == rid


def test_a_country_sends_as_itself_only(app, db, settings):
    """The base JSON of the form is the user's to change; the services' rules still apply."""
    ro = client_of(app, "ro")
    r = ro.post("/notifications/new", data=_form(ro, base='{"sender_country": "HUN"}'))
    assert r.status_code == 403 and "sends for ROU only" in r.text
    assert NotifyService(db, SYSTEM, settings).list_reports() == []


def test_communication_test_from_the_form_is_marked_test(app, db, settings, sink):
    ro, hu = client_of(app, "ro"), client_of(app, "hu")
    page = ro.get("/notifications/new?type=test")
    assert 'class="mark mark-test"' in page.text and "please acknowledge receipt" in page.text
    base = re.search(r'name="base" value="([^"]*)"', page.text).group(1)
    import html

    r = ro.post("/notifications/new", follow_redirects=False, data={
        "csrf_token": csrf(ro, "/notifications"), "base": html.unescape(base), "proposal": "[]",
        "scenario": "", "type": "test", "status": "test", "texts[0].language": "en",
        "texts[0].description": "Communication test: please acknowledge receipt.",
        "recipients": "HUN"})
    assert r.status_code == 303, r.text[:2000]
    rid = r.headers["location"].split("/")[-1].split("?")[0]
    assert deliver(db, settings) == 1 and sink.messages()[0].status == "test"
    for client in (ro, hu):
        assert re.search(rf'data-id="{rid}" data-status="test"', client.get("/notifications").text)
        text = client.get(f"/notifications/{rid}").text
        assert 'class="status-banner mark-test"' in text and "<title>[TEST]" in text


def test_escalation_is_shown_to_the_sender(app, db, settings, sink):
    """HUN has a second contact; the first does not acknowledge in time: both pages show it."""
    import datetime as dt

    from hazatlas.services.notify import escalate_due

    NotifyService(db, SYSTEM, settings).save_contact(
        {"id": "HUN/duty", "authority_id": "HUN/ca", "name": "HUN duty officer",
         "email": "duty-hun@demo.localhost", "languages": ["en"], "escalation_order": 2})
    rid = send_as_rou(db, settings)
    assert deliver(db, settings) == 1
    assert escalate_due(db, dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)) == 1
    ro = client_of(app, "ro")
    status = ro.get(f"/notifications/{rid}/status").json()
    states = {d["contact_id"]: d for d in status["deliveries"]}
    assert states["HUN/poc"]["state"] == "escalated" and states["HUN/poc"]["escalated_at"]
    assert states["HUN/duty"]["escalated_from"] == states["HUN/poc"]["id"]
    assert status["notices"] and "HUN" in status["notices"][0]["message"]
    page = ro.get(f"/notifications/{rid}").text
    assert 'id="notices"' in page and "escalated (not acknowledged in time)" in page
    assert f"escalated from delivery {states['HUN/poc']['id']}" in page
    assert deliver(db, settings) == 1 and sink.messages()[0].to == ("duty-hun@demo.localhost",)
    hu = client_of(app, "hu")
    assert hu.get(f"/notifications/{rid}/status").json()["notices"] == []  # the sender's only
    r = hu.post(f"/notifications/{rid}/ack", data={"csrf_token": csrf(hu, "/notifications")},
                follow_redirects=False)
    assert r.status_code == 303
    assert {d["state"] for d in ro.get(f"/notifications/{rid}/status").json()["deliveries"]} \
        == {"acknowledged"}
