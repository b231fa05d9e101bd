"""``hazatlas implementation``: a country's self-assessment (``assessment``), action plan
(``actions``) and national implementation report (``report``); ``docs/self-assessment.md``.
The CLI acts as the local administrator unless ``--as USER``; signing off a report needs
``--as`` a user of the country's national authority. ``--at`` sets the clock (ISO time with
offset) of what depends on the date: the figures' time stamp, overdue actions, sign-off."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from hazatlas.cli.common import (
    AsOption,
    AtOption,
    DbOption,
    JsonOption,
    at_time,
    handle_errors,
    open_db,
    out,
    principal,
    print_json,
)
from hazatlas.cli.implementation_report import report_app

impl_app = typer.Typer(help="Self-assessment, action plan and implementation report of a "
                       "country.", no_args_is_help=True)
assessment_app = typer.Typer(help="Self-assessment per country and round: levels, evidence, "
                             "figures pre-filled from the system, progress.", no_args_is_help=True)
actions_app = typer.Typer(help="The action plan: actions per indicator, overdue ones, imports "
                          "from an exercise's improvement plan.", no_args_is_help=True)
impl_app.add_typer(assessment_app, name="assessment")
impl_app.add_typer(actions_app, name="actions")
impl_app.add_typer(report_app, name="report")

FromOption = typer.Option(..., "--from", help="first day of the period (YYYY-MM-DD)")
ToOption = typer.Option(..., "--to", help="last day of the period (YYYY-MM-DD)")
CountryArg = typer.Argument(..., help="ISO3 code of the country, e.g. SRB")
RoundArg = typer.Argument(..., help="the round, e.g. 2026 or 10th")



def _figures(figures: dict[str, Any]) -> None:
    from hazatlas.formats.implementation_report import value_text

    for f in figures.values():
        out.print(f"  {f['label']}: [bold]{value_text(f)}[/bold]")


def _assessment(doc: dict[str, Any]) -> None:
    out.print(f"[bold]Self-assessment {doc['country']} round {doc['round']}[/bold] "
              f"({doc['period']['start']} to {doc['period']['end']}), framework "
              f"{doc['framework_version']}, version {doc['version']}")
    for area in doc["areas"]:
        out.print(f"[bold]{area['name']}[/bold]")
        for ind in area["indicators"]:
            level = "-" if ind["level"] is None else ind["level"]
            out.print(f"  {ind['id']:<5} level {level}  {ind['text']}")
    if doc.get("prefill"):
        out.print("[bold]Figures from the system[/bold]")
        _figures(doc["prefill"]["figures"])


@assessment_app.command("create")
@handle_errors
def assessment_create(country: str = CountryArg, round_id: str = RoundArg,
                      start: str = FromOption, end: str = ToOption,
                      framework: str = typer.Option("hazatlas-sa/1", "--framework",
                                                    help="framework version"),
                      db: str | None = DbOption, as_user: str | None = AsOption,
                      at: str | None = AtOption, json_out: bool = JsonOption) -> None:
    """Create the self-assessment of COUNTRY for ROUND, with the figures pre-filled."""
    from hazatlas.services.selfassessment import assessments

    database = open_db(db)
    doc = assessments.create(database, principal(database, as_user), country, round_id, start,
                             end, framework=framework, now=at_time(at))
    print_json(doc) if json_out else _assessment(doc)


@assessment_app.command("show")
@handle_errors
def assessment_show(country: str = CountryArg, round_id: str = RoundArg,
                    version: int | None = typer.Option(None, "--version", min=1),
                    db: str | None = DbOption, as_user: str | None = AsOption,
                    json_out: bool = JsonOption) -> None:
    """The self-assessment (an earlier version with --version)."""
    from hazatlas.services.selfassessment import assessments

    database = open_db(db)
    doc = assessments.get(database, principal(database, as_user), country, round_id,
                          version=version)
    print_json(doc) if json_out else _assessment(doc)


@assessment_app.command("set")
@handle_errors
def assessment_set(country: str = CountryArg, round_id: str = RoundArg,
                   indicator: str = typer.Argument(..., help="indicator id, e.g. ID1"),
                   level: int | None = typer.Option(None, "--level", help="criterion level"),
                   evidence: str | None = typer.Option(None, "--evidence"),
                   comments: str | None = typer.Option(None, "--comments"),
                   db: str | None = DbOption, as_user: str | None = AsOption,
                   at: str | None = AtOption, json_out: bool = JsonOption) -> None:
    """Set an indicator's criterion level, evidence or comments (a new version)."""
    from hazatlas.services.selfassessment import assessments

    database = open_db(db)
    doc = assessments.set_indicator(database, principal(database, as_user), country, round_id,
                                    indicator, level=level, evidence=evidence,
                                    comments=comments, now=at_time(at))
    print_json(doc) if json_out else out.print(f"version {doc['version']}: {indicator} set")


