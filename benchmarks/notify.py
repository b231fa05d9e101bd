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
import asyncio
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
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


KEY_HEADER = b"X-Hazatlas-Idempotency-Key:"


class _SmtpSink(asyncio.Protocol):
    """A minimal SMTP server (RFC 5321 commands EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP,
    QUIT; PIPELINING advertised), as cheap per message as a C MTA: no per-line work in DATA,
    the message end is found with one search. Each accepted message is counted by its
    idempotency key header (a second copy of a key is a duplicate)."""

    def __init__(self, count: Callable[[bytes], None]) -> None:
        self.count = count
        self.buf = b""
        self.in_data = False
        self.rcpts = 0

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(b"220 sink.bench.example ESMTP\r\n")

    def data_received(self, data: bytes) -> None:
        self.buf += data
        out = []
        while True:
            if self.in_data:
                end = self.buf.find(b"\r\n.\r\n")
                if end < 0:
                    break
                self.count(self.buf[: end + 2])
                self.buf = self.buf[end + 5 :]
                self.in_data = False
                out.append(b"250 2.0.0 OK queued\r\n")
                continue
            line, sep, rest = self.buf.partition(b"\r\n")
            if not sep:
                break
            self.buf = rest
            verb = line[:4].upper()
            if verb == b"EHLO":
                out.append(
                    b"250-sink.bench.example\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n"
                )
            elif verb == b"HELO":
                out.append(b"250 sink.bench.example\r\n")
            elif verb == b"MAIL":
                self.rcpts = 0
                out.append(b"250 2.1.0 OK\r\n")
            elif verb == b"RCPT":
                self.rcpts += 1
                out.append(b"250 2.1.5 OK\r\n")
            elif verb == b"DATA":
                if self.rcpts:
                    self.in_data = True
                    out.append(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                else:
                    out.append(b"503 5.5.1 RCPT first\r\n")
            elif verb in (b"RSET", b"NOOP"):
                self.rcpts = 0
                out.append(b"250 2.0.0 OK\r\n")
            elif verb == b"QUIT":
                out.append(b"221 2.0.0 Bye\r\n")
                self.transport.write(b"".join(out))
                self.transport.close()
                return
            else:
                out.append(b"500 5.5.2 command not recognized\r\n")
        if out:
            self.transport.write(b"".join(out))


def _smtp_server(port: int, ready, unique, dupes, use_aiosmtpd: bool) -> None:  # child process
    """The receiving MTA: :class:`_SmtpSink` (default) or aiosmtpd with a minimal handler."""
    seen: dict[bytes, int] = {}

    def count(data: bytes) -> None:
        head = data[: data.find(b"\r\n\r\n")]
        start = head.find(KEY_HEADER)
        key = b"" if start < 0 else head[start + len(KEY_HEADER) : head.find(b"\r\n", start)]
        n = seen.get(key.strip(), 0)
        seen[key.strip()] = n + 1
        if n:
            dupes.value += 1
        else:
            unique.value += 1

    if use_aiosmtpd:
        from aiosmtpd.controller import Controller

        class Sink:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                count(envelope.original_content or envelope.content)
                return "250 OK"

        controller = Controller(Sink(), hostname="127.0.0.1", port=port)
        controller.start()
        ready.set()
        while True:
            time.sleep(3600)

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: _SmtpSink(count), "127.0.0.1", port)
        ready.set()
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


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


def _postgres_url(admin: str) -> tuple[str, Callable[[], None]] | None:
    """A fresh database on the PostgreSQL server ``admin`` and a function that drops it."""
    import uuid

    from sqlalchemy import create_engine, text

    url = "postgresql+psycopg://" + admin.split("://", 1)[1]
    name = f"hazatlas_bench_{uuid.uuid4().hex[:8]}"
    try:
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server: skip this backend
        print(f"PostgreSQL not available at {admin}: {type(exc).__name__}")
        return None

    def drop() -> None:
        with engine.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()

    return url.rsplit("/", 1)[0] + "/" + name, drop


