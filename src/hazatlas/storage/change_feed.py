"""The register's history read for the open data feed (issue 17): the establishments' entries of
``change_log`` and the changes of their identification, newest first, a page at a time (keyset
on the entry id), and the current names of the establishments they are about. Nothing is
filtered here: what the public may see of an entry is
:func:`hazatlas.domain.access.public_changes`'s (and, for identification entries,
:data:`CLASSIFICATION_KEYS`) to say.

Identification changes: a stored identification is a recomputed result, not a write of the
establishment (its tier changes when the Annex I version of its country changes, or the rules
change). :func:`record_classification_changes` compares each newly stored identification with
the last one published (table ``classification_state``) and writes a history entry
(``entity_type`` :data:`CLASSIFICATION`) when its Seveso tier or its Convention hazardous
activity status changed: action ``identify`` for an establishment's first identification when
it makes the site a Seveso establishment or a Convention hazardous activity (a site that is
neither gives no entry), ``reclassify`` for every later change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from hazatlas.storage.dialogue_tables import ClassificationStateRow
from hazatlas.storage.repositories import _id_chunks
from hazatlas.storage.tables import ChangeRow, EstablishmentRow, utcnow

_BATCH = 500  # entries read per statement
ESTABLISHMENT = "establishment"
CLASSIFICATION = "classification"
#: the public keys of an identification whose change is an entry of the feed, and the one that
#: is shown with them (public: ``services.assessments.PUBLIC_CLASSIFICATION_KEYS``)
TRACKED_KEYS = ("seveso_tier", "convention_hazardous_activity")
CLASSIFICATION_KEYS = (*TRACKED_KEYS, "annex_version")
_FEED_TYPES = (ESTABLISHMENT, CLASSIFICATION)


class Change(NamedTuple):
    id: int
    establishment_id: str
    action: str
    at: dt.datetime
    changes: dict[str, list[Any]]
    entity_type: str = ESTABLISHMENT


def establishment_changes(session: Session, *, before: int | None = None) -> Iterator[Change]:
    """The establishments' history entries and their identification changes with an id below
    ``before`` (all: ``None``), newest first, read :data:`_BATCH` at a time as the caller
    consumes them."""
    c = ChangeRow.__table__.c
    stmt = (select(c.id, c.entity_id, c.action, c.at, c.changes, c.entity_type)
            .where(c.entity_type.in_(_FEED_TYPES)).order_by(c.id.desc()).limit(_BATCH))
    while True:
        page = session.execute(stmt if before is None else stmt.where(c.id < before)).all()
        for row in page:
            yield Change(row[0], row[1], row[2], _utc(row[3]), row[4] or {}, row[5])
        if len(page) < _BATCH:
            return
        before = page[-1][0]


def identified(result: dict[str, Any]) -> bool:
    """Whether an identification makes the site a Seveso III establishment (lower or upper
    tier) or a hazardous activity under the Convention's Annex I.

    >>> identified({"seveso_tier": "none", "convention_hazardous_activity": False})
    False
    >>> identified({"seveso_tier": "lower", "convention_hazardous_activity": False})
    True
    """
    return result.get("seveso_tier") in ("lower", "upper") or bool(
        result.get("convention_hazardous_activity"))


def record_classification_changes(session: Session,
                                  results: Sequence[tuple[str, dict[str, Any]]]) -> int:
    """Write a history entry for each ``(establishment_id, identification)`` whose
    :data:`TRACKED_KEYS` differ from the published state, and update that state; returns the
    number of entries written. Establishments that no longer exist are skipped."""
    ids = [eid for eid, _ in results]
    states: dict[str, ClassificationStateRow] = {}
    for where in _id_chunks(session, ClassificationStateRow.establishment_id, ids):
        states.update((r.establishment_id, r)
                      for r in session.scalars(select(ClassificationStateRow).where(where)))
    now = utcnow()
    entries = []
    for eid, result in sorted(results, key=lambda r: r[0]):  # the same order on every backend
        new = {k: result.get(k) for k in CLASSIFICATION_KEYS}
        state = states.get(eid)
        old = ({k: getattr(state, k) for k in CLASSIFICATION_KEYS} if state is not None
               else dict.fromkeys(CLASSIFICATION_KEYS))
        if state is not None and all(old[k] == new[k] for k in TRACKED_KEYS):
            if old["annex_version"] != new["annex_version"]:
                state.annex_version = new["annex_version"]
            continue
        first = state is None
        if state is None:
            state = ClassificationStateRow(establishment_id=eid)
            session.add(state)
        state.seveso_tier = new["seveso_tier"]
        state.convention_hazardous_activity = new["convention_hazardous_activity"]
        state.annex_version, state.updated_at = new["annex_version"], now
        if first and not identified(new):
            continue  # nothing to tell: the site is neither a Seveso nor a Convention activity
        entries.append({"entity_type": CLASSIFICATION, "entity_id": eid,
                        "action": "identify" if first else "reclassify",
                        "actor": "system", "at": now,
                        "changes": {k: [old[k], new[k]] for k in CLASSIFICATION_KEYS
                                    if old[k] != new[k] or k in TRACKED_KEYS},
                        "context": "identification recomputed", "disclosure": "public",
                        "scope": None})
    session.flush()
    if entries:
        session.execute(insert(cast(Table, ChangeRow.__table__)), entries)
    return len(entries)


def current_names(session: Session, ids: Sequence[str]) -> dict[str, str]:
    """The names (a public field) of those of ``ids`` that exist now."""
    e = EstablishmentRow.__table__.c
    out: dict[str, str] = {}
    for where in _id_chunks(session, e.id, list(ids)):
        out.update(session.execute(select(e.id, e.name).where(where)).tuples().all())
    return out


def last_change_id(session: Session) -> int:
    """The id of the newest history entry of the feed (an establishment's or its
    identification's; 0: none)."""
    c = ChangeRow.__table__.c
    return int(session.scalar(select(func.max(c.id)).where(c.entity_type.in_(_FEED_TYPES))) or 0)


def _utc(value: dt.datetime) -> dt.datetime:
    """A stored time as an aware UTC time (SQLite gives it back without its zone)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
