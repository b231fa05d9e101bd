"""Deliver a report by e-mail (SMTP) to one recipient; return a :class:`DeliveryOutcome`.

No database here: the outbox worker calls :func:`deliver_email` with the report, the recipient
and the settings, and records the outcome with the delivery state machine.

Every attempt for the same (report, recipient) carries the same ``Message-ID`` and
``X-Hazatlas-Idempotency-Key``, so a mail system or a receiving hazatlas instance can drop a
duplicate after a retry. The body has a signed acknowledgement link
(:func:`hazatlas.delivery.signing.ack_link`) and the CAP 1.2 alert as an attachment.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime

from hazatlas.delivery.retry import RetryPolicy, next_attempt_at
from hazatlas.delivery.signing import ack_link
from hazatlas.domain.delivery_state import DeliveryOutcome, idempotency_key
from hazatlas.domain.notification import Report
from hazatlas.formats.cap import render_cap
from hazatlas.formats.report_text import render_email

IDEMPOTENCY_HEADER = "X-Hazatlas-Idempotency-Key"


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the SMTP relay and how to sign acknowledgement links.

    ``ack_secret`` is the HMAC key of the links (from the settings; never a default).
    ``security``: ``"none"`` (loopback relays, tests), ``"starttls"`` or ``"tls"``.
    """

    host: str
    port: int
    from_address: str
    ack_base_url: str
    ack_secret: bytes = field(repr=False)
    message_id_domain: str = "hazatlas.invalid"
    #: Name given in EHLO; ``None`` uses the message-id domain (avoids a slow DNS lookup).
    helo_name: str | None = None
    security: str = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout_s: float = 30.0
    ack_valid_for: dt.timedelta = dt.timedelta(days=7)
    attach_cap: bool = True
    retry: RetryPolicy = RetryPolicy()


@dataclass(frozen=True)
class EmailRecipient:
    recipient_id: str
    address: str
    language: str = "en"
    name: str = ""


def message_id(report: Report, recipient: EmailRecipient, domain: str) -> str:
    """Deterministic ``Message-ID`` of one (report, recipient): 128 bits of its idempotency key
    (short enough that the header is not folded)."""
    return f"<{idempotency_key(report.id, recipient.recipient_id)[:32]}@{domain}>"


def build_email(
    report: Report, recipient: EmailRecipient, settings: SmtpSettings, now: dt.datetime
) -> EmailMessage:
    """The e-mail (text + HTML, CAP attachment) for one recipient."""
    expires = now + settings.ack_valid_for
    link = ack_link(
        settings.ack_base_url, settings.ack_secret, report.id, recipient.recipient_id, expires
    )
    content = render_email(report, recipient.language, ack_url=link, ack_expires=expires)
    msg = EmailMessage()
    msg["From"] = settings.from_address
    msg["To"] = f"{recipient.name} <{recipient.address}>" if recipient.name else recipient.address
    msg["Subject"] = content.subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id(report, recipient, settings.message_id_domain)
    msg[IDEMPOTENCY_HEADER] = idempotency_key(report.id, recipient.recipient_id)
    msg["X-Hazatlas-Report-Id"] = report.id
    msg["X-Hazatlas-Report-Type"] = report.type.value
    msg["X-Hazatlas-Status"] = report.status.value
    msg["Auto-Submitted"] = "auto-generated"
    msg["Content-Language"] = recipient.language
    msg.set_content(content.text)
    msg.add_alternative(content.html, subtype="html")
    if settings.attach_cap:
        msg.add_attachment(
            render_cap(report),
            maintype="application",
            subtype="cap+xml",
            filename=f"{report.id}.cap.xml",
        )
    return msg


def deliver_email(
    report: Report,
    recipient: EmailRecipient,
    settings: SmtpSettings,
    *,
    attempt: int = 1,
    now: dt.datetime | None = None,
    connection: smtplib.SMTP | None = None,
) -> DeliveryOutcome:
    """Send one e-mail; classify any failure as retryable (with a time) or permanent.

    ``attempt`` is the number of this attempt (1 for the first), used for the back-off.
    ``connection`` (from :func:`connect`) is reused and left open; after an outcome other
    than delivered the caller should close it and connect again. Without it, a connection is
    opened and closed for this one message.
    """
    now = now or dt.datetime.now(dt.UTC)
    msg = build_email(report, recipient, settings, now)
    to = [recipient.address]
    try:
        if connection is not None:
            refused = connection.send_message(msg, from_addr=settings.from_address, to_addrs=to)
        else:
            with connect(settings) as smtp:
                refused = smtp.send_message(msg, from_addr=settings.from_address, to_addrs=to)
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()))
        return _classify(code, reply, recipient, settings, attempt, now)
    except smtplib.SMTPResponseException as exc:
        return _classify(exc.smtp_code, exc.smtp_error, recipient, settings, attempt, now)
    except (smtplib.SMTPException, OSError) as exc:  # connection refused, timeout, TLS...
        return _retry(
            f"SMTP connection failed: {type(exc).__name__}: {exc}", "", settings, attempt, now
        )
    if refused:
        code, reply = next(iter(refused.values()))
        return _classify(code, reply, recipient, settings, attempt, now)
    return DeliveryOutcome.delivered(detail=f"accepted by {settings.host}:{settings.port}")


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    """An open, authenticated SMTP connection (the worker may reuse it for many messages)."""
    helo = settings.helo_name or settings.message_id_domain
    if settings.security == "tls":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host,
            settings.port,
            local_hostname=helo,
            timeout=settings.timeout_s,
            context=ssl.create_default_context(),
        )
    else:
        smtp = smtplib.SMTP(
            settings.host, settings.port, local_hostname=helo, timeout=settings.timeout_s
        )
        if settings.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
    if settings.username:
        smtp.login(settings.username, settings.password or "")
    return smtp


def _classify(
    code: int,
    reply: bytes | str,
    recipient: EmailRecipient,
    settings: SmtpSettings,
    attempt: int,
    now: dt.datetime,
) -> DeliveryOutcome:
    """SMTP reply codes: 4xx are transient (retry), 5xx permanent (RFC 5321, 4.2.1)."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    detail = f"{code} {text}"
    if 400 <= code < 500:
        return _retry(f"SMTP server deferred {recipient.address}", detail, settings, attempt, now)
    return DeliveryOutcome.permanent(f"SMTP server refused {recipient.address}", detail)


def _retry(
    reason: str, detail: str, settings: SmtpSettings, attempt: int, now: dt.datetime
) -> DeliveryOutcome:
    when = next_attempt_at(now, attempt, settings.retry)
    if when is None:
        return DeliveryOutcome.permanent(f"gave up after {attempt} attempts: {reason}", detail)
    return DeliveryOutcome.retry(when, reason, detail)
