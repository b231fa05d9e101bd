"""The after-action report of an exercise as one self-contained HTML document: no script, no
style sheet, image or font fetched from anywhere (the style is inline), so it can be mailed or
put on a share for people without an account. Every value is escaped.

Layout after the HSEEP after-action report (reference row HS-A2: overview, analysis per
capability, improvement plan, appendices), with the Danube Delta 2015 report's evaluation
areas as the capabilities (``data/reference/exercise_evaluation_areas.csv``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

from hazatlas.formats.exercise_journal import clock_text

_STYLE = """
body{font-family:sans-serif;margin:2em auto;max-width:60em;color:#111;line-height:1.4}
h1{font-size:1.6em}h2{border-bottom:1px solid #999;margin-top:1.6em}
table{border-collapse:collapse;width:100%;margin:.5em 0}
th,td{border:1px solid #bbb;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#eee}.banner{background:#fde68a;padding:.5em;font-weight:bold}
.r-P{background:#bbf7d0}.r-S{background:#fef08a}.r-M{background:#fed7aa}.r-U{background:#fecaca}
.small{font-size:.85em;color:#444}
@media print{.banner{border:2px solid #000}}
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value))


def _table(head: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A table; ``rows`` hold HTML already escaped."""
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return ("<table><thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head)
            + f"</tr></thead><tbody>{body}</tbody></table>")


def _rating(value: str | None) -> str:
    return f'<span class="r-{_e(value)}">{_e(value)}</span>' if value else "not rated"


def _evidence(numbers: Sequence[int]) -> str:
    return ", ".join(f'<a href="#j{int(n)}">#{int(n)}</a>' for n in numbers)


def _overview(r: Mapping[str, Any]) -> str:
    ex = r["exercise"]
    staff = ", ".join(f"{u} ({role})" for u, role in ex["staff"])
    rows = [("Exercise", f"{_e(ex['title'])} ({_e(ex['id'])})"), ("Type", _e(ex["type"])),
            ("Parties", _e(", ".join(ex["parties"]))), ("Joint plan", _e(ex["plan_id"] or "-")),
            ("Scheduled", _e(ex["scheduled_on"] or "-")),
            ("Played", f"{_e(ex['started_at'] or '-')} to {_e(ex['ended_at'] or '-')} (UTC)"),
            ("Scenario", _e(ex["scenario_id"] or "-")), ("Staff", _e(staff)),
            ("Overall rating", _rating(r["overall"]) + f' <span class="small">({_e(r["overall_rule"])})</span>')]
    return _table(("", ""), rows)


def _times(r: Mapping[str, Any]) -> str:
    m = r["measured_times"]

    def line(name: str, item: Mapping[str, Any] | None) -> Sequence[str]:
        if item is None:
            return (_e(name), "did not happen", "")
        return (_e(name), _e(clock_text(item["scenario_s"])), _e(item["report_id"]))
    rows = [line("Accident → first early warning issued", m["first_warning"]),
            line("Accident → request for assistance", m["assistance_request"]),
            line("Accident → offer of assistance", m["assistance_offer"])]
    rows += [(_e(f"Accident → acknowledgement by {a['contact_id']} ({a['party']}) of {a['type']}"),
              _e(clock_text(a["scenario_s"])), _e(a["report_id"])) for a in m["acknowledgements"]]
    out = _table(("Measured (from the notification records)", "Scenario time", "Report"), rows)
    c = r.get("communication_test")
    if c:
        out += (f"<p>Communication test ({_e(c['name'])}): {c['acknowledged_within']} of "
                f"{c['total']} contacts acknowledged within {c['window_s']} s.</p>")
        out += _table(("Contact", "Party", "Acknowledged", "Within window"),
                      [(_e(x["contact_id"]), _e(x["party"]), _e(x["acknowledged_at"] or "-"),
                        "yes" if x["within"] else "no") for x in c["contacts"]])
    return out


def _analysis(r: Mapping[str, Any]) -> str:
    by_id = {o["id"]: o for o in r["objectives"]}
    parts = []
    for a in r["areas"]:
        if not a["objectives"]:
            continue
        parts.append(f"<h3>{_e(a['name'])}</h3>")
        rows = []
        for oid in a["objectives"]:
            o = by_id[oid]
            rows.append((f"<b>{_e(o['id'])}</b> {_e(o['text'])}", _rating(o["rating"]),
                         f"quick {_e(o['quick'] or '-')}, detailed {_e(o['detailed'] or '-')}",
                         _evidence(o["evidence"]), _e(o["note"])))
            rows += [(f"&nbsp;&nbsp;{_e(t['id'])} {_e(t['text'])}", _rating(t["rating"]),
                      f"quick {_e(t['quick'] or '-')}, detailed {_e(t['detailed'] or '-')}",
                      _evidence(t["evidence"]), _e(t["note"])) for t in o["tasks"]]
        parts.append(_table(("Objective / critical task", "Rating", "Phases", "Evidence",
                             "Observation"), rows))
    legend = _table(("Rating", "Meaning", "Source (status)"),
                    [(_e(f"{x['rating']} - {x['name']}"), _e(x["meaning"]),
                      _e(f"{x['source']} ({x['status']})")) for x in r["ratings_legend"]])
    return "".join(parts) + "<h3>Ratings</h3>" + legend


def _feedback(r: Mapping[str, Any]) -> str:
    rows = []
    for q in r["feedback"]:
        if q["kind"] == "scale_1_5":
            value = "-" if q["mean"] is None else f"mean {q['mean']} of 5"
            rows.append((_e(q["text"]), _e(f"{value} ({q['answers']} answers)")))
        else:
            rows.append((_e(q["text"]), "<br>".join(_e(t) for t in q["texts"]) or "-"))
    return f"<p>{r['feedback_forms']} forms.</p>" + _table(("Question", "Answers"), rows)


def _plan(r: Mapping[str, Any]) -> str:
    rows = [(_e(a["id"]), _e(a["text"]),
             f'<span class="plan-link" data-plan="{_e(a["plan_id"])}" data-section='
             f'"{_e(a["section"])}">plan {_e(a["plan_id"])}, section {_e(a["section"])}</span>',
             _e(a["responsible"]), _e(a["due"]), _e(a["status"])) for a in r["improvement_plan"]]
    return _table(("Action", "Corrective action", "Changes", "Responsible", "Due", "Status"), rows)


def _journal(r: Mapping[str, Any]) -> str:
    rows = [(f'<span id="j{int(e["seq"])}">{int(e["seq"])}</span>',
             _e(clock_text(e["scenario_s"])), _e(e["at"]), _e(e["kind"]), _e(e["party"] or ""),
             _e(e["actor"]), _e(e["text"]) + (f" <i>(report {_e(e['report_id'])})</i>"
                                             if e.get("report_id") else ""))
            for e in r["journal"]]
    return _table(("#", "Scenario time", "UTC", "Kind", "Party", "By", "Entry"), rows)


def render_report(r: Mapping[str, Any]) -> str:
    """The after-action report (the JSON of ``services.exercises.report``) as HTML."""
    ex = r["exercise"]
    facts = _table(("Fact of the scenario", "Where", "Scenario time"),
                   [(_e(f["what"]), _e(f["where"]), _e(clock_text(f["offset_s"])))
                    for f in ex["scenario_facts"]]) if ex["scenario_facts"] else ""
    msel = _table(("Inject", "Scenario time", "Synopsis", "From → to", "Expected action",
                   "Objective", "Released"),
                  [(_e(i["id"]), _e(clock_text(i["offset_s"])), _e(i["synopsis"]),
                    _e(f"{i['from_party']} → {', '.join(i['to']) or 'in the room'}"),
                    _e(i["expected_action"]), _e(i["objective"] or ""),
                    _e(clock_text(i["released_s"]) if i["released_at"] else "not released"))
                   for i in r["injects"]])
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>After-action report: {_e(ex['title'])}</title><style>{_STYLE}</style></head><body>"
        '<p class="banner">EXERCISE - after-action report and improvement plan</p>'
        f"<h1>{_e(ex['title'])}</h1><h2>Overview</h2>{_overview(r)}{facts}"
        f"<h2>Master events list</h2>{msel}<h2>Measured times</h2>{_times(r)}"
        f"<h2>Analysis by evaluation area</h2>{_analysis(r)}"
        f"<h2>Participant feedback</h2>{_feedback(r)}"
        f"<h2>Improvement plan</h2>{_plan(r)}<h2>Appendix: journal</h2>{_journal(r)}"
        '<p class="small">Produced by hazatlas. Evaluation areas: Danube Delta exercise '
        "evaluation report, October 2015; ratings: HSEEP.</p></body></html>\n"
    )
