"""The journal of an exercise as an XLSX sheet (one row per entry, in order), with the scenario
time both in seconds and as ``T+hh:mm:ss``; written by :mod:`hazatlas.formats.xlsx_writer`
(text cells never become formulas)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from hazatlas.formats.xlsx_writer import write_xlsx

COLUMNS = ("seq", "at_utc", "scenario_s", "scenario_time", "kind", "party", "actor", "text",
           "inject_id", "report_id")


def clock_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    sign = "+" if seconds >= 0 else "-"
    s = int(round(abs(seconds)))
    return f"T{sign}{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def rows(journal: Iterable[Mapping[str, Any]]) -> Iterable[list[str]]:
    for e in journal:
        s = e.get("scenario_s")
        yield [str(e["seq"]), e["at"], "" if s is None else f"{s:g}", clock_text(s), e["kind"],
               e.get("party") or "", e["actor"], e["text"], e.get("inject_id") or "",
               e.get("report_id") or ""]


def write_journal(path: Path, journal: Iterable[Mapping[str, Any]]) -> int:
    """Write the journal to ``path``; returns the number of entries."""
    return write_xlsx(path, COLUMNS, rows(journal), numeric=("seq", "scenario_s"), sheet="journal")
