"""Deliver a report by e-mail (SMTP) to one recipient; return a :class:`DeliveryOutcome`.

No database here: the outbox worker calls :func:`deliver_email` with the report, the recipient
and the settings, and records the outcome with the delivery state machine.

Every attempt for the same (report, recipient) carries the same ``Message-ID`` and
``X-Hazatlas-Idempotency-Key``, so a mail system or a receiving hazatlas instance can drop a
duplicate after a retry. The body has a signed acknowledgement link
(:func:`hazatlas.delivery.signing.ack_link`) and the CAP 1.2 alert as an attachment.
"""

from __future__ import annotations

import binascii
import datetime as dt
import functools
import html
import re
import smtplib
import ssl
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from email.charset import BASE64, Charset
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any

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
    # Address() quotes a display name with a comma or other specials.
    msg["To"] = Address(recipient.name, addr_spec=recipient.address)
    msg["Subject"] = content.subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id(report, recipient, settings.message_id_domain)
    msg[IDEMPOTENCY_HEADER] = idempotency_key(report.id, recipient.recipient_id)
    msg["X-Hazatlas-Report-Id"] = report.id
    msg["X-Hazatlas-Report-Type"] = report.type.value
    msg["X-Hazatlas-Status"] = report.status.value
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(content.text)
    msg.add_alternative(content.html, subtype="html")
    if settings.attach_cap:
        msg.add_attachment(
            render_cap(report),
            maintype="application",
            subtype="cap+xml",
            filename=f"{report.id}.cap.xml",
        )
    # After the body: set_content and add_attachment move or drop Content-* headers.
    msg["Content-Language"] = recipient.language
    return msg


_PLACEHOLDER = "https://ack.placeholder.hazatlas.invalid/p"


