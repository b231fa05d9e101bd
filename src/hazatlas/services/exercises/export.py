"""Exports of an exercise: the after-action report as JSON or as a self-contained HTML document
(:mod:`hazatlas.formats.exercise_report`), and the journal as XLSX
(:mod:`hazatlas.formats.exercise_journal`)."""

from __future__ import annotations

import json
from pathlib import Path

from hazatlas.domain.access import Principal
from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.formats.exercise_journal import write_journal
from hazatlas.formats.exercise_report import render_report
from hazatlas.services.exercises.core import get
from hazatlas.services.exercises.evaluation import report
from hazatlas.services.settings import Settings
from hazatlas.storage.db import Database

FORMATS = ("json", "html")


def report_text(db: Database, principal: Principal, settings: Settings, exercise_id: str,
                fmt: str = "html") -> str:
    if fmt not in FORMATS:
        raise ValidationError([Problem("parameter", None, "format", f"{fmt!r}: expected "
                                       f"{' or '.join(FORMATS)} (the journal: xlsx)")])
    r = report(db, principal, settings, exercise_id)
    if fmt == "json":
        return json.dumps(r, ensure_ascii=False, indent=2) + "\n"
    return render_report(r)


def journal_xlsx(db: Database, principal: Principal, exercise_id: str, path: Path) -> int:
    """Write the journal to ``path``; returns the number of entries."""
    return write_journal(path, get(db, principal, exercise_id)["journal"])
