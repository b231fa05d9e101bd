"""Real components on loopback for the notification end-to-end tests: an SMTP server
(aiosmtpd) and a webhook receiver (http.server), both in threads, that record every message by
its idempotency key; a directory of contacts; settings pointing at them."""

from __future__ import annotations

import email
import email.policy
import http.server
import json
import re
import socket
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from hazatlas.delivery.signing import SIGNATURE_HEADER
from hazatlas.domain.access import SYSTEM
from hazatlas.services.notify import NotifyService
from hazatlas.services.settings import Settings

SECRET_KEY = "test-secret-key-of-the-notification-tests-0123456789"
SENDER = "hazatlas@ian.ro.example"
DATA = Path(__file__).parent.parent / "notify" / "data"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_KEY = re.compile(rb"^X-Hazatlas-Idempotency-Key:\s*([0-9a-f]{64})", re.M | re.I)


@dataclass
class SmtpReceiver:
    """Counts messages per idempotency key, as a receiving system that drops duplicates would
    (the key is read from the raw bytes; whole messages are parsed only when a test asks)."""

    port: int = 0
    data: list[bytes] = field(default_factory=list)
    keys: Counter = field(default_factory=Counter)
    by_rcpt: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        data = envelope.original_content or envelope.content
        found = _KEY.search(data)
        key = found.group(1).decode() if found else ""
        with self.lock:
            self.data.append(data)
            self.keys[key] += 1
            for rcpt in envelope.rcpt_tos:
                self.by_rcpt[rcpt].add(key)
        return "250 Message accepted"

    def count(self) -> int:
        with self.lock:
            return len(self.data)

    @property
    def raw(self) -> list[email.message.EmailMessage]:
        with self.lock:
            data = list(self.data)
        return [email.message_from_bytes(d, policy=email.policy.default) for d in data]

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.raw if address in str(m["To"])]


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver(port=free_port())
    controller = Controller(receiver, hostname="127.0.0.1", port=receiver.port)
    controller.start()
    try:
        yield receiver
    finally:
        controller.stop()


@dataclass
class WebhookReceiver:
    url: str = ""
    status: int = 200
    requests: list[dict] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with receiver.lock:
                receiver.requests.append(
                    {
                        "path": self.path,
                        "body": body,
                        "key": self.headers.get("Idempotency-Key"),
                        "signature": self.headers.get(SIGNATURE_HEADER),
                        "content_type": self.headers.get("Content-Type"),
                    }
                )
            self.send_response(receiver.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def make_settings(db, smtp_port: int) -> Settings:
    return Settings(
        database_url=db.url,
        secret_key=SECRET_KEY,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_from=SENDER,
        public_url="http://testserver",
        webhook_allow_networks="127.0.0.0/8",  # the loopback receivers of the tests
    )


@pytest.fixture
def notify_settings(db, smtp) -> Settings:
    return make_settings(db, smtp.port)


def seed_cited_records(db) -> None:
    """The establishment (``ROU-TMF-0001``) and the stored scenario (``scn-42``) that the sample
    reports cite: a report may cite only records that exist and that its sender may read."""
    from hazatlas.domain.establishment import Disclosure, Establishment, Provenance
    from hazatlas.services.register import RegisterService
    from hazatlas.storage import scenarios as stored_runs

    site = Establishment(id="ROU-TMF-0001", name="Exercise TMF, Baia Mare", country_iso3="ROU",
                         lon=23.5847, lat=47.6569, disclosure=Disclosure.PUBLIC,
                         provenance=Provenance("test"))
    RegisterService(db, SYSTEM).save(site)
    with db.transaction() as s:
        stored_runs.insert(s, scenario_id="scn-42", kind="river", establishment_id=None,
                           created_by="system", parameters={}, result={"countries": []})


def seed_directory(db, settings: Settings, webhook_url: str | None = None) -> None:
    """ROU (sender), HUN and SRB with two contacts each (escalation order), ICPDR (Danube); and
    the records the sample reports cite (:func:`seed_cited_records`)."""
    seed_cited_records(db)
    admin = NotifyService(db, SYSTEM, settings)
    for aid, country, basin, name in [
        ("ROU/igsu", "ROU", None, "IGSU"),
        ("HUN/okf", "HUN", None, "OKF"),
        ("SRB/sector", "SRB", None, "Sector for Emergency Management"),
        ("ICPDR", None, "Danube", "ICPDR PIAC network"),
    ]:
        admin.save_authority({"id": aid, "name": name, "country": country, "basin": basin})
    contacts = [
        ("ROU/poc", "ROU/igsu", "poc@ro.example", None, ["ro", "en"], 1),
        ("HUN/poc", "HUN/okf", "poc@hu.example", "hu", ["en"], 1),
        ("HUN/piac", "HUN/okf", "piac@hu.example", None, ["en"], 2),
        ("SRB/poc", "SRB/sector", "poc@rs.example", "rs", ["ru"], 1),
        ("SRB/duty", "SRB/sector", "duty@rs.example", None, ["en"], 2),
        ("ICPDR/piac", "ICPDR", "piac@icpdr.example", None, ["en"], 1),
        ("ICPDR/secretariat", "ICPDR", "secretariat@icpdr.example", None, ["en"], 2),
    ]
    for cid, aid, mail, hook, langs, order in contacts:
        admin.save_contact(
            {
                "id": cid,
                "authority_id": aid,
                "name": cid,
                "email": mail,
                "webhook_url": f"{webhook_url}/{hook}" if (hook and webhook_url) else None,
                "webhook_format": "cap" if hook == "rs" else "json",
                "languages": langs,
                "escalation_order": order,
                "available_24_7": order == 1,
            }
        )


def sample(name: str) -> dict:
    data = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    for key in ("id", "sent"):
        data.pop(key, None)
    return data


@pytest.fixture
def seed():
    """``seed(db, settings, webhook_url=None)``: the test directory."""
    return seed_directory


@pytest.fixture
def report_data():
    """``report_data(name)``: a sample REPORT.json (tests/notify/data) without id and sent."""
    return sample


@pytest.fixture
def settings_for():
    """``settings_for(db, smtp_port)``: settings pointing at the loopback servers."""
    return make_settings
