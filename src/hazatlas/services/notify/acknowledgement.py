"""Acknowledgement of receipt: through the API by a recipient country's authority (or an
administrator for a named contact), or by the signed link of an e-mail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from hazatlas.delivery.signing import verify_ack
from hazatlas.domain import delivery_state as ds
from hazatlas.domain.access import Role
from hazatlas.domain.errors import ConflictError, NotFoundError, PermissionDeniedError
from hazatlas.services.notify.common import Context, iso, now, signing_key
from hazatlas.services.notify.results import Acknowledgement
from hazatlas.storage import notifications as store
from hazatlas.storage.db import Session
from hazatlas.storage.notification_tables import DeliveryRow


class Acknowledgements:
    """Acknowledgements as one user (or the holder of a signed link) gives them."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def acknowledge(self, report_id: str, contact_id: str | None = None) -> Acknowledgement:
        """Acknowledge receipt through the API for the user's country (or a named contact)."""
        p = self.ctx.principal
        if p.role is not Role.NATIONAL and not (p.is_admin and contact_id):
            raise PermissionDeniedError(
                "acknowledge as the national authority of a recipient country "
                "(an administrator must name the contact)"
            )
        with self.ctx.db.transaction() as s:
            store.begin_write(s)
            row = store.get_report(s, self.ctx.sender, report_id)
            rows = [
                d
                for d in (store.deliveries_of(s, row.pk) if row is not None else [])
                if (contact_id is None or d.contact_id == contact_id)
                and (p.is_admin or d.party == p.country_iso3)
            ]
            if not rows:  # the same answer whether the report exists or not
                raise NotFoundError(
                    f"no report '{report_id}' sent to {contact_id or p.country_iso3}"
                )
            return _acknowledge(s, rows, now(), p.username)

    def acknowledge_link(self, m: str, r: str, exp: str, sig: str) -> Acknowledgement:
        """Acknowledge by the signed link of an e-mail; an earlier acknowledgement is kept."""
        verify_ack(signing_key(self.ctx.settings), m, r, exp, sig, now())
        with self.ctx.db.transaction() as s:
            store.begin_write(s)
            d = store.delivery_by_key(s, ds.idempotency_key(m, r))
            if d is None or d.message_id != m:
                raise NotFoundError("no message for this acknowledgement link")
            siblings = [
                x for x in store.deliveries_of(s, d.report_pk) if x.contact_id == d.contact_id
            ]
            done = sorted(x.acknowledged_at for x in siblings if x.acknowledged_at is not None)
            if done:
                return {
                    "report_id": m,
                    "contact_id": d.contact_id,
                    "already": True,
                    "acknowledged_at": iso(done[0]),
                }
            return _acknowledge(s, siblings, now(), f"link:{d.contact_id}")


def _not_acknowledgeable(rows: Sequence[DeliveryRow]) -> str:
    """Why none of ``rows`` can be acknowledged, from their states.

    The state machine accepts an acknowledgement once the message has left hazatlas (sent,
    delivered, failed, dead letter, escalated): it proves receipt. It refuses ``issued`` (not
    sent yet, or queued again after a dead letter: the recipient gets it, with a link that
    works then), ``draft`` and ``closed``.
    """
    states = {d.state for d in rows}
    report = rows[0].message_id
    if ds.DeliveryState.ACKNOWLEDGED in states:
        when = min((d.acknowledged_at for d in rows if d.acknowledged_at is not None), default=None)
        return f"receipt of report '{report}' was already acknowledged ({iso(when)})"
    if ds.DeliveryState.ISSUED in states or ds.DeliveryState.DRAFT in states:
        return (
            f"report '{report}' has not been delivered to you yet (it is queued for sending); "
            "acknowledge it once it has arrived - the link in the message will work then"
        )
    if ds.DeliveryState.CLOSED in states:
        return f"report '{report}' is closed (end of alert); no acknowledgement is needed"
    return (
        f"receipt of report '{report}' cannot be acknowledged (state: {', '.join(sorted(states))})"
    )


def _acknowledge(
    s: Session, rows: Sequence[DeliveryRow], at: dt.datetime, actor: str
) -> Acknowledgement:
    events = []
    for d in rows:
        before = store.to_delivery(d)
        if (ds.DeliveryEvent.ACKNOWLEDGE, before.state) not in ds.TRANSITIONS:
            continue
        after = ds.acknowledge(before, at)
        store.store_delivery(d, after, acknowledged_by=actor)
        events.append(ds.audit_event(before, after, ds.DeliveryEvent.ACKNOWLEDGE, actor))
    if not events:
        raise ConflictError(_not_acknowledgeable(rows))
    store.append_audit(s, events)
    return {
        "report_id": rows[0].message_id,
        "acknowledged": [str(e["recipient_id"]) for e in events],
        "acknowledged_at": at.isoformat(),
        "already": False,
    }
