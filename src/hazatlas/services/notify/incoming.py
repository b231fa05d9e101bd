"""CAP alerts received from another hazatlas instance (``POST /api/cap/incoming``)."""

from __future__ import annotations

from collections.abc import Sequence

from hazatlas.delivery.signing import SignatureError, verify_webhook_signature
from hazatlas.domain.errors import HazatlasError
from hazatlas.formats.cap import parse_cap
from hazatlas.formats.reports import report_to_dict
from hazatlas.services.notify.common import DEFAULT_ACK_WINDOW_S, Context, audit_event, now
from hazatlas.services.notify.results import ReportView, report_view
from hazatlas.services.notify.webhook_secrets import webhook_secret
from hazatlas.services.settings import Settings
from hazatlas.storage import notifications as store
from hazatlas.storage.notification_tables import ContactRow


class Incoming:
    """Alerts from other instances, stored as received reports readable by every Party."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def receive_cap(self, body: bytes, signature: str | None) -> tuple[ReportView, bool]:
        """Accept a CAP alert from another hazatlas instance; return (view, newly stored).

        The signature must verify with the webhook secret of one of the sending country's
        contacts in the directory (a secret shared by the two instances).
        """
        if not signature:
            raise SignatureError("missing X-Hazatlas-Signature header")
        report = parse_cap(body)
        with self.ctx.db.transaction() as s:
            store.begin_write(s)
            contacts = store.list_contacts(s, report.sender_country_iso3)
            if not _signed_by_any(self.ctx.settings, contacts, signature, body):
                raise SignatureError(
                    f"signature does not verify with any webhook secret of "
                    f"{report.sender_country_iso3} in the directory"
                )
            old = store.get_report(s, report.sender, report.id)
            if old is not None:
                return report_view(old), False
            event = audit_event(
                "report.received",
                "cap-incoming",
                report_id=report.id,
                sender=report.sender,
                type=report.type.value,
            )
            row = store.add_report(
                s,
                report_id=report.id,
                sender=report.sender,
                type=report.type.value,
                status=report.status.value,
                sender_country_iso3=report.sender_country_iso3,
                state="received",
                disclosure="parties",
                incoming=True,
                data=report_to_dict(report),
                ack_window_s=DEFAULT_ACK_WINDOW_S,
                created_by=f"cap:{report.sender}",
                created_at=now(),
                issued_at=store.utc(report.sent),
            )
            store.append_audit(s, [event])
            return report_view(row), True


def _signed_by_any(
    settings: Settings, contacts: Sequence[ContactRow], header: str, body: bytes
) -> bool:
    for c in contacts:
        try:
            verify_webhook_signature(
                webhook_secret(settings, c.webhook_secret_ref, c.id), header, body, now()
            )
            return True
        except (SignatureError, HazatlasError):
            continue
    return False
