"""End to end on loopback, on SQLite and PostGIS: a report created through the API reaches
every recipient by e-mail (aiosmtpd) and webhook (http.server), is acknowledged by the signed
link and by the API, and an unacknowledged one escalates to the next contact."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from hazatlas.api.app import create_app
from hazatlas.delivery.outbox import Outbox
from hazatlas.delivery.signing import verify_webhook_signature
from hazatlas.formats.cap import parse_cap
from hazatlas.services import users
from hazatlas.services.notify import escalate_due, outbox_config, verify_audit, webhook_secret


@pytest.fixture
def client(db, notify_settings, webhook, seed):
    seed(db, notify_settings, webhook.url)
    users.create_user(db, "ro", "national", country="ROU")
    users.create_user(db, "hu", "national", country="HUN")
    users.create_user(db, "rs", "national", country="SRB")
    users.create_user(db, "admin", "administrator")
    tokens = {u: users.issue_token(db, u) for u in ("ro", "hu", "rs", "admin")}
    app = create_app(notify_settings, db)
    with TestClient(app) as c:
        c.tokens = tokens
        yield c


def auth(client, user):
    return {"Authorization": f"Bearer {client.tokens[user]}"}


def drain(db, settings):
    cfg = outbox_config(settings, db, threads=2, allow_http=True)
    return Outbox(db, cfg).run_once()


def test_report_reaches_every_recipient_is_acknowledged_and_escalates(
    db, client, smtp, webhook, notify_settings, report_data
):
    body = {
        "report": report_data("early_warning"),
        "recipients": ["HUN", "SRB", "basin:Danube"],
        "issue": True,
        "ack_window_s": 600,
    }
    r = client.post("/api/notifications/reports", json=body, headers=auth(client, "ro"))
    assert r.status_code == 201, r.text
    report = r.json()
    rid = report["id"]
    assert report["state"] == "issued"
    # HUN/poc and SRB/poc have e-mail and webhook, ICPDR/piac e-mail only: 5 outbox rows.
    assert sorted(d["recipient_id"] for d in report["deliveries"]) == [
        "HUN/poc/email",
        "HUN/poc/webhook",
        "ICPDR/piac/email",
        "SRB/poc/email",
        "SRB/poc/webhook",
    ]

    assert drain(db, notify_settings) == 5
    got = client.get(f"/api/notifications/reports/{rid}", headers=auth(client, "ro")).json()
    assert {d["state"] for d in got["deliveries"]} == {"delivered"}

    # e-mail: one per contact, in the contact's language, with the CAP alert attached
    for address in ("poc@hu.example", "poc@rs.example", "piac@icpdr.example"):
        assert len(smtp.to(address)) == 1
    ru = smtp.to("poc@rs.example")[0]
    assert ru["Content-Language"] == "ru"
    cap_part = next(
        p for p in ru.iter_attachments() if p.get_content_type() == "application/cap+xml"
    )
    assert parse_cap(cap_part.get_content()).id == rid
    # webhook: JSON to HUN, CAP to SRB, each signed with the contact's own secret
    by_path = {q["path"]: q for q in webhook.requests}
    assert set(by_path) == {"/hu", "/rs"}
    for path, contact, kind in (
        ("/hu", "HUN/poc", "application/json"),
        ("/rs", "SRB/poc", "application/cap+xml"),
    ):
        q = by_path[path]
        assert q["content_type"].startswith(kind)
        secret = webhook_secret(notify_settings, None, contact)
        verify_webhook_signature(secret, q["signature"], q["body"], dt.datetime.now(dt.UTC))
    assert json.loads(by_path["/hu"]["body"])["id"] == rid
    assert etree.fromstring(by_path["/rs"]["body"]).tag.endswith("alert")

    # HUN acknowledges by the signed link in its e-mail; the second click is harmless
    text = smtp.to("poc@hu.example")[0].get_body(("plain",)).get_content()
    link = re.search(r"http://testserver(/api/notifications/ack\?\S+)", text).group(1)
    assert client.get(link).status_code == 200
    again = client.get(link)
    assert again.status_code == 200 and "already" in again.text
    forged = link.replace("sig=", "sig=0")
    assert client.get(forged).status_code == 403
    # SRB acknowledges through the API
    r = client.post(f"/api/notifications/reports/{rid}/ack", headers=auth(client, "rs"))
    assert r.status_code == 200 and sorted(r.json()["acknowledged"]) == [
        "SRB/poc/email",
        "SRB/poc/webhook",
    ]
    assert (
        client.post(f"/api/notifications/reports/{rid}/ack", headers=auth(client, "rs")).status_code
        == 409
    )

    # ICPDR did not acknowledge: after the window it escalates to the next contact
    assert escalate_due(db, dt.datetime.now(dt.UTC) + dt.timedelta(seconds=500)) == 0
    assert escalate_due(db, dt.datetime.now(dt.UTC) + dt.timedelta(seconds=601)) == 1
    assert drain(db, notify_settings) == 1
    assert len(smtp.to("secretariat@icpdr.example")) == 1
    got = client.get(f"/api/notifications/reports/{rid}", headers=auth(client, "ro")).json()
    states = {d["recipient_id"]: d["state"] for d in got["deliveries"]}
    assert states == {
        "HUN/poc/email": "acknowledged",
        "HUN/poc/webhook": "acknowledged",
        "SRB/poc/email": "acknowledged",
        "SRB/poc/webhook": "acknowledged",
        "ICPDR/piac/email": "escalated",
        "ICPDR/secretariat/email": "delivered",
    }
    # ... and the sender is told
    notices = client.get("/api/notifications/notices", headers=auth(client, "ro")).json()
    assert len(notices) == 1 and "escalated to ICPDR/secretariat" in notices[0]["message"]
    assert client.get("/api/notifications/notices", headers=auth(client, "hu")).json() == []

    # reachability shows who acknowledged; the CAP endpoint serves the alert
    reach = {
        x["contact_id"]: x
        for x in client.get("/api/notifications/reachability", headers=auth(client, "hu")).json()
    }
    assert (
        reach["HUN/poc"]["last_acknowledged_at"]
        and reach["ICPDR/piac"]["last_acknowledged_at"] is None
    )
    cap = client.get(f"/api/notifications/reports/{rid}/cap", headers=auth(client, "hu"))
    assert cap.headers["content-type"].startswith("application/cap+xml")
    assert parse_cap(cap.content).id == rid

    # every step is in the audit chain, and the chain verifies
    result = verify_audit(db)
    assert result["ok"] and result["entries"] >= 20

    # end of alert closes the report and its deliveries
    end = report_data("end_of_alert")
    end["references"] = [f"{got['sender']},{rid},{got['report']['sent']}"]
    r = client.post(
        "/api/notifications/reports",
        headers=auth(client, "ro"),
        json={"report": end, "recipients": ["HUN"], "issue": True},
    )
    assert r.status_code == 201, r.text
    closed = client.get(f"/api/notifications/reports/{rid}", headers=auth(client, "ro")).json()
    assert closed["state"] == "closed"
    assert {d["state"] for d in closed["deliveries"]} == {"closed"}


def test_access_control_per_country(db, client, report_data):
    hu, rs, ro = auth(client, "hu"), auth(client, "rs"), auth(client, "ro")
    contact = {
        "id": "HUN/extra",
        "authority_id": "HUN/okf",
        "name": "Extra",
        "email": "x@hu.example",
    }
    assert (
        client.put("/api/notifications/contacts/HUN/extra", json=contact, headers=hu).status_code
        == 200
    )
    srb = {
        "id": "SRB/extra",
        "authority_id": "SRB/sector",
        "name": "Extra",
        "email": "x@rs.example",
    }
    r = client.put("/api/notifications/contacts/SRB/extra", json=srb, headers=hu)
    assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"
    assert client.delete("/api/notifications/contacts/SRB/poc", headers=hu).status_code == 403
    assert (
        client.put(
            "/api/notifications/contacts/SRB/extra", json=srb, headers=auth(client, "admin")
        ).status_code
        == 200
    )
    assert client.get("/api/notifications/directory").status_code == 403  # anonymous

    # a report of ROU to SRB only: HUN may not read it, SRB may
    r = client.post(
        "/api/notifications/reports",
        headers=ro,
        json={"report": report_data("early_warning"), "recipients": ["SRB"], "issue": True},
    )
    rid = r.json()["id"]
    assert client.get(f"/api/notifications/reports/{rid}", headers=hu).status_code == 404
    assert client.get(f"/api/notifications/reports/{rid}/cap", headers=hu).status_code == 404
    assert rid not in [x["id"] for x in client.get("/api/notifications/reports", headers=hu).json()]
    seen = client.get(f"/api/notifications/reports/{rid}", headers=rs).json()
    assert {d["party"] for d in seen["deliveries"]} == {"SRB"}
    # HUN may not send as ROU, nor issue or acknowledge for others
    r = client.post(
        "/api/notifications/reports",
        headers=hu,
        json={"report": report_data("early_warning"), "recipients": ["SRB"]},
    )
    assert r.status_code == 403
    assert client.post(f"/api/notifications/reports/{rid}/ack", headers=hu).status_code == 404


def test_incoming_cap_from_another_instance(db, client, notify_settings):
    from hazatlas.delivery.signing import webhook_signature
    from hazatlas.formats.cap import render_cap
    from hazatlas.formats.reports import report_from_dict

    data = json.loads(
        (
            __import__("pathlib").Path(__file__).parent.parent
            / "notify"
            / "data"
            / "early_warning.json"
        ).read_text(encoding="utf-8")
    )
    data["sender"], data["sender_country"] = "hazatlas@hu.example", "HUN"
    body = render_cap(report_from_dict(data))
    # the HUN instance signs with the secret it shares with us (our HUN/poc contact's)
    secret = webhook_secret(notify_settings, None, "HUN/poc")
    now = int(dt.datetime.now(dt.UTC).timestamp())
    headers = {
        "Content-Type": "application/cap+xml",
        "X-Hazatlas-Signature": webhook_signature(secret, body, now),
    }
    r = client.post("/api/cap/incoming", content=body, headers=headers)
    assert r.status_code == 201, r.text
    assert client.post("/api/cap/incoming", content=body, headers=headers).status_code == 200
    wrong = webhook_signature(webhook_secret(notify_settings, None, "SRB/poc"), body, now)
    r = client.post(
        "/api/cap/incoming", content=body, headers={**headers, "X-Hazatlas-Signature": wrong}
    )
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    assert client.post("/api/cap/incoming", content=b"<alert/>", headers=headers).status_code == 422
    got = client.get(f"/api/notifications/reports/{data['id']}", headers=auth(client, "rs"))
    assert got.status_code == 200 and got.json()["incoming"] is True


def test_dead_letter_is_visible_and_can_be_requeued(
    db, client, webhook, notify_settings, report_data
):
    webhook.status = 404
    r = client.post(
        "/api/notifications/reports",
        headers=auth(client, "ro"),
        json={"report": report_data("early_warning"), "recipients": ["HUN/poc"], "issue": True},
    )
    rid = r.json()["id"]
    drain(db, notify_settings)
    dead = client.get("/api/notifications/dead-letters", headers=auth(client, "ro")).json()
    assert [(d["report_id"], d["recipient_id"]) for d in dead] == [(rid, "HUN/poc/webhook")]
    assert "404" in dead[0]["last_error"]
    assert client.get("/api/notifications/dead-letters", headers=auth(client, "hu")).json() == []
    webhook.status = 200
    r = client.post(
        f"/api/notifications/deliveries/{dead[0]['id']}/requeue", headers=auth(client, "ro")
    )
    assert r.status_code == 200 and r.json()["state"] == "issued"
    drain(db, notify_settings)
    assert client.get("/api/notifications/dead-letters", headers=auth(client, "ro")).json() == []
    keys = [q["key"] for q in webhook.requests]
    assert len(keys) == 2 and len(set(keys)) == 1  # same idempotency key on the second attempt


def test_communication_test_campaign(db, client, notify_settings):
    r = client.post(
        "/api/notifications/campaigns",
        headers=auth(client, "admin"),
        json={
            "name": "Q1 test",
            "window_s": 900,
            "sender_country": "ROU",
            "parties": ["HUN", "SRB"],
        },
    )
    assert r.status_code == 201, r.text
    cid = r.json()["campaign_id"]
    assert r.json()["contacts"] == 4
    drain(db, notify_settings)
    rid = r.json()["report_id"]
    assert (
        client.post(
            f"/api/notifications/reports/{rid}/ack",
            headers=auth(client, "hu"),
            json={"contact_id": "HUN/piac"},
        ).status_code
        == 200
    )
    result = client.get(f"/api/notifications/campaigns/{cid}", headers=auth(client, "ro")).json()
    within = {c["contact_id"]: c["within"] for c in result["contacts"]}
    assert within == {"HUN/piac": True, "HUN/poc": False, "SRB/duty": False, "SRB/poc": False}
    assert result["acknowledged_within"] == 1 and result["total"] == 4
    # test messages do not escalate
    assert escalate_due(db, dt.datetime.now(dt.UTC) + dt.timedelta(days=1)) == 0


def test_unknown_recipient_and_bad_report_are_problems(client, report_data):
    ro = auth(client, "ro")
    r = client.post(
        "/api/notifications/reports",
        headers=ro,
        json={"report": report_data("early_warning"), "recipients": ["FRA"]},
    )
    assert r.status_code == 422 and "FRA" in r.text
    bad = report_data("early_warning")
    bad["accident"]["place"]["timezone"] = "Mars/Olympus"
    r = client.post(
        "/api/notifications/reports", headers=ro, json={"report": bad, "recipients": ["HUN"]}
    )
    assert r.status_code == 422 and "accident.place.timezone" in r.text


def test_worker_never_sends_after_half_its_lease(db, smtp, notify_settings, seed):
    """With no lease time left, nothing is sent; attempts are counted and end as dead letters."""
    from hazatlas.domain.access import SYSTEM
    from hazatlas.services.notify import NotifyService

    seed(db, notify_settings)
    svc = NotifyService(db, SYSTEM, notify_settings)
    data = {
        "type": "test",
        "status": "test",
        "sender_country": "ROU",
        "texts": [{"language": "en", "description": "lease"}],
    }
    rid = svc.create_report(data, ["HUN/piac"], issue=True)["id"]
    cfg = outbox_config(notify_settings, db, threads=1, lease_s=0.0)
    Outbox(db, cfg).run_once()
    assert smtp.count() == 0
    (d,) = svc.get_report(rid)["deliveries"]
    assert d["state"] == "dead_letter" and d["attempts"] == 10
    assert "not attempted" in d["last_error"]
