"""Repositories of notifications: the directory (:mod:`.directory`), reports, notices and
campaigns (:mod:`.reports`), the outbox (:mod:`.outbox`) and the audit chain (:mod:`.audit`).

Every function works inside a session opened by the caller (``Database.transaction()``), so a
use case writes a report, its outbox rows and its audit entries in one transaction. Every
query and every change of a row is made here; the services decide, these functions store.

Times are stored in UTC. SQLite gives them back without a time zone; :func:`aware` puts UTC
back on them.
"""

from __future__ import annotations

from hazatlas.storage.notifications.audit import (
    append_audit,
    audit_entries,
    audit_head,
    audit_snapshot,
    audit_witnesses,
    begin_write,
    worker_write,
)
from hazatlas.storage.notifications.directory import (
    CONTACT_FIELDS,
    basins,
    delete_authority,
    delete_contact,
    escalation_order,
    get_authority,
    get_contact,
    list_authorities,
    list_contacts,
    save_authority,
    save_contact,
)
from hazatlas.storage.notifications.outbox import (
    add_deliveries,
    any_due,
    awaiting_escalation,
    claim_due,
    dead_letters,
    deliveries_of,
    delivery_by_key,
    delivery_columns,
    draft_deliveries,
    get_delivery,
    insert_deliveries,
    last_acknowledged,
    save_states,
    state_counts,
    still_sent,
    store_delivery,
    to_delivery,
)
from hazatlas.storage.notifications.reports import (
    add_campaign,
    add_notice,
    add_report,
    campaign_reports,
    get_campaign,
    get_report,
    list_reports,
    mark_closed,
    mark_issued,
    notices,
    recipient_parties,
    report_by_pk,
    reports_by_id,
)
from hazatlas.storage.notifications.times import aware, utc

__all__ = [
    "CONTACT_FIELDS",
    "add_campaign",
    "add_deliveries",
    "add_notice",
    "add_report",
    "any_due",
    "append_audit",
    "audit_entries",
    "audit_head",
    "audit_snapshot",
    "audit_witnesses",
    "aware",
    "awaiting_escalation",
    "basins",
    "begin_write",
    "campaign_reports",
    "claim_due",
    "dead_letters",
    "delete_authority",
    "delete_contact",
    "deliveries_of",
    "delivery_by_key",
    "delivery_columns",
    "draft_deliveries",
    "escalation_order",
    "get_authority",
    "get_campaign",
    "get_contact",
    "get_delivery",
    "get_report",
    "insert_deliveries",
    "last_acknowledged",
    "list_authorities",
    "list_contacts",
    "list_reports",
    "mark_closed",
    "mark_issued",
    "notices",
    "recipient_parties",
    "report_by_pk",
    "reports_by_id",
    "save_authority",
    "save_contact",
    "save_states",
    "state_counts",
    "still_sent",
    "store_delivery",
    "to_delivery",
    "utc",
    "worker_write",
]
