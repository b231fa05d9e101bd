"""A self-assessment of one country for one round, as its JSON document (every save is a stored
revision; keys in ``docs/self-assessment.md``).

Each area of the framework lists its indicators; each indicator carries the criterion level
reached (``None`` until assessed), the evidence and comments the authority writes, and the
keys of the figures pre-filled from the system (``prefill``, computed by the service with the
source and query of each figure). :func:`progress` compares the levels of two rounds.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.domain.selfassessment.framework import Framework

_ISO3 = re.compile(r"^[A-Z]{3}$")
_ROUND = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
MAX_TEXT = 20_000


def check_round(country_iso3: str, round_id: str, start: dt.date | None = None,
                end: dt.date | None = None) -> None:
    problems = []
    if not _ISO3.match(country_iso3):
        problems.append(Problem("request", None, "country",
                                f"{country_iso3!r} is not an ISO 3166-1 alpha-3 code (e.g. SRB)"))
    if not _ROUND.match(round_id):
        problems.append(Problem("request", None, "round",
                                f"{round_id!r}: expected letters, digits, '.', '_' or '-' "
                                "(at most 40), e.g. 2026 or 10th"))
    if start is not None and end is not None and end < start:
        problems.append(Problem("request", None, "period_end",
                                f"the period ends ({end}) before it starts ({start})"))
    if problems:
        raise ValidationError(problems)


def new_assessment(framework: Framework, country_iso3: str, round_id: str,
                   period_start: dt.date, period_end: dt.date) -> dict[str, Any]:
    """A new self-assessment (version 1), every indicator unassessed."""
    check_round(country_iso3, round_id, period_start, period_end)
    areas = []
    for area in framework.areas:
        areas.append({
            "key": area.key, "kind": area.kind, "name": area.name, "source": area.source,
            "indicators": [{"id": i.id, "text": i.text, "wording": i.wording,
                            "source": i.source, "source_locator": i.source_locator,
                            "evidence_keys": list(i.evidence_keys), "level": None,
                            "evidence": "", "comments": "", "updated_by": None,
                            "updated_at": None}
                           for i in framework.indicators if i.area == area.key]})
    return {"country": country_iso3, "round": round_id,
            "period": {"start": period_start.isoformat(), "end": period_end.isoformat()},
            "framework_version": framework.version,
            "levels": [{"level": lv.level, "name": lv.name, "description": lv.description,
                        "wording": lv.wording} for lv in framework.levels],
            "version": 1, "areas": areas, "prefill": None}


def _indicator(doc: dict[str, Any], indicator_id: str) -> dict[str, Any]:
    for area in doc["areas"]:
        for ind in area["indicators"]:
            if ind["id"] == indicator_id:
                assert isinstance(ind, dict)
                return ind
    known = ", ".join(i["id"] for a in doc["areas"] for i in a["indicators"])
    raise ValidationError([Problem("request", None, "indicator",
                                   f"{indicator_id!r} is not an indicator of this "
                                   f"self-assessment ({known})")])


def set_indicator(doc: dict[str, Any], framework: Framework, indicator_id: str, *,
                  level: int | None = None, evidence: str | None = None,
                  comments: str | None = None, by: str, at: dt.datetime) -> dict[str, Any]:
    """A new version of ``doc`` with the indicator's level, evidence or comments changed."""
    if level is None and evidence is None and comments is None:
        raise ValidationError([Problem("request", None, "level",
                                       "give a level, evidence or comments to change")])
    if level is not None:
        framework.level(level)
    problems = [Problem("request", None, name, f"at most {MAX_TEXT} characters")
                for name, value in (("evidence", evidence), ("comments", comments))
                if value is not None and len(value) > MAX_TEXT]
    if problems:
        raise ValidationError(problems)
    new = _copy(doc)
    ind = _indicator(new, indicator_id)
    if level is not None:
        ind["level"] = level
    if evidence is not None:
        ind["evidence"] = evidence.strip()
    if comments is not None:
        ind["comments"] = comments.strip()
    ind["updated_by"], ind["updated_at"] = by, at.isoformat()
    new["version"] = doc["version"] + 1
    return new


def with_prefill(doc: dict[str, Any], prefill: dict[str, Any]) -> dict[str, Any]:
    new = _copy(doc)
    new["prefill"] = prefill
    new["version"] = doc["version"] + 1
    return new


def _copy(doc: dict[str, Any]) -> dict[str, Any]:
    import copy

    return copy.deepcopy(doc)


def levels_of(doc: dict[str, Any]) -> dict[str, int | None]:
    return {i["id"]: i["level"] for a in doc["areas"] for i in a["indicators"]}


def progress(earlier: dict[str, Any], later: dict[str, Any]) -> dict[str, Any]:
    """Per indicator the level of each round and the change (``None`` where either round did
    not assess it); indicators of one framework only are compared by id.

    >>> a = {"round": "2022", "country": "SRB", "areas": [{"key": "x", "indicators": [
    ...     {"id": "ID1", "level": 1}, {"id": "NO1", "level": None}]}]}
    >>> b = {"round": "2026", "country": "SRB", "areas": [{"key": "x", "indicators": [
    ...     {"id": "ID1", "level": 3}, {"id": "NO1", "level": 2}]}]}
    >>> [(r["indicator"], r["change"]) for r in progress(a, b)["indicators"]]
    [('ID1', 2), ('NO1', None)]
    """
    before, after = levels_of(earlier), levels_of(later)
    area_of = {i["id"]: a["key"] for a in later["areas"] for i in a["indicators"]}
    rows: list[dict[str, Any]] = []
    changes: list[int] = []
    for ind in sorted(set(before) | set(after), key=lambda k: (area_of.get(k, ""), k)):
        old, new = before.get(ind), after.get(ind)
        change = None if old is None or new is None else new - old
        if change is not None:
            changes.append(change)
        rows.append({"indicator": ind, "area": area_of.get(ind), "from": old, "to": new,
                     "change": change})
    improved = sum(1 for c in changes if c > 0)
    worse = sum(1 for c in changes if c < 0)
    return {"country": later["country"], "from_round": earlier["round"],
            "to_round": later["round"], "indicators": rows,
            "improved": improved, "declined": worse}
