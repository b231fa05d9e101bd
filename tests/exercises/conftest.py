"""A Danube Delta exercise (example data: the people, contacts, texts and times are invented for
the tests) on each backend: users per role, the Parties' points of contact on a loopback SMTP
server (aiosmtpd), the joint plan the exercise tests, and a controlled clock."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
import threading
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller

from hazatlas.domain.access import SYSTEM
from hazatlas.services import plans, users
from hazatlas.services.notify import NotifyService
from hazatlas.services.settings import Settings

# Scenario time 0 of the tests' exercises; in the past, so that the outbox worker (which runs
# on the system clock) finds every message due.
T0 = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=6)).replace(second=0, microsecond=0)
ACCIDENT = {"type": "release_to_water", "severity": "severe", "certainty": "observed",
            "place": {"description": "Giurgiulesti oil terminal (example)", "country": "MDA",
                      "timezone": "Europe/Chisinau", "lon": 28.195, "lat": 45.473},
            "substances": [{"name": "crude oil", "quantity": "50 t"}]}
CONTACTS = (("MDA", "MDA/igsu", "MDA/poc", "poc@md.example"),
            ("ROU", "ROU/igsu", "ROU/poc", "poc@ro.example"),
            ("UKR", "UKR/dsns", "UKR/poc", "poc@ua.example"))


class Clock:
    """A controlled clock: it moves only when the test moves it."""

    def __init__(self, start: dt.datetime) -> None:
        self.t = start

    def __call__(self) -> dt.datetime:
        return self.t

    def at(self, minutes: float) -> Clock:
        """Set to ``minutes`` after T0."""
        self.t = T0 + dt.timedelta(minutes=minutes)
        return self


@dataclass
class Mailbox:
    port: int = 0
    data: list[bytes] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.lock:
            self.data.append(envelope.original_content or envelope.content)
        return "250 Message accepted"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        with self.lock:
            got = list(self.data)
        msgs = [email.message_from_bytes(d, policy=email.policy.default) for d in got]
        return [m for m in msgs if address in str(m["To"])]


@pytest.fixture
def mailbox():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    box = Mailbox(port=port)
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def settings(db, mailbox) -> Settings:
    return Settings(database_url=db.url, secret_key="exercise-tests-secret-key-0123456789abcdef",
                    smtp_host="127.0.0.1", smtp_port=mailbox.port,
                    smtp_from="hazatlas@ian.md.example", public_url="http://testserver")


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def people(db):
    for name, role, extra in (("admin", "administrator", {}), ("md", "national", {"country": "MDA"}),
                              ("ro", "national", {"country": "ROU"}),
                              ("ua", "national", {"country": "UKR"}),
                              ("rs", "national", {"country": "SRB"}), ("icpdr", "basin", {})):
        users.create_user(db, name, role, **extra)
    return {n: users.principal_for_user(db, n) for n in ("admin", "md", "ro", "ua", "rs", "icpdr")}


@pytest.fixture
def directory(db, settings):
    admin = NotifyService(db, SYSTEM, settings)
    for country, authority, contact, address in CONTACTS:
        admin.save_authority({"id": authority, "name": f"{country} civil protection (example)",
                              "country": country})
        admin.save_contact({"id": contact, "authority_id": authority, "name": contact,
                            "email": address, "languages": ["en"], "escalation_order": 1,
                            "available_24_7": True})


@pytest.fixture
def plan(db, people):
    return plans.create(db, people["md"], plan_id="danube-delta",
                        title="Danube Delta joint plan (example)", area_kind="basin",
                        area="Danube Delta", form="joint_plan", parties=["MDA", "ROU", "UKR"],
                        languages=["ro", "uk", "en"], review_interval_months=36)
