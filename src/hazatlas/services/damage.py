"""Damage events of register sites: record, list, list the unassessed, assess (issue 15 item 6;
``docs/natech.md``, section "Damage events").

Access (``domain/access.py``):

* **writing** (record an event): whoever may write the site (``can_write``): an administrator,
  the national authority of the site's country, the site's operator. Basin bodies and the
  public may not.
* **assessing**: an administrator or the national authority of the site's country (an
  operator may report its own damage, as ``confirmed_operator``, but not assess it).
* **reading**: an event marked ``confidential`` is shown only to users who may read the site's
  confidential fields (``can_read_full``); other events are shown to everyone, without their
  affected units and notes (units are inventory lines, which are confidential) unless the
  reader may read the site in full.

Every write is audited in the site's history (``change_log``, entity ``damage_event``) in the
same transaction, with the site's scope (``EntryScope``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hazatlas.domain.access import EntryScope, Principal, Role, Scope, can_read_full, can_write
from hazatlas.domain.damage import DAM_UNIT, MAX_TEXT, DamageEvent, Extent, parse_event
from hazatlas.domain.errors import NotFoundError, PermissionDeniedError, Problem, ValidationError
from hazatlas.domain.establishment import Establishment, EstablishmentKind
from hazatlas.domain.text import first_unstorable
from hazatlas.models.natech.reported import DAMS, TANKS, reported_state
from hazatlas.storage import damage as store
from hazatlas.storage import repositories as repo
from hazatlas.storage.db import Database


def unit_labels(e: Establishment) -> tuple[str, ...]:
    """The units of a site as the Natech screening names them: per inventory line its
    ``line_id``, else its ``storage_unit``, else ``line N``; ``dam`` for a tailings facility."""
    labels = [item.line_id or item.storage_unit or f"line {i + 1}"
              for i, item in enumerate(e.inventory)]
    if e.kind == EstablishmentKind.TAILINGS or e.tailings is not None:
        labels.append(DAM_UNIT)
    return tuple(dict.fromkeys(labels))


def _site(s: Any, establishment_id: str) -> Establishment:
    e = repo.get(s, establishment_id)
    if e is None:
        raise NotFoundError(f"establishment '{establishment_id}' not found")
    return e


def may_assess(principal: Principal, country_iso3: str) -> bool:
    """Whether ``principal`` may assess the damage events of a site of ``country_iso3``: an
    administrator or that country's national authority (module doc)."""
    return principal.is_admin or (principal.role is Role.NATIONAL
                                  and principal.country_iso3 == country_iso3)


def _full(principal: Principal, e: Establishment) -> bool:
    return can_read_full(principal, e.disclosure, e.country_iso3, e.id)


def shown(principal: Principal, e: Establishment, event: DamageEvent) -> dict[str, Any] | None:
    """The event as ``principal`` may see it (``None``: not at all)."""
    full = _full(principal, e)
    if event.confidential and not full:
        return None
    return {**event.to_json(full=full), "establishment_name": e.name,
            "country": e.country_iso3}


