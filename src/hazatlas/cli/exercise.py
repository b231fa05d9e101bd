"""``hazatlas exercise``: table-top exercises (create, add-objective, add-inject, start, release,
log, end, rate, feedback, action, action-status, report, show, list); ``docs/exercises.md``.
The CLI acts as the local administrator unless ``--as USER``. ``--at`` sets the clock of a
command (ISO time with offset): an exercise can be replayed or played on a given timeline."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from hazatlas.cli.common import (
    AsOption,
    AtOption,
    DbOption,
    JsonOption,
    handle_errors,
    open_db,
    out,
    principal,
    print_json,
    settings,
)

exercise_app = typer.Typer(help="Table-top exercises: master events list, play, evaluation.",
                           no_args_is_help=True)


def _clock(value: str | None) -> Callable[[], dt.datetime] | None:
    if value is None:
        return None
    from hazatlas.domain.errors import Problem, ValidationError

    try:
        at = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError([Problem("parameter", None, "--at", f"{value!r} is not an ISO 8601 "
                                       "time (e.g. 2015-09-02T09:00:00+03:00)")]) from None
    return lambda: at


def _json_file(path: Path | None, option: str) -> Any:
    if path is None:
        return None
    from hazatlas.domain.errors import Problem, ValidationError

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError([Problem(path.name, None, option, f"not JSON: {exc}")]) from None


def _hms(seconds: float | None) -> str:
    from hazatlas.domain.exercises.play import clock_text

    return clock_text(seconds)


def _summary(doc: dict[str, Any]) -> None:
    out.print(f"[bold]{doc['title']}[/bold] ({doc['id']}), {doc['type'].replace('_', ' ')}, "
              f"{' '.join(doc['parties'])}: {doc['state']}")
    for o in doc["objectives"]:
        out.print(f"  objective {o['id']} [{o['area']}] {o['text']} "
                  f"({len(o['tasks'])} critical tasks)")
    for i in doc["injects"]:
        done = f"released {_hms(i['released_s'])}" if i["released_at"] else "not released"
        out.print(f"  {_hms(i['offset_s'])} {i['id']}: {i['synopsis']} "
                  f"({i['from_party']} → {', '.join(i['to']) or 'room'}; {done})")
    for e in doc.get("journal", []):
        out.print(f"  #{e['seq']} {_hms(e['scenario_s'])} {e['kind']} {e['party'] or ''} "
                  f"{e['actor']}: {e['text']}")


def _show(doc: dict[str, Any], json_out: bool) -> None:
    if json_out:
        print_json(doc)
    else:
        _summary(doc)


@exercise_app.command("list")
@handle_errors
def list_(db: str | None = DbOption, as_user: str | None = AsOption,
          json_out: bool = JsonOption) -> None:
    """The exercises the acting user may read."""
    from hazatlas.services import exercises

    database = open_db(db)
    rows = exercises.list_exercises(database, principal(database, as_user))
    if json_out:
        print_json(rows)
        return
    for r in rows:
        out.print(f"{r['id']}  {r['title']}  {' '.join(r['parties'])}  {r['state']}")


@exercise_app.command("create")
@handle_errors
def create(
    exercise_id: str = typer.Argument(..., help="the exercise's id"),
    title: str = typer.Option(..., "--title"),
    type_: str = typer.Option("table_top", "--type", help="table_top, communication_test, "
                              "seminar, workshop, game, drill, functional, full_scale"),
    party: list[str] = typer.Option(..., "--party", help="ISO3 of a Party (repeat)"),
    plan: str | None = typer.Option(None, "--plan", help="the joint plan the exercise tests"),
    scenario: str | None = typer.Option(None, "--scenario", help="a stored scenario's id"),
    scheduled: str | None = typer.Option(None, "--scheduled", help="date YYYY-MM-DD"),
    accident: Path | None = typer.Option(None, "--accident", exists=True, dir_okay=False,
                                         help="JSON file: the accident of the messages "
                                              "(REPORT.json 'accident' without occurred_at)"),
    controller: list[str] = typer.Option([], "--controller", help="user (repeat)"),
    evaluator: list[str] = typer.Option([], "--evaluator", help="user (repeat)"),
    observer: list[str] = typer.Option([], "--observer", help="user (repeat)"),
    ack_window: int = typer.Option(3600, "--ack-window", help="seconds to acknowledge an "
                                   "exercise message before escalation"),
    db: str | None = DbOption, as_user: str | None = AsOption, json_out: bool = JsonOption,
) -> None:
    """Create a planned exercise; the acting user is its first controller."""
    from hazatlas.services import exercises

    staff = ([(u, "controller") for u in controller] + [(u, "evaluator") for u in evaluator]
             + [(u, "observer") for u in observer])
    database = open_db(db)
    doc = exercises.create(database, principal(database, as_user), exercise_id=exercise_id,
                           title=title, type=type_, parties=party, plan_id=plan,
                           scheduled_on=scheduled, scenario_id=scenario,
                           accident=_json_file(accident, "--accident"), staff=staff,
                           ack_window_s=ack_window)
    _show(doc, json_out)


@exercise_app.command("add-objective")
@handle_errors
def add_objective(
    exercise_id: str = typer.Argument(...), objective_id: str = typer.Argument(...),
    text: str = typer.Option(..., "--text"),
    area: str = typer.Option(..., "--area", help="evaluation area: notification, monitoring, "
                             "intervention, assessment_modelling, decision_making, "
                             "national_cooperation, transboundary_cooperation"),
    task: list[str] = typer.Option([], "--task", help="a critical task (repeat; T1, T2, ...)"),
    db: str | None = DbOption, as_user: str | None = AsOption, json_out: bool = JsonOption,
) -> None:
    """Add an objective with its critical tasks."""
    from hazatlas.services import exercises

    database = open_db(db)
    _show(exercises.add_objective(database, principal(database, as_user), exercise_id,
                                  objective_id=objective_id, text=text, area=area, tasks=task),
          json_out)


@exercise_app.command("add-inject")
@handle_errors
def add_inject(
    exercise_id: str = typer.Argument(...), inject_id: str = typer.Argument(...),
    minutes: float = typer.Option(..., "--minutes", help="scenario time: minutes after the accident"),
    synopsis: str = typer.Option(..., "--synopsis"),
    from_party: str = typer.Option(..., "--from", help="ISO3 of the Party it comes from"),
    to: list[str] = typer.Option([], "--to", help="ISO3, basin:NAME or contact id (repeat)"),
    expected: str = typer.Option("", "--expected", help="the expected player action"),
    objective: str | None = typer.Option(None, "--objective"),
    message: Path | None = typer.Option(None, "--message", exists=True, dir_okay=False,
                                        help="JSON file: the report sent on release (REPORT.json "
                                             "keys; type, assistance, response ...)"),
    report_type: str | None = typer.Option(None, "--report-type", help="send a message of this "
                                           "type on release (early_warning, information, ...)"),
    db: str | None = DbOption, as_user: str | None = AsOption, json_out: bool = JsonOption,
) -> None:
    """Add an inject to the master events list."""
    from hazatlas.services import exercises

    data = _json_file(message, "--message")
    if report_type is not None:
        data = {**(data or {}), "type": report_type}
    database = open_db(db)
    _show(exercises.add_inject(database, principal(database, as_user), exercise_id,
                               inject_id=inject_id, offset_s=minutes * 60.0, synopsis=synopsis,
                               from_party=from_party, to=to, expected_action=expected,
                               objective=objective, message=data), json_out)


@exercise_app.command("start")
@handle_errors
def start(
    exercise_id: str = typer.Argument(...),
    offset_minutes: float = typer.Option(0.0, "--offset-minutes", help="scenario time at start"),
    communication_test: int | None = typer.Option(None, "--communication-test", help="also send "
                                                  "a communication test; its window in seconds"),
    db: str | None = DbOption, as_user: str | None = AsOption, at: str | None = AtOption,
    json_out: bool = JsonOption,
) -> None:
    """Start the scenario clock."""
    from hazatlas.services import exercises

    database = open_db(db)
    _show(exercises.start(database, principal(database, as_user), settings(db), exercise_id,
                          offset_s=offset_minutes * 60.0,
                          communication_test_window_s=communication_test, clock=_clock(at)),
          json_out)


@exercise_app.command("release")
@handle_errors
def release(
    exercise_id: str = typer.Argument(...),
    inject_id: str | None = typer.Argument(None, help="the inject (default: every one due)"),
    db: str | None = DbOption, as_user: str | None = AsOption, at: str | None = AtOption,
    json_out: bool = JsonOption,
) -> None:
    """Release an inject, or every inject whose scenario time has come."""
    from hazatlas.services import exercises

    database = open_db(db)
    got = exercises.release(database, principal(database, as_user), settings(db), exercise_id,
                            inject_id, clock=_clock(at))
    if json_out:
        print_json(got)
    else:
        out.print(f"released: {', '.join(got['released']) or 'nothing due'}")


@exercise_app.command("log")
@handle_errors
def log(
    exercise_id: str = typer.Argument(...), text: str = typer.Argument(""),
    kind: str = typer.Option("action", "--kind", help="action, note, hotwash or message"),
    report: str | None = typer.Option(None, "--report", help="a notification of the exercise"),
    db: str | None = DbOption, as_user: str | None = AsOption, at: str | None = AtOption,
    json_out: bool = JsonOption,
) -> None:
    """Log a participant's action, a staff note, a hot-wash point or a message."""
    from hazatlas.services import exercises

    database = open_db(db)
    got = exercises.log(database, principal(database, as_user), settings(db), exercise_id,
                        kind=kind, text=text, report_id=report, clock=_clock(at))
    if json_out:
        print_json(got)
    else:
        out.print(f"journal entry #{got['seq']}")


