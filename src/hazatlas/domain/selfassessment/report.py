"""A national implementation report (Art. 23 of the Convention) for one reporting round, as its
JSON document: the six thematic sections the Working Group on Implementation uses (named at its
February 2022 seminar; ``data/reference/implementation_report_sections.csv``), each with the
figures computed from the system and text per language; its state ``draft`` or ``signed_off``.

The questions of the current reporting questionnaire could not be read, so a section holds
free text per language rather than answers to questions. A signed-off report is frozen: an
edit or a refresh of its figures starts a new draft version (the signed version stays in the
stored revisions). The EU Seveso III questionnaire's sections answered by the same figures are
in ``implementation_report_seveso_map.csv`` (:func:`seveso_answers`).
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any

from hazatlas.domain.errors import ConflictError, Problem, ValidationError
from hazatlas.domain.reference import load_table
from hazatlas.domain.selfassessment.assessment import check_round

SECTIONS_TABLE = "implementation_report_sections"
SEVESO_TABLE = "implementation_report_seveso_map"
DRAFT, SIGNED_OFF = "draft", "signed_off"
_LANG = re.compile(r"^[a-z]{2,3}$")
MAX_TEXT = 100_000


def sections() -> list[dict[str, str]]:
    return sorted((dict(r) for r in load_table(SECTIONS_TABLE)), key=lambda r: int(r["position"]))


def check_languages(languages: list[str]) -> tuple[str, ...]:
    bad = [lang for lang in languages if not _LANG.match(lang)]
    if bad or not languages:
        raise ValidationError([Problem("request", None, "languages",
                                       "one or more ISO 639 codes in lower case (e.g. sr, en); "
                                       f"got {', '.join(map(repr, bad)) or 'none'}")])
    return tuple(dict.fromkeys(languages))


def new_report(country_iso3: str, round_id: str, period_start: dt.date, period_end: dt.date,
               languages: list[str]) -> dict[str, Any]:
    check_round(country_iso3, round_id, period_start, period_end)
    langs = check_languages(languages)
    return {"country": country_iso3, "round": round_id,
            "period": {"start": period_start.isoformat(), "end": period_end.isoformat()},
            "languages": list(langs), "version": 1, "state": DRAFT, "signed_off": None,
            "figures": {}, "figures_at": None,
            "sections": [{"key": s["key"], "title": s["title"], "reference_id": s["reference_id"],
                          "figure_keys": [k for k in s["figure_keys"].split(";") if k],
                          "text": {}} for s in sections()]}


def _next(doc: dict[str, Any]) -> dict[str, Any]:
    """A copy as the next version; a signed-off report becomes a new draft."""
    new = copy.deepcopy(doc)
    new["version"] = doc["version"] + 1
    new["state"], new["signed_off"] = DRAFT, None
    return new


def set_text(doc: dict[str, Any], key: str, language: str, text: str) -> dict[str, Any]:
    if language not in doc["languages"]:
        raise ValidationError([Problem("request", None, "language",
                                       f"{language!r} is not a language of the report "
                                       f"({', '.join(doc['languages'])})")])
    if len(text) > MAX_TEXT:
        raise ValidationError([Problem("request", None, "text", f"at most {MAX_TEXT} characters")])
    new = _next(doc)
    for section in new["sections"]:
        if section["key"] == key:
            section["text"][language] = text.strip()
            return new
    raise ValidationError([Problem("request", None, "section",
                                   f"{key!r} is not a section of the report "
                                   f"({', '.join(s['key'] for s in doc['sections'])})")])


def with_figures(doc: dict[str, Any], figures: dict[str, Any], at: dt.datetime) -> dict[str, Any]:
    new = _next(doc)
    new["figures"], new["figures_at"] = figures, at.isoformat()
    return new


def sign_off(doc: dict[str, Any], by: str, at: dt.datetime) -> dict[str, Any]:
    """The same version, signed off by ``by``; a report without figures or already signed off
    cannot be signed."""
    if doc["state"] == SIGNED_OFF:
        raise ConflictError(f"version {doc['version']} of the report is already signed off")
    if not doc.get("figures"):
        raise ConflictError("the report has no figures yet: refresh them before signing off")
    new = copy.deepcopy(doc)
    new["state"] = SIGNED_OFF
    new["signed_off"] = {"by": by, "at": at.isoformat(), "version": doc["version"]}
    return new


def seveso_answers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The EU Seveso III questionnaire's sections (Decision 2014/896/EU) that the report's data
    answers, each with the figure or report section it comes from and its source."""
    out = []
    for row in load_table(SEVESO_TABLE):
        figure = doc["figures"].get(row["figure_or_section"])
        out.append({"seveso_section": row["seveso_section"],
                    "seveso_question": row["seveso_question"] or None,
                    "subject": row["seveso_subject"], "report_section": row["report_section"],
                    "figure": row["figure_or_section"] if figure is not None else None,
                    "value": None if figure is None else figure.get("value"),
                    "available": None if figure is None else figure.get("available", True),
                    "source": row["source"], "status": row["status"]})
    return out
