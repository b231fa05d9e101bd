"""The scenarios part of a site's page: the stored runs the user may read, and whether the user
may run one (signed in and entitled to the site's confidential fields, the rule of
:func:`hazatlas.services.site_scenarios.site_for_run`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hazatlas.domain.access import ANONYMOUS, Principal
from hazatlas.services import scenarios
from hazatlas.services.store import Database


def site_scenarios(db: Database, principal: Principal, establishment_id: str,
                   full: bool) -> dict[str, Any]:
    """``scenario_runs`` (newest first, as ``GET /api/scenarios?establishment_id=`` lists them),
    ``may_run`` and ``now`` (the default start of a river spill, UTC to the minute)."""
    return {
        "scenario_runs": scenarios.list_runs(db, principal, establishment_id=establishment_id),
        "may_run": full and principal != ANONYMOUS,
        "now": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M"),
    }
