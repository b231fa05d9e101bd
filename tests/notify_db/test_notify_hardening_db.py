"""Hardening of notifications on SQLite and PostGIS (issue 10): one bad delivery never stops
the others, webhook URLs and secret references checked when saved, campaigns and
acknowledgements not revealing what the caller is not entitled to, signatures with any
characters answered with 4xx."""

from __future__ import annotations

import datetime as dt
import urllib.parse

import pytest
from fastapi.testclient import TestClient

from hazatlas.api.app import create_app
from hazatlas.delivery.netguard import NOT_ALLOWED
from hazatlas.delivery.outbox import Outbox
from hazatlas.delivery.signing import ack_link
from hazatlas.domain.access import SYSTEM
from hazatlas.services import users
from hazatlas.services.notify import NotifyService, outbox_config, webhook_secret
from hazatlas.storage import notifications as store

GOOD_ENV = "HAZATLAS_WEBHOOK_SECRET_HUN_H1"
SHORT_ENV = "HAZATLAS_WEBHOOK_SECRET_SHORT"


@pytest.fixture
def client(db, notify_settings, webhook, seed, monkeypatch):
    monkeypatch.setenv(GOOD_ENV, "a-long-enough-webhook-secret-0123456789")
    monkeypatch.setenv(SHORT_ENV, "abc")
    seed(db, notify_settings, webhook.url)
    users.create_user(db, "ro", "national", country="ROU")
    users.create_user(db, "hu", "national", country="HUN")
    users.create_user(db, "rs", "national", country="SRB")
    users.create_user(db, "admin", "administrator")
    tokens = {u: users.issue_token(db, u) for u in ("ro", "hu", "rs", "admin")}
    with TestClient(create_app(notify_settings, db)) as c:
        c.tokens = tokens
        yield c


def auth(client, user):
    return {"Authorization": f"Bearer {client.tokens[user]}"}


def drain(db, settings):
    return Outbox(db, outbox_config(settings, db, threads=2, allow_http=True)).run_once()


def _contact(cid: str, **kw) -> dict:
    return {"id": cid, "authority_id": "HUN/okf", "name": cid, **kw}


def _force(db, cid: str, **columns) -> None:
    """Change a contact row behind validation (a row saved before the checks existed)."""
    with db.transaction() as s:
        row = store.get_contact(s, cid)
        for k, v in columns.items():
            setattr(row, k, v)


def test_one_bad_delivery_never_stops_the_others(db, client, webhook, notify_settings, smtp):
    admin = NotifyService(db, SYSTEM, notify_settings)
    healthy = [f"HUN/h{i}" for i in range(1, 6)]
    for i, cid in enumerate(healthy, 1):
        admin.save_contact(_contact(cid, webhook_url=f"{webhook.url}/h{i}"))
    bad = {
        "HUN/short": {"webhook_secret_ref": f"env:{SHORT_ENV}"},  # holds 'abc'
        "HUN/oldenv": {"webhook_secret_ref": "env:PATH"},  # not from the prefix
        "HUN/unknownref": {"webhook_secret_ref": "vault:x"},
        "HUN/badurl": {"webhook_url": "http://[::1"},
        "HUN/internal": {"webhook_url": "http://169.254.169.254/latest/meta-data/"},
        "HUN/badmail": {"webhook_url": None, "email": "pöc@hu.example"},
        "HUN/crlf": {"webhook_url": None, "email": "a@hu.example\r\nBcc: x@evil.example"},
    }
    for i, (cid, columns) in enumerate(bad.items()):
        admin.save_contact(_contact(cid, webhook_url=f"{webhook.url}/bad{i}"))
        _force(db, cid, **columns)
    data = {
        "type": "test",
        "status": "test",
        "sender_country": "ROU",
        "texts": [{"language": "en", "description": "isolation"}],
    }
    rid = admin.create_report(data, healthy + list(bad), issue=True)["id"]
    drain(db, notify_settings)  # raised SignatureError (and stalled every round) before
    paths = sorted(q["path"] for q in webhook.requests)
    assert paths == [f"/h{i}" for i in range(1, 6)]
    view = client.get(f"/api/notifications/reports/{rid}", headers=auth(client, "ro")).json()
    states = {d["contact_id"]: (d["state"], d["last_error"]) for d in view["deliveries"]}
    for cid in healthy:
        assert states[cid][0] == "delivered"
    for cid in bad:
        state, error = states[cid]
        assert state == "dead_letter" and error, (cid, state, error)
        assert "PATH" not in error and "is not set" not in error  # nothing about the env
    assert states["HUN/internal"][1] == NOT_ALLOWED
    assert smtp.count() == 0


