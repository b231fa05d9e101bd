"""The demo's mail: a loopback SMTP sink that keeps the messages it receives, the demo directory
of contacts whose addresses it receives, and the demo users who send and acknowledge.

``hazatlas demo`` starts :class:`MailSink` on 127.0.0.1 (never another address), points the
outbox worker at it, and shows what it received at ``/demo/mail``
(:mod:`hazatlas.web.demo_mail`). So a newcomer sends a report from the browser, sees the e-mail
arrive and acknowledges it, without a mail server or any setting.

The directory entries are demo contacts, named ``(demo)``, one point of contact per country of
:data:`DEMO_COUNTRIES` (the countries the demo register's rivers and plumes reach: the Danube,
Tisza and Someș countries, Moldova on the Danube's bank) and the ICPDR for the Danube basin,
with addresses under ``demo.localhost`` (RFC 6761: a name that never leaves this machine);
every message to them goes to the sink. The demo users ``demo-<iso3>`` are national
authorities of those countries, and ``demo-icpdr`` a basin body (the evaluator of the demo's
example exercise, ``services/exercises/demo.py``); they share one password that the demo makes
up at each start.
"""

from __future__ import annotations

import email
import email.policy
import re
import secrets
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

from hazatlas.domain.access import SYSTEM
from hazatlas.services import users
from hazatlas.services.settings import Settings
from hazatlas.storage.db import Database

#: countries with a demo point of contact; the ids are those the documented chain uses
#: (``docs/cases/baia-mare-chain.md``), so adding them again by hand changes nothing
DEMO_COUNTRIES = ("ROU", "HUN", "UKR", "SRB", "BIH", "BGR", "SVK", "MDA")
#: the sink binds this address only
LOOPBACK = "127.0.0.1"
#: messages kept (the oldest are dropped)
KEEP = 500
DEMO_DOMAIN = "demo.localhost"
#: the address the demo's instance sends as (its reports are stored under this sender, so the
#: reports seeded by ``prepare_demo`` and those sent while the demo serves are one instance's)
SENDER = f"hazatlas@{DEMO_DOMAIN}"
#: the demo's basin-body user (role ``basin``)
DEMO_BASIN_USER = "demo-icpdr"
_LINK = re.compile(r"https?://\S+/api/notifications/ack\?\S+")


def demo_user(iso3: str) -> str:
    return f"demo-{iso3.lower()}"


def demo_address(iso3: str) -> str:
    """``poc-hun@demo.localhost``."""
    return f"poc-{iso3.lower()}@{DEMO_DOMAIN}"


@dataclass(frozen=True)
class ReceivedMail:
    """One message as the sink received it."""

    number: int
    mail_from: str
    to: tuple[str, ...]
    subject: str
    report_id: str
    report_type: str
    status: str
    text: str
    ack_link: str


def parse(number: int, mail_from: str, to: tuple[str, ...], raw: bytes) -> ReceivedMail:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    body = msg.get_body(preferencelist=("plain",)) if hasattr(msg, "get_body") else None
    text = body.get_content() if body is not None else ""  # type: ignore[union-attr]
    link = _LINK.search(text)
    return ReceivedMail(
        number, mail_from, to, str(msg.get("Subject", "")),
        str(msg.get("X-Hazatlas-Report-Id", "")), str(msg.get("X-Hazatlas-Report-Type", "")),
        str(msg.get("X-Hazatlas-Status", "")), text, link.group(0).rstrip(".,)>") if link else "")


class MailSink:
    """An SMTP server on 127.0.0.1 that accepts every message and keeps the last :data:`KEEP`."""

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self._messages: deque[ReceivedMail] = deque(maxlen=KEEP)
        self._count = 0
        self._lock = threading.Lock()
        self._controller: Any = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content
        with self._lock:
            self._count += 1
            number = self._count
        mail = parse(number, str(envelope.mail_from), tuple(envelope.rcpt_tos), raw)
        with self._lock:
            self._messages.append(mail)
        return "250 Message accepted"

    def start(self) -> MailSink:
        import socket

        from aiosmtpd.controller import Controller

        if not self.port:
            with socket.socket() as s:
                s.bind((LOOPBACK, 0))
                self.port = int(s.getsockname()[1])
        self._controller = Controller(self, hostname=LOOPBACK, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages(self) -> list[ReceivedMail]:
        """Newest first."""
        with self._lock:
            return list(reversed(self._messages))

    def settings(self, base: Settings, public_url: str) -> Settings:
        """``base`` with the outbox pointed at this sink and links pointing at ``public_url``."""
        from dataclasses import replace

        return replace(sender_settings(base), smtp_host=LOOPBACK, smtp_port=self.port,
                       public_url=public_url)


def sender_settings(base: Settings) -> Settings:
    """``base`` sending as the demo's instance (:data:`SENDER`)."""
    from dataclasses import replace

    return replace(base, smtp_from=SENDER)


def seed_directory(db: Database, settings: Settings) -> int:
    """The demo directory entries that are missing; how many contacts were added."""
    from hazatlas.services.notify import NotifyService

    svc = NotifyService(db, SYSTEM, settings)
    have = {c["id"] for a in svc.directory() for c in a["contacts"]}
    added = 0
    entries = [(f"{c}/demo", f"{c} competent authority (demo)", {"country": c}, f"{c}/poc",
                f"{c} point of contact (demo)", demo_address(c)) for c in DEMO_COUNTRIES]
    entries.append(("ICPDR/demo", "ICPDR PIAC (demo)", {"basin": "Danube"}, "ICPDR/piac",
                    "ICPDR PIAC (demo)", f"piac-icpdr@{DEMO_DOMAIN}"))
    for aid, aname, where, cid, cname, address in entries:
        if cid in have:
            continue
        svc.save_authority({"id": aid, "name": aname, **where})
        svc.save_contact({"id": cid, "authority_id": aid, "name": cname, "email": address,
                          "languages": ["en"], "available_24_7": True, "escalation_order": 1})
        added += 1
    return added


def demo_password() -> str:
    """A new password for the demo users (the demo prints it)."""
    return secrets.token_urlsafe(12)


def seed_users(db: Database, password: str) -> list[str]:
    """The demo users (national authorities of :data:`DEMO_COUNTRIES` and the basin body
    :data:`DEMO_BASIN_USER`), with ``password``."""
    existing = {str(u["username"]) for u in users.list_users(db)}
    names = []
    wanted = [(demo_user(c), "national", c) for c in DEMO_COUNTRIES]
    for name, role, country in [*wanted, (DEMO_BASIN_USER, "basin", None)]:
        if name in existing:
            users.set_password(db, name, password)
        else:
            users.create_user(db, name, role, country=country, password=password)
        names.append(name)
    return names


def ensure_users(db: Database, countries: tuple[str, ...], *, basin: bool = False) -> None:
    """Create the demo users of ``countries`` (and the basin body) that are missing, without a
    password: the demo gives them one when it starts (:func:`seed_users`)."""
    existing = {str(u["username"]) for u in users.list_users(db)}
    for iso3 in countries:
        if demo_user(iso3) not in existing:
            users.create_user(db, demo_user(iso3), "national", country=iso3)
    if basin and DEMO_BASIN_USER not in existing:
        users.create_user(db, DEMO_BASIN_USER, "basin")
