"""Exports of a plan as the reader may see it: ``json`` (the document of
:func:`hazatlas.services.plans.get`, keys in ``docs/plans.md``), ``html`` (a printable document
in one language of the plan, ``formats/plan_document.py``) and ``pdf`` (that document printed
by headless Chromium, ``formats/plan_pdf.py``; the executable is the setting
``HAZATLAS_CHROMIUM``)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from hazatlas.domain.access import Principal
from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.formats.plan_document import render_html
from hazatlas.formats.plan_pdf import html_to_pdf
from hazatlas.services.plans.core import get
from hazatlas.storage.db import Database

FORMATS = ("json", "html", "pdf")
MEDIA_TYPES = {"json": "application/json", "html": "text/html; charset=utf-8",
               "pdf": "application/pdf"}


@dataclass(frozen=True)
class Exported:
    """An export: its bytes, media type and a file name (``PLAN.LANG.html``, ``PLAN.json``)."""

    content: bytes
    media_type: str
    filename: str


def _format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValidationError([Problem("parameter", None, "format",
                                       f"{fmt!r} is not one of {', '.join(FORMATS)}")])


def export(db: Database, principal: Principal, plan_id: str, fmt: str,
           language: str | None = None, *, now: dt.datetime | None = None) -> str:
    """The plan as text in ``fmt`` (``json`` or ``html``); ``html`` needs ``language``."""
    _format(fmt)
    if fmt == "pdf":
        raise ValidationError([Problem("parameter", None, "format",
                                       "a PDF is not text: use export_file")])
    doc = get(db, principal, plan_id, now=now)
    if fmt == "json":
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    if not language:
        raise ValidationError([Problem("parameter", None, "language",
                                       f"an HTML export needs one of the plan's languages "
                                       f"({', '.join(doc['languages'])})")])
    return render_html(doc, language)


def export_file(db: Database, principal: Principal, plan_id: str, fmt: str,
                language: str | None = None, *, chromium: str | None = None,
                now: dt.datetime | None = None) -> Exported:
    """The plan in ``fmt`` as a file; ``html`` and ``pdf`` need one of the plan's languages,
    ``pdf`` a Chromium (``chromium``: the setting's path; :class:`PdfUnavailableError` when
    there is none)."""
    _format(fmt)
    if fmt == "json":
        return Exported(export(db, principal, plan_id, "json", now=now).encode(),
                        MEDIA_TYPES["json"], f"{plan_id}.json")
    html = export(db, principal, plan_id, "html", language, now=now)
    if fmt == "html":
        return Exported(html.encode(), MEDIA_TYPES["html"], f"{plan_id}.{language}.html")
    return Exported(html_to_pdf(html, chromium), MEDIA_TYPES["pdf"], f"{plan_id}.{language}.pdf")
