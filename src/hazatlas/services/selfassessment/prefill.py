"""Figures pre-filled from the system into a self-assessment and an implementation report.

Each figure is a dictionary: ``key``, ``label``, ``value`` (``None`` when not available),
``unit``, ``available``, ``source`` (the records it counts), ``query`` (the SQL the database
ran and its parameters, from :mod:`hazatlas.storage.selfassessment_facts`), ``rule`` (what is
counted among the rows the query returns) and ``detail``. The figures of the exercises come
from the provider of :mod:`.providers`; without one they say "not yet available".

What "notified to neighbours" means here: hazatlas records no formal notification of a
hazardous activity under Art. 4(1) and Annex III. The figure counts the identified activities
capable of transboundary effects whose register record the authorities of the other Parties may
read in full (disclosure ``parties`` or ``public``, :mod:`hazatlas.domain.access`): what the
shared register has made known to them. The authority states the formal notifications in the
indicator's evidence.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Mapping
from typing import Any

from hazatlas.domain.errors import HazatlasError
from hazatlas.services import assessments
from hazatlas.services.selfassessment.providers import exercise_provider
from hazatlas.storage import selfassessment_facts as facts
from hazatlas.storage.db import Database
from hazatlas.storage.notifications.times import aware

NOT_AVAILABLE = "not yet available"
SHARED = ("parties", "public")


def _figure(key: str, label: str, value: Any, unit: str, source: str, query: Any, rule: str,
            detail: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"key": key, "label": label, "value": value, "unit": unit, "available": True,
            "source": source, "query": query, "rule": rule, "detail": detail or {}}


def _unavailable(key: str, label: str, unit: str, reason: str) -> dict[str, Any]:
    return {"key": key, "label": label, "value": None, "unit": unit, "available": False,
            "source": "exercises (hazatlas.services.exercises)", "query": None,
            "rule": NOT_AVAILABLE, "detail": {"reason": reason}}


def _register(s: Any, country: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    ids = facts.country_establishment_ids(s, country)
    rows, query = facts.classified(s, country)
    missing = sorted(set(ids) - {r["id"] for r in rows})
    if missing:  # results dropped by a bulk import are recomputed now
        assessments.refresh(s, missing)
        rows, query = facts.classified(s, country)
    hazardous = [r for r in rows if r["result"].get("convention_hazardous_activity") is True]
    transboundary = [r for r in hazardous if r["result"].get("transboundary_effects_possible")]
    shared = [r for r in transboundary if r["disclosure"] in SHARED]
    source = "register: establishment with its stored classification (assessment, kind " \
             "'classification')"
    return [
        _figure("hazardous_activities_identified", "Hazardous activities identified (Annex I)",
                len(hazardous), "establishments", source, query,
                "rows whose result.convention_hazardous_activity is true",
                {"establishments": [r["id"] for r in hazardous], "classified": len(rows),
                 "not_classifiable": sum(1 for r in rows
                                         if r["result"].get("seveso_tier") == "not classifiable")}),
        _figure("hazardous_activities_transboundary",
                "Of which capable of transboundary effects (location criteria)",
                len(transboundary), "establishments", source, query,
                "hazardous rows whose result.transboundary_effects_possible is true",
                {"establishments": [r["id"] for r in transboundary]}),
        _figure("hazardous_activities_shared",
                "Of which made known to the other Parties in the shared register",
                len(shared), "establishments", source, query,
                "transboundary rows whose disclosure is 'parties' or 'public' (not a record of a "
                "formal Art. 4 notification)",
                {"establishments": [r["id"] for r in shared]}),
    ], rows


def _plan_links(plan: Mapping[str, Any]) -> set[str]:
    return {lk["target"] for sec in plan.get("sections", []) for lk in sec.get("links", [])
            if lk.get("kind") == "establishment"}


def _plans(s: Any, country: str, classified: list[dict[str, Any]],
           exercises: list[dict[str, Any]] | None) -> dict[str, Any]:
    upper = [r["id"] for r in classified if r["result"].get("seveso_tier") == "upper"]
    plans, query = facts.current_plans(s)
    covering: dict[str, list[dict[str, Any]]] = {}
    for plan in plans:
        for site in _plan_links(plan) & set(upper):
            covering.setdefault(site, []).append(plan)
    last_test: dict[str, str | None] = {}
    for e in exercises or []:
        if e.get("plan_id"):
            when = str(e.get("end") or e.get("start") or e.get("dates") or "")
            last_test[e["plan_id"]] = max(last_test.get(e["plan_id"]) or "", when) or None
    used = sorted({p["id"] for ps in covering.values() for p in ps})
    detail = {
        "upper_tier": len(upper), "with_plan": len(covering),
        "with_adopted_plan": sum(1 for ps in covering.values()
                                 if any(p.get("adopted_version") for p in ps)),
        "sites": {site: sorted(p["id"] for p in covering.get(site, [])) for site in upper},
        "plans": [{"plan_id": pid, "last_test": (last_test.get(pid) if exercises is not None
                                                 else NOT_AVAILABLE)} for pid in used],
    }
    return _figure("upper_tier_sites_with_plan", "Share of upper-tier sites with a plan",
                   None if not upper else round(len(covering) / len(upper), 4), "fraction",
                   "register classification (seveso_tier 'upper') and the establishments linked "
                   "in the current version of the joint contingency plans", query,
                   "upper-tier establishments linked by at least one plan section, divided by "
                   "the upper-tier establishments", detail)


def _ack_seconds(rows: list[dict[str, Any]]) -> list[float]:
    out = []
    for r in rows:
        issued, acked = aware(r["issued_at"]), aware(r["acknowledged_at"])
        if issued is not None and acked is not None:
            out.append((acked - issued).total_seconds())
    return out


def _ack_stats(rows: list[dict[str, Any]]) -> dict[str, Any]:
    seconds = _ack_seconds(rows)
    return {"messages": len(rows), "acknowledged": len(seconds),
            "ack_median_s": statistics.median(seconds) if seconds else None,
            "ack_max_s": max(seconds) if seconds else None}


def _notifications(s: Any, country: str, since: dt.date, until: dt.date) -> list[dict[str, Any]]:
    sent, q1 = facts.sent_deliveries(s, country, since, until)
    reports = {r["report_id"]: r["status"] for r in sent}
    tests, q2 = facts.test_deliveries(s, country, since, until)
    within = 0
    for r in tests:  # the rule of services/notify/campaigns.py (delivery_state.acknowledged_within)
        acked, issued = aware(r["acknowledged_at"]), aware(r["report_issued_at"])
        if acked is not None and issued is not None \
                and acked - issued <= dt.timedelta(seconds=r["window_s"]):
            within += 1
    return [
        _figure("notifications_sent", "Notifications sent to other countries", len(reports),
                "reports", "notification reports issued by the country (notify_report) and "
                "their messages (notify_delivery)", q1,
                "distinct reports; acknowledgement time = acknowledged_at - issued_at of each "
                "message", {"by_status": dict(Counter(reports.values())),
                            "by_party": dict(Counter(r["party"] for r in sent)),
                            **_ack_stats(sent)}),
        _figure("communication_tests", "Communication-test messages to the country's contacts",
                len(tests), "messages", "communication-test campaigns (notify_campaign) and their "
                "test messages to the country's points of contact (notify_delivery)", q2,
                "messages; acknowledged within = acknowledged_at - the test report's issued_at <= "
                "the campaign's window_s",
                {"campaigns": len({r["campaign_id"] for r in tests}),
                 "acknowledged_within": within, **_ack_stats(tests)}),
    ]


def _exercise_facts(db: Database, country: str, since: dt.date,
                    until: dt.date) -> tuple[Mapping[str, Any] | None, str]:
    provider = exercise_provider()
    if provider is None:
        return None, "no exercise module is installed"
    got = provider(db, country, since, until)
    if not isinstance(got, Mapping) or not {"exercises", "improvement_actions"} <= set(got):
        raise HazatlasError("the exercise provider must return a mapping with 'exercises' and "
                            f"'improvement_actions'; it returned {type(got).__name__}")
    return got, ""


def _plain(value: Any) -> Any:
    """``value`` as JSON: dates as ISO text, mappings and sequences element by element."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


