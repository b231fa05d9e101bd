"""gettext catalogues: structure of every language, completeness of en and ru, e-mails."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

import hazatlas.formats.i18n as i18n
from hazatlas.domain.notification import Report
from hazatlas.domain.public_info import ELEMENTS
from hazatlas.formats.report_text import render_email

SRC = Path(i18n.__file__).parent
USED = sorted(
    {
        msg
        for f in ("i18n.py", "report_text.py", "cap.py", "scenario_report.py",
                  "../services/public_info_text.py")
        for _, msg, _, _ in extract_from_file(
            "python", str(SRC / f), keywords={"tr": (2,), "N_": None}
        )
    }
    | {e.heading for e in ELEMENTS}  # the headings of the pages of information to the public
)


def _catalog(lang: str) -> dict[str, str]:
    with i18n.catalogue_path(lang).open("rb") as fh:
        return {m.id: m.string for m in read_po(fh) if m.id}


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_messages_are_extracted() -> None:
    assert len(USED) > 50 and "Early warning" in USED


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_catalogue_has_every_message(lang: str) -> None:
    assert set(_catalog(lang)) == set(USED)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_en_and_ru_are_complete(lang: str) -> None:
    catalog = _catalog(lang)
    assert all(catalog[m].strip() for m in USED)
    for msgid, msgstr in catalog.items():
        assert _fields(msgid) == _fields(msgstr), msgid


def test_fallbacks() -> None:
    assert i18n.tr("uk", "Place") == "Place"  # structure only, not yet translated
    assert i18n.tr("de", "Place") == "Place"  # no catalogue at all
    assert i18n.tr("ru", "Test message from {sender}", sender="X") == "Тестовое сообщение от X"
    assert i18n.base_language("sr_Latn") == "sr"


def test_email_in_the_recipients_language(sample_reports: dict[str, Report]) -> None:
    report = sample_reports["assistance_request"]
    url = "https://ha.example/ack?m=a&r=b&sig=c"
    ru = render_email(report, "ru", ack_url=url)
    assert ru.subject.startswith("УЧЕНИЯ – Запрос о помощи")
    assert "Требуемая помощь: Отбор проб и анализ: mobile laboratory" in ru.text
    assert "Пожалуйста, подтвердите получение" in ru.text and url in ru.text
    assert (
        'lang="ru"' in ru.html and 'href="https://ha.example/ack?m=a&amp;r=b&amp;sig=c"' in ru.html
    )
    en = render_email(report, "en")
    assert "Assistance needed" in en.text and "acknowledge" not in en.text


def test_html_is_escaped(sample_reports: dict[str, Report]) -> None:
    import dataclasses

    report = sample_reports["test"]
    report = dataclasses.replace(report, sender_name="<script>alert(1)</script>")
    mail = render_email(report, "en")
    assert "<script>" not in mail.html and "&lt;script&gt;" in mail.html
