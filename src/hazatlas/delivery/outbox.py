"""The outbox worker: claims due deliveries, sends them, records the outcome.

Each worker thread loops:

1. **claim** (one short transaction): up to ``batch`` due deliveries get the thread's claim
   token and a lease (``claimed_until``); each moves ``issued|failed -> sent`` (attempt + 1)
   with an audit entry. A delivery still ``sent`` after its lease expired belonged to a worker
   that died during the attempt: it is first marked failed ("lease expired"), then claimed.
2. **send** (no transaction open): :func:`~hazatlas.delivery.smtp.deliver_email` or
   :func:`~hazatlas.delivery.webhook.deliver_webhook`, on a connection the thread reuses.
3. **record** (one short transaction): the outcome goes through
   :func:`~hazatlas.domain.delivery_state.record_outcome` (delivered, failed with a retry
   time, or dead_letter), with an audit entry, for the rows still holding the thread's token.

Isolation: whatever goes wrong with one delivery (a short or missing secret, a malformed URL
or address, a report that cannot be rendered, an unexpected exception in a channel adapter)
ends that delivery alone, as a dead letter with the reason; the other deliveries of the batch
are sent and recorded as usual. Texts written to the database are cleaned first (no NUL, no
lone surrogates), so a receiver's answer cannot make the recording fail.

Crash safety: nothing is lost if the process is killed at any point, because the state is in
the database and a lease expires. A message may be *sent* twice (killed after the receiver
accepted it, before step 3), but every attempt carries the same idempotency key (e-mail
``Message-ID`` and ``X-Hazatlas-Idempotency-Key``, webhook ``Idempotency-Key``), so the
receiver shows it once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import math
import smtplib
import socket
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from hazatlas.delivery.smtp import (
    EmailCache,
    EmailRecipient,
    SmtpSettings,
    connect,
    deliver_email,
)
from hazatlas.delivery.webhook import WebhookRecipient, WebhookSettings, deliver_webhook
from hazatlas.domain import delivery_state as ds
from hazatlas.domain.notification import Report
from hazatlas.formats.reports import report_from_dict
from hazatlas.storage import notifications as store
from hazatlas.storage.db import Database
from hazatlas.storage.notification_tables import ReportRow

log = logging.getLogger("hazatlas.outbox")

INTERNAL = "could not be sent: {kind} (details in the server log)"
LEASE_EXPIRED = "lease expired: the worker stopped during the attempt"
NOT_ATTEMPTED = "not attempted: half of the lease was used up by slower messages of the batch"


@dataclass(frozen=True)
class OutboxConfig:
    """How the worker runs. ``secret_for`` turns a contact's secret reference into the key."""

    smtp: SmtpSettings
    webhook: WebhookSettings
    secret_for: Callable[[str | None, str], bytes]
    threads: int = 4
    batch: int = 20
    lease_s: float = 60.0
    poll_s: float = 0.5
    max_attempts: int = 10
    #: Called by thread 0 at most every ``sweep_s`` seconds (escalation sweep) while running,
    #: and before and after a drain; gets the current time.
    periodic: Sequence[Callable[[dt.datetime], Any]] = field(default_factory=tuple)
    sweep_s: float = 1.0


class _Reports:
    """A small per-worker cache of parsed reports (by primary key)."""

    def __init__(self, size: int = 256) -> None:
        self._items: OrderedDict[int, Report] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def cached(self, pk: int) -> Report | None:
        with self._lock:
            found = self._items.get(pk)
            if found is not None:
                self._items.move_to_end(pk)
            return found

    def get(self, row: ReportRow) -> Report:
        found = self.cached(row.pk)
        if found is not None:
            return found
        report = report_from_dict(row.data, source=f"report {row.report_id}")
        with self._lock:
            self._items[row.pk] = report
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return report


@dataclass
class _Job:
    id: int
    channel: str
    recipient_id: str
    address: str
    language: str
    webhook_format: str | None
    secret_ref: str | None
    contact_id: str
    attempt: int
    report: Report
    #: The state the claim wrote (``sent``); the outcome is recorded from it.
    delivery: ds.Delivery


