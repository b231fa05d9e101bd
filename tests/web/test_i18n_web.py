"""The web pages' catalogues: every message the templates use is translated into Russian and
Ukrainian, with the same placeholders; the language switch and its cookie."""

from __future__ import annotations

import re
import string
from importlib import resources
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from jinja2.ext import babel_extract

from hazatlas.api.app import create_app
from hazatlas.services.settings import Settings
from hazatlas.web import i18n

TEMPLATES = Path(str(resources.files("hazatlas.web").joinpath("templates")))
REQUIRED = ("ru", "uk")


def template_msgids() -> set[str]:
    """Every ``_("...")`` of the templates, found as pybabel finds them."""
    found: set[str] = set()
    for path in sorted(TEMPLATES.glob("*.html")):
        with path.open("rb") as fh:
            for _line, _func, message, _comments in babel_extract(fh, ("_", "gettext"), [], {}):
                text = message if isinstance(message, str) else message[0]
                if text:
                    found.add(text)
    return found


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_pages_use_messages():
    ids = template_msgids()
    assert len(ids) > 100 and "Sign in" in ids and "Transboundary screening" in ids


@pytest.mark.parametrize("lang", REQUIRED)
def test_every_template_message_is_translated(lang):
    path = i18n.catalogue_path(lang)
    with path.open("rb") as fh:
        catalog = read_po(fh, domain=i18n.DOMAIN)
    header = "\n".join(catalog.header_comment.splitlines()[:5])
    assert "MACHINE TRANSLATION" in header and "native speaker" in header  # until reviewed
    table = i18n.messages(lang)
    missing = sorted(m for m in template_msgids() if not table.get(m))
    assert not missing, f"{lang}: untranslated {missing}"
    wrong = [m for m in template_msgids() if placeholders(table[m]) != placeholders(m)]
    assert not wrong, f"{lang}: placeholders differ in {wrong}"
    untouched = [m for m in template_msgids() if table[m] == m and re.search("[a-z]{4}", m)]
    assert not untouched, f"{lang}: left in English: {untouched}"


def test_languages_are_the_catalogues():
    assert i18n.languages()[:1] == ("en",)
    assert {"en", "ru", "uk"} <= set(i18n.languages())
    assert i18n.language_name("uk") == "Українська" and i18n.language_name("ru") == "Русский"


@pytest.fixture
def client(sqlite_db):
    with TestClient(create_app(Settings(database_url=sqlite_db.url), sqlite_db)) as c:
        yield c


def test_switch_is_remembered(client):
    assert "Sign in" in client.get("/login").text
    r = client.get("/language/uk", params={"next": "/login"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert "hazatlas_lang=uk" in r.headers["set-cookie"] and "HttpOnly" in r.headers["set-cookie"]
    page = client.get("/login")
    assert page.headers["content-language"] == "uk"
    assert "Ім'я користувача" in page.text.replace("&#39;", "'") and '<html lang="uk">' in page.text
    client.get("/language/ru")
    assert "Имя пользователя" in client.get("/login").text
    assert client.get("/language/xx", follow_redirects=False).status_code == 404


def test_browser_language_is_the_default(client):
    page = client.get("/login", headers={"Accept-Language": "uk-UA,uk;q=0.9,en;q=0.5"})
    assert "Увійти" in page.text
    assert "Sign in" in client.get("/login", headers={"Accept-Language": "de-DE"}).text
