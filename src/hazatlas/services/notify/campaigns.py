"""Communication tests: a Test message to every active contact (of some parties), and who
acknowledged it within the campaign's window."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from hazatlas.domain import delivery_state as ds
from hazatlas.domain.errors import NotFoundError, Problem, ValidationError
from hazatlas.domain.text import check_text
from hazatlas.services.notify.common import Context, audit_event, iso, now
from hazatlas.services.notify.reports import Reports
from hazatlas.services.notify.results import CampaignContact, CampaignResult, CampaignStarted
from hazatlas.storage import notifications as store
from hazatlas.storage.notification_tables import DeliveryRow


class Campaigns:
    """Test campaigns as one user sees them (the Test message is a report)."""

    def __init__(self, ctx: Context, reports: Reports) -> None:
        self.ctx = ctx
        self.reports = reports

    def start_campaign(
        self,
        name: str,
        window_s: int,
        parties: Sequence[str] = (),
        sender_country: str | None = None,
        languages: Sequence[str] = (),
    ) -> CampaignStarted:
        """Send a Test message to every active contact (of ``parties``, or of all)."""
        check_text(
            {"name": name, "parties": list(parties), "languages": list(languages)}, "request"
        )
        data: dict[str, Any] = {
            "type": "test",
            "status": "test",
            "texts": [{"language": "en", "description": f"Communication test: {name}"}],
            "languages": [x for x in languages if x != "en"],
        }
        if sender_country:
            data["sender_country"] = sender_country
        self.ctx.sender_country(data)  # may this user send at all (before anything is written)?
        with self.ctx.db.transaction() as s:
            store.begin_write(s)
            targets = [
                c.id
                for c in store.list_contacts(s)
                if c.active and (not parties or c.party in parties)
            ]
            if not targets:
                raise ValidationError([Problem("request", None, "parties", "no active contacts")])
            campaign_id = store.add_campaign(
                s,
                name=name,
                window_s=window_s,
                parties=parties,
                created_by=self.ctx.actor,
                started_at=now(),
            )
            event = audit_event(
                "campaign.started",
                self.ctx.actor,
                campaign_id=campaign_id,
                name=name,
                window_s=window_s,
                contacts=targets,
            )
            store.append_audit(s, [event])
        view = self.reports.create_report(
            data, targets, issue=True, ack_window_s=window_s, campaign_id=campaign_id
        )
        return {
            "campaign_id": campaign_id,
            "name": name,
            "report_id": view["id"],
            "contacts": len(targets),
        }

    def campaign_result(self, campaign_id: int) -> CampaignResult:
        """Who acknowledged the campaign's Test message within its window."""
        self.ctx.require_authority()
        with self.ctx.db.transaction() as s:
            c = store.get_campaign(s, campaign_id)
            reports = store.campaign_reports(s, campaign_id) if c is not None else []
            deliveries = {r.pk: store.deliveries_of(s, r.pk) for r in reports}
            # Read by the administrator, the sending country (all contacts) and the recipients
            # (their own contacts); to anyone else it does not exist.
            full = self.ctx.principal.is_admin or any(self.ctx.is_sender_side(r) for r in reports)
            mine = {
                d.id
                for rows in deliveries.values()
                for d in rows
                if full or self.ctx.owns_delivery(d)
            }
            if c is None or not (full or mine):
                raise NotFoundError(f"campaign {campaign_id} not found")
            window = dt.timedelta(seconds=c.window_s)
            per: dict[str, CampaignContact] = {}
            for r in reports:
                issued = store.aware(r.issued_at) or store.aware(c.started_at)
                assert issued is not None
                for d in deliveries[r.pk]:
                    if d.id in mine:
                        _count(per, d, issued, window)
            rows = sorted(per.values(), key=lambda x: x["contact_id"])
            return {
                "campaign_id": c.id,
                "name": c.name,
                "window_s": c.window_s,
                "started_at": iso(c.started_at),
                "contacts": rows,
                "acknowledged_within": sum(1 for x in rows if x["within"]),
                "total": len(rows),
            }


def _count(
    per: dict[str, CampaignContact], d: DeliveryRow, issued: dt.datetime, window: dt.timedelta
) -> None:
    """Add delivery ``d`` to its contact's line: its state, its (earliest) acknowledgement and
    whether that came within ``window`` of ``issued``."""
    dom = store.to_delivery(d)
    e = per.setdefault(
        d.contact_id,
        {
            "contact_id": d.contact_id,
            "party": d.party,
            "acknowledged_at": None,
            "within": False,
            "states": [],
        },
    )
    e["states"].append(f"{d.channel}:{d.state}")
    acked = dom.acknowledged_at.isoformat() if dom.acknowledged_at else None
    if acked and (e["acknowledged_at"] is None or acked < e["acknowledged_at"]):
        e["acknowledged_at"] = acked
    e["within"] = e["within"] or ds.acknowledged_within(dom, issued, window)
