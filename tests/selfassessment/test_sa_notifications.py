"""The notification figures of the pre-fill: a report Serbia sends and Romania acknowledges, and a
communication test to Serbia's contacts, delivered through the real outbox to a loopback SMTP
server (aiosmtpd) and acknowledged through the notification service; each figure equals a query
written here on ``notify_report`` / ``notify_delivery``. SQLite and PostGIS."""

from __future__ import annotations

import datetime as dt
import socket
import statistics
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text

from hazatlas.delivery.outbox import Outbox
from hazatlas.domain.access import SYSTEM
from hazatlas.services.notify import NotifyService, outbox_config
from hazatlas.services.selfassessment import assessments
from hazatlas.services.settings import Settings
from hazatlas.storage.notifications.times import aware

from .conftest import SINCE, UNTIL


class Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.count += 1
        return "250 Message accepted"


@pytest.fixture
def smtp() -> Iterator[tuple[Sink, int]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


def _seed(db, settings):
    admin = NotifyService(db, SYSTEM, settings)
    for aid, country, name in (("SRB/sector", "SRB", "Sector for Emergency Management"),
                               ("ROU/igsu", "ROU", "IGSU")):
        admin.save_authority({"id": aid, "name": name, "country": country, "basin": None})
    for cid, aid, mail in (("SRB/poc", "SRB/sector", "poc@rs.example"),
                           ("SRB/duty", "SRB/sector", "duty@rs.example"),
                           ("ROU/poc", "ROU/igsu", "poc@ro.example")):
        admin.save_contact({"id": cid, "authority_id": aid, "name": cid, "email": mail,
                            "languages": ["en"], "escalation_order": 1, "available_24_7": True})


def _t(value):
    """A time as the database returned it to a text query (SQLite: text without a zone)."""
    return aware(dt.datetime.fromisoformat(value) if isinstance(value, str) else value)


def _ack_seconds(rows):
    return [(_t(a) - _t(i)).total_seconds() for i, a in rows if a is not None]


def test_notification_and_communication_test_figures(db, smtp, people, no_exercises):
    sink, port = smtp
    settings = Settings(database_url=db.url, secret_key="selfassessment-test-secret-0123456789",
                        smtp_host="127.0.0.1", smtp_port=port, smtp_from="hazatlas@rs.example",
                        public_url="http://testserver")
    _seed(db, settings)
    rs = NotifyService(db, people["rs"], settings)
    sent = rs.create_report({"type": "test", "status": "test", "sender_country": "SRB",
                             "texts": [{"language": "en", "description": "link check"}]},
                            ["ROU"], issue=True)
    campaign = NotifyService(db, SYSTEM, settings).start_campaign(
        "Q1 test", 900, parties=["SRB"], sender_country="ROU")
    assert Outbox(db, outbox_config(settings, db, threads=1)).run_once() == 3
    assert sink.count == 3
    NotifyService(db, people["ro"], settings).acknowledge(sent["id"])
    rs.acknowledge(campaign["report_id"], contact_id="SRB/poc")

    doc = assessments.create(db, people["rs"], "SRB", "2026", SINCE, UNTIL)
    figures = doc["prefill"]["figures"]
    with db.transaction() as s:
        out = s.execute(text(
            "SELECT r.report_id, d.issued_at, d.acknowledged_at FROM notify_report r "
            "JOIN notify_delivery d ON d.report_pk = r.pk WHERE r.sender_country_iso3 = 'SRB' "
            "AND r.incoming = :no AND r.campaign_id IS NULL"), {"no": False}).all()
        tests = s.execute(text(
            "SELECT d.issued_at, d.acknowledged_at, r.issued_at, c.window_s "
            "FROM notify_delivery d JOIN notify_report r ON r.pk = d.report_pk "
            "JOIN notify_campaign c ON c.id = r.campaign_id "
            "WHERE r.campaign_id IS NOT NULL AND d.party = 'SRB'")).all()
    f = figures["notifications_sent"]
    assert f["value"] == len({r[0] for r in out}) == 1
    secs = _ack_seconds([(i, a) for _, i, a in out])
    assert f["detail"]["messages"] == len(out) and f["detail"]["acknowledged"] == len(secs) == 1
    assert f["detail"]["ack_median_s"] == pytest.approx(statistics.median(secs))
    assert f["detail"]["by_status"] == {"test": 1} and f["detail"]["by_party"] == {"ROU": 1}
    assert "notify_report" in f["query"]["sql"] and "SRB" in f["query"]["params"].values()
    f = figures["communication_tests"]
    secs = _ack_seconds([(i, a) for i, a, _, _ in tests])
    assert f["value"] == len(tests) == 2 and f["detail"]["acknowledged"] == len(secs) == 1
    assert f["detail"]["ack_max_s"] == pytest.approx(max(secs))
    assert f["detail"]["acknowledged_within"] == sum(
        1 for _, a, r, w in tests
        if a is not None and (_t(a) - _t(r)).total_seconds() <= w) == 1
    assert f["detail"]["campaigns"] == 1
    # a period that ends before the messages were sent counts none of them
    old = assessments.create(db, people["rs"], "SRB", "2020", dt.date(2020, 1, 1),
                             dt.date(2020, 12, 31))
    assert old["prefill"]["figures"]["notifications_sent"]["value"] == 0
    assert old["prefill"]["figures"]["communication_tests"]["value"] == 0
