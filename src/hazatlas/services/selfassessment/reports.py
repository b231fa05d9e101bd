"""Implementation reports: a draft per country and reporting round in the six sections, its
figures computed from the register, notifications, plans (and exercises when a provider is
present, :mod:`.providers`), text per language, every save a version, and sign-off by the
country's national authority (audited). Exports: :func:`export` (JSON or a printable HTML
document in one of the report's languages)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hazatlas.domain.access import Principal
from hazatlas.domain.errors import ConflictError, Problem, ValidationError
from hazatlas.domain.selfassessment import access
from hazatlas.domain.selfassessment import report as model
from hazatlas.services.selfassessment import prefill
from hazatlas.services.selfassessment.common import (
    REPORT,
    date,
    listing,
    load,
    load_version,
    now_utc,
    revisions_of,
    write,
)
from hazatlas.storage import selfassessment as store
from hazatlas.storage.db import Database

FORMATS = ("json", "html")


def _view(doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "seveso": model.seveso_answers(doc)}


def create(db: Database, principal: Principal, country: str, round_id: str,
           period_start: dt.date | str, period_end: dt.date | str, languages: list[str], *,
           now: dt.datetime | None = None) -> dict[str, Any]:
    """A draft report (version 1) with its figures computed now."""
    at = now_utc(now)
    start, end = date(period_start, "period_start"), date(period_end, "period_end")
    doc = model.new_report(country, round_id, start, end, languages)
    access.check_write(principal, country)
    doc["figures"] = prefill.compute(db, country, start, end, at)["figures"]
    doc["figures_at"] = at.isoformat()
    with db.transaction() as s:
        if store.current(s, REPORT, country, round_id) is not None:
            raise ConflictError(f"the implementation report of {country} for round "
                                f"'{round_id}' already exists")
        write(s, principal, REPORT, doc, "create", {"round": [None, round_id]})
    return _view(doc)


def get(db: Database, principal: Principal, country: str, round_id: str, *,
        version: int | None = None) -> dict[str, Any]:
    return _view(load_version(db, principal, REPORT, country, round_id, version))


def set_text(db: Database, principal: Principal, country: str, round_id: str, section: str,
             language: str, text: str) -> dict[str, Any]:
    """A new draft version with the section's text in ``language``."""
    access.check_write(principal, country)
    with db.transaction() as s:
        before = load(s, principal, REPORT, country, round_id, for_update=True)
        after = model.set_text(before, section, language, text)
        write(s, principal, REPORT, after, "set_text",
              {"section": [None, section], "language": [None, language],
               "state": [before["state"], after["state"]]})
    return _view(after)


def refresh(db: Database, principal: Principal, country: str, round_id: str, *,
            now: dt.datetime | None = None) -> dict[str, Any]:
    """Compute the figures again from the current data (a new draft version)."""
    at = now_utc(now)
    access.check_write(principal, country)
    with db.transaction() as s:
        doc = load(s, principal, REPORT, country, round_id)
    figures = prefill.compute(db, country, date(doc["period"]["start"], "period_start"),
                              date(doc["period"]["end"], "period_end"), at)["figures"]
    with db.transaction() as s:
        before = load(s, principal, REPORT, country, round_id, for_update=True)
        after = model.with_figures(before, figures, at)
        changed = sorted(k for k in figures
                         if (before["figures"].get(k) or {}).get("value") != figures[k]["value"])
        write(s, principal, REPORT, after, "refresh",
              {"figures_changed": [None, changed], "state": [before["state"], after["state"]]})
    return _view(after)


def sign_off(db: Database, principal: Principal, country: str, round_id: str, *,
             version: int | None = None, now: dt.datetime | None = None) -> dict[str, Any]:
    """Sign off the current version (``version``, if given, must be it: what the signer read)."""
    at = now_utc(now)
    with db.transaction() as s:
        before = load(s, principal, REPORT, country, round_id, for_update=True)
        access.check_sign_off(principal, country)
        if version is not None and version != before["version"]:
            raise ConflictError(f"version {version} is not the current version of the report "
                                f"({before['version']}): read it again before signing off")
        after = model.sign_off(before, principal.username, at)
        write(s, principal, REPORT, after, "sign_off",
              {"state": [before["state"], after["state"]]})
    return _view(after)


def list_reports(db: Database, principal: Principal,
                 country: str | None = None) -> list[dict[str, Any]]:
    return listing(db, principal, REPORT, country)


def revisions(db: Database, principal: Principal, country: str,
              round_id: str) -> list[dict[str, Any]]:
    return revisions_of(db, principal, REPORT, country, round_id)


def export(db: Database, principal: Principal, country: str, round_id: str, fmt: str,
           language: str | None = None, *, version: int | None = None) -> str:
    """The report as ``json`` or as an ``html`` document in ``language``."""
    if fmt not in FORMATS:
        raise ValidationError([Problem("parameter", None, "format",
                                       f"{fmt!r} is not one of {', '.join(FORMATS)}")])
    doc = get(db, principal, country, round_id, version=version)
    if fmt == "json":
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    from hazatlas.formats.implementation_report import render_html

    if not language:
        raise ValidationError([Problem("parameter", None, "language",
                                       "an HTML export needs one of the report's languages "
                                       f"({', '.join(doc['languages'])})")])
    return render_html(doc, language)