@exercise_app.command("end")
@handle_errors
def end(exercise_id: str = typer.Argument(...), db: str | None = DbOption,
        as_user: str | None = AsOption, at: str | None = AtOption,
        json_out: bool = JsonOption) -> None:
    """End the exercise (the clock stops)."""
    from hazatlas.services import exercises

    database = open_db(db)
    _show(exercises.end(database, principal(database, as_user), exercise_id, clock=_clock(at)),
          json_out)


@exercise_app.command("rate")
@handle_errors
def rate(
    exercise_id: str = typer.Argument(...),
    target: str = typer.Argument(..., help="OBJECTIVE or OBJECTIVE/TASK"),
    rating: str = typer.Argument(..., help="P, S, M or U"),
    phase: str = typer.Option("detailed", "--phase", help="quick (hot wash) or detailed"),
    evidence: list[int] = typer.Option([], "--evidence", help="a journal entry number (repeat)"),
    note: str = typer.Option("", "--note"),
    db: str | None = DbOption, as_user: str | None = AsOption, at: str | None = AtOption,
    json_out: bool = JsonOption,
) -> None:
    """Rate an objective or a critical task."""
    from hazatlas.services import exercises

    database = open_db(db)
    _show(exercises.rate(database, principal(database, as_user), exercise_id, target=target,
                         rating=rating, phase=phase, evidence=evidence, note=note,
                         clock=_clock(at)), json_out)


