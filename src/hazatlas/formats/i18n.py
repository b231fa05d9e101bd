"""Translations of the fixed fields of reports and e-mails (gettext catalogues).

Catalogues are plain ``.po`` files in ``hazatlas/locale/<lang>/LC_MESSAGES/hazatlas.po``, read
with babel at run time (no compiled ``.mo`` files). A message missing or empty in a catalogue
falls back to English. The sender's free text is never translated; only fixed fields (report
types, accident types, labels) are.

To add a language: copy ``locale/en/LC_MESSAGES/hazatlas.po`` to ``locale/<lang>/...``, set the
``Language`` header, fill in the ``msgstr`` lines. To find the messages used in code, extract
with babel using the keywords ``tr`` (message is the 2nd argument) and ``N_``.

>>> tr("ru", "Early warning")
'Раннее оповещение'
>>> tr("ro", "Early warning")  # catalogue present, not yet translated: English
'Early warning'
>>> tr("ru-RU", "Place")
'Место'
"""

from __future__ import annotations

import functools
from enum import StrEnum
from importlib import resources
from pathlib import Path

from babel.messages.pofile import read_po

from hazatlas.domain.notification import (
    AccidentType,
    AssistanceKind,
    Certainty,
    ReportStatus,
    ReportType,
    ResponseKind,
    Severity,
)

DOMAIN = "hazatlas"
#: Languages with a catalogue. ``en`` and ``ru`` are complete; the others are being translated.
LANGUAGES = ("en", "ru", "uk", "sr", "ro")


def N_(msgid: str) -> str:  # noqa: N802 - the gettext convention for "mark, do not translate"
    """Mark a message for extraction without translating it."""
    return msgid


LABELS: dict[StrEnum, str] = {
    ReportType.EARLY_WARNING: N_("Early warning"),
    ReportType.INFORMATION: N_("Information report"),
    ReportType.ASSISTANCE_REQUEST: N_("Request for assistance"),
    ReportType.ASSISTANCE_RESPONSE: N_("Response to a request for assistance"),
    ReportType.END_OF_ALERT: N_("End of alert"),
    ReportType.TEST: N_("Test message"),
    ReportStatus.ACTUAL: N_("Actual"),
    ReportStatus.EXERCISE: N_("EXERCISE"),
    ReportStatus.TEST: N_("TEST"),
    ResponseKind.OFFER: N_("Assistance offered"),
    ResponseKind.TERMS: N_("Assistance offered on terms"),
    ResponseKind.REFUSAL: N_("Assistance refused"),
    AccidentType.FIRE: N_("Fire"),
    AccidentType.EXPLOSION: N_("Explosion"),
    AccidentType.RELEASE_TO_AIR: N_("Release to air"),
    AccidentType.RELEASE_TO_WATER: N_("Release to water"),
    AccidentType.RELEASE_TO_SOIL: N_("Release to soil"),
    AccidentType.TAILINGS_DAM_FAILURE: N_("Tailings dam failure"),
    AccidentType.PIPELINE_FAILURE: N_("Pipeline failure"),
    AccidentType.NATECH: N_("Accident triggered by a natural hazard (Natech)"),
    AccidentType.OTHER: N_("Other industrial accident"),
    Severity.EXTREME: N_("Extreme"),
    Severity.SEVERE: N_("Severe"),
    Severity.MODERATE: N_("Moderate"),
    Severity.MINOR: N_("Minor"),
    Severity.UNKNOWN: N_("Unknown"),
    Certainty.OBSERVED: N_("Observed"),
    Certainty.LIKELY: N_("Likely"),
    Certainty.POSSIBLE: N_("Possible"),
    Certainty.UNLIKELY: N_("Unlikely"),
    Certainty.UNKNOWN: N_("Unknown"),
    AssistanceKind.EXPERTS: N_("Experts"),
    AssistanceKind.RESPONSE_TEAMS: N_("Response teams"),
    AssistanceKind.EQUIPMENT: N_("Equipment"),
    AssistanceKind.MATERIALS: N_("Materials"),
    AssistanceKind.MEDICAL: N_("Medical assistance"),
    AssistanceKind.ANALYSIS: N_("Sampling and analysis"),
    AssistanceKind.OTHER: N_("Other assistance"),
}


def _locale_dir() -> Path:
    return Path(str(resources.files("hazatlas") / "locale"))


def catalogue_path(language: str) -> Path:
    """Path of the ``.po`` file of ``language`` (which may not exist)."""
    return _locale_dir() / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def base_language(language: str) -> str:
    """``"ru-RU"`` -> ``"ru"``; ``"sr_Latn"`` -> ``"sr"``."""
    return language.replace("_", "-").split("-")[0].lower()


@functools.cache
def messages(language: str) -> dict[str, str]:
    """Translated messages of a language (msgid -> msgstr, empty ones left out); cached."""
    path = catalogue_path(base_language(language))
    if not path.is_file():
        return {}
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=None, domain=DOMAIN)
    return {
        str(m.id): str(m.string)
        for m in catalog
        if m.id and isinstance(m.id, str) and isinstance(m.string, str) and m.string and not m.fuzzy
    }


def tr(language: str, msgid: str, /, **values: object) -> str:
    """``msgid`` translated into ``language`` (fallback English), then ``str.format(**values)``."""
    text = messages(language).get(msgid, msgid)
    return text.format(**values) if values else text


def label(language: str, value: StrEnum) -> str:
    """Translated label of an enumerated value (report type, accident type, severity...)."""
    return tr(language, LABELS[value])
