"""Pages of information to the public about a hazardous activity (issue 17, item 5;
``docs/public-information.md``): generated from the register, the stored identification and
screening and the public plans, reviewed, edited and published by the national authority of
the site's country, for the public of that country and of each neighbour an accident could
reach, in its language. Served without login at ``/public/sites/{id}``.

Only the authority of the site's country (and administrators) generate, edit, publish and
withdraw; every write is audited (``entity_type`` ``public_info``). Reading the published page
needs no account; drafts are the authority's.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

from hazatlas.domain.access import ANONYMOUS, EntryScope, Principal, can_write
from hazatlas.domain.errors import NotFoundError, PermissionDeniedError, Problem, ValidationError
from hazatlas.domain.establishment import Disclosure, Establishment
from hazatlas.domain.public_info import ELEMENTS, check_edit, missing_for_publication, status
from hazatlas.domain.text import check_text
from hazatlas.services import geodata
from hazatlas.services import public_info_text as text
from hazatlas.storage import assessments as assessment_store
from hazatlas.storage import public_info as store
from hazatlas.storage import repositories as repo
from hazatlas.storage.db import Database, Session

ENTITY = "public_info"
DEFAULT_LANGUAGE = "en"


@functools.cache
def catalogue_languages() -> tuple[str, ...]:
    """Languages with a ``hazatlas`` catalogue (the generated text's messages)."""
    root = resources.files("hazatlas") / "locale"
    return tuple(sorted(p.name for p in root.iterdir()  # type: ignore[attr-defined]
                        if (p / "LC_MESSAGES" / "hazatlas.po").is_file()))


def language_of_country(iso3: str) -> str:
    """The page language for the public of ``iso3``: its first official language (CLDR, through
    babel) that has a catalogue, else English.

    >>> language_of_country("UKR"), language_of_country("MDA"), language_of_country("HUN")
    ('uk', 'ro', 'en')
    """
    from babel.core import get_global
    from babel.languages import get_official_languages

    alpha2 = (get_global("territory_aliases").get(iso3) or [None])[0]
    if alpha2:
        for code in get_official_languages(alpha2, de_facto=True):
            base = code.split("_")[0]
            if base in catalogue_languages():
                return base
    return DEFAULT_LANGUAGE


def _scope(e: Establishment) -> EntryScope:
    return EntryScope(Disclosure.NATIONAL, frozenset({e.country_iso3}), frozenset({None}))


def _establishment(s: Session, establishment_id: str) -> Establishment:
    e = repo.get(s, establishment_id)
    if e is None:
        raise NotFoundError(f"establishment '{establishment_id}' not found")
    return e


def _check_authority(principal: Principal, e: Establishment, what: str) -> None:
    if not (principal.is_admin or (can_write(principal, e.country_iso3, "")
                                   and principal.country_iso3 == e.country_iso3)):
        raise PermissionDeniedError(f"user '{principal.username}' ({principal.role}) may not "
                                    f"{what} the public information of '{e.id}': the national "
                                    f"authority of {e.country_iso3} does")


def affected_countries(db: Database, establishment_id: str) -> list[str]:
    """The other countries the stored screening's downstream path reaches, in order."""
    from hazatlas.services import ranking

    screening = ranking.screening_for(db, ANONYMOUS, establishment_id)
    with db.transaction() as s:
        own = _establishment(s, establishment_id).country_iso3
    out: list[str] = []
    for d in screening.get("downstream") or []:
        c = d.get("country")
        if c and c != own and c not in out:
            out.append(c)
    return out


def _identification(s: Session, e: Establishment) -> dict[str, Any]:
    row = assessment_store.get(s, e.id, "classification")
    if row is None:
        from hazatlas.services import assessments

        assessments.refresh(s, [e.id])
        row = assessment_store.get(s, e.id, "classification")
    return dict(row.result) if row is not None else {}


def _covering_plans(db: Database, establishment_id: str) -> list[dict[str, Any]]:
    """The public plans that link the site in a public section, with their public sections'
    text (what anyone may read of them)."""
    from hazatlas.services import plans

    out = []
    for summary in plans.list_plans(db, ANONYMOUS):
        doc = plans.get(db, ANONYMOUS, summary["id"])
        linked = any(lk["kind"] == "establishment" and lk["target"] == establishment_id
                     for section in doc["sections"] for lk in section["links"])
        if linked:
            out.append({"id": doc["id"], "title": doc["title"],
                        "sections": {sec["key"]: dict(sec["text"]) for sec in doc["sections"]}})
    return out


def country_name(language: str, iso3: str, english: dict[str, str]) -> str:
    """The country's name in ``language`` (CLDR through babel), the register's English name
    where CLDR has none."""
    from babel import Locale
    from babel.core import get_global

    name = english.get(iso3, iso3)
    alpha2 = (get_global("territory_aliases").get(iso3) or [None])[0]
    if not alpha2 or language == DEFAULT_LANGUAGE:
        return name
    return str(Locale.parse(language).territories.get(alpha2, name))


def _facts(db: Database, e: Establishment, audience: str, language: str,
           base_url: str) -> text.Facts:
    from urllib.parse import quote

    from hazatlas.services import ranking

    english = geodata.country_names(db)
    with db.transaction() as s:
        ident = _identification(s, e)
    codes = sorted({c for item in ident.get("contributions") or []
                    if not item.get("ignored_by_2_percent_rule")
                    for c in item.get("categories") or []})
    named = any(item.get("seveso_entry") is not None and not item.get("categories")
                for item in ident.get("contributions") or [])
    screening = ranking.screening_for(db, ANONYMOUS, e.id)
    downstream = [c for c in affected_countries(db, e.id)]
    return text.Facts(
        establishment=e, country_name=country_name(language, e.country_iso3, english),
        audience_iso3=audience, audience_name=country_name(language, audience, english),
        seveso_tier=ident.get("seveso_tier"),
        convention_activity=bool(ident.get("convention_hazardous_activity")),
        groups=sorted({c[0] for c in codes}), named_substances=named, codes=codes,
        substance_names=text.public_names(e),
        river=screening.get("reach_name") or e.receiving_water,
        downstream=[country_name(language, c, english) for c in downstream],
        plans=_covering_plans(db, e.id),
        site_url=f"{base_url.rstrip('/')}/sites/{quote(e.id, safe='')}")


def _document(e: Establishment, audience: str, language: str, sections: dict[str, str],
              generated: dict[str, str]) -> dict[str, Any]:
    heads = text.headings(language)
    return {"establishment_id": e.id, "name": e.name, "country_iso3": e.country_iso3,
            "audience_iso3": audience, "language": language,
            "sections": [{"key": el.key, "heading": heads[el.key], "source": el.source,
                          "text": sections.get(el.key, ""),
                          "edited": sections.get(el.key, "") != generated.get(el.key, "")}
                         for el in ELEMENTS],
            "generated": generated}


def _view(row: Any, *, full: bool) -> dict[str, Any]:
    page = store.page_dict(row)
    page["status"] = status(row.draft_version, row.published_version)
    sections = {sec["key"]: sec["text"] for sec in page["draft"]["sections"]}
    page["missing"] = missing_for_publication(sections)
    if not full:
        page.pop("draft")
    return page


def generate(db: Database, principal: Principal, establishment_id: str, *,
             audience: str | None = None, language: str | None = None,
             base_url: str = "", keep_edits: bool = True) -> dict[str, Any]:
    """(Re)generate the draft page of the site for the public of ``audience`` (default: the
    site's country; otherwise one of :func:`affected_countries`) in ``language`` (default:
    :func:`language_of_country`). Sections the authority edited keep its text unless
    ``keep_edits`` is False. The published page does not change until it is published again."""
    with db.transaction() as s:
        e = _establishment(s, establishment_id)
    _check_authority(principal, e, "generate")
    audience = audience or e.country_iso3
    if audience != e.country_iso3:
        affected = affected_countries(db, e.id)
        if audience not in affected:
            raise ValidationError([Problem("parameter", None, "audience",
                                           f"{audience} is not a country an accident at "
                                           f"'{e.id}' could reach by the stored screening "
                                           f"({', '.join(affected) or 'none'})")])
    language = language or language_of_country(audience)
    if language not in catalogue_languages():
        raise ValidationError([Problem("parameter", None, "language",
                                       f"{language!r} is not one of "
                                       f"{', '.join(catalogue_languages())}")])
    generated = text.sections(language, _facts(db, e, audience, language, base_url))
    with db.transaction() as s:
        row = store.get(s, e.id, audience)
        current = {}
        if row is not None and keep_edits and row.language == language:
            current = {sec["key"]: sec["text"] for sec in row.draft["sections"] if sec["edited"]}
        doc = _document(e, audience, language, {**generated, **current}, generated)
        check_text(doc, "request")
        row = store.save_draft(s, e.id, audience, language, doc, principal.username)
        repo.record_change(s, entity_type=ENTITY, entity_id=f"{e.id}/{audience}",
                           action="generate", actor=principal.username,
                           changes={"language": [None, language],
                                    "draft_version": [row.draft_version - 1, row.draft_version],
                                    "kept_edits": [None, sorted(current)]},
                           scope=_scope(e))
        return _view(row, full=True)


def edit(db: Database, principal: Principal, establishment_id: str, audience: str,
         sections: dict[str, Any]) -> dict[str, Any]:
    """The authority rewrites sections of the draft (a new draft version)."""
    texts = check_edit(sections)
    check_text(texts, "request")
    with db.transaction() as s:
        e = _establishment(s, establishment_id)
        _check_authority(principal, e, "edit")
        row = store.get(s, establishment_id, audience)
        if row is None:
            raise NotFoundError(f"no page of '{establishment_id}' for {audience}: generate it")
        doc = dict(row.draft)
        before = {sec["key"]: sec["text"] for sec in doc["sections"]}
        doc["sections"] = [{**sec, "text": texts.get(sec["key"], sec["text"]),
                            "edited": texts.get(sec["key"], sec["text"])
                            != doc["generated"].get(sec["key"], "")}
                           for sec in doc["sections"]]
        row = store.save_draft(s, e.id, audience, row.language, doc, principal.username)
        repo.record_change(s, entity_type=ENTITY, entity_id=f"{e.id}/{audience}",
                           action="edit", actor=principal.username,
                           changes={k: [before.get(k), v] for k, v in texts.items()
                                    if before.get(k) != v},
                           scope=_scope(e))
        return _view(row, full=True)


def publish(db: Database, principal: Principal, establishment_id: str,
            audience: str) -> dict[str, Any]:
    """Publish the draft as it is; refused while a required section is empty."""
    with db.transaction() as s:
        e = _establishment(s, establishment_id)
        _check_authority(principal, e, "publish")
        row = store.get(s, establishment_id, audience)
        if row is None:
            raise NotFoundError(f"no page of '{establishment_id}' for {audience}: generate it")
        missing = missing_for_publication({sec["key"]: sec["text"]
                                           for sec in row.draft["sections"]})
        if missing:
            raise ValidationError([Problem("request", None, f"sections.{k}",
                                           "is empty: write it before publishing")
                                   for k in missing])
        old = row.published_version
        store.publish(row, principal.username)
        repo.record_change(s, entity_type=ENTITY, entity_id=f"{e.id}/{audience}",
                           action="publish", actor=principal.username,
                           changes={"published_version": [old, row.published_version]},
                           scope=_scope(e))
        return _view(row, full=True)


def withdraw(db: Database, principal: Principal, establishment_id: str,
             audience: str) -> dict[str, Any]:
    """Take the page off the public site (the draft stays)."""
    with db.transaction() as s:
        e = _establishment(s, establishment_id)
        _check_authority(principal, e, "withdraw")
        row = store.get(s, establishment_id, audience)
        if row is None or row.published_version is None:
            raise NotFoundError(f"no published page of '{establishment_id}' for {audience}")
        old = row.published_version
        store.withdraw(row)
        repo.record_change(s, entity_type=ENTITY, entity_id=f"{e.id}/{audience}",
                           action="withdraw", actor=principal.username,
                           changes={"published_version": [old, None]}, scope=_scope(e))
        return _view(row, full=True)


def pages(db: Database, principal: Principal, establishment_id: str) -> list[dict[str, Any]]:
    """Every page of the site with its draft, for its authority."""
    with db.transaction() as s:
        e = _establishment(s, establishment_id)
        _check_authority(principal, e, "read the drafts of")
        return [_view(r, full=True) for r in store.pages_of(s, establishment_id)]


def published(db: Database, establishment_id: str,
              audience: str | None = None) -> dict[str, Any]:
    """The published page for the public (no account needed): of ``audience`` (default: the
    site's own country's, else the first published one), with the other published audiences."""
    with db.transaction() as s:
        e = _establishment(s, establishment_id)
        rows = [r for r in store.pages_of(s, establishment_id) if r.published is not None]
        if not rows:
            raise NotFoundError(f"no published information on '{establishment_id}'")
        wanted = audience or e.country_iso3
        chosen = next((r for r in rows if r.audience_iso3 == wanted), None)
        if chosen is None:
            if audience is not None:
                raise NotFoundError(f"no published information on '{establishment_id}' for "
                                    f"{audience}")
            chosen = rows[0]
        assert chosen.published is not None
        return {**dict(chosen.published), "published_at": store.page_dict(chosen)["published_at"],
                "published_version": chosen.published_version,
                "audiences": [{"audience_iso3": r.audience_iso3, "language": r.language}
                              for r in rows]}


def published_index(db: Database, *, country: str | None = None,
                    audience: str | None = None) -> list[dict[str, Any]]:
    """Every published page (no account needed)."""
    with db.transaction() as s:
        return store.published_index(s, country=country, audience=audience)