class EmailCache:
    """Per-(report, language) parts of e-mails that are the same for every recipient: the
    encoded subject, the bodies with a placeholder link, the CAP attachment. Thread-safe LRU.

    With it, :func:`build_email_bytes` writes the MIME message directly; building an
    :class:`EmailMessage` per recipient (as :func:`build_email` does) costs ~10 ms, too much
    for 20,000 messages a minute. The expiry time of the acknowledgement link is rounded down
    to the minute so that one rendering serves every message of that minute.
    """

    def __init__(self, size: int = 512) -> None:
        self._items: OrderedDict[tuple[object, ...], tuple[str, str, str, bytes]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def parts(
        self, report: Report, language: str, settings: SmtpSettings, expires: dt.datetime
    ) -> tuple[str, str, str, bytes]:
        key = (report.id, report.sent, language, expires, settings.attach_cap)
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        content = render_email(report, language, ack_url=_PLACEHOLDER, ack_expires=expires)
        subject = Header(content.subject, _UTF8_B, header_name="Subject").encode(linesep="\r\n")
        cap = b""
        if settings.attach_cap:
            cap = (
                "Content-Type: application/cap+xml\r\n"
                "Content-Transfer-Encoding: base64\r\n"
                f'Content-Disposition: attachment; filename="{report.id}.cap.xml"\r\n\r\n'
            ).encode("ascii") + _b64(render_cap(report))
        value = (subject, content.text, content.html, cap)
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value


#: UTF-8 headers as base64 encoded words (RFC 2047 "B"): the default picks the shorter of
#: "B" and "Q" by encoding both, which costs more than the rest of the message.
_UTF8_B = Charset("utf-8")
_UTF8_B.header_encoding = BASE64


def _b64(data: bytes) -> bytes:
    """Base64 in lines of 76 characters, CRLF after each (RFC 2045, 6.8)."""
    text = binascii.b2a_base64(data, newline=False)
    lines = [text[i : i + 76] for i in range(0, len(text), 76)]
    return b"\r\n".join(lines) + b"\r\n" if lines else b""


def _text_part(subtype: str, text: str) -> bytes:
    head = (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
    )
    return head.encode("ascii") + _b64(text.encode("utf-8"))


def build_email_bytes(
    report: Report,
    recipient: EmailRecipient,
    settings: SmtpSettings,
    now: dt.datetime,
    cache: EmailCache,
) -> bytes:
    """The same e-mail as :func:`build_email` (headers, text, HTML, CAP attachment) as bytes,
    assembled from cached parts (CRLF line ends, base64 bodies, ASCII headers)."""
    expires = now.replace(second=0, microsecond=0) + settings.ack_valid_for
    subject, text, body, cap = cache.parts(report, recipient.language, settings, expires)
    link = ack_link(
        settings.ack_base_url, settings.ack_secret, report.id, recipient.recipient_id, expires
    )
    text = text.replace(_PLACEHOLDER, link)
    body = body.replace(html.escape(_PLACEHOLDER, quote=True), html.escape(link, quote=True))
    to = recipient.address
    if recipient.name:
        to = formataddr((recipient.name, recipient.address), charset="utf-8")
    unique = uuid.uuid4().hex
    outer, inner = f"=_outer_{unique}", f"=_alt_{unique}"
    headers = [
        ("From", settings.from_address),
        ("To", to),
        ("Subject", subject),
        ("Date", format_datetime(now)),
        ("Message-ID", message_id(report, recipient, settings.message_id_domain)),
        (IDEMPOTENCY_HEADER, idempotency_key(report.id, recipient.recipient_id)),
        ("X-Hazatlas-Report-Id", report.id),
        ("X-Hazatlas-Report-Type", report.type.value),
        ("X-Hazatlas-Status", report.status.value),
        ("Auto-Submitted", "auto-generated"),
        ("Content-Language", recipient.language),
        ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/mixed; boundary="{outer}"'),
    ]
    # Only folded lines (CRLF + space) of encoded words: one check of all values first.
    joined = "".join(value for _, value in headers).replace("\r\n ", "")
    if "\r" in joined or "\n" in joined:
        for name, value in headers:
            if any(c in value.replace("\r\n ", "") for c in "\r\n"):
                raise ValueError(f"line break in e-mail header {name}")
    head = "".join(f"{name}: {value}\r\n" for name, value in headers).encode("ascii")
    alt = b"".join(
        [
            f'Content-Type: multipart/alternative; boundary="{inner}"\r\n\r\n'.encode(),
            f"--{inner}\r\n".encode(),
            _text_part("plain", text),
            f"--{inner}\r\n".encode(),
            _text_part("html", body),
            f"--{inner}--\r\n".encode(),
        ]
    )
    parts = [alt] + ([cap] if cap else [])
    sep = f"--{outer}\r\n".encode()
    return head + b"\r\n" + b"".join(sep + p for p in parts) + f"--{outer}--\r\n".encode()


def deliver_email(
    report: Report,
    recipient: EmailRecipient,
    settings: SmtpSettings,
    *,
    attempt: int = 1,
    now: dt.datetime | None = None,
    connection: smtplib.SMTP | None = None,
    cache: EmailCache | None = None,
) -> DeliveryOutcome:
    """Send one e-mail; classify any failure as retryable (with a time) or permanent.

    ``attempt`` is the number of this attempt (1 for the first), used for the back-off.
    ``connection`` (from :func:`connect`) is reused and left open; after an outcome other
    than delivered the caller should close it and connect again. Without it, a connection is
    opened and closed for this one message. With ``cache`` (the outbox worker), the message is
    written by :func:`build_email_bytes`.
    """
    now = now or dt.datetime.now(dt.UTC)
    to = [recipient.address]

    def send(smtp: smtplib.SMTP) -> dict[str, tuple[int, bytes]]:
        if cache is not None:
            data = build_email_bytes(report, recipient, settings, now, cache)
            return send_bytes(smtp, settings.from_address, recipient.address, data)
        msg = build_email(report, recipient, settings, now)
        return smtp.send_message(msg, from_addr=settings.from_address, to_addrs=to)

    try:
        if connection is not None:
            refused = send(connection)
        else:
            with connect(settings) as smtp:
                refused = send(smtp)
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


@functools.lru_cache(maxsize=4096)
def _path(address: str) -> str:
    """``<address>`` for MAIL FROM / RCPT TO (parsed once per address)."""
    return smtplib.quoteaddr(address)


def send_bytes(smtp: smtplib.SMTP, from_address: str, to: str, data: bytes) -> dict[str, Any]:
    """Send one message (CRLF line ends) to one recipient on an open connection.

    If the server offers PIPELINING (RFC 2920), ``MAIL``, ``RCPT`` and ``DATA`` go in one
    write and the message in a second: two round trips instead of four. Errors raise the same
    exceptions as :meth:`smtplib.SMTP.sendmail` (the caller classifies them); otherwise it
    falls back to ``sendmail``.
    """
    if smtp.helo_resp is None and smtp.ehlo_resp is None:
        smtp.ehlo_or_helo_if_needed()
    if not (smtp.does_esmtp and smtp.has_extn("pipelining")) or not (
        from_address.isascii() and to.isascii()
    ):
        return smtp.sendmail(from_address, [to], data)
    if data.startswith(b".") or b"\n." in data:  # dot-stuffing (RFC 5321, 4.5.2)
        data = _DOT.sub(b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    smtp.send(f"MAIL FROM:{_path(from_address)}\r\nRCPT TO:{_path(to)}\r\nDATA\r\n".encode())
    mail, rcpt, start = smtp.getreply(), smtp.getreply(), smtp.getreply()
    if start[0] == 354:  # the server waits for a message although MAIL or RCPT failed
        if mail[0] != 250 or rcpt[0] not in (250, 251):
            smtp.send(b".\r\n")  # an empty message, then reset
            smtp.getreply()
    if mail[0] != 250:
        _reset(smtp)
        raise smtplib.SMTPSenderRefused(mail[0], mail[1], from_address)
    if rcpt[0] not in (250, 251):
        _reset(smtp)
        raise smtplib.SMTPRecipientsRefused({to: rcpt})
    if start[0] != 354:
        _reset(smtp)
        raise smtplib.SMTPDataError(start[0], start[1])
    smtp.send(data + b".\r\n")
    code, reply = smtp.getreply()
    if code != 250:
        _reset(smtp)
        raise smtplib.SMTPDataError(code, reply)
    return {}


_DOT = re.compile(rb"(?m)^\.")


def _reset(smtp: smtplib.SMTP) -> None:
    try:
        smtp.rset()
    except smtplib.SMTPServerDisconnected:
        pass


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