def _exercise_figures(got: Mapping[str, Any] | None, reason: str) -> list[dict[str, Any]]:
    if got is None:
        return [_unavailable("exercises_held", "Exercises held", "exercises", reason),
                _unavailable("open_improvement_actions", "Open improvement actions", "actions",
                             reason)]
    held = [_plain(e) for e in got["exercises"]]
    actions = [_plain(a) for a in got["improvement_actions"]]
    source = "exercises (hazatlas.services.exercises.facts)"
    return [
        _figure("exercises_held", "Exercises held", len(held), "exercises", source,
                {"provider": "facts(db, country_iso3, since, until)"}, "exercises returned",
                {"exercises": held,
                 "ratings": dict(Counter(str(e.get("overall_rating")) for e in held))}),
        _figure("open_improvement_actions", "Open improvement actions", len(actions), "actions",
                source, {"provider": "facts(db, country_iso3, since, until)"},
                "improvement actions returned", {"actions": actions}),
    ]


def compute(db: Database, country: str, since: dt.date, until: dt.date,
            at: dt.datetime) -> dict[str, Any]:
    """Every figure for ``country`` over the period (both days included), computed at ``at``."""
    got, reason = _exercise_facts(db, country, since, until)
    exercises = None if got is None else [_plain(e) for e in got["exercises"]]
    with db.transaction() as s:
        register, classified = _register(s, country)
        plans = _plans(s, country, classified, exercises)
        notes = _notifications(s, country, since, until)
    figures = [*register, plans, *notes, *_exercise_figures(got, reason)]
    return {"computed_at": at.isoformat(), "period": {"start": since.isoformat(),
                                                      "end": until.isoformat()},
            "figures": {f["key"]: f for f in figures}}