class _Channels:
    """One thread's open connections (SMTP, HTTP), reused across messages."""

    def __init__(self, config: OutboxConfig, cache: EmailCache) -> None:
        self.config = config
        self.cache = cache
        self.smtp: smtplib.SMTP | None = None
        self.http: httpx.Client | None = None

    def send(self, job: _Job, now: dt.datetime) -> ds.DeliveryOutcome:
        """One attempt; never raises: an unexpected error is a permanent failure of this one
        delivery (a retry would fail the same way), logged with its traceback."""
        try:
            return self._send(job, now)
        except Exception as exc:
            log.exception("delivery %s (%s) failed", job.id, job.recipient_id)
            if job.channel == "email":
                self.close_smtp()  # the conversation may be half-way through a message
            kind = type(exc).__name__
            return ds.DeliveryOutcome.permanent(INTERNAL.format(kind=kind), f"{kind}: {exc}")

    def _send(self, job: _Job, now: dt.datetime) -> ds.DeliveryOutcome:
        if job.channel == "email":
            return self._email(job, now)
        if self.http is None:
            self.http = httpx.Client(timeout=self.config.webhook.timeout_s, follow_redirects=False)
        try:
            secret = self.config.secret_for(job.secret_ref, job.contact_id)
        except Exception as exc:  # a missing secret is a configuration error: no retry helps
            log.warning("no webhook secret for %s: %s", job.recipient_id, exc)
            return ds.DeliveryOutcome.permanent(
                f"no usable webhook secret for {job.contact_id} (details in the server log)",
                str(exc),
            )
        recipient = WebhookRecipient(
            job.recipient_id, job.address, secret, job.webhook_format or "json"
        )
        return deliver_webhook(
            job.report,
            recipient,
            self.config.webhook,
            attempt=job.attempt,
            now=now,
            client=self.http,
        )

    def _email(self, job: _Job, now: dt.datetime) -> ds.DeliveryOutcome:
        if self.smtp is None:
            try:
                self.smtp = connect(self.config.smtp)
                # Small writes (commands, then the message) otherwise wait for delayed ACKs.
                if self.smtp.sock is not None:
                    self.smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except (smtplib.SMTPException, OSError):
                self.smtp = None  # deliver_email opens its own and classifies the error
        recipient = EmailRecipient(job.recipient_id, job.address, job.language)
        outcome = deliver_email(
            job.report,
            recipient,
            self.config.smtp,
            attempt=job.attempt,
            now=now,
            connection=self.smtp,
            cache=self.cache,
        )
        if outcome.kind != ds.OutcomeKind.DELIVERED:
            self.close_smtp()
        return outcome

    def close_smtp(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.smtp.quit()
            self.smtp = None

    def close(self) -> None:
        self.close_smtp()
        if self.http is not None:
            self.http.close()
            self.http = None


def _clean(text: str, limit: int) -> str:
    """``text`` as the databases store it: no NUL, no lone surrogates, at most ``limit``
    characters (a receiver's answer or an exception message can hold anything)."""
    text = text[:limit].encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")
    return text


def _event(
    row: Any, after: ds.Delivery, before: ds.Delivery, event: ds.DeliveryEvent
) -> dict[str, Any]:
    record = ds.audit_event(before, after, event, actor="worker")
    record["delivery_id"] = row.id
    record["channel"] = row.channel
    return record


class Outbox:
    """The worker over one database. :meth:`run_once` drains; :meth:`run` loops until stopped."""

    def __init__(self, db: Database, config: OutboxConfig) -> None:
        self.db = db
        self.config = config
        self.stop_event = threading.Event()
        self._reports = _Reports()
        self._emails = EmailCache()

    # -- one claim / send / record round -------------------------------------------------
    def claim(self, now: dt.datetime) -> tuple[str, list[_Job]]:
        token = uuid.uuid4().hex
        lease = now + dt.timedelta(seconds=self.config.lease_s)
        jobs: list[_Job] = []
        with self.db.transaction() as s:  # most polls find nothing: no write lock for them
            if not store.any_due(s, now):
                return token, jobs
        with self.db.transaction() as s:
            store.worker_write(s)
            rows = store.claim_due(s, now, self.config.batch, lease, token)
            events: list[dict[str, Any]] = []
            changes: list[tuple[int, ds.Delivery, dict[str, Any]]] = []
            for row in rows:
                d = store.to_delivery(row)
                if d.state == ds.DeliveryState.SENT:  # its worker died; count the lost attempt
                    lost = ds.DeliveryOutcome.retry(now, LEASE_EXPIRED)
                    after = ds.record_outcome(d, lost, now, max_attempts=self.config.max_attempts)
                    events.append(_event(row, after, d, ds.DeliveryEvent.FAIL))
                    if after.state != ds.DeliveryState.FAILED:
                        events[-1]["kind"] = "delivery.dead_letter"
                        changes.append((row.id, after, {"claim_token": None}))
                        continue
                    d = after
                after = ds.start_attempt(d, now)
                events.append(_event(row, after, d, ds.DeliveryEvent.START_ATTEMPT))
                try:
                    report = self._report(s, row.report_pk)
                except Exception as exc:  # this delivery cannot be sent; the others can
                    log.exception("report of delivery %s cannot be read", row.id)
                    kind = type(exc).__name__
                    outcome = ds.DeliveryOutcome.permanent(
                        INTERNAL.format(kind=f"the report cannot be read ({kind})"),
                        _clean(f"{kind}: {exc}", 500),
                    )
                    dead = ds.record_outcome(after, outcome, now)
                    events.append(_event(row, dead, after, ds.DeliveryEvent.DEAD_LETTER))
                    events[-1]["detail"] = outcome.detail
                    changes.append((row.id, dead, {"claim_token": None}))
                    continue
                changes.append((row.id, after, {"claim_token": token}))
                jobs.append(
                    _Job(
                        row.id,
                        row.channel,
                        row.recipient_id,
                        row.address,
                        row.language,
                        row.webhook_format,
                        row.secret_ref,
                        row.contact_id,
                        after.attempts,
                        report,
                        after,
                    )
                )
            store.save_states(s, changes)
            store.append_audit(s, events)
        return token, jobs

    def _report(self, s: Any, report_pk: int) -> Report:
        report = self._reports.cached(report_pk)
        if report is None:  # load the row only when the report is not cached
            report_row = s.get(ReportRow, report_pk)
            if report_row is None:
                raise LookupError(f"report row {report_pk} is missing")
            report = self._reports.get(report_row)
        return report

    def record(
        self,
        token: str,
        results: dict[int, tuple[ds.DeliveryOutcome, dt.datetime]],
        jobs: Sequence[_Job],
    ) -> None:
        """Store each outcome as of the time its attempt ended, for the jobs whose rows are
        still claimed by ``token`` and still ``sent`` (as the claim left them)."""
        if not results:
            return
        by_id = {job.id: job for job in jobs}
        with self.db.transaction() as s:
            store.worker_write(s)
            events = []
            changes = []
            for delivery_id in sorted(store.still_sent(s, list(results), token)):
                job = by_id[delivery_id]
                d = job.delivery
                outcome, at = results[delivery_id]
                outcome = replace(
                    outcome, reason=_clean(outcome.reason, 2000), detail=_clean(outcome.detail, 500)
                )
                after = ds.record_outcome(d, outcome, at, max_attempts=self.config.max_attempts)
                event = {
                    ds.DeliveryState.DELIVERED: ds.DeliveryEvent.DELIVER,
                    ds.DeliveryState.FAILED: ds.DeliveryEvent.FAIL,
                }.get(after.state, ds.DeliveryEvent.DEAD_LETTER)
                record = _event(job, after, d, event)
                record["detail"] = outcome.detail
                events.append(record)
                changes.append((job.id, after, {"claim_token": None, "claimed_until": None}))
            store.save_states(s, changes)
            store.append_audit(s, events)

    def round(self, channels: _Channels) -> int:
        """Claim, send and record one batch; return how many were attempted."""
        now = dt.datetime.now(dt.UTC)
        token, jobs = self.claim(now)
        results: dict[int, tuple[ds.DeliveryOutcome, dt.datetime]] = {}
        give_up = time.monotonic() + self.config.lease_s / 2
        for job in jobs:
            at = dt.datetime.now(dt.UTC)
            if time.monotonic() > give_up:  # slow receivers: never outlive the lease
                results[job.id] = (ds.DeliveryOutcome.retry(at, NOT_ATTEMPTED), at)
                continue
            outcome = channels.send(job, at)
            results[job.id] = (outcome, dt.datetime.now(dt.UTC))
        self.record(token, results, jobs)
        return len(jobs)

    def housekeeping(self) -> None:
        now = dt.datetime.now(dt.UTC)
        for task in self.config.periodic:
            try:
                task(now)
            except Exception:  # keep delivering even if a sweep fails once
                log.exception("periodic task %r failed", task)

    # -- loops ---------------------------------------------------------------------------
    def run_once(self) -> int:
        """Drain: deliver everything due now (with all threads), run the sweeps; return count."""
        self.housekeeping()
        total = self._threads(drain=True)
        self.housekeeping()
        return total

    def run(self) -> int:
        """Deliver until :meth:`stop` is called (or the stop event is set)."""
        return self._threads(drain=False)

    def stop(self) -> None:
        self.stop_event.set()

    def _threads(self, drain: bool) -> int:
        counts = [0] * max(1, self.config.threads)
        self._errors: list[BaseException] = []
        threads = [
            threading.Thread(
                target=self._loop, args=(i, drain, counts), name=f"outbox-{i}", daemon=True
            )
            for i in range(len(counts))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if self._errors:
            raise self._errors[0]
        return sum(counts)

    def _loop(self, index: int, drain: bool, counts: list[int]) -> None:
        channels = _Channels(self.config, self._emails)
        last_sweep = -math.inf
        try:
            while not self.stop_event.is_set():
                sweep_s = self.config.sweep_s
                if index == 0 and not drain and time.monotonic() - last_sweep >= sweep_s:
                    self.housekeeping()
                    last_sweep = time.monotonic()
                try:
                    n = self.round(channels)
                except Exception as exc:
                    if drain:
                        self._errors.append(exc)
                        return
                    log.exception("outbox round failed; retrying after a pause")
                    n = 0
                counts[index] += n
                if drain:
                    if n == 0:
                        return
                elif n < self.config.batch:
                    # Drained for now: pause, so that what comes in meanwhile is claimed in
                    # one batch rather than one transaction per new report.
                    self.stop_event.wait(self.config.poll_s)
        finally:
            channels.close()
