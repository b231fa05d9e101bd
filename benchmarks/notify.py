"""Benchmark: 1,000 reports to 20 countries (20,000 e-mails) over SMTP on loopback.

A receiving SMTP server (aiosmtpd, its own process) accepts and drops the mails; the outbox
worker (``hazatlas notify worker``, its own process) delivers; this process issues the reports
one by one through the notification service, as senders would. Prints the total time (first
issue to last delivery) and the median and p95 time from issue to delivery (``delivered_at -
issued_at`` of each delivery). Targets (issue 7): all delivered within 60 s, p95 under 2 s.

    .venv/bin/python benchmarks/notify.py            # 1,000 reports x 20 countries, SQLite
    .venv/bin/python benchmarks/notify.py --quick    # 20 reports x 20 countries
    .venv/bin/python benchmarks/notify.py --rate 20  # a steady 20 reports/s instead of a burst
    .venv/bin/python benchmarks/notify.py --db postgresql://postgres@127.0.0.1:5432/bench
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COUNTRIES = (
    "AUT BEL BGR HRV CZE DNK EST FIN FRA DEU GRC HUN ITA LVA LTU MDA POL SVK SVN SRB".split()
)
SECRET = "benchmark-secret-key-0123456789abcdef"
SENDER = "hazatlas@bench.example"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _smtp_server(port: int, ready) -> None:  # runs in a child process
    from aiosmtpd.controller import Controller

    class Sink:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            return "250 OK"

    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    while True:
        time.sleep(3600)


def _seed(db, settings) -> None:
    from hazatlas.domain.access import SYSTEM
    from hazatlas.services.notify import NotifyService

    svc = NotifyService(db, SYSTEM, settings)
    for c in COUNTRIES:
        svc.save_authority({"id": f"{c}/ca", "name": f"CA {c}", "country": c})
        svc.save_contact(
            {
                "id": f"{c}/poc",
                "authority_id": f"{c}/ca",
                "name": f"PoC {c}",
                "email": f"poc@{c.lower()}.example",
                "languages": ["en"],
            }
        )


def _report(i: int) -> dict:
    return {
        "type": "early_warning",
        "status": "exercise",
        "sender_country": "ROU",
        "texts": [{"language": "en", "description": f"Benchmark release {i}: ammonia tank leak."}],
        "languages": ["ru"],
        "accident": {
            "type": "release_to_air",
            "occurred_at": "2026-03-01T13:50:00+02:00",
            "severity": "severe",
            "place": {
                "description": "Benchmark site",
                "country": "ROU",
                "timezone": "Europe/Bucharest",
                "lon": 23.58,
                "lat": 47.65,
            },
            "substances": [{"name": "ammonia", "cas": "7664-41-7", "quantity": "10 t"}],
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20 reports instead of 1,000")
    ap.add_argument("--reports", type=int, default=None)
    ap.add_argument("--threads", type=int, default=4, help="worker threads")
    ap.add_argument("--batch", type=int, default=50, help="deliveries claimed per round")
    ap.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="reports issued per second (default 0: all at once, as fast as possible)",
    )
    ap.add_argument("--db", default=None, help="database URL (default: a fresh SQLite file)")
    args = ap.parse_args()
    n_reports = args.reports or (20 if args.quick else 1000)

    from sqlalchemy import func, select

    from hazatlas.domain.access import SYSTEM
    from hazatlas.services.notify import NotifyService
    from hazatlas.services.settings import Settings
    from hazatlas.storage.db import Database
    from hazatlas.storage.notification_tables import DeliveryRow

    tmp = tempfile.TemporaryDirectory()
    db = Database(args.db or str(Path(tmp.name) / "bench.sqlite"))
    db.migrate()
    port = _free_port()
    settings = Settings(database_url=db.url, secret_key=SECRET, smtp_port=port, smtp_from=SENDER)
    _seed(db, settings)
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=_smtp_server, args=(port, ready), daemon=True)
    server.start()
    ready.wait(10)
    env = {
        **os.environ,
        "HAZATLAS_SECRET_KEY": SECRET,
        "HAZATLAS_SMTP_HOST": "127.0.0.1",
        "HAZATLAS_SMTP_PORT": str(port),
        "HAZATLAS_SMTP_FROM": SENDER,
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hazatlas.cli.main",
            "notify",
            "worker",
            "--db",
            db.url,
            "--threads",
            str(args.threads),
            "--batch",
            str(args.batch),
            "--poll",
            "0.05s",
        ],
        env=env,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)  # let the worker start
        svc = NotifyService(db, SYSTEM, settings)
        total = n_reports * len(COUNTRIES)
        t0 = time.perf_counter()
        for i in range(n_reports):
            if args.rate > 0:  # a steady stream of reports instead of one burst
                time.sleep(max(0.0, t0 + i / args.rate - time.perf_counter()))
            svc.create_report(_report(i), COUNTRIES, issue=True)
        t_issued = time.perf_counter() - t0
        done = 0
        while done < total and time.perf_counter() - t0 < 600:
            time.sleep(0.5)
            with db.transaction() as s:
                done = s.scalar(select(func.count()).where(DeliveryRow.state == "delivered"))
        t_total = time.perf_counter() - t0
        with db.transaction() as s:
            rows = s.execute(
                select(DeliveryRow.issued_at, DeliveryRow.delivered_at).where(
                    DeliveryRow.state == "delivered"
                )
            ).all()
    finally:
        worker.terminate()
        worker.wait(30)
        server.terminate()
        db.dispose()
        tmp.cleanup()
    lat = sorted((d - i).total_seconds() for i, d in rows)
    p95 = lat[max(0, int(round(0.95 * len(lat))) - 1)] if lat else float("nan")
    print(
        f"notify benchmark: {n_reports} reports x {len(COUNTRIES)} countries = {total} e-mails "
        f"over SMTP on loopback ({db.dialect}, {args.threads} worker threads, "
        f"{'burst' if args.rate <= 0 else f'{args.rate:g} reports/s'})"
    )
    print(f"  issued all reports in        {t_issued:7.2f} s")
    print(f"  delivered                    {len(lat)} of {total}")
    print(f"  total time (issue->last)     {t_total:7.2f} s   target: <= 60 s")
    print(
        f"  issue->delivery median       {statistics.median(lat) if lat else float('nan'):7.3f} s"
    )
    print(f"  issue->delivery p95          {p95:7.3f} s   target: < 2 s")


if __name__ == "__main__":
    main()