@assessment_app.command("refresh")
@handle_errors
def assessment_refresh(country: str = CountryArg, round_id: str = RoundArg,
                       db: str | None = DbOption, as_user: str | None = AsOption,
                       at: str | None = AtOption, json_out: bool = JsonOption) -> None:
    """Compute the pre-filled figures again from the current data."""
    from hazatlas.services.selfassessment import assessments

    database = open_db(db)
    doc = assessments.refresh(database, principal(database, as_user), country, round_id,
                              now=at_time(at))
    print_json(doc) if json_out else _figures(doc["prefill"]["figures"])


@assessment_app.command("progress")
@handle_errors
def assessment_progress(country: str = CountryArg,
                        from_round: str = typer.Argument(..., help="the earlier round"),
                        to_round: str = typer.Argument(..., help="the later round"),
                        db: str | None = DbOption, as_user: str | None = AsOption,
                        json_out: bool = JsonOption) -> None:
    """The criterion levels of two rounds and their change per indicator."""
    from hazatlas.services.selfassessment import assessments

    database = open_db(db)
    p = assessments.progress(database, principal(database, as_user), country, from_round,
                             to_round)
    if json_out:
        print_json(p)
        return
    for r in p["indicators"]:
        change = "" if r["change"] is None else f"{r['change']:+d}"
        out.print(f"{r['indicator']:<5} {r['from'] if r['from'] is not None else '-'} -> "
                  f"{r['to'] if r['to'] is not None else '-'}  {change}")
    out.print(f"improved {p['improved']}, declined {p['declined']}")


@assessment_app.command("list")
@handle_errors
def assessment_list(country: str | None = typer.Option(None, "--country"),
                    db: str | None = DbOption, as_user: str | None = AsOption,
                    json_out: bool = JsonOption) -> None:
    """The self-assessments the acting user may read."""
    from hazatlas.services.selfassessment import assessments

    database = open_db(db)
    rows = assessments.list_assessments(database, principal(database, as_user), country)
    if json_out:
        print_json(rows)
        return
    for r in rows:
        out.print(f"{r['country']}  {r['round']}  v{r['version']}  {r['updated_at'][:10]}")


# -- actions ---------------------------------------------------------------------------------

def _action_fields(**kw: Any) -> dict[str, Any]:
    return {k: v for k, v in kw.items() if v is not None}


def _action_line(a: dict[str, Any]) -> str:
    flag = "  OVERDUE" if a.get("overdue") else ""
    link = f"  (exercise {a['exercise_id']})" if a.get("exercise_id") else ""
    return (f"{a['id']:>4} {a['indicator_id']:<5} {a['status']:<11} due {a['due_on']}  "
            f"{a['responsible_authority']}: {a['title']}{link}{flag}")


@actions_app.command("add")
@handle_errors
def actions_add(country: str = CountryArg,
                indicator: str = typer.Option(..., "--indicator", help="indicator id, e.g. PP1"),
                title: str = typer.Option(..., "--title"),
                responsible: str = typer.Option(..., "--responsible",
                                                help="the responsible authority"),
                due: str = typer.Option(..., "--due", help="due date (YYYY-MM-DD)"),
                start: str | None = typer.Option(None, "--start", help="start date"),
                resources: str | None = typer.Option(None, "--resources"),
                assistance: str | None = typer.Option(None, "--assistance",
                                                      help="assistance requested"),
                status: str | None = typer.Option(None, "--status",
                                                  help="planned, in_progress, done, cancelled"),
                notes: str | None = typer.Option(None, "--notes"),
                db: str | None = DbOption, as_user: str | None = AsOption,
                at: str | None = AtOption, json_out: bool = JsonOption) -> None:
    """Add an action to COUNTRY's action plan."""
    from hazatlas.services.selfassessment import actions

    database = open_db(db)
    a = actions.add(database, principal(database, as_user), country, _action_fields(
        indicator_id=indicator, title=title, responsible_authority=responsible, due_on=due,
        start_on=start, resources=resources, assistance_requested=assistance, status=status,
        notes=notes), now=at_time(at))
    print_json(a) if json_out else out.print(_action_line(a))


