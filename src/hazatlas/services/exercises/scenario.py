"""The facts an exercise takes from a stored scenario: when the pollution arrives at each border
and at each point of interest (intake, station), as seconds after the accident, from the run's
result document (``source.start`` and the ``countries[].first_arrival``, ``points[].arrival``
times of a river run, ``services/spill_report.py``; a tailings failure's river part likewise)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any


def _time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def _offset(start: dt.datetime, value: Any) -> float | None:
    at = _time(value)
    if at is None or (at.tzinfo is None) != (start.tzinfo is None):
        return None
    return (at - start).total_seconds()


def _river_docs(result: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if isinstance(result.get("source"), Mapping) and result["source"].get("start"):
        return [result]
    river = result.get("river")  # a tailings failure's river part, when it has one
    if isinstance(river, Mapping):
        return _river_docs(river)
    spills = result.get("spills")
    if isinstance(spills, list):
        return [d for s in spills if isinstance(s, Mapping) for d in _river_docs(s)]
    return []


def arrival_facts(run: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``[{what, where, offset_s, scenario_id}]``, earliest first; empty for a scenario that
    has no arrival times (a plume, a runout)."""
    facts: list[dict[str, Any]] = []
    for doc in _river_docs(run.get("result") or {}):
        start = _time(doc["source"]["start"])
        if start is None:
            continue
        for c in doc.get("countries") or []:
            off = _offset(start, c.get("first_arrival")) if isinstance(c, Mapping) else None
            if off is not None:
                facts.append({"what": "first arrival above the threshold at the border",
                              "where": str(c.get("country")), "offset_s": off,
                              "scenario_id": run.get("id")})
        for p in doc.get("points") or []:
            off = _offset(start, p.get("arrival")) if isinstance(p, Mapping) else None
            if off is not None:
                facts.append({"what": "arrival above the threshold", "where": str(p.get("name")),
                              "offset_s": off, "scenario_id": run.get("id")})
    return sorted(facts, key=lambda f: (f["offset_s"], f["where"]))