@exercise_app.command("feedback")
@handle_errors
def feedback(
    exercise_id: str = typer.Argument(...),
    answer: list[str] = typer.Option([], "--answer", help="QUESTION=ANSWER (repeat)"),
    questions: bool = typer.Option(False, "--questions", help="list the form's questions"),
    db: str | None = DbOption, as_user: str | None = AsOption, at: str | None = AtOption,
    json_out: bool = JsonOption,
) -> None:
    """Give the participant feedback form (or list its questions)."""
    from hazatlas.domain.errors import Problem, ValidationError
    from hazatlas.services import exercises

    if questions:
        for q in exercises.questions():
            out.print(f"{q['question']} ({q['kind']}): {q['text']}")
        return
    answers: dict[str, Any] = {}
    for item in answer:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValidationError([Problem("parameter", None, "--answer",
                                           f"{item!r}: expected QUESTION=ANSWER")])
        answers[key.strip()] = value
    database = open_db(db)
    _show(exercises.feedback(database, principal(database, as_user), exercise_id, answers,
                             clock=_clock(at)), json_out)


@exercise_app.command("action")
@handle_errors
def action(
    exercise_id: str = typer.Argument(...), text: str = typer.Option(..., "--text"),
    plan: str = typer.Option(..., "--plan", help="the plan the action changes"),
    section: str = typer.Option(..., "--section", help="the plan section it changes"),
    responsible: str = typer.Option(..., "--responsible", help="ISO3 of the Party"),
    due: str = typer.Option(..., "--due", help="date YYYY-MM-DD"),
    area: str | None = typer.Option(None, "--area"),
    objective: str | None = typer.Option(None, "--objective"),
    db: str | None = DbOption, as_user: str | None = AsOption, json_out: bool = JsonOption,
) -> None:
    """Add an action to the improvement plan."""
    from hazatlas.services import exercises

    database = open_db(db)
    _show(exercises.add_action(database, principal(database, as_user), exercise_id, text=text,
                               plan_id=plan, section=section, responsible=responsible, due=due,
                               area=area, objective=objective), json_out)