@actions_app.command("update")
@handle_errors
def actions_update(country: str = CountryArg, action_id: int = typer.Argument(...),
                   indicator: str | None = typer.Option(None, "--indicator"),
                   title: str | None = typer.Option(None, "--title"),
                   responsible: str | None = typer.Option(None, "--responsible"),
                   due: str | None = typer.Option(None, "--due"),
                   start: str | None = typer.Option(None, "--start"),
                   resources: str | None = typer.Option(None, "--resources"),
                   assistance: str | None = typer.Option(None, "--assistance"),
                   status: str | None = typer.Option(None, "--status"),
                   notes: str | None = typer.Option(None, "--notes"),
                   db: str | None = DbOption, as_user: str | None = AsOption,
                   at: str | None = AtOption, json_out: bool = JsonOption) -> None:
    """Change an action (only the options given)."""
    from hazatlas.services.selfassessment import actions

    database = open_db(db)
    a = actions.update(database, principal(database, as_user), country, action_id,
                       _action_fields(indicator_id=indicator, title=title,
                                      responsible_authority=responsible, due_on=due,
                                      start_on=start, resources=resources,
                                      assistance_requested=assistance, status=status,
                                      notes=notes), now=at_time(at))
    print_json(a) if json_out else out.print(_action_line(a))


@actions_app.command("list")
@handle_errors
def actions_list(country: str = CountryArg,
                 overdue: bool = typer.Option(False, "--overdue", help="overdue actions only"),
                 db: str | None = DbOption, as_user: str | None = AsOption,
                 at: str | None = AtOption, json_out: bool = JsonOption) -> None:
    """COUNTRY's action plan, overdue actions flagged (as of --at, default today)."""
    from hazatlas.services.selfassessment import actions

    database = open_db(db)
    plan = actions.list_actions(database, principal(database, as_user), country,
                                overdue_only=overdue, now=at_time(at))
    if json_out:
        print_json(plan)
        return
    for a in plan["actions"]:
        out.print(_action_line(a))
    out.print(f"{plan['overdue']} overdue as of {plan['as_of']}")


@actions_app.command("import")
@handle_errors
def actions_import(country: str = CountryArg,
                   file: Path = typer.Option(..., "--file", exists=True, dir_okay=False,
                                             help="JSON list of improvement actions"),
                   db: str | None = DbOption, as_user: str | None = AsOption,
                   at: str | None = AtOption, json_out: bool = JsonOption) -> None:
    """Import an exercise's improvement actions (id, exercise_id, text, plan_id, plan_section,
    responsible_party, due, status) as linked actions; importing again updates them."""
    from hazatlas.domain.errors import Problem, ValidationError
    from hazatlas.services.selfassessment import actions

    try:
        records = json.loads(file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError([Problem(file.name, None, "", f"not JSON: {exc}")]) from None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ValidationError([Problem(file.name, None, "", "expected a JSON list of objects")])
    database = open_db(db)
    got = actions.import_improvements(database, principal(database, as_user), country, records,
                                      now=at_time(at))
    if json_out:
        print_json(got)
        return
    out.print(f"created {got['created']}, updated {got['updated']}, unchanged {got['unchanged']}")


@actions_app.command("import-exercise")
@handle_errors
def actions_import_exercise(country: str = CountryArg,
                            exercise_id: str = typer.Argument(..., help="the exercise's id"),
                            db: str | None = DbOption, as_user: str | None = AsOption,
                            at: str | None = AtOption, json_out: bool = JsonOption) -> None:
    """Import the improvement plan of an exercise (hazatlas exercise): its actions for which
    COUNTRY is responsible become linked actions; importing again updates them."""
    from hazatlas.services.selfassessment import actions

    database = open_db(db)
    got = actions.import_exercise(database, principal(database, as_user), country, exercise_id,
                                  now=at_time(at))
    if json_out:
        print_json(got)
        return
    out.print(f"created {got['created']}, updated {got['updated']}, unchanged {got['unchanged']}")


def register(app: typer.Typer) -> None:
    app.add_typer(impl_app, name="implementation")
