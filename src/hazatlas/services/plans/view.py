"""A plan as one reader may see it: the JSON document of the API, of ``--json`` and of the JSON
export (keys in ``docs/plans.md``).

Readers of level ``public`` get the plan's public sections only. Each link is resolved for the
reader: an establishment shows its public fields (id, name, country, ``site_kind``), and its
identification and screening only to a reader of its confidential fields
(``access.can_read_full``); a stored scenario shows its figures only to a reader allowed to read
the run (``services.scenarios``), a point of contact its details only to a reader of the full
plan; anything else is ``"withheld": true``. So another country's confidential site in a joint
plan is named but not described.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hazatlas.domain.access import Principal, can_read_full
from hazatlas.domain.errors import NotFoundError, PermissionDeniedError
from hazatlas.domain.plans import access, lifecycle
from hazatlas.domain.plans.model import Link, LinkKind, Plan
from hazatlas.storage import assessments as assessment_store
from hazatlas.storage import repositories as repo
from hazatlas.storage.db import Database
from hazatlas.storage.notifications import directory

WITHHELD = {"withheld": True}


def _establishment(s: Any, principal: Principal, target: str) -> dict[str, Any]:
    e = repo.get(s, target)
    if e is None:
        return {"missing": True}
    # ``site_kind``, not ``kind``: the link's own ``kind`` (``establishment``) stays
    out: dict[str, Any] = {"name": e.name, "country_iso3": e.country_iso3,
                           "site_kind": str(e.kind)}
    if not can_read_full(principal, e.disclosure, e.country_iso3, e.id):
        return {**out, **WITHHELD}
    for kind in ("classification", "screening"):
        row = assessment_store.get(s, target, kind)
        out[kind] = row.result if row is not None else None
    return out


def _scenario(db: Database, principal: Principal, target: str) -> dict[str, Any]:
    from hazatlas.services import scenarios

    try:
        run = scenarios.get(db, principal, target)
    except NotFoundError:
        return {"missing": True}
    except PermissionDeniedError:
        return dict(WITHHELD)
    result = run["result"]
    river = result.get("river") if isinstance(result.get("river"), dict) else result
    points = [{"name": p.get("name"), "arrival": p.get("arrival")}
              for p in (river.get("points") or []) if isinstance(p, dict)]
    return {"scenario_kind": run["kind"], "establishment_id": run["establishment_id"],
            "created_at": run["created_at"],
            "countries": result.get("countries") or river.get("countries") or [],
            "points": points, "warnings": result.get("warnings") or []}


def _contact(s: Any, level: str, target: str) -> dict[str, Any]:
    if level != access.FULL:
        return dict(WITHHELD)
    row = directory.get_contact(s, target)
    if row is None:
        return {"missing": True}
    return {"name": row.name, "party": row.party, "role": row.role,
            "languages": list(row.languages), "available_24_7": row.available_24_7,
            "escalation_order": row.escalation_order, "active": row.active}


def _link(db: Database, s: Any, principal: Principal, level: str, lk: Link) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": str(lk.kind), "target": lk.target, "note": lk.note}
    if lk.kind is LinkKind.ESTABLISHMENT:
        out.update(_establishment(s, principal, lk.target))
    elif lk.kind is LinkKind.SCENARIO:
        out.update(_scenario(db, principal, lk.target))
    elif lk.kind is LinkKind.CONTACT:
        out.update(_contact(s, level, lk.target))
    return out


def readable_view(db: Database, principal: Principal, plan: Plan, level: str,
                  now: dt.datetime) -> dict[str, Any]:
    doc = plan.to_json()
    doc["status"] = lifecycle.status(plan, now)
    doc["access"] = level
    sections = [s for s in plan.sections if level == access.FULL or s.public]
    resolved = []
    with db.transaction() as s:
        for section in sections:
            item = section.to_json()
            item["links"] = [_link(db, s, principal, level, lk) for lk in section.links]
            resolved.append(item)
    doc["sections"] = resolved
    if level != access.FULL:
        doc["review_requests"] = []
    return doc
