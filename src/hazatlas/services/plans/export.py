"""Exports of a plan as the reader may see it: ``json`` (the document of
:func:`hazatlas.services.plans.get`, keys in ``docs/plans.md``) or ``html`` (a printable
document in one language of the plan, ``formats/plan_document.py``). PDF is not produced: no
PDF renderer is a dependency of hazatlas; print the HTML from a browser."""

from __future__ import annotations

import datetime as dt
import json

from hazatlas.domain.access import Principal
from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.formats.plan_document import render_html
from hazatlas.services.plans.core import get
from hazatlas.storage.db import Database

FORMATS = ("json", "html")


def export(db: Database, principal: Principal, plan_id: str, fmt: str,
           language: str | None = None, *, now: dt.datetime | None = None) -> str:
    """The plan as text in ``fmt``; ``html`` needs ``language``."""
    if fmt not in FORMATS:
        raise ValidationError([Problem("parameter", None, "format",
                                       f"{fmt!r} is not one of {', '.join(FORMATS)}")])
    doc = get(db, principal, plan_id, now=now)
    if fmt == "json":
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    if not language:
        raise ValidationError([Problem("parameter", None, "language",
                                       f"an HTML export needs one of the plan's languages "
                                       f"({', '.join(doc['languages'])})")])
    return render_html(doc, language)
