"""Webhook delivery to a real HTTP server (http.server in a thread) on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from lxml import etree

from hazatlas.delivery.netguard import parse_networks
from hazatlas.delivery.retry import RetryPolicy
from hazatlas.delivery.signing import SignatureError, verify_webhook_signature
from hazatlas.delivery.webhook import (
    WebhookRecipient,
    WebhookSettings,
    classify_status,
    deliver_webhook,
)
from hazatlas.domain.delivery_state import (
    OutcomeKind,
    idempotency_key,
    issue,
    new_delivery,
    record_outcome,
    start_attempt,
)
from hazatlas.domain.notification import Report
from hazatlas.formats.cap import parse_cap
from hazatlas.formats.reports import report_from_dict

SECRET = b"shared-webhook-secret-0123456789abcdef"


SETTINGS = WebhookSettings(
    timeout_s=5,
    allow_http=True,
    retry=RetryPolicy(base_delay_s=2, jitter=0.0, max_attempts=4),
    allow_networks=parse_networks("127.0.0.0/8"),  # the loopback receiver
)
NOW = dt.datetime(2026, 3, 1, 12, 30, tzinfo=dt.UTC)


def _recipient(url: str, fmt: str = "json") -> WebhookRecipient:
    return WebhookRecipient("HUN/piac/webhook", url, SECRET, fmt)


def test_json_delivery_is_signed(receiver, sample_reports: dict[str, Report]) -> None:
    report = sample_reports["early_warning"]
    outcome = deliver_webhook(report, _recipient(receiver.url), SETTINGS, now=NOW)
    assert outcome.kind == OutcomeKind.DELIVERED and outcome.detail.startswith("HTTP 200")
    (req,) = receiver.requests
    assert req.headers["Idempotency-Key"] == idempotency_key(report.id, "HUN/piac/webhook")
    assert req.headers["Content-Type"].startswith("application/json")
    verify_webhook_signature(SECRET, req.headers["X-Hazatlas-Signature"], req.body, now=NOW)
    assert report_from_dict(json.loads(req.body)) == report
    with pytest.raises(SignatureError, match="does not match"):
        verify_webhook_signature(
            SECRET, req.headers["X-Hazatlas-Signature"], req.body + b" ", now=NOW
        )
    with pytest.raises(SignatureError, match="too old"):
        verify_webhook_signature(
            SECRET, req.headers["X-Hazatlas-Signature"], req.body, now=NOW + dt.timedelta(hours=1)
        )


def test_cap_delivery(receiver, sample_reports: dict[str, Report], cap_schema) -> None:
    report = sample_reports["information"]
    outcome = deliver_webhook(report, _recipient(receiver.url, "cap"), SETTINGS, now=NOW)
    assert outcome.kind == OutcomeKind.DELIVERED
    (req,) = receiver.requests
    assert req.headers["Content-Type"].startswith("application/cap+xml")
    assert cap_schema.validate(etree.fromstring(req.body))
    verify_webhook_signature(SECRET, req.headers["X-Hazatlas-Signature"], req.body, now=NOW)
    assert parse_cap(req.body) == report


def test_503_is_retried_then_succeeds(
    receiver, sample_reports: dict[str, Report]
) -> None:
    receiver.script = [(503, {}), (503, {"Retry-After": "30"})]
    report = sample_reports["test"]
    recipient = _recipient(receiver.url)
    d = issue(new_delivery(report.id, recipient.recipient_id), NOW)
    now = NOW
    outcomes = []
    while d.state.value in ("issued", "failed"):
        now = d.next_attempt_at or now
        d = start_attempt(d, now)
        outcome = deliver_webhook(report, recipient, SETTINGS, attempt=d.attempts, now=now)
        outcomes.append(outcome)
        d = record_outcome(d, outcome, now, max_attempts=SETTINGS.retry.max_attempts)
    assert [o.kind for o in outcomes] == [
        OutcomeKind.RETRY,
        OutcomeKind.RETRY,
        OutcomeKind.DELIVERED,
    ]
    assert outcomes[0].retry_at == NOW + dt.timedelta(seconds=2)  # back-off 2 s
    assert outcomes[1].retry_at == outcomes[0].retry_at + dt.timedelta(seconds=30)  # Retry-After
    assert d.state.value == "delivered" and d.attempts == 3
    keys = {r.headers["Idempotency-Key"] for r in receiver.requests}
    assert len(receiver.requests) == 3 and len(keys) == 1


def test_400_is_a_permanent_failure(receiver, sample_reports: dict[str, Report]) -> None:
    receiver.script = [(400, {})]
    outcome = deliver_webhook(sample_reports["test"], _recipient(receiver.url), SETTINGS, now=NOW)
    assert outcome.kind == OutcomeKind.PERMANENT_FAILURE and "400" in outcome.reason
    assert len(receiver.requests) == 1


def test_persistent_503_ends_in_dead_letter(
    receiver, sample_reports: dict[str, Report]
) -> None:
    receiver.script = [(503, {})] * 10
    report, recipient = sample_reports["test"], _recipient(receiver.url)
    d = issue(new_delivery(report.id, recipient.recipient_id), NOW)
    while d.state.value in ("issued", "failed"):
        d = start_attempt(d, d.next_attempt_at or NOW)
        outcome = deliver_webhook(report, recipient, SETTINGS, attempt=d.attempts, now=NOW)
        d = record_outcome(d, outcome, NOW, max_attempts=SETTINGS.retry.max_attempts)
    assert d.state.value == "dead_letter" and d.attempts == 4
    assert "gave up after 4 attempts" in d.last_error


def test_network_error_is_retried_and_http_needs_permission(
    sample_reports: dict[str, Report],
) -> None:
    report = sample_reports["test"]
    closed = _recipient("http://127.0.0.1:9/nothing")  # discard port: connection refused
    assert deliver_webhook(report, closed, SETTINGS, now=NOW).kind == OutcomeKind.RETRY
    strict = WebhookSettings()
    outcome = deliver_webhook(report, closed, strict, now=NOW)
    assert outcome.kind == OutcomeKind.PERMANENT_FAILURE and "https" in outcome.reason


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (200, "delivered"),
        (202, "delivered"),
        (204, "delivered"),
        (301, "permanent_failure"),
        (400, "permanent_failure"),
        (401, "permanent_failure"),
        (404, "permanent_failure"),
        (408, "retry"),
        (410, "permanent_failure"),
        (422, "permanent_failure"),
        (429, "retry"),
        (500, "retry"),
        (502, "retry"),
        (503, "retry"),
        (504, "retry"),
    ],
)
def test_status_classification(status: int, kind: str) -> None:
    assert classify_status(status).value == kind