def run(url: str, n_reports: int, args: argparse.Namespace) -> dict[str, float]:
    """One benchmark run on the database ``url`` (migrated and seeded here)."""
    from sqlalchemy import func, select

    from hazatlas.domain.access import SYSTEM
    from hazatlas.services.notify import NotifyService
    from hazatlas.services.settings import Settings
    from hazatlas.storage.db import Database
    from hazatlas.storage.notification_tables import DeliveryRow

    db = Database(url)
    db.migrate()
    port = _free_port()
    settings = Settings(database_url=db.url, secret_key=SECRET, smtp_port=port, smtp_from=SENDER)
    _seed(db, settings)
    ready = multiprocessing.Event()
    unique, dupes = multiprocessing.Value("q", 0, lock=False), multiprocessing.Value("q", 0)
    server = multiprocessing.Process(
        target=_smtp_server, args=(port, ready, unique, dupes, args.aiosmtpd), daemon=True
    )
    server.start()
    ready.wait(10)
    env = {
        **os.environ,
        "HAZATLAS_SECRET_KEY": SECRET,
        "HAZATLAS_SMTP_HOST": "127.0.0.1",
        "HAZATLAS_SMTP_PORT": str(port),
        "HAZATLAS_SMTP_FROM": SENDER,
    }
    command = [sys.executable, "-m", "hazatlas.cli.main", "notify", "worker", "--db", db.url]
    command += [
        "--threads",
        str(args.threads),
        "--batch",
        str(args.batch),
        "--poll",
        f"{args.poll}s",
    ]
    workers = [
        subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL) for _ in range(args.workers)
    ]
    total = n_reports * len(COUNTRIES)
    try:
        time.sleep(3)  # let the worker start
        svc = NotifyService(db, SYSTEM, settings)
        svc.create_report(_report(-1), COUNTRIES[:1], issue=False)  # warm caches, not issued
        t0, cpu0 = time.perf_counter(), time.process_time()
        for i in range(n_reports):
            if args.rate > 0:  # a steady stream of reports instead of one burst
                time.sleep(max(0.0, t0 + i / args.rate - time.perf_counter()))
            svc.create_report(_report(i), COUNTRIES, issue=True)
        t_issued = time.perf_counter() - t0
        done = 0
        while done < total and time.perf_counter() - t0 < 600:
            time.sleep(0.1)
            if unique.value < total:
                continue
            with db.transaction() as s:
                done = s.scalar(select(func.count()).where(DeliveryRow.state == "delivered"))
        t_total = time.perf_counter() - t0
        with db.transaction() as s:
            rows = s.execute(
                select(DeliveryRow.issued_at, DeliveryRow.delivered_at).where(
                    DeliveryRow.state == "delivered"
                )
            ).all()
        cpu = {"issuer": time.process_time() - cpu0, "worker": sum(_cpu(w.pid) for w in workers)}
        cpu["receiver"] = _cpu(server.pid or 0)
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(30)
        server.terminate()
        db.dispose()
    lat = sorted((d - i).total_seconds() for i, d in rows)
    p95 = lat[max(0, int(round(0.95 * len(lat))) - 1)] if lat else float("nan")
    nan = float("nan")
    return {
        "issued": t_issued,
        "delivered": len(lat),
        "received": unique.value,
        "duplicates": dupes.value,
        "total": t_total,
        "median": statistics.median(lat) if lat else nan,
        "p95": p95,
        **{f"cpu_{k}": v for k, v in cpu.items()},
    }


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by process ``pid`` (Linux; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


def _print(name: str, n_reports: int, args: argparse.Namespace, r: dict[str, float]) -> None:
    total = n_reports * len(COUNTRIES)
    mode = "burst" if args.rate <= 0 else f"{args.rate:g} reports/s"
    mta = "aiosmtpd" if args.aiosmtpd else "minimal asyncio SMTP server"
    print(
        f"notify benchmark ({name}): {n_reports} reports x {len(COUNTRIES)} countries = {total} "
        f"e-mails over SMTP on loopback ({mta}; {args.workers} worker process(es) x "
        f"{args.threads} threads, batch "
        f"{args.batch}; {mode})"
    )
    print(f"  issued all reports in        {r['issued']:7.2f} s")
    print(f"  delivered (worker records)   {r['delivered']} of {total}")
    print(
        f"  received (distinct keys)     {r['received']} of {total}, duplicates {r['duplicates']}"
    )
    print(f"  total time (issue->last)     {r['total']:7.2f} s   target: <= 60 s")
    print(f"  issue->delivery median       {r['median']:7.3f} s")
    print(f"  issue->delivery p95          {r['p95']:7.3f} s   target: < 2 s")
    print(
        f"  CPU time: issuing {r['cpu_issuer']:.1f} s (incl. waiting for the delivered count), "
        f"worker {r['cpu_worker']:.1f} s (incl. start-up), receiver {r['cpu_receiver']:.1f} s"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20 reports instead of 1,000")
    ap.add_argument("--reports", type=int, default=None)
    ap.add_argument("--workers", type=int, default=2, help="worker processes")
    ap.add_argument("--threads", type=int, default=2, help="threads per worker process")
    ap.add_argument("--batch", type=int, default=100, help="deliveries claimed per round")
    ap.add_argument("--poll", type=float, default=0.05, help="worker pause when idle, s")
    ap.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="reports issued per second (default 0: all at once, as fast as possible)",
    )
    ap.add_argument("--aiosmtpd", action="store_true", help="receive with aiosmtpd instead")
    ap.add_argument(
        "--backend",
        choices=("sqlite", "postgresql", "both"),
        default="both",
        help="which database(s) to run on (PostgreSQL is skipped if not reachable)",
    )
    ap.add_argument(
        "--postgres",
        default=os.environ.get(
            "HAZATLAS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
        help="PostgreSQL (PostGIS) server; a fresh database is created on it and dropped",
    )
    args = ap.parse_args()
    n_reports = args.reports or (20 if args.quick else 1000)
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            result = run(str(Path(tmp) / "bench.sqlite"), n_reports, args)
        _print("SQLite", n_reports, args, result)
    if args.backend in ("postgresql", "both"):
        found = _postgres_url(args.postgres)
        if found is not None:
            url, drop = found
            try:
                result = run(url, n_reports, args)
            finally:
                drop()
            _print("PostGIS", n_reports, args, result)


if __name__ == "__main__":
    main()
