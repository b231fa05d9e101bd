"""Model runs stored as scenarios, linked to the establishment they started from, so that a
notification can cite them and the map can show them. Every stored run is audited.

A run of any kind is stored the same way: :func:`store` takes the run's
:class:`~hazatlas.models.base.ScenarioResult` (kind and result document) and the request as the
caller received it. The queries live in :mod:`hazatlas.storage.scenarios`.
"""

from __future__ import annotations

import uuid
from typing import Any

from hazatlas.domain.access import ANONYMOUS, EntryScope, Principal, Scope, can_read_entry
from hazatlas.domain.errors import NotFoundError, PermissionDeniedError
from hazatlas.models.base import ScenarioResult
from hazatlas.storage import repositories as repo
from hazatlas.storage import scenarios as stored_runs
from hazatlas.storage.db import Database
from hazatlas.storage.scenarios import StoredScenario

KINDS = ("river", "plume", "runout")


def store(db: Database, principal: Principal, run: ScenarioResult, parameters: dict[str, Any],
          establishment_id: str | None = None, document: dict[str, Any] | None = None) -> str:
    """Store a run of any kind (its result document, :meth:`ScenarioResult.to_json`, or
    ``document`` if the caller already has it) with the request ``parameters``; returns the
    scenario id (see :func:`save`)."""
    result = run.to_json() if document is None else document
    return save(db, principal, run.kind, parameters, result, establishment_id)


def save(db: Database, principal: Principal, kind: str, parameters: dict[str, Any],
         result: dict[str, Any], establishment_id: str | None = None) -> str:
    """Store a run; returns its id. Only an authenticated user may store (not the anonymous
    public); the establishment, if given, must exist."""
    if principal is ANONYMOUS:
        raise PermissionDeniedError("storing a scenario needs an authenticated user")
    if kind not in KINDS:
        raise ValueError(f"unknown scenario kind {kind!r}")
    sid = str(uuid.uuid4())
    scope = None
    with db.transaction() as s:
        if establishment_id is not None:
            e = repo.get(s, establishment_id)
            if e is None:
                raise NotFoundError(f"establishment '{establishment_id}' not found")
            scope = EntryScope.between(Scope.of(e), None)  # who may read the run: see _readable
        stored_runs.insert(s, scenario_id=sid, kind=kind, establishment_id=establishment_id,
                           created_by=principal.username, parameters=parameters, result=result)
        repo.record_change(s, entity_type="scenario", entity_id=sid, action="create",
                           actor=principal.username,
                           changes={"kind": [None, kind], "establishment_id": [None, establishment_id]},
                           scope=scope)
    return sid


def _readable(s: Any, principal: Principal, row: StoredScenario) -> bool:
    """A run linked to an establishment is read by those entitled to the establishment's
    confidential fields both when the run was stored and now (``access.can_read_entry``); once
    the establishment is deleted, by administrators only. Unlinked runs are read by everyone."""
    stored = repo.history(s, row.id, "scenario")
    linked = row.establishment_id  # NULL once the establishment is deleted: the log keeps it
    if linked is None and stored:
        linked = (stored[0].changes.get("establishment_id") or [None, None])[1]
    if linked is None:
        return True
    current = repo.scopes_of(s, [linked]).get(linked)
    return can_read_entry(principal, stored[0].scope if stored else None, current)


def get(db: Database, principal: Principal, scenario_id: str) -> dict[str, Any]:
    with db.transaction() as s:
        row = stored_runs.get(s, scenario_id)
        if row is None:
            raise NotFoundError(f"scenario '{scenario_id}' not found")
        if not _readable(s, principal, row):
            raise PermissionDeniedError(f"scenario '{scenario_id}' belongs to a confidential record")
        return _out(row)


def list_for(db: Database, principal: Principal, establishment_id: str) -> list[dict[str, Any]]:
    with db.transaction() as s:
        rows = stored_runs.of_establishment(s, establishment_id)
        return [_out(r, result=False) for r in rows if _readable(s, principal, r)]


def _out(row: StoredScenario, *, result: bool = True) -> dict[str, Any]:
    out = {"id": row.id, "kind": row.kind, "establishment_id": row.establishment_id,
           "created_by": row.created_by, "created_at": row.created_at.isoformat(),
           "parameters": row.parameters}
    if result:
        out["result"] = row.result
    return out
