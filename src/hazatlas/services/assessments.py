"""Derived results kept current: identification (Seveso III / Convention Annex I / location
criteria) is computed and stored for every establishment whenever it is written, with the rules
version; the register service calls :func:`refresh` inside the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hazatlas.domain.access import Principal, visible
from hazatlas.domain.errors import HazatlasError, NotFoundError
from hazatlas.domain.establishment import Establishment
from hazatlas.storage import assessments as store
from hazatlas.storage import change_feed
from hazatlas.storage import repositories as repo
from hazatlas.storage.db import Database, Session

CLASSIFICATION = "classification"
SCREENING = "screening"
SCREENING_VERSION = "hazatlas-screening/1 (bundled Natural Earth network; docs/screening.md)"
# Writes touching at most this many establishments recompute their results at once; larger
# ones (bulk imports) drop the stale results, which are recomputed when next read.
EAGER_REFRESH_LIMIT = 200

# Keys of a stored classification that anyone may read; the rest (sums, contributions, reasons)
# reveal the inventory and follow the establishment's disclosure level.
PUBLIC_CLASSIFICATION_KEYS = (
    "establishment_id",
    "seveso_tier",
    "convention_hazardous_activity",
    "annex_version",
    "location_assessed",
    "location_flags",
    "transboundary_effects_possible",
    "rules_version",
)


def screening_results(establishments: Sequence[Establishment]) -> list[dict[str, Any]]:
    """Screen establishments on the bundled river network (one JSON-ready dict each)."""
    from hazatlas.services.screen import screen_establishments

    if not establishments:
        return []
    return screen_establishments(list(establishments)).results()


def location_inputs(establishments: Sequence[Establishment],
                    screened: Sequence[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Border distance and transboundary-water flag of each establishment, from screening.

    A site is on transboundary water when the downstream path of its receiving reach reaches
    another country; sites that do not snap to a reach are not flagged (the reasons say the
    water criterion could not be assessed).
    """
    from hazatlas.rules.location import LocationInputs

    if screened is None:
        screened = screening_results(establishments)
    out = {}
    for e, r in zip(establishments, screened, strict=True):
        border = r.get("nearest_border") or {}
        foreign = [d for d in r.get("downstream") or [] if d.get("country") != e.country_iso3]
        out[e.id] = LocationInputs(
            border_distance_km=border.get("distance_km"),
            border_country_iso3=border.get("country"),
            on_transboundary_water=bool(foreign),
            water_body=(r.get("reach_name") or e.receiving_water or f"reach {r.get('reach_id')}")
            if foreign else None,
        )
    return out


def invalidate(session: Session, ids: Sequence[str]) -> None:
    """Drop stored results of ``ids`` (they are recomputed when next read)."""
    store.delete(session, ids)


def refresh(session: Session, ids: Sequence[str]) -> int:
    """Recompute and store the classification of ``ids`` (those that still exist)."""
    from hazatlas.rules import RULES_VERSION
    from hazatlas.rules.convention import DEFAULT_ANNEX_VERSION
    from hazatlas.services.classify import classify_establishments

    found = repo.get_many(session, list(ids))
    if not found:
        return 0
    ests = list(found.values())
    versions = store.annex_versions(session)
    screened = screening_results(ests)
    store.replace(session, SCREENING, SCREENING_VERSION,
                  [(e.id, {}, r) for e, r in zip(ests, screened, strict=True)])
    where = location_inputs(ests, screened)
    results = []
    by_version: dict[str, list[Establishment]] = {}
    for e in ests:
        by_version.setdefault(versions.get(e.country_iso3, DEFAULT_ANNEX_VERSION), []).append(e)
    for version, group in by_version.items():
        for e in group:
            try:
                c = classify_establishments([e], version, where)[0].to_dict()
            except HazatlasError as exc:
                c = {
                    "establishment_id": e.id,
                    "seveso_tier": "not classifiable",
                    "convention_hazardous_activity": None,
                    "annex_version": version,
                    "error": str(exc),
                    "reasons": [f"not classifiable: {exc}"],
                    "rules_version": RULES_VERSION,
                }
            results.append((e.id, {"annex_version": version}, c))
    store.replace(session, CLASSIFICATION, RULES_VERSION, results)
    # a changed tier or Annex I status is an entry of the history (the open data feed)
    change_feed.record_classification_changes(session, [(eid, c) for eid, _p, c in results])
    return len(results)


def classification_for(db: Database, principal: Principal, establishment_id: str) -> dict[str, Any]:
    """The stored classification as ``principal`` may see it."""
    with db.transaction() as s:
        e = repo.get(s, establishment_id)
        if e is None:
            raise NotFoundError(f"establishment '{establishment_id}' not found")
        row = store.get(s, establishment_id, CLASSIFICATION)
        if row is None:
            refresh(s, [establishment_id])
            row = store.get(s, establishment_id, CLASSIFICATION)
        assert row is not None
        result = dict(row.result)
        result["computed_at"] = row.computed_at.isoformat()
    _, full = visible(principal, e)
    if not full:
        result = {k: result.get(k) for k in PUBLIC_CLASSIFICATION_KEYS}
        result["complete"] = False
    else:
        result["complete"] = True
    return result


def classify_register(
    db: Database,
    principal: Principal,
    *,
    annex_version: str | None = None,
    country: str | None = None,
) -> list[dict[str, Any]]:
    """Classify the register as ``principal`` may see it (``hazatlas classify`` without a file).

    With ``annex_version`` the Convention Annex I version is forced for this run (nothing is
    stored); otherwise the stored results (each country's own version) are returned.
    """
    from hazatlas.services.classify import classify_establishments

    with db.transaction() as s:
        ids = repo.all_ids(s)
        found = repo.get_many(s, ids)
        ests = [found[i] for i in ids if country is None or found[i].country_iso3 == country]
        if annex_version is None:
            missing = [e.id for e in ests if store.get(s, e.id, CLASSIFICATION) is None]
            if missing:
                refresh(s, missing)
            rows = store.get_many(s, [e.id for e in ests], CLASSIFICATION)
            results = {eid: dict(r.result) for eid, r in rows.items()}
        else:
            where = location_inputs(ests)
            results = {}
            for e in ests:
                try:
                    results[e.id] = classify_establishments([e], annex_version, where)[0].to_dict()
                except HazatlasError as exc:
                    results[e.id] = {
                        "establishment_id": e.id,
                        "seveso_tier": "not classifiable",
                        "error": str(exc),
                    }
    out = []
    for e in ests:
        r = results[e.id]
        _, full = visible(principal, e)
        out.append(
            r if full else {**{k: r.get(k) for k in PUBLIC_CLASSIFICATION_KEYS}, "complete": False}
        )
    return out


def set_annex_version(db: Database, principal: Principal, iso3: str, version: str) -> None:
    """Choose the Convention Annex I version a country applies, and reclassify its register."""
    from hazatlas.domain.access import can_write
    from hazatlas.domain.errors import PermissionDeniedError
    from hazatlas.services.classify import check_annex_version

    check_annex_version(version)
    if not can_write(principal, iso3, ""):
        raise PermissionDeniedError(
            f"user '{principal.username}' may not change settings of {iso3}"
        )
    with db.transaction() as s:
        old = store.set_annex_version(s, iso3, version)
        repo.record_change(
            s,
            entity_type="country",
            entity_id=iso3,
            action="update",
            actor=principal.username,
            changes={"teia_annex_version": [old, version]},
        )
        refresh(s, store.establishments_of_country(s, iso3))
