"""Model runs stored as scenarios, linked to the establishment they started from, so that a
notification can cite them and the map can show them. Every stored run is audited.

A run of any kind is stored the same way: :func:`store` takes the run's
:class:`~hazatlas.models.base.ScenarioResult` (kind and result document) and the request as the
caller received it. The queries live in :mod:`hazatlas.storage.scenarios`.

:func:`record` is what the commands and routes call: it adds to the run's result document the
establishment, the inputs the site filled (``filled_from_establishment``), the model and data
versions (``provenance``) and the ``scenario_id``, and stores that very document, so that
``hazatlas scenarios show ID --json`` prints exactly the JSON the run printed and
``GET /api/scenarios/{id}`` (and ``scenarios show ID --meta``) gives it back as ``result`` of the
stored row. Only an authenticated user stores a run; the API refuses anonymous runs (401),
the CLI runs as the local administrator (or ``--as USER``) and stores unless ``--no-store``.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hazatlas.domain.access import ANONYMOUS, EntryScope, Principal, Scope, can_read_entry
from hazatlas.domain.errors import NotFoundError, PermissionDeniedError
from hazatlas.models.base import ScenarioResult
from hazatlas.storage import repositories as repo
from hazatlas.storage import scenarios as stored_runs
from hazatlas.storage.db import Database
from hazatlas.storage.scenarios import StoredScenario

KINDS = ("river", "plume", "runout", "tailings-failure")
#: What :func:`record` adds to every run's result document (the answer of the CLI and the API).
RUN_KEYS = ("establishment_id", "establishment", "filled_from_establishment", "provenance",
            "created_by", "scenario_id")

#: Packaged data each kind of run reads (``hazatlas.data``), recorded with their digests.
DATA_FILES: dict[str, tuple[tuple[str, ...], ...]] = {
    "river": (("geo", "rivers", "ne10m_river_network.geojson"),
              ("geo", "boundaries", "ne10m_admin0_countries_region.geojson"),
              ("reference", "river_gauges.csv"), ("reference", "hydraulic_geometry.csv"),
              ("reference", "river_spill_substances.csv")),
    "plume": (("geo", "boundaries", "ne10m_admin0_countries_region.geojson"),
              ("reference", "aegl_values.csv"), ("reference", "erpg_values.csv"),
              ("reference", "gaussian_briggs_sigma_coefficients.csv")),
    "runout": (("geo", "rivers", "ne10m_river_network.geojson"),
               ("geo", "boundaries", "ne10m_admin0_countries_region.geojson"),
               ("reference", "tailings_runout_coefficients.csv")),
}
# the tailings dam failure chain runs the runout and then the river model
DATA_FILES["tailings-failure"] = tuple(dict.fromkeys(DATA_FILES["runout"] + DATA_FILES["river"]))


@functools.cache
def _digest(path: str, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def data_version(path: Path, name: str | None = None) -> dict[str, str]:
    """A data file as recorded with a run: its name and the first 16 hex digits of its SHA-256."""
    return {"file": name or path.name, "sha256": _digest(str(path), path.stat().st_mtime_ns)}


def provenance(run: ScenarioResult, extra_data: Sequence[Path] = (),
               data_versions: Sequence[dict[str, str]] = ()) -> dict[str, Any]:
    """The versions a run was made with: hazatlas, each model (name and source) and the data
    files (packaged ones of :data:`DATA_FILES` and ``extra_data``, e.g. a user river network)."""
    from hazatlas import __version__
    from hazatlas.domain.reference import data_path

    data = [data_version(data_path(*parts), "/".join(parts)) for parts in DATA_FILES[run.kind]]
    data += [data_version(p, str(p)) for p in extra_data]
    data += [dict(v) for v in data_versions]  # e.g. a stored river network (services/networks)
    return {
        "hazatlas": __version__,
        "models": [{"name": v.model, "source": v.source} for v in run.validity],
        "data": data,
    }


def record(db: Database | None, principal: Principal, run: ScenarioResult,
           parameters: dict[str, Any], *, establishment: dict[str, Any] | None = None,
           filled: dict[str, Any] | None = None, extra_data: Sequence[Path] = (),
           document: dict[str, Any] | None = None, keep: bool = True,
           data_versions: Sequence[dict[str, str]] = ()) -> dict[str, Any]:
    """The run's answer (its result document with ``establishment_id``, ``establishment``,
    ``filled_from_establishment``, ``provenance``, ``created_by`` and ``scenario_id``), stored
    as it is returned when ``keep`` (``scenario_id`` null otherwise). ``document`` replaces
    :meth:`ScenarioResult.to_json` when the caller has amended it."""
    eid = establishment["id"] if establishment else None
    doc = {**(run.to_json() if document is None else document), "establishment_id": eid, "establishment": establishment,
           "filled_from_establishment": filled or {}, "provenance": provenance(run, extra_data, data_versions),
           "created_by": principal.username if keep else None, "scenario_id": None}
    if keep:
        if db is None:
            raise ValueError("storing a run needs a database")
        doc["scenario_id"] = str(uuid.uuid4())
        save(db, principal, run.kind, parameters, doc, eid, scenario_id=doc["scenario_id"])
    return doc


def store(db: Database, principal: Principal, run: ScenarioResult, parameters: dict[str, Any],
          establishment_id: str | None = None, document: dict[str, Any] | None = None) -> str:
    """Store a run of any kind (its result document, :meth:`ScenarioResult.to_json`, or
    ``document`` if the caller already has it) with the request ``parameters``; returns the
    scenario id (see :func:`save`)."""
    result = run.to_json() if document is None else document
    return save(db, principal, run.kind, parameters, result, establishment_id)


def save(db: Database, principal: Principal, kind: str, parameters: dict[str, Any],
         result: dict[str, Any], establishment_id: str | None = None,
         scenario_id: str | None = None) -> str:
    """Store a run; returns its id (``scenario_id``, else a new one). Only an authenticated user
    may store (not the anonymous public); the establishment, if given, must exist."""
    if principal is ANONYMOUS:
        raise PermissionDeniedError("storing a scenario needs an authenticated user")
    if kind not in KINDS:
        raise ValueError(f"unknown scenario kind {kind!r}")
    sid = scenario_id or str(uuid.uuid4())
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


def list_runs(db: Database, principal: Principal, *, establishment_id: str | None = None,
              kind: str | None = None, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """The runs ``principal`` may read, newest first (without their result; each with its
    summary headline figures: ``countries``, ``warnings`` count)."""
    if kind is not None and kind not in KINDS:
        from hazatlas.models.base import invalid_input

        raise invalid_input("kind", f"'{kind}' is not one of {', '.join(KINDS)}")
    with db.transaction() as s:
        rows = stored_runs.listing(s, establishment_id=establishment_id, kind=kind)
        readable = [r for r in rows if _readable(s, principal, r)]
    return [_brief(r) for r in readable[offset:offset + limit]]


def _brief(row: StoredScenario) -> dict[str, Any]:
    out = _out(row, result=False)
    countries = row.result.get("countries") or []
    out["countries"] = [c["country"] if isinstance(c, dict) else c for c in countries]
    out["filled_from_establishment"] = sorted(row.result.get("filled_from_establishment") or {})
    return out


def _out(row: StoredScenario, *, result: bool = True) -> dict[str, Any]:
    out = {"id": row.id, "kind": row.kind, "establishment_id": row.establishment_id,
           "created_by": row.created_by, "created_at": row.created_at.isoformat(),
           "parameters": row.parameters}
    if result:
        out["result"] = row.result
    return out