class DamageService:
    """Damage events as one user sees and writes them."""

    def __init__(self, db: Database, principal: Principal):
        self.db = db
        self.principal = principal

    def add(self, establishment_id: str, fields: dict[str, Any], *,
            today: dt.date | None = None, context: str = "api") -> dict[str, Any]:
        """Record an event; ``fields`` as :func:`hazatlas.domain.damage.parse_event` reads
        them. Refused (nothing written) for a user who may not write the site, or with every
        problem of the input named."""
        with self.db.transaction() as s:
            e = _site(s, establishment_id)
            if not can_write(self.principal, e.country_iso3, e.id):
                raise PermissionDeniedError(
                    f"{self.principal.username} may not record damage of '{e.id}' "
                    f"({e.country_iso3}): only its country's authority, its operator or an "
                    "administrator")
            event, problems = parse_event(e.id, fields, units=unit_labels(e),
                                          today=today or dt.date.today())
            if problems:
                raise ValidationError(problems)
            assert event is not None
            stored = store.insert(s, event, self.principal.username)
            repo.record_change(
                s, entity_type="damage_event", entity_id=str(stored.id), action="create",
                actor=self.principal.username, context=context,
                changes={k: [None, v] for k, v in stored.to_json().items()
                         if k not in ("id", "complete", "recorded_at") and v not in (None, [])},
                scope=EntryScope.between(Scope.of(e), None))
            return {**stored.to_json(), "establishment_name": e.name, "country": e.country_iso3}

    def for_site(self, establishment_id: str) -> list[dict[str, Any]]:
        """The site's events the user may see, newest first."""
        with self.db.transaction() as s:
            e = _site(s, establishment_id)
            events = store.for_sites(s, [e.id])
        return [d for d in (shown(self.principal, e, ev) for ev in events) if d is not None]

    def event(self, event_id: int) -> dict[str, Any]:
        """One event as the user may see it (:class:`NotFoundError` if they may not)."""
        with self.db.transaction() as s:
            event = store.get(s, event_id)
            e = repo.get(s, event.establishment_id) if event is not None else None
        found = shown(self.principal, e, event) if event is not None and e is not None else None
        if found is None:
            raise NotFoundError(f"damage event {event_id} not found")
        return found

    def effect(self, establishment_id: str) -> dict[str, Any] | None:
        """How the site's events the user may see raise its release assumptions and its rank
        (:mod:`hazatlas.services.damage_effect`; ``None`` without events): the worst extent
        counted (assessed events with their assessed extent, unassessed ones with the reported
        one) with its damage state, LOC state and ``loss_of_content`` (which moves the site
        before the undamaged ones in the rankings), ``damage_priority`` as the rankings sort on
        it, the number of events and of unassessed ones; and ``units``, each named unit's
        reported state and the release fraction its release is floored at (``None`` for a user
        who may not read the site in full: units are inventory lines)."""
        from hazatlas.services.damage_effect import rank_fields, site_summary

        with self.db.transaction() as s:
            e = _site(s, establishment_id)
            events = [ev for ev in store.for_sites(s, [e.id])
                      if shown(self.principal, e, ev) is not None]
        summary = site_summary(events)
        if summary is None:
            return None
        units = []
        for label, extent in summary["units"].items():
            state = reported_state(extent, DAMS if label == DAM_UNIT else TANKS)
            units.append({"unit": label, "extent": extent, "damage_state": state.damage_state,
                          "loc_state": state.loc_state,
                          "release_fraction": state.release_fraction})
        out = {k: v for k, v in summary.items() if k not in ("units", "priority")}
        return {**out, **rank_fields(summary), "units": units if _full(self.principal, e) else None}

    def visible_events(self, *, unassessed: bool = False,
                       country: str | None = None) -> list[dict[str, Any]]:
        """Every event (or every unassessed one) the user may see, newest first."""
        with self.db.transaction() as s:
            events = store.for_sites(s, None, unassessed=unassessed)
            sites = repo.get_many(s, sorted({ev.establishment_id for ev in events}))
        out = []
        for ev in events:
            e = sites.get(ev.establishment_id)
            if e is None or (country and e.country_iso3 != country):
                continue
            d = shown(self.principal, e, ev)
            if d is not None:
                out.append(d)
        return out

    def assess(self, event_id: int, *, extent: str | None = None, note: str | None = None,
               context: str = "api") -> dict[str, Any]:
        """Mark an event assessed, with the assessed extent (default: the reported one) and a
        note. Only an administrator or the national authority of the site's country."""
        with self.db.transaction() as s:
            event = store.get(s, event_id)
            e = _site(s, event.establishment_id) if event is not None else None
            if event is None or e is None or shown(self.principal, e, event) is None:
                raise NotFoundError(f"damage event {event_id} not found")
            if not may_assess(self.principal, e.country_iso3):
                raise PermissionDeniedError(
                    f"{self.principal.username} may not assess damage of '{e.id}' "
                    f"({e.country_iso3}): only its country's authority or an administrator")
            new_extent = event.extent
            if extent is not None:
                try:
                    new_extent = Extent(extent.strip().lower())
                except ValueError:
                    raise ValidationError([Problem(
                        "damage event", None, "extent",
                        f"{extent!r}: expected one of {', '.join(x.value for x in Extent)}")]
                    ) from None
            if note is not None and (len(note) > MAX_TEXT or first_unstorable(note)):
                raise ValidationError([Problem("damage event", None, "note",
                                               f"expected text of at most {MAX_TEXT} characters "
                                               "without NUL characters or lone surrogates")])
            after = store.assess(s, event_id, extent=new_extent,
                                 assessed_by=self.principal.username, note=note or None)
            changes: dict[str, list[Any]] = {"assessed": [event.assessed, True]}
            if new_extent is not event.extent:
                changes["extent"] = [str(event.extent), str(new_extent)]
            if note:
                changes["assessment_note"] = [event.assessment_note, note]
            repo.record_change(s, entity_type="damage_event", entity_id=str(event_id),
                               action="assess", actor=self.principal.username, context=context,
                               changes=changes, scope=EntryScope.between(Scope.of(e), None))
            return {**after.to_json(), "establishment_name": e.name, "country": e.country_iso3}


def visible_by_site(db: Database, principal: Principal,
                    sites: dict[str, Establishment] | None = None) -> dict[str, list[DamageEvent]]:
    """The events each site has that ``principal`` may see (for the rankings), keyed by site."""
    with db.transaction() as s:
        # every event (few) rather than an IN list of every site of a large register
        events = store.for_sites(s, None)
        known = sites if sites is not None else repo.get_many(
            s, sorted({ev.establishment_id for ev in events}))
    out: dict[str, list[DamageEvent]] = {}
    for ev in events:
        e = known.get(ev.establishment_id)
        if e is not None and not (ev.confidential and not _full(principal, e)):
            out.setdefault(ev.establishment_id, []).append(ev)
    return out
