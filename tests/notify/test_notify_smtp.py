"""E-mail delivery to a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller

from hazatlas.delivery.retry import RetryPolicy
from hazatlas.delivery.signing import SignatureError, verify_ack
from hazatlas.delivery.smtp import (
    EmailRecipient,
    SmtpSettings,
    connect,
    deliver_email,
    message_id,
)
from hazatlas.domain.delivery_state import OutcomeKind, idempotency_key
from hazatlas.domain.notification import Report

SECRET = b"test-secret-for-ack-links-0123456789"
NOW = dt.datetime(2026, 3, 1, 12, 30, tzinfo=dt.UTC)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Recorder:
    """aiosmtpd handler that stores messages, or answers every RCPT with a fixed code."""

    messages: list[bytes] = field(default_factory=list)
    rcpt_reply: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(envelope.original_content or envelope.content)
        return "250 Message accepted"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Recorder, int]]:
    handler = Recorder()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def _settings(port: int) -> SmtpSettings:
    return SmtpSettings(
        host="127.0.0.1",
        port=port,
        from_address="alerts@ha.example",
        ack_base_url="https://ha.example/api/notifications/ack",
        ack_secret=SECRET,
        message_id_domain="ha.example",
        security="none",
        timeout_s=5,
        retry=RetryPolicy(base_delay_s=10, jitter=0.0, max_attempts=3),
    )


RECIPIENT = EmailRecipient("HUN/ian-poc/email", "poc@hu.example", "ru", "IAN PoC Hungary")


def test_email_is_received_once_with_headers_and_signed_link(
    smtp_server: tuple[Recorder, int], sample_reports: dict[str, Report]
) -> None:
    handler, port = smtp_server
    report = sample_reports["early_warning"]
    outcome = deliver_email(report, RECIPIENT, _settings(port), now=NOW)
    assert outcome.kind == OutcomeKind.DELIVERED, outcome
    assert len(handler.messages) == 1
    msg = email.message_from_bytes(handler.messages[0], policy=email.policy.default)
    key = idempotency_key(report.id, RECIPIENT.recipient_id)
    assert msg["Message-ID"] == f"<{key[:32]}@ha.example>"
    assert msg["X-Hazatlas-Idempotency-Key"].strip() == key  # long: folded onto a new line
    assert msg["X-Hazatlas-Report-Type"] == "early_warning"
    assert msg["Subject"].startswith("УЧЕНИЯ – Раннее оповещение")
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "Время аварии" in text and "<table>" in html
    cap = [p for p in msg.iter_attachments() if p.get_content_type() == "application/cap+xml"]
    assert len(cap) == 1 and b"<identifier>ROU-2026-0001</identifier>" in cap[0].get_content()
    link = next(line for line in text.splitlines() if line.startswith("https://ha.example/"))
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link).query))
    assert verify_ack(SECRET, q["m"], q["r"], q["exp"], q["sig"], now=NOW) == (
        report.id,
        RECIPIENT.recipient_id,
    )
    assert int(q["exp"]) == int((NOW + dt.timedelta(days=7)).timestamp())
    with pytest.raises(SignatureError, match="not valid"):
        verify_ack(SECRET, q["m"], "HUN/other/email", q["exp"], q["sig"], now=NOW)
    with pytest.raises(SignatureError, match="not valid"):
        verify_ack(b"another-secret-0123456789abcdef", q["m"], q["r"], q["exp"], q["sig"], now=NOW)
    with pytest.raises(SignatureError, match="expired"):
        verify_ack(SECRET, q["m"], q["r"], q["exp"], q["sig"], now=NOW + dt.timedelta(days=8))


def test_a_retry_carries_the_same_message_id(
    smtp_server: tuple[Recorder, int], sample_reports: dict[str, Report]
) -> None:
    handler, port = smtp_server
    report = sample_reports["test"]
    for attempt in (1, 2):
        deliver_email(report, RECIPIENT, _settings(port), attempt=attempt, now=NOW)
    ids = {email.message_from_bytes(m)["Message-ID"].strip() for m in handler.messages}
    assert len(handler.messages) == 2
    assert ids == {message_id(report, RECIPIENT, "ha.example")}


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        ("550 5.1.1 No such user", OutcomeKind.PERMANENT_FAILURE),
        ("451 4.3.0 Try again later", OutcomeKind.RETRY),
    ],
)
def test_smtp_replies_are_classified(
    reply: str,
    kind: OutcomeKind,
    smtp_server: tuple[Recorder, int],
    sample_reports: dict[str, Report],
) -> None:
    handler, port = smtp_server
    handler.rcpt_reply = reply
    outcome = deliver_email(sample_reports["test"], RECIPIENT, _settings(port), now=NOW)
    assert outcome.kind == kind
    assert outcome.detail.startswith(reply[:3])
    assert handler.messages == []
    if kind == OutcomeKind.RETRY:
        assert outcome.retry_at == NOW + dt.timedelta(seconds=10)


def test_unreachable_server_is_retried_then_given_up(sample_reports: dict[str, Report]) -> None:
    settings = _settings(free_port())  # nothing listens there
    first = deliver_email(sample_reports["test"], RECIPIENT, settings, attempt=1, now=NOW)
    assert first.kind == OutcomeKind.RETRY and "connection failed" in first.reason
    last = deliver_email(sample_reports["test"], RECIPIENT, settings, attempt=3, now=NOW)
    assert last.kind == OutcomeKind.PERMANENT_FAILURE and "gave up after 3" in last.reason


def test_a_connection_can_be_reused(
    smtp_server: tuple[Recorder, int], sample_reports: dict[str, Report]
) -> None:
    handler, port = smtp_server
    settings = _settings(port)
    with connect(settings) as conn:
        for name in ("early_warning", "information", "end_of_alert"):
            outcome = deliver_email(sample_reports[name], RECIPIENT, settings, connection=conn)
            assert outcome.kind == OutcomeKind.DELIVERED
    subjects = [
        email.message_from_bytes(m, policy=email.policy.default)["Subject"]
        for m in handler.messages
    ]
    assert len(subjects) == 3 and "Отбой тревоги" in subjects[2]