def test_webhook_url_is_checked_when_saved(client):
    hu = auth(client, "hu")
    for url in (
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:8000/",
        "http://10.0.0.1/",
        "http://[::ffff:169.254.169.254]/",
        "http://0.0.0.0:8000/",
    ):
        body = _contact("HUN/hook", webhook_url=url)
        r = client.put("/api/notifications/contacts/HUN/hook", json=body, headers=hu)
        assert r.status_code == 422, (url, r.text)
        assert NOT_ALLOWED in r.text
    for email in ("pöc@hu.example", "a@hu.example\x7f"):  # the worker could not write them
        body = _contact("HUN/hook", email=email)
        r = client.put("/api/notifications/contacts/HUN/hook", json=body, headers=hu)
        assert r.status_code == 422 and "ASCII" in r.text, r.text
    body = _contact("HUN/hook", webhook_url="http://127.0.0.1:9/")  # in the test allow-list
    assert (
        client.put("/api/notifications/contacts/HUN/hook", json=body, headers=hu).status_code == 200
    )


@pytest.mark.parametrize("field", ["escalation_order", "ack_window_s"])
def test_oversized_integers_in_a_contact_are_refused(client, field):
    """An integer the database cannot store is a 422 naming the field, not a 500."""
    body = {**_contact("HUN/hook", email="hook@hu.example"), field: 10**30}
    r = client.put("/api/notifications/contacts/HUN/hook", json=body, headers=auth(client, "hu"))
    assert r.status_code == 422, r.text
    assert field in r.text


def test_an_oversized_campaign_window_is_refused(client):
    body = {"name": "drill", "window_s": 10**30, "parties": ["HUN"], "sender_country": "ROU"}
    r = client.post("/api/notifications/campaigns", json=body, headers=auth(client, "admin"))
    assert r.status_code == 422, r.text
    assert "window_s" in r.text


def test_only_the_administrator_names_environment_secrets(client, notify_settings):
    hu, admin = auth(client, "hu"), auth(client, "admin")
    url = "/api/notifications/contacts/HUN/hook"
    answers = []
    for ref in (f"env:{GOOD_ENV}", "env:HAZATLAS_WEBHOOK_SECRET_NOT_SET", "env:PATH"):
        body = _contact("HUN/hook", webhook_url="http://127.0.0.1:9/", webhook_secret_ref=ref)
        r = client.put(url, json=body, headers=hu)
        assert r.status_code == 422
        answers.append(r.json()["errors"] if "errors" in r.json() else r.json()["detail"])
    assert answers[0] == answers[1] == answers[2]  # nothing learnt about the variables
    for ref, status in (
        ("env:PATH", 422),  # outside the prefix
        (f"env:{SHORT_ENV}", 422),  # too short
        ("env:HAZATLAS_WEBHOOK_SECRET_NOT_SET", 422),
        (f"env:{GOOD_ENV}", 200),
    ):
        body = _contact("HUN/hook", webhook_url="http://127.0.0.1:9/", webhook_secret_ref=ref)
        assert client.put(url, json=body, headers=admin).status_code == status, ref
    # the national authority may keep the reference the administrator set, not read it
    body = _contact(
        "HUN/hook", webhook_url="http://127.0.0.1:9/", webhook_secret_ref=f"env:{GOOD_ENV}"
    )
    body["name"] = "renamed"
    assert client.put(url, json=body, headers=hu).status_code == 200
    assert client.get(f"{url}/secret", headers=hu).status_code == 403
    assert client.get(f"{url}/secret", headers=admin).status_code == 200
    # a derived secret is readable by its country (to configure the receiver), not by others
    r = client.get("/api/notifications/contacts/HUN/poc/secret", headers=hu)
    assert r.status_code == 200
    assert r.json()["secret"] == webhook_secret(notify_settings, None, "HUN/poc").decode()
    assert (
        client.get(
            "/api/notifications/contacts/HUN/poc/secret", headers=auth(client, "rs")
        ).status_code
        == 403
    )