@exercise_app.command("action-status")
@handle_errors
def action_status(
    exercise_id: str = typer.Argument(...), action_id: str = typer.Argument(...),
    status: str = typer.Argument(..., help="open, in_progress, done or cancelled"),
    db: str | None = DbOption, as_user: str | None = AsOption, json_out: bool = JsonOption,
) -> None:
    """Move an improvement action on."""
    from hazatlas.services import exercises

    database = open_db(db)
    _show(exercises.set_action_status(database, principal(database, as_user), exercise_id,
                                      action_id, status), json_out)


@exercise_app.command("report")
@handle_errors
def report(
    exercise_id: str = typer.Argument(...),
    fmt: str = typer.Option("html", "--format", help="html (shareable), json, or xlsx (the "
                            "journal)"),
    output: Path | None = typer.Option(None, "--output", "-o", help="file (default: stdout; "
                                       "xlsx needs a file)"),
    db: str | None = DbOption, as_user: str | None = AsOption,
) -> None:
    """The after-action report (HTML or JSON), or the journal as XLSX."""
    from hazatlas.domain.errors import Problem, ValidationError
    from hazatlas.services import exercises

    database = open_db(db)
    who = principal(database, as_user)
    if fmt == "xlsx":
        if output is None:
            raise ValidationError([Problem("parameter", None, "--output",
                                           "the XLSX journal is written to a file")])
        n = exercises.journal_xlsx(database, who, exercise_id, output)
        out.print(f"wrote {output} ({n} journal entries)")
        return
    text = exercises.report_text(database, who, settings(db), exercise_id, fmt)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        out.print(f"wrote {output}")


@exercise_app.command("show")
@handle_errors
def show(exercise_id: str = typer.Argument(...), db: str | None = DbOption,
         as_user: str | None = AsOption, json_out: bool = JsonOption) -> None:
    """An exercise with its master events list and journal."""
    from hazatlas.services import exercises

    database = open_db(db)
    _show(exercises.get(database, principal(database, as_user), exercise_id), json_out)


def register(app: typer.Typer) -> None:
    app.add_typer(exercise_app, name="exercise")
