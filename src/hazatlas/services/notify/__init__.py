"""Notification use cases, one module each: the directory (:mod:`.directory`), reports
(:mod:`.reports`), acknowledgement (:mod:`.acknowledgement`), escalation and notices
(:mod:`.escalation`), reports drafted from scenarios (:mod:`.draft`), test campaigns (:mod:`.campaigns`), incoming CAP alerts
(:mod:`.incoming`), the outbox's configuration and dead letters (:mod:`.delivery`), proposed
recipients (:mod:`.proposal`) and the audit check (:mod:`.audit`). They share one
:class:`~.common.Context` (the database, the user, the settings, the access rules) and return
the typed dictionaries of :mod:`.results`. Every query and write goes through
:mod:`hazatlas.storage.notifications`.

:class:`NotifyService` puts them together for the entry points (HTTP API, CLI): one object per
user, each method handed to its use case.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from hazatlas.domain.access import Principal
from hazatlas.domain.notification import Report
from hazatlas.services.notify.acknowledgement import Acknowledgements
from hazatlas.services.notify.audit import verify_audit
from hazatlas.services.notify.campaigns import Campaigns
from hazatlas.services.notify.common import DEFAULT_ACK_WINDOW_S, Context
from hazatlas.services.notify.delivery import DeadLetters, outbox_config
from hazatlas.services.notify.directory import Directory
from hazatlas.services.notify.escalation import Notices, escalate_due
from hazatlas.services.notify.incoming import Incoming
from hazatlas.services.notify.reports import Reports
from hazatlas.services.notify.results import (
    Acknowledgement,
    AuthorityView,
    CampaignResult,
    CampaignStarted,
    ContactView,
    DeadLetterView,
    DeliveryView,
    Draft,
    NoticeView,
    Proposal,
    Reachability,
    ReportSummary,
    ReportView,
)
from hazatlas.services.notify.webhook_secrets import webhook_secret
from hazatlas.services.settings import Settings
from hazatlas.storage.db import Database

if TYPE_CHECKING:
    import datetime as dt

    from hazatlas.services.notify.proposal import Proposals

__all__ = [
    "DEFAULT_ACK_WINDOW_S",
    "NotifyService",
    "escalate_due",
    "outbox_config",
    "verify_audit",
    "webhook_secret",
]


class NotifyService:
    """Notifications as one user sees them: the directory, reports, acknowledgement, dead
    letters, notices, campaigns, proposals and incoming alerts."""

    def __init__(self, db: Database, principal: Principal, settings: Settings) -> None:
        self.ctx = Context(db, principal, settings)
        self._directory = Directory(self.ctx)
        self._reports = Reports(self.ctx)
        self._acknowledgements = Acknowledgements(self.ctx)
        self._dead = DeadLetters(self.ctx, self._reports)
        self._notices = Notices(self.ctx)
        self._campaigns = Campaigns(self.ctx, self._reports)
        self._incoming = Incoming(self.ctx)

    @property
    def _proposals(self) -> Proposals:
        # imported when used: it brings in the register and the river screening
        from hazatlas.services.notify.proposal import Proposals

        return Proposals(self.ctx)

    # -- directory ------------------------------------------------------------------------
    def directory(self, party: str | None = None) -> list[AuthorityView]:
        return self._directory.directory(party)

    def save_authority(self, data: dict[str, Any]) -> AuthorityView:
        return self._directory.save_authority(data)

    def delete_authority(self, authority_id: str) -> None:
        self._directory.delete_authority(authority_id)

    def save_contact(self, data: dict[str, Any]) -> ContactView:
        return self._directory.save_contact(data)

    def delete_contact(self, contact_id: str) -> None:
        self._directory.delete_contact(contact_id)

    def contact_secret(self, contact_id: str) -> str:
        return self._directory.contact_secret(contact_id)

    def reachability(self) -> list[Reachability]:
        return self._directory.reachability()

    # -- reports --------------------------------------------------------------------------
    def create_report(
        self,
        data: dict[str, Any],
        recipients: Iterable[str] = (),
        *,
        issue: bool = False,
        ack_window_s: int = DEFAULT_ACK_WINDOW_S,
        disclosure: str = "recipients",
        campaign_id: int | None = None,
        source: str = "report",
    ) -> ReportView:
        return self._reports.create_report(
            data,
            recipients,
            issue=issue,
            ack_window_s=ack_window_s,
            disclosure=disclosure,
            campaign_id=campaign_id,
            source=source,
        )

    def issue_report(self, report_id: str) -> ReportView:
        return self._reports.issue_report(report_id)

    def get_report(self, report_id: str) -> ReportView:
        return self._reports.get_report(report_id)

    def list_reports(self, limit: int = 100, offset: int = 0) -> list[ReportSummary]:
        return self._reports.list_reports(limit, offset)

    def report(self, report_id: str) -> Report:
        return self._reports.report(report_id)

    def cap(self, report_id: str) -> bytes:
        return self._reports.cap(report_id)

    def propose(
        self,
        establishment_id: str | None = None,
        lon: float | None = None,
        lat: float | None = None,
        scenarios: Sequence[dict[str, Any]] = (),
    ) -> Proposal:
        return self._proposals.propose(establishment_id, lon, lat, scenarios)

    def proposed_recipients(self, data: Any, source: str) -> list[str]:
        return self._proposals.recipients_for(data, source)

    def draft_report(
        self,
        scenario_id: str,
        languages: Sequence[str] = ("en",),
        *,
        report_type: str = "early_warning",
        status: str = "actual",
        occurred_at: dt.datetime | None = None,
        timezone: str | None = None,
        sender_country: str | None = None,
    ) -> Draft:
        # imported when used: it brings in the river network and the borders
        from hazatlas.services.notify.draft import Drafts

        return Drafts(self.ctx).draft(
            scenario_id,
            languages,
            report_type=report_type,
            status=status,
            occurred_at=occurred_at,
            timezone=timezone,
            sender_country=sender_country,
        )

    # -- acknowledgement, dead letters, notices -------------------------------------------
    def acknowledge(self, report_id: str, contact_id: str | None = None) -> Acknowledgement:
        return self._acknowledgements.acknowledge(report_id, contact_id)

    def acknowledge_link(self, m: str, r: str, exp: str, sig: str) -> Acknowledgement:
        return self._acknowledgements.acknowledge_link(m, r, exp, sig)

    def dead_letters(self) -> list[DeadLetterView]:
        return self._dead.dead_letters()

    def requeue(self, delivery_id: int) -> DeliveryView:
        return self._dead.requeue(delivery_id)

    def notices(self) -> list[NoticeView]:
        return self._notices.notices()

    # -- campaigns, incoming --------------------------------------------------------------
    def start_campaign(
        self,
        name: str,
        window_s: int,
        parties: Sequence[str] = (),
        sender_country: str | None = None,
        languages: Sequence[str] = (),
    ) -> CampaignStarted:
        return self._campaigns.start_campaign(name, window_s, parties, sender_country, languages)

    def campaign_result(self, campaign_id: int) -> CampaignResult:
        return self._campaigns.campaign_result(campaign_id)

    def receive_cap(self, body: bytes, signature: str | None) -> tuple[ReportView, bool]:
        return self._incoming.receive_cap(body, signature)
