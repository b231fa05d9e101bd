"""Open data (issue 17, information to the public): the public register as CSV and GeoJSON and
an Atom feed of its changes, for everyone, with a licence, an attribution, the time they were
generated and the register's version stamp.

What is published is what the public reads on the map and ``/register``: every establishment
with its public fields (:data:`hazatlas.domain.access.PUBLIC_FIELDS`) and its identification's
public keys (Seveso tier, Convention hazardous activity, Annex and rules versions); never an
inventory, tailings details, external ids, a site outline or notes, whatever the record's
disclosure level. The rows come from the register export (:func:`register_export.export_rows`
for the anonymous user), cut to the public columns. The feed publishes the public fields'
changes of the history (:func:`hazatlas.domain.access.public_changes`); an entry that changed
nothing public is left out, so the feed does not even tell when confidential values changed.
Changes of an establishment's identification (Seveso tier, Convention hazardous activity) are
entries too (category ``identify`` or ``reclassify``), with the public keys of the identification only
(:func:`hazatlas.storage.change_feed.record_classification_changes`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from hazatlas.domain.access import ANONYMOUS, PUBLIC_FIELDS, public_changes
from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.domain.register_query import RegisterQuery as Query
from hazatlas.formats import atom
from hazatlas.formats.register_columns import DERIVED_COLUMNS
from hazatlas.formats.tables import write_rows
from hazatlas.services import register_export
from hazatlas.storage import change_feed, export_pages
from hazatlas.storage.db import Database, Session
from hazatlas.storage.map import register_stamp

# The default terms, until the authority running the instance publishes its own: say so in the
# data portal. CC BY 4.0: https://creativecommons.org/licenses/by/4.0/legalcode
LICENCE = {"name": "Creative Commons Attribution 4.0 International (CC BY 4.0)",
           "url": "https://creativecommons.org/licenses/by/4.0/"}
ATTRIBUTION = ("Public register of hazardous activities kept with hazatlas by the national "
               "authorities; each establishment's source is given in its source field.")
TITLE = "Public register of hazardous activities"
# The date of the tag: URIs (RFC 4151) of the feed and its entries; never to change, so that
# the ids stay the same.
TAG_DATE = "2026"
FEED_LIMIT = 100  # entries per page by default
MAX_FEED_LIMIT = 500

# register column -> the field of access.PUBLIC_FIELDS it shows
_FIELD_OF = {"establishment_id": "id", "country": "country_iso3", "source": "provenance",
             "source_date": "provenance"}
#: The columns published: the export's columns of public fields, and the derived ones.
OPEN_COLUMNS = tuple(
    c for c in register_export.EXPORT_COLUMNS if _FIELD_OF.get(c, c) in PUBLIC_FIELDS
) + DERIVED_COLUMNS
_PICK = [register_export.EXPORT_COLUMNS.index(c) for c in OPEN_COLUMNS]


@dataclass(frozen=True)
class OpenExport:
    rows: int
    metadata: dict[str, Any]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _metadata(session: Session) -> dict[str, Any]:
    """Licence, attribution, generation time and version stamp of what ``session`` reads."""
    stamp = hashlib.sha256(repr(register_stamp(session)).encode()).hexdigest()[:16]
    return {"title": TITLE, "licence": LICENCE, "attribution": ATTRIBUTION,
            "generated_at": _now().isoformat().replace("+00:00", "Z"),
            "register_version": stamp, "last_change": change_feed.last_change_id(session)}


def metadata(db: Database) -> dict[str, Any]:
    """The open data's licence and attribution, with the register's version now."""
    with db.transaction() as s:
        return {**_metadata(s), "columns": list(OPEN_COLUMNS)}


def _open_rows(session: Session, query: Query | None) -> Iterator[list[str]]:
    """The export's rows for the anonymous user, cut to :data:`OPEN_COLUMNS`, one per
    establishment (a public record's export has one row per inventory line)."""
    last = None
    for cells in register_export.export_rows(session, ANONYMOUS, query):
        if cells[0] == last:
            continue
        last = cells[0]
        yield [cells[j] for j in _PICK]


def export_public(db: Database, path: Path, *, fmt: str | None = None,
                  country: str | None = None, kind: str | None = None) -> OpenExport:
    """Write the public register (of ``country``, of ``kind``: all when ``None``) to ``path``
    (CSV or GeoJSON, by ``fmt`` or the suffix), read in one snapshot; a GeoJSON file carries
    the metadata as foreign members."""
    query = None
    if country or kind:  # every establishment matching, not a page of them
        query = Query(country=country, kind=kind, limit=sys.maxsize)
    register_export.ensure_classified(db, query)
    with db.transaction() as s:
        export_pages.snapshot(s)
        meta = _metadata(s)
        n = write_rows(Path(path), OPEN_COLUMNS, _open_rows(s, query), fmt, members=meta)
    return OpenExport(n, meta)


# -- the feed of changes -----------------------------------------------------------------------

def check_page(before: int | None, limit: int) -> None:
    """422 problems for a page of the feed the service cannot give."""
    problems = []
    if before is not None and before < 1:
        problems.append(Problem("parameter", None, "before",
                                f"{before} is not an entry id (a whole number from 1)"))
    if not 1 <= limit <= MAX_FEED_LIMIT:
        problems.append(Problem("parameter", None, "limit",
                                f"{limit} is not between 1 and {MAX_FEED_LIMIT}"))
    if problems:
        raise ValidationError(problems)


_ACTIONS = {"create": "registered", "update": "changed", "delete": "removed from the register",
            "identify": "identified", "reclassify": "identification changed"}


def _shown(change: change_feed.Change) -> dict[str, list[Any]]:
    """What the feed publishes of a history entry: the public fields of an establishment's
    write; the public keys of an identification change (tier, Convention hazardous activity,
    Annex I version: :data:`change_feed.CLASSIFICATION_KEYS`)."""
    if change.entity_type == change_feed.CLASSIFICATION:
        return {k: list(v) for k, v in change.changes.items()
                if k in change_feed.CLASSIFICATION_KEYS}
    return public_changes(change.changes)


def _content(action: str, changes: dict[str, list[Any]]) -> str:
    def text(v: Any) -> str:
        return "(none)" if v in (None, "") else str(v)

    if action == "create":
        return "\n".join(f"{k}: {text(new)}" for k, (_old, new) in sorted(changes.items()))
    if action == "delete":
        return "\n".join(f"{k}: {text(old)}" for k, (old, _new) in sorted(changes.items()))
    return "\n".join(f"{k}: {text(old)} -> {text(new)}" for k, (old, new) in sorted(changes.items()))


def _entries(session: Session, before: int | None, limit: int
             ) -> list[tuple[change_feed.Change, dict[str, list[Any]]]]:
    """Up to ``limit`` + 1 entries with public changes (the extra one tells a next page)."""
    out = []
    for c in change_feed.establishment_changes(session, before=before):
        shown = _shown(c)
        if shown:
            out.append((c, shown))
            if len(out) > limit:
                break
    return out


def changes_feed(db: Database, *, base_url: str, before: int | None = None,
                 limit: int = FEED_LIMIT) -> bytes:
    """A page of the Atom feed of changes to the public register, newest first: entries with
    an id below ``before`` (the newest: ``None``); ``base_url`` is the public address of the
    instance (links, and the authority of the tag: URIs)."""
    check_page(before, limit)
    base = base_url.rstrip("/")
    host = urlsplit(base).hostname or "localhost"
    feed_url = f"{base}/api/open/changes.atom"
    with db.transaction() as s:
        found = _entries(s, before, limit)
        page, more = found[:limit], len(found) > limit
        names = change_feed.current_names(s, sorted({c.establishment_id for c, _ in page}))
    entries = []
    for c, shown in page:
        name_change = shown.get("name")
        name = names.get(c.establishment_id) or (
            name_change and (name_change[1] or name_change[0])) or c.establishment_id
        entries.append(atom.Entry(
            id=f"tag:{host},{TAG_DATE}:hazatlas/register/change/{c.id}",
            title=f"{name} ({c.establishment_id}): {_ACTIONS.get(c.action, c.action)}",
            updated=c.at, content=_content(c.action, shown), category=c.action,
            links=[atom.Link("alternate", f"{base}/sites/{quote(c.establishment_id, safe='')}",
                             "text/html")]))

    def page_url(**params: Any) -> str:
        params = {k: v for k, v in params.items() if v is not None}
        return f"{feed_url}?{urlencode(params)}" if params else feed_url

    size = None if limit == FEED_LIMIT else limit
    links = [atom.Link("self", page_url(before=before, limit=size), atom.MEDIA_TYPE),
             atom.Link("first", page_url(limit=size), atom.MEDIA_TYPE),
             atom.Link("alternate", f"{base}/register", "text/html"),
             atom.Link("license", LICENCE["url"])]
    if more:
        links.append(atom.Link("next", page_url(before=page[-1][0].id, limit=size),
                               atom.MEDIA_TYPE))
    feed = atom.Feed(
        id=f"tag:{host},{TAG_DATE}:hazatlas/register/changes",
        title=f"{TITLE}: changes", subtitle=ATTRIBUTION, author="hazatlas",
        updated=entries[0].updated if entries else _now(), entries=entries, links=links,
        rights=f"{LICENCE['name']}, {LICENCE['url']}")
    return atom.to_xml(feed)


def export_directory(db: Database, directory: Path, *, base_url: str) -> dict[str, Any]:
    """Write the open data to ``directory``: ``register.csv``, ``register.geojson``,
    ``changes.atom`` (the newest page of the feed) and ``metadata.json`` (licence, attribution,
    generation time, version stamp, columns, row counts)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    csv_out = export_public(db, directory / "register.csv")
    geo_out = export_public(db, directory / "register.geojson")
    (directory / "changes.atom").write_bytes(changes_feed(db, base_url=base_url))
    meta = {**csv_out.metadata, "columns": list(OPEN_COLUMNS),
            "files": {"register.csv": csv_out.rows, "register.geojson": geo_out.rows,
                      "changes.atom": None}}
    (directory / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n",
                                             encoding="utf-8")
    return meta