def test_campaign_is_read_by_sender_recipients_and_administrators_only(db, client, notify_settings):
    r = client.post(
        "/api/notifications/campaigns",
        headers=auth(client, "admin"),
        json={"name": "HUN only", "window_s": 900, "sender_country": "ROU", "parties": ["HUN"]},
    )
    cid = r.json()["campaign_id"]
    url = f"/api/notifications/campaigns/{cid}"
    assert client.get(url, headers=auth(client, "rs")).status_code == 404
    unknown = client.get("/api/notifications/campaigns/999999", headers=auth(client, "rs"))
    assert unknown.status_code == 404
    assert client.get(url).status_code == 403  # anonymous
    seen = client.get(url, headers=auth(client, "hu")).json()
    assert {c["party"] for c in seen["contacts"]} == {"HUN"}
    for user in ("ro", "admin"):
        assert client.get(url, headers=auth(client, user)).json()["total"] == 2


def test_api_acknowledgement_does_not_reveal_whether_a_report_exists(client, report_data):
    r = client.post(
        "/api/notifications/reports",
        headers=auth(client, "ro"),
        json={"report": report_data("early_warning"), "recipients": ["SRB"], "issue": True},
    )
    rid = r.json()["id"]
    hu = auth(client, "hu")
    mine_not = client.post(f"/api/notifications/reports/{rid}/ack", headers=hu)
    missing = client.post("/api/notifications/reports/ROU-00000000-nothere/ack", headers=hu)
    assert mine_not.status_code == missing.status_code == 404
    strip = lambda resp, x: resp.text.replace(x, "ID")  # noqa: E731
    assert strip(mine_not, rid) == strip(missing, "ROU-00000000-nothere")


def test_acknowledgement_link_of_a_message_not_sent_yet(db, client, notify_settings):
    svc = NotifyService(db, SYSTEM, notify_settings)
    data = {
        "type": "test",
        "status": "test",
        "sender_country": "ROU",
        "texts": [{"language": "en", "description": "not yet"}],
    }
    rid = svc.create_report(data, ["HUN/piac"], issue=True)["id"]
    exp = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    link = ack_link(
        "/api/notifications/ack", notify_settings.secret_key, rid, "HUN/piac/email", exp
    )
    r = client.get(link)
    assert r.status_code == 409 and "not been delivered" in r.text, r.text
    assert "None" not in r.text
    drain(db, notify_settings)
    r = client.get(link)
    assert r.status_code == 200 and "is acknowledged" in r.text
    again = client.get(link)
    assert again.status_code == 200 and "already acknowledged" in again.text
    assert "(None)" not in again.text
    # through the API: the same clear answers
    r = client.post(f"/api/notifications/reports/{rid}/ack", headers=auth(client, "hu"))
    assert r.status_code == 409 and "already acknowledged" in r.text and "None" not in r.text


@pytest.mark.parametrize("sig", ["é" * 64, "\u0661" * 64, "%ED%A0%80", "ﬀ" * 32])
def test_non_ascii_link_signature_is_a_4xx(client, sig):
    q = urllib.parse.urlencode({"m": "x", "r": "y", "exp": "1900000000", "sig": sig})
    r = client.get(f"/api/notifications/ack?{q}")
    assert r.status_code == 403, r.text


@pytest.mark.parametrize(
    "header", ["t=1,v1=é".encode(), "t=1,v1=\u20ac".encode(), b"\xff\xfe", "t=١,v1=x".encode()]
)
def test_non_ascii_incoming_signature_is_a_4xx(client, header):
    from pathlib import Path

    from hazatlas.formats.cap import render_cap
    from hazatlas.formats.reports import read_report_json

    report = read_report_json(
        Path(__file__).parent.parent / "notify" / "data" / "early_warning.json"
    )
    body = render_cap(report)
    r = client.post(
        "/api/cap/incoming",
        content=body,
        headers={"Content-Type": "application/cap+xml", "X-Hazatlas-Signature": header},
    )
    assert r.status_code in (401, 422), r.text


