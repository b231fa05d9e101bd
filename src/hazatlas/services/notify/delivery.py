"""The outbox as the sending side sees it: the worker's configuration, dead letters and
sending them again."""

from __future__ import annotations

import ipaddress
import os

from hazatlas.delivery.outbox import OutboxConfig
from hazatlas.delivery.retry import RetryPolicy
from hazatlas.delivery.smtp import SmtpSettings
from hazatlas.delivery.webhook import WebhookSettings
from hazatlas.domain import delivery_state as ds
from hazatlas.domain.errors import NotFoundError
from hazatlas.services.notify.common import Context, now, signing_key
from hazatlas.services.notify.escalation import escalate_due
from hazatlas.services.notify.reports import Reports
from hazatlas.services.notify.results import DeadLetterView, DeliveryView, delivery_view
from hazatlas.services.notify.webhook_secrets import allow_networks, webhook_secret
from hazatlas.services.settings import Settings
from hazatlas.storage import notifications as store
from hazatlas.storage.db import Database


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def outbox_config(
    settings: Settings,
    db: Database,
    *,
    threads: int = 4,
    batch: int = 20,
    lease_s: float = 60.0,
    poll_s: float = 0.5,
    retry: RetryPolicy | None = None,
    allow_http: bool | None = None,
) -> OutboxConfig:
    """The worker's configuration from the settings and ``HAZATLAS_SMTP_*`` variables."""
    env = os.environ
    policy = retry or RetryPolicy()
    security = env.get("HAZATLAS_SMTP_SECURITY") or (
        "none" if _loopback(settings.smtp_host) else "starttls"
    )
    domain = settings.smtp_from.rpartition("@")[2] or "hazatlas.invalid"
    smtp = SmtpSettings(
        host=settings.smtp_host,
        port=settings.smtp_port,
        from_address=settings.smtp_from,
        ack_base_url=settings.public_url.rstrip("/") + "/api/notifications/ack",
        ack_secret=signing_key(settings),
        message_id_domain=domain,
        security=security,
        username=env.get("HAZATLAS_SMTP_USERNAME") or None,
        password=env.get("HAZATLAS_SMTP_PASSWORD") or None,
        retry=policy,
    )
    if allow_http is None:
        allow_http = env.get("HAZATLAS_WEBHOOK_ALLOW_HTTP", "") in ("1", "true", "yes")
    return OutboxConfig(
        smtp=smtp,
        webhook=WebhookSettings(
            retry=policy, allow_http=allow_http, allow_networks=allow_networks(settings)
        ),
        secret_for=lambda ref, cid: webhook_secret(settings, ref, cid),
        threads=threads,
        batch=batch,
        lease_s=lease_s,
        poll_s=poll_s,
        max_attempts=policy.max_attempts,
        periodic=(lambda at: escalate_due(db, at),),
    )


class DeadLetters:
    """Deliveries that failed for good, for the sending side, and sending them again."""

    def __init__(self, ctx: Context, reports: Reports) -> None:
        self.ctx = ctx
        self.reports = reports

    def dead_letters(self) -> list[DeadLetterView]:
        self.ctx.require_authority()
        with self.ctx.db.transaction() as s:
            out: list[DeadLetterView] = []
            for d in store.dead_letters(s):
                r = store.report_by_pk(s, d.report_pk)
                if r is not None and self.ctx.is_sender_side(r):
                    out.append({"report_id": r.report_id, **delivery_view(d)})
            return out

    def requeue(self, delivery_id: int) -> DeliveryView:
        with self.ctx.db.transaction() as s:
            store.begin_write(s)
            d = store.get_delivery(s, delivery_id)
            r = store.report_by_pk(s, d.report_pk) if d is not None else None
            if d is None or r is None:
                raise NotFoundError(f"delivery {delivery_id} not found")
            self.reports.own(s, r.report_id)
            before = store.to_delivery(d)
            after = ds.requeue(before, now())
            store.store_delivery(d, after)
            event = ds.audit_event(before, after, ds.DeliveryEvent.REQUEUE, self.ctx.actor)
            store.append_audit(s, [event])
            return delivery_view(d)
