"""Deliver a report to a webhook (HTTPS POST of JSON or CAP 1.2 XML); return an outcome.

Each request carries ``Idempotency-Key`` (the same on every attempt for a (report, recipient))
and ``X-Hazatlas-Signature`` (HMAC-SHA256 of timestamp and body with the recipient's shared
secret, see :mod:`hazatlas.delivery.signing`). Redirects are not followed.

Before each request the URL is checked and its host resolved (:mod:`hazatlas.delivery.netguard`):
only public internet addresses (or networks allowed in the settings) are reached, and the
request goes to the address that was checked. What the sender sees of a failure
(``reason``) is generic; the exact error is in ``detail`` (server log, audit log).

Answers are classified (:func:`classify_status`): 2xx delivered; 408, 425, 429 and 5xx retry
later (honouring ``Retry-After`` in seconds); other answers (400, 401, 403, 404, 410, 413,
422, 3xx...) are permanent failures, because sending the same request again cannot succeed.
Network errors and time-outs are retried.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field

import httpx

from hazatlas.delivery.netguard import (
    AddressNotAllowed,
    HostNotResolved,
    Network,
    Resolver,
    check_url,
    system_resolve,
)
from hazatlas.delivery.retry import RetryPolicy, next_attempt_at
from hazatlas.delivery.signing import SIGNATURE_HEADER, SignatureError, webhook_signature
from hazatlas.domain.delivery_state import DeliveryOutcome, OutcomeKind, idempotency_key
from hazatlas.domain.notification import Report
from hazatlas.formats.cap import render_cap
from hazatlas.formats.reports import report_to_dict

IDEMPOTENCY_HEADER = "Idempotency-Key"
RETRYABLE_STATUS = frozenset({408, 425, 429})
CONTENT_TYPES = {"json": "application/json", "cap": "application/cap+xml"}
NO_ANSWER = "webhook request failed: no connection to the receiver or no answer in time"
log = logging.getLogger("hazatlas.webhook")


@dataclass(frozen=True)
class WebhookRecipient:
    """A receiver: its URL, body format (``"json"`` or ``"cap"``) and shared secret."""

    recipient_id: str
    url: str
    secret: bytes = field(repr=False)
    format: str = "json"


@dataclass(frozen=True)
class WebhookSettings:
    timeout_s: float = 10.0
    retry: RetryPolicy = RetryPolicy()
    #: Allow plain ``http://`` URLs (loopback tests, a receiver behind a local proxy).
    allow_http: bool = False
    user_agent: str = "hazatlas-webhook/1"
    #: Networks that may be reached although not public (``HAZATLAS_WEBHOOK_ALLOW_NETWORKS``).
    allow_networks: tuple[Network, ...] = ()
    #: Name resolution (replaced in tests); the connection goes to the address it returns.
    resolve: Resolver = field(default=system_resolve, compare=False, repr=False)


def body_for(report: Report, fmt: str) -> bytes:
    """The request body: the report's JSON form or its CAP 1.2 alert."""
    if fmt == "cap":
        return render_cap(report)
    if fmt == "json":
        return json.dumps(report_to_dict(report), ensure_ascii=False).encode("utf-8")
    raise ValueError(f"unknown webhook format {fmt!r}; expected 'json' or 'cap'")


def classify_status(status: int) -> OutcomeKind:
    """Whether an HTTP answer means delivered, retry later, or permanent failure."""
    if 200 <= status < 300:
        return OutcomeKind.DELIVERED
    if status in RETRYABLE_STATUS or 500 <= status < 600:
        return OutcomeKind.RETRY
    return OutcomeKind.PERMANENT_FAILURE


def retry_after_s(value: str | None) -> float:
    """Seconds from a ``Retry-After`` header given in seconds (HTTP dates are ignored)."""
    try:
        return max(0.0, float(value)) if value else 0.0
    except ValueError:
        return 0.0


def deliver_webhook(
    report: Report,
    recipient: WebhookRecipient,
    settings: WebhookSettings,
    *,
    attempt: int = 1,
    now: dt.datetime | None = None,
    client: httpx.Client | None = None,
) -> DeliveryOutcome:
    """POST the report to the recipient's URL once and classify the answer.

    ``attempt`` is the number of this attempt (1 for the first), used for the back-off;
    ``client`` lets the worker reuse connections.
    """
    now = now or dt.datetime.now(dt.UTC)
    try:
        target = check_url(
            recipient.url,
            allow_http=settings.allow_http,
            networks=settings.allow_networks,
            resolve=settings.resolve,
        )
    except HostNotResolved as exc:  # a DNS failure passes: try again, as for no connection
        log.info("webhook %s: %s", recipient.recipient_id, exc.detail)
        return _retry(NO_ANSWER, exc.detail, settings, attempt, now, 0.0)
    except AddressNotAllowed as exc:
        log.warning("webhook %s refused: %s", recipient.recipient_id, exc.detail)
        return DeliveryOutcome.permanent(str(exc), exc.detail)
    except ValueError as exc:
        return DeliveryOutcome.permanent(f"webhook URL {recipient.url!r}: {exc}")
    try:
        body = body_for(report, recipient.format)
        signature = webhook_signature(recipient.secret, body, int(now.timestamp()))
    except SignatureError as exc:
        return DeliveryOutcome.permanent(f"webhook secret of {recipient.recipient_id}: {exc}")
    except ValueError as exc:
        return DeliveryOutcome.permanent(str(exc))
    headers = {
        "Host": target.host_header,
        "Content-Type": CONTENT_TYPES[recipient.format] + "; charset=utf-8",
        "User-Agent": settings.user_agent,
        IDEMPOTENCY_HEADER: idempotency_key(report.id, recipient.recipient_id),
        SIGNATURE_HEADER: signature,
        "X-Hazatlas-Report-Id": report.id,
        "X-Hazatlas-Report-Type": report.type.value,
    }
    # Connect to the address that was checked; TLS still verifies the URL's host name.
    extensions = {"sni_hostname": target.host} if target.url.scheme == "https" else {}
    url = target.pinned_url
    try:
        if client is None:
            with httpx.Client(timeout=settings.timeout_s, follow_redirects=False) as own:
                response = own.post(url, content=body, headers=headers, extensions=extensions)
        else:
            response = client.post(url, content=body, headers=headers, extensions=extensions)
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
        log.info("webhook %s: %s", recipient.recipient_id, error)
        return _retry(NO_ANSWER, error, settings, attempt, now, 0.0)
    detail = f"HTTP {response.status_code} {response.text[:200]}".strip()
    kind = classify_status(response.status_code)
    if kind == OutcomeKind.DELIVERED:
        return DeliveryOutcome.delivered(detail)
    if kind == OutcomeKind.RETRY:
        wait = retry_after_s(response.headers.get("Retry-After"))
        return _retry(
            f"receiver answered {response.status_code}", detail, settings, attempt, now, wait
        )
    return DeliveryOutcome.permanent(
        f"receiver refused the message (HTTP {response.status_code})", detail
    )


def _retry(
    reason: str,
    detail: str,
    settings: WebhookSettings,
    attempt: int,
    now: dt.datetime,
    wait_s: float,
) -> DeliveryOutcome:
    when = next_attempt_at(now, attempt, settings.retry, not_before_s=wait_s)
    if when is None:
        return DeliveryOutcome.permanent(f"gave up after {attempt} attempts: {reason}", detail)
    return DeliveryOutcome.retry(when, reason, detail)
