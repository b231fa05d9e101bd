"""Pipelined sending (RFC 2920) to a real SMTP server (aiosmtpd) that offers PIPELINING, and
the base64 line writer of the fast e-mail path."""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy
import smtplib
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller
from hypothesis import given
from hypothesis import strategies as st

from hazatlas.delivery.smtp import (
    EmailCache,
    EmailRecipient,
    SmtpSettings,
    _b64,
    connect,
    deliver_email,
    send_bytes,
)
from hazatlas.domain.delivery_state import OutcomeKind, idempotency_key
from hazatlas.domain.notification import Report

NOW = dt.datetime(2026, 3, 1, 12, 30, tzinfo=dt.UTC)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Pipelining:
    """aiosmtpd handler that offers PIPELINING, stores messages, and refuses RCPT for
    addresses starting with ``refuse-`` (with the code after it) ."""

    messages: list[tuple[list[str], bytes]] = field(default_factory=list)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.startswith("refuse-"):
            code = address.split("-")[1].split("@")[0]
            return f"{code} refused for the test"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted"


@pytest.fixture
def server() -> Iterator[tuple[Pipelining, int]]:
    handler = Pipelining()
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
        ack_secret=b"test-secret-for-ack-links-0123456789",
        message_id_domain="ha.example",
        security="none",
        timeout_s=5,
    )


def test_pipelined_messages_arrive_intact_with_dots_stuffed(
    server: tuple[Pipelining, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    handler, port = server
    with connect(_settings(port)) as conn:
        # the pipelined path must be taken, not the fallback
        monkeypatch.setattr(conn, "sendmail", lambda *a, **k: pytest.fail("not pipelined"))
        bodies = [
            b"Subject: a\r\n\r\nline\r\n.starts with a dot\r\n..two\r\n",
            b"Subject: b\r\n\r\nx",
        ]
        for i, body in enumerate(bodies):
            assert send_bytes(conn, "alerts@ha.example", f"r{i}@hu.example", body) == {}
    assert [m[0] for m in handler.messages] == [["r0@hu.example"], ["r1@hu.example"]]
    assert handler.messages[0][1] == bodies[0]  # the server removed the stuffed dots
    assert handler.messages[1][1] == b"Subject: b\r\n\r\nx\r\n"


@pytest.mark.parametrize("code", ["550", "451"])
def test_a_refused_recipient_raises_and_the_connection_stays_usable(
    server: tuple[Pipelining, int], code: str
) -> None:
    handler, port = server
    with connect(_settings(port)) as conn:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as err:
            send_bytes(
                conn, "alerts@ha.example", f"refuse-{code}@hu.example", b"Subject: x\r\n\r\n"
            )
        assert next(iter(err.value.recipients.values()))[0] == int(code)
        send_bytes(conn, "alerts@ha.example", "ok@hu.example", b"Subject: y\r\n\r\ny\r\n")
    assert [m[0] for m in handler.messages] == [["ok@hu.example"]]


@pytest.mark.parametrize(("code", "kind"), [("550", "permanent"), ("451", "retry")])
def test_outcomes_of_the_fast_path_are_classified(
    server: tuple[Pipelining, int], sample_reports: dict[str, Report], code: str, kind: str
) -> None:
    handler, port = server
    settings, cache = _settings(port), EmailCache()
    report = sample_reports["early_warning"]
    ok = EmailRecipient("HUN/poc/email", "poc@hu.example", "ru")
    bad = EmailRecipient("SRB/poc/email", f"refuse-{code}@rs.example", "en")
    with connect(settings) as conn:
        first = deliver_email(report, bad, settings, now=NOW, connection=conn, cache=cache)
        second = deliver_email(report, ok, settings, now=NOW, connection=conn, cache=cache)
    expected = OutcomeKind.PERMANENT_FAILURE if kind == "permanent" else OutcomeKind.RETRY
    assert first.kind == expected and first.detail.startswith(code)
    assert second.kind == OutcomeKind.DELIVERED
    (rcpts, data) = handler.messages[0]
    msg = email.message_from_bytes(data, policy=email.policy.default)
    assert rcpts == ["poc@hu.example"]
    assert msg["X-Hazatlas-Idempotency-Key"] == idempotency_key(report.id, ok.recipient_id)
    assert msg["Subject"].startswith("УЧЕНИЯ")  # base64 encoded word, decoded


@given(st.binary(max_size=2000))
def test_base64_lines_are_those_of_the_standard_library(data: bytes) -> None:
    assert _b64(data) == base64.encodebytes(data).replace(b"\n", b"\r\n")
