"""The language of the web pages: gettext catalogues, the choice of the visitor, the switch.

Page text comes from the ``web`` domain of the same catalogue tree as the notification messages
(``hazatlas/locale/<lang>/LC_MESSAGES/web.po`` beside ``hazatlas.po``, read with babel at run
time like :mod:`hazatlas.formats.i18n`). The languages offered are those with a ``web.po``: a
further language (Romanian, Serbian) is one file. A message missing or empty in a catalogue
falls back to English.

The language of a request: the ``hazatlas_lang`` cookie set by the switch
(``/language/<code>``, a link on every page), else the browser's ``Accept-Language``, else
English.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Annotated

from babel import Locale
from babel.core import get_global
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import RedirectResponse

DOMAIN = "web"
COOKIE = "hazatlas_lang"
DEFAULT = "en"
_YEAR = 365 * 24 * 3600

router = APIRouter(include_in_schema=False)


def _locale_dir() -> Path:
    return Path(str(resources.files("hazatlas") / "locale"))


def catalogue_path(language: str) -> Path:
    return _locale_dir() / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def languages() -> tuple[str, ...]:
    """Codes of the languages with a web catalogue, English first."""
    found = sorted(p.parent.parent.name for p in _locale_dir().glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return tuple(sorted(found, key=lambda c: c != DEFAULT))


@functools.cache
def language_name(code: str) -> str:
    """The language's name in itself: ``"ru"`` -> ``"Русский"``."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


@functools.cache
def messages(language: str) -> dict[str, str]:
    """msgid -> msgstr of a language's web catalogue (empty and fuzzy ones left out)."""
    path = catalogue_path(language)
    if not path.is_file():
        return {}
    with path.open("rb") as fh:
        catalog = read_po(fh, domain=DOMAIN)
    return {str(m.id): str(m.string) for m in catalog
            if isinstance(m.id, str) and m.id and isinstance(m.string, str) and m.string and not m.fuzzy}


@functools.cache
def _territories(language: str) -> dict[str, str]:
    return dict(Locale.parse(language).territories)


def country_names(language: str, english: dict[str, str]) -> dict[str, str]:
    """ISO3 -> country name in ``language`` (CLDR names shipped with babel, found through its
    alpha-3 aliases), the register's English name where CLDR has none (e.g. Kosovo's ``XKX``).

    >>> country_names("uk", {"MDA": "Moldova", "XKX": "Kosovo"})
    {'MDA': 'Молдова', 'XKX': 'Kosovo'}
    """
    if language == DEFAULT:
        return dict(english)
    aliases = get_global("territory_aliases")
    local = _territories(language)
    out = {}
    for iso3, name in english.items():
        alpha2 = (aliases.get(iso3) or [None])[0]
        out[iso3] = local.get(alpha2, name) if alpha2 else name
    return out


def number_formatter(language: str):  # noqa: ANN201 - a plain callable for the templates
    """``num(value, digits, optional=False)``: a number written the language's way (``5 000,5``
    in Russian and Ukrainian, ``5,000.5`` in English), ``digits`` decimals (trailing zeros
    dropped if ``optional``); ``—`` for ``None``. Coordinates are not written with it: they keep
    the decimal point, since their comma separates latitude from longitude.

    >>> number_formatter("uk")(5000.25, 1), number_formatter("en")(5000.0, 3, True)
    ('5\xa0000,2', '5,000')
    """
    def num(value: float | None, digits: int = 1, optional: bool = False) -> str:
        if value is None:
            return "—"
        pattern = "#,##0" + ("." + ("#" if optional else "0") * digits if digits else "")
        return str(format_decimal(value, format=pattern, locale=language))

    return num


def gettext_for(language: str):  # noqa: ANN201 - a plain callable for the templates
    table = messages(language)

    def gettext(msgid: str, **values: object) -> str:
        text = table.get(msgid, msgid)
        return text.format(**values) if values else text

    return gettext


def _accepted(header: str) -> list[str]:
    """Language codes of an ``Accept-Language`` header, best first.

    >>> _accepted("uk-UA,uk;q=0.9,ru;q=0.8,en;q=0.5")
    ['uk', 'uk', 'ru', 'en']
    """
    ranked = []
    for n, part in enumerate(header.split(",")):
        code, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if code and q > 0:
            ranked.append((-q, n, code.split("-")[0].lower()))
    return [c for _, _, c in sorted(ranked)]


def language_of(request: Request) -> str:
    chosen = request.cookies.get(COOKIE)
    if chosen in languages():
        return str(chosen)
    for code in _accepted(request.headers.get("accept-language", "")):
        if code in languages():
            return code
    return DEFAULT


def safe_next(target: str | None) -> str:
    """A local path to go back to (never another site): ``"/"`` otherwise."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/language/{code}")
def switch(code: str, request: Request,
           next_: Annotated[str | None, Query(alias="next", max_length=2000)] = None) -> RedirectResponse:
    """Remember the chosen language (a cookie for a year) and go back to the page."""
    if code not in languages():
        raise HTTPException(404, f"no catalogue for language '{code}'")
    response = RedirectResponse(safe_next(next_), status_code=303)
    response.set_cookie(COOKIE, code, max_age=_YEAR, path="/", samesite="lax", httponly=True,
                        secure=request.url.scheme == "https")
    return response