def test_nul_surrogates_and_huge_ids_are_4xx_on_every_backend(client):
    """PostgreSQL stores no NUL character (and JSON bodies may carry lone surrogates): such
    text, and ids beyond the integer columns, are refused with 422 instead of a 500."""
    hu, ro = auth(client, "hu"), auth(client, "ro")
    contact = {"id": "HUN/x", "authority_id": "HUN/okf", "name": "ab", "email": "a@b.example"}
    report = {"type": "test", "status": "test", "texts": [{"language": "en", "description": "x"}]}
    raw = '{"id": "HUN/x", "authority_id": "HUN/okf", "name": "a\\ud800", "email": "a@b.example"}'
    calls = [
        ("get", "/api/notifications/reports/a%00b", None),
        ("post", "/api/notifications/reports/a%00b/ack", None),
        ("get", "/api/notifications/reports/a%00b/cap", None),
        ("get", "/api/notifications/directory?party=a%00b", None),
        ("get", "/api/notifications/reports?offset=99999999999999999999999", None),
        ("put", "/api/notifications/contacts/HUN/x", {**contact, "name": "a\x00b"}),
        ("put", "/api/notifications/contacts/HUN/x", {**contact, "languages": ["en\x00"]}),
        ("post", "/api/notifications/campaigns", {"name": "a\x00b", "parties": ["HUN"]}),
        ("get", "/api/notifications/campaigns/99999999999999999999999", None),
        ("post", "/api/notifications/deliveries/99999999999999999999999/requeue", None),
        ("post", "/api/notifications/reports", {"report": {**report, "sender": "a\x00"}}),
        ("post", "/api/notifications/proposals", {"establishment_id": "a\x00"}),
    ]
    for method, url, body in calls:
        r = client.request(method, url, json=body, headers=ro if "campaign" in url else hu)
        assert 400 <= r.status_code < 500, (method, url, r.status_code, r.text)
    r = client.put(
        "/api/notifications/contacts/HUN/x",
        content=raw.encode(),
        headers={**hu, "Content-Type": "application/json"},
    )
    assert r.status_code == 422, r.text


def test_nul_in_a_report_file_is_named_not_a_database_error(db, client, notify_settings):
    """The CLI (``notify send --file``) goes through the service: the same check there."""
    from hazatlas.domain.errors import ValidationError

    svc = NotifyService(db, SYSTEM, notify_settings)
    data = {
        "type": "test",
        "status": "test",
        "sender_country": "ROU",
        "texts": [{"language": "en", "description": "a\x00b"}],
    }
    with pytest.raises(ValidationError, match=r"texts\[0\]\.description"):
        svc.create_report(data, ["HUN"], issue=True, source="REPORT.json")
    with pytest.raises(ValidationError, match="name"):
        svc.save_contact(_contact("HUN/z", name="z\ud800", email="z@hu.example"))


def _test_report(svc, recipients, text="x"):
    data = {
        "type": "test",
        "status": "test",
        "sender_country": "ROU",
        "texts": [{"language": "en", "description": text}],
    }
    return svc.create_report(data, recipients, issue=True)["id"]


def test_a_report_that_cannot_be_read_fails_alone(db, client, webhook, notify_settings):
    """A stored report the worker cannot parse dead-letters its own deliveries at claim time;
    the other reports of the same claim are delivered."""
    from hazatlas.storage.notification_tables import ReportRow

    svc = NotifyService(db, SYSTEM, notify_settings)
    broken = _test_report(svc, ["HUN/poc"], "broken")
    fine = _test_report(svc, ["SRB/poc"], "fine")
    with db.transaction() as s:
        row = s.query(ReportRow).filter_by(report_id=broken).one()
        row.data = {**row.data, "type": "no-such-type"}
    drain(db, notify_settings)  # raised in the claim (every round) before
    assert [q["path"] for q in webhook.requests] == ["/rs"]
    assert {d["state"] for d in svc.get_report(fine)["deliveries"]} == {"delivered"}
    with db.transaction() as s:
        rows = store.deliveries_of(s, s.query(ReportRow).filter_by(report_id=broken).one().pk)
        assert {(d.state, "report cannot be read" in d.last_error) for d in rows} == {
            ("dead_letter", True)
        }


def test_a_receiver_answering_nul_characters_cannot_break_the_recording(
    db, client, notify_settings
):
    """A receiver's answer goes into the audit entry: NUL characters (which PostgreSQL does not
    store) are replaced, so the batch's outcomes are recorded."""
    import http.server
    import json
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            body = b"refused \x00\xed\xa0\x80 here"
            self.send_response(400)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        admin = NotifyService(db, SYSTEM, notify_settings)
        url = f"http://127.0.0.1:{server.server_address[1]}/nul"
        admin.save_contact(_contact("HUN/nul", webhook_url=url))
        rid = _test_report(admin, ["HUN/nul", "HUN/piac"])
        drain(db, notify_settings)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    states = {d["contact_id"]: d for d in admin.get_report(rid)["deliveries"]}
    assert states["HUN/nul"]["state"] == "dead_letter"
    assert "HTTP 400" in states["HUN/nul"]["last_error"]
    assert states["HUN/piac"]["state"] == "delivered"
    with db.transaction() as s:
        events = [json.loads(e.event) if isinstance(e.event, str) else e.event
                  for e in store.audit_entries(s)]  # entries may carry the stored JSON text
        details = [ev.get("detail", "") for ev in events]
    assert any("refused" in d and "\x00" not in d for d in details)
