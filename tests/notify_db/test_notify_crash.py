"""CRASH TEST (marked ``slow``, part of the normal suite): ``hazatlas notify worker`` runs as a
subprocess delivering 1,000 e-mails to a loopback SMTP server and is killed with SIGKILL in the
middle; after a restart every recipient has every message exactly once, counted by idempotency
key at the receiver. Runs on a SQLite file and on PostGIS."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import pytest
from sqlalchemy import func, select

from hazatlas.domain.access import SYSTEM
from hazatlas.domain.delivery_state import idempotency_key
from hazatlas.services.notify import NotifyService
from hazatlas.storage.notification_tables import DeliveryRow

COUNTRIES = (
    "AUT BEL BGR HRV CZE DNK EST FIN FRA DEU GRC HUN ITA LVA LTU MDA POL SVK SVN SRB"
).split()
REPORTS = 50  # x 20 countries = 1,000 messages
LEASE_S = 2


def _seed(db, settings) -> list[tuple[str, str]]:
    svc = NotifyService(db, SYSTEM, settings)
    for c in COUNTRIES:
        svc.save_authority({"id": f"{c}/ca", "name": f"CA {c}", "country": c})
        svc.save_contact(
            {
                "id": f"{c}/poc",
                "authority_id": f"{c}/ca",
                "name": f"PoC {c}",
                "email": f"poc@{c.lower()}.example",
            }
        )
    expected = []
    for i in range(REPORTS):
        data = {
            "type": "test",
            "status": "test",
            "sender_country": "ROU",
            "texts": [{"language": "en", "description": f"crash test {i}"}],
        }
        view = svc.create_report(data, COUNTRIES, issue=True)
        expected += [(view["id"], d["recipient_id"]) for d in view["deliveries"]]
    return expected


def _worker(db, settings, *extra: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "HAZATLAS_SECRET_KEY": settings.secret_key,
        "HAZATLAS_SMTP_HOST": "127.0.0.1",
        "HAZATLAS_SMTP_PORT": str(settings.smtp_port),
        "HAZATLAS_SMTP_FROM": settings.smtp_from,
    }
    cmd = [
        sys.executable,
        "-m",
        "hazatlas.cli.main",
        "notify",
        "worker",
        "--db",
        db.url,
        "--threads",
        "2",
        "--batch",
        "10",
        "--lease",
        f"{LEASE_S}s",
        "--poll",
        "0.1s",
        *extra,
    ]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _delivered(db) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).where(DeliveryRow.state == "delivered"))


@pytest.mark.slow
def test_worker_killed_mid_delivery_delivers_every_message_exactly_once(db, smtp, notify_settings):
    expected = _seed(db, notify_settings)
    assert len(expected) == 1000
    proc = _worker(db, notify_settings)
    try:
        deadline = time.monotonic() + 15
        while smtp.count() < 150 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.005)
        assert proc.poll() is None, proc.stderr.read().decode()
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        log = proc.stderr.read().decode()
        proc.stderr.close()
    killed_at = _delivered(db)
    from hazatlas.storage.notifications import state_counts

    with db.transaction() as s:
        counts = state_counts(s)
    assert 0 < smtp.count() and killed_at < 1000, f"not killed in the middle: {log} {counts}"

    time.sleep(LEASE_S + 0.5)  # claims of the killed worker expire
    again = _worker(db, notify_settings, "--once")
    _, stderr = again.communicate(timeout=120)
    assert again.returncode == 0, stderr.decode()

    assert _delivered(db) == 1000
    want = {idempotency_key(m, r) for m, r in expected}
    # every message arrived, none that was not sent ...
    assert set(smtp.keys) == want
    # ... and each recipient has each of its 50 messages once after dropping repeated keys
    for country in COUNTRIES:
        assert len(smtp.by_rcpt[f"poc@{country.lower()}.example"]) == REPORTS
    # A message is sent again only if the worker died between the receiver's "250" and
    # recording it; such a repeat carries the same key (and Message-ID), so it is dropped.
    repeated = {k for k, n in smtp.keys.items() if n > 1}
    assert len(repeated) <= 2 * 10  # at most the claims in flight (2 threads x batch 10)
    ids: dict[bytes, set[bytes]] = {}
    for data in smtp.data:
        key = re.search(rb"^X-Hazatlas-Idempotency-Key:\s*(\S+)", data, re.M).group(1)
        ids.setdefault(key, set()).add(re.search(rb"^Message-ID:\s*(\S+)", data, re.M).group(1))
    assert all(len(v) == 1 for v in ids.values())


def test_serve_also_runs_the_worker_and_stops_cleanly(
    sqlite_db, smtp, tmp_path, seed, settings_for
):
    settings = settings_for(sqlite_db, smtp.port)
    seed(sqlite_db, settings)
    view = NotifyService(sqlite_db, SYSTEM, settings).create_report(
        {
            "type": "test",
            "status": "test",
            "sender_country": "ROU",
            "texts": [{"language": "en", "description": "serve test"}],
        },
        ["HUN"],
        issue=True,
    )
    port = str(_free_port())
    env = {
        **os.environ,
        "HAZATLAS_SECRET_KEY": settings.secret_key,
        "HAZATLAS_SMTP_HOST": "127.0.0.1",
        "HAZATLAS_SMTP_PORT": str(smtp.port),
        "HAZATLAS_SMTP_FROM": settings.smtp_from,
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hazatlas.cli.main",
            "serve",
            "--db",
            str(sqlite_db.url.removeprefix("sqlite:///")),
            "--port",
            port,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while not smtp.to("poc@hu.example") and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert smtp.to("poc@hu.example"), "hazatlas serve did not deliver"
        assert str(smtp.to("poc@hu.example")[0]["X-Hazatlas-Report-Id"]) == view["id"]
        while time.monotonic() < deadline:  # the server is up: it handles SIGINT itself
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
