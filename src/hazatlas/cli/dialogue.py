"""``hazatlas dialogue``: the national policy dialogue (``docs/dialogue.md``): bodies (steering
committees, working groups) and their members, meetings with agenda, participants, decisions
and minutes, and the actions decided there (responsible, due date, status, the national action
plan's reference). The CLI acts as the local administrator unless ``--as USER``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import typer

from hazatlas.cli.common import (
    AsOption,
    DbOption,
    JsonOption,
    handle_errors,
    open_db,
    out,
    principal,
    print_json,
)

dialogue_app = typer.Typer(help="The national policy dialogue: bodies, meetings, decisions, actions.",
                           no_args_is_help=True)


def _date(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    from hazatlas.domain.errors import Problem, ValidationError

    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError([Problem("parameter", None, name,
                                       f"{value!r} is not a date (YYYY-MM-DD)")]) from None


def _members(path: Path | None) -> list[dict[str, Any]]:
    """Members from a JSON file: a list of {name, organisation, role, sector}."""
    if path is None:
        return []
    from hazatlas.domain.errors import Problem, ValidationError

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationError([Problem(str(path), None, "members",
                                       f"not a readable JSON list of members: {exc}")]) from None
    if not isinstance(data, list):
        raise ValidationError([Problem(str(path), None, "members",
                                       "must be a JSON list of {name, organisation, role, sector}")])
    return data


def _show_body(doc: dict[str, Any]) -> None:
    out.print(f"[bold]{doc['name']}[/bold] ({doc['id']}), {doc['kind'].replace('_', ' ')}, "
              f"{doc['country_iso3']}: {len(doc['members'])} members")
    for m in doc["members"]:
        out.print(f"  {m['role']:<10} {m['name']} ({m['organisation'] or '-'}, {m['sector']})")
    for meeting in doc.get("meetings", []):
        out.print(f"  meeting {meeting['id']} {meeting['held_on']}: {meeting['title']} "
                  f"({len(meeting['decisions'])} decisions, {len(meeting['actions'])} actions)")


@dialogue_app.command("body-create")
@handle_errors
def body_create(body_id: str = typer.Argument(..., help="the body's id"),
                country: str = typer.Option(..., "--country", help="ISO3 of its country"),
                kind: str = typer.Option(..., "--kind",
                                         help="steering_committee, working_group or other"),
                name: str = typer.Option(..., "--name"),
                mandate: str = typer.Option("", "--mandate"),
                members: Path | None = typer.Option(None, "--members", help="JSON file: a list "
                                                    "of {name, organisation, role, sector}"),
                db: str | None = DbOption, as_user: str | None = AsOption,
                json_out: bool = JsonOption) -> None:
    """Create a steering committee or working group of a country."""
    from hazatlas.services.dialogue import bodies

    database = open_db(db)
    doc = bodies.create_body(database, principal(database, as_user), body_id=body_id,
                             country_iso3=country, kind=kind, name=name, mandate=mandate,
                             members=_members(members))
    print_json(doc) if json_out else _show_body(doc)


@dialogue_app.command("members")
@handle_errors
def set_members(body_id: str, members: Path = typer.Argument(..., help="JSON file of members"),
                db: str | None = DbOption, as_user: str | None = AsOption,
                json_out: bool = JsonOption) -> None:
    """Replace the members of a body."""
    from hazatlas.services.dialogue import bodies

    database = open_db(db)
    doc = bodies.set_members(database, principal(database, as_user), body_id, _members(members))
    print_json(doc) if json_out else _show_body(doc)


@dialogue_app.command("bodies")
@handle_errors
def list_bodies(db: str | None = DbOption, as_user: str | None = AsOption,
                json_out: bool = JsonOption) -> None:
    """The bodies the acting user may read."""
    from hazatlas.services.dialogue import bodies

    database = open_db(db)
    rows = bodies.list_bodies(database, principal(database, as_user))
    if json_out:
        print_json(rows)
        return
    for r in rows:
        out.print(f"{r['id']}  {r['country_iso3']}  {r['kind']}  {r['name']}")


@dialogue_app.command("show")
@handle_errors
def show(body_id: str, db: str | None = DbOption, as_user: str | None = AsOption,
         json_out: bool = JsonOption) -> None:
    """A body with its meetings and their actions."""
    from hazatlas.services.dialogue import bodies

    database = open_db(db)
    doc = bodies.get_body(database, principal(database, as_user), body_id)
    print_json(doc) if json_out else _show_body(doc)


@dialogue_app.command("meeting")
@handle_errors
def meeting(body_id: str,
            held_on: str = typer.Option(..., "--date", help="the meeting's date (YYYY-MM-DD)"),
            title: str = typer.Option(..., "--title"),
            agenda: list[str] = typer.Option([], "--agenda", help="an agenda item (repeat)"),
            participants: list[str] = typer.Option([], "--participant", help="repeat"),
            decisions: list[str] = typer.Option([], "--decision", help="a decision (repeat)"),
            minutes: Path | None = typer.Option(None, "--minutes", help="text file of minutes"),
            db: str | None = DbOption, as_user: str | None = AsOption,
            json_out: bool = JsonOption) -> None:
    """Record a meeting of a body."""
    from hazatlas.services.dialogue import bodies

    database = open_db(db)
    day = _date(held_on, "--date")
    assert day is not None
    doc = bodies.add_meeting(database, principal(database, as_user), body_id, held_on=day,
                             title=title, agenda=agenda, participants=participants,
                             decisions=decisions,
                             minutes=minutes.read_text(encoding="utf-8") if minutes else "")
    if json_out:
        print_json(doc)
    else:
        out.print(f"meeting {doc['id']} of {body_id} on {doc['held_on']}: {doc['title']}")


@dialogue_app.command("action")
@handle_errors
def action(meeting_id: int, title: str = typer.Option(..., "--title"),
           responsible: str = typer.Option(..., "--responsible"),
           due: str | None = typer.Option(None, "--due", help="due date (YYYY-MM-DD)"),
           status: str = typer.Option("open", "--status",
                                      help="open, in_progress, done or cancelled"),
           action_plan_ref: str | None = typer.Option(None, "--action-plan-ref",
                                                      help="the national action plan's action"),
           db: str | None = DbOption, as_user: str | None = AsOption,
           json_out: bool = JsonOption) -> None:
    """Add an action decided at a meeting."""
    from hazatlas.services.dialogue import bodies

    database = open_db(db)
    doc = bodies.add_action(database, principal(database, as_user), meeting_id,
                            {"title": title, "responsible": responsible,
                             "due_on": _date(due, "--due"), "status": status,
                             "action_plan_ref": action_plan_ref})
    print_json(doc) if json_out else out.print(f"action {doc['id']}: {doc['title']}")


@dialogue_app.command("action-set")
@handle_errors
def action_set(action_id: int, status: str | None = typer.Option(None, "--status"),
               due: str | None = typer.Option(None, "--due"),
               responsible: str | None = typer.Option(None, "--responsible"),
               action_plan_ref: str | None = typer.Option(None, "--action-plan-ref"),
               db: str | None = DbOption, as_user: str | None = AsOption,
               json_out: bool = JsonOption) -> None:
    """Change an action's status, due date, responsible or action plan reference."""
    from hazatlas.services.dialogue import bodies

    values: dict[str, Any] = {k: v for k, v in (("status", status), ("responsible", responsible),
                                                ("action_plan_ref", action_plan_ref))
                              if v is not None}
    if due is not None:
        values["due_on"] = _date(due, "--due")
    database = open_db(db)
    doc = bodies.update_action(database, principal(database, as_user), action_id, values)
    print_json(doc) if json_out else out.print(f"action {doc['id']}: {doc['status']}")


@dialogue_app.command("actions")
@handle_errors
def actions(country: str | None = typer.Option(None, "--country"),
            overdue: bool = typer.Option(False, "--overdue", help="only overdue actions"),
            db: str | None = DbOption, as_user: str | None = AsOption,
            json_out: bool = JsonOption) -> None:
    """The actions the acting user may read; overdue ones flagged."""
    from hazatlas.services.dialogue import bodies

    database = open_db(db)
    rows = bodies.list_actions(database, principal(database, as_user), country=country,
                               overdue_only=overdue)
    if json_out:
        print_json(rows)
        return
    for r in rows:
        flag = "  OVERDUE" if r["overdue"] else ""
        out.print(f"{r['id']}  {r['country_iso3']}  {r['due_on'] or '-'}  {r['status']:<11} "
                  f"{r['responsible']}: {r['title']}{flag}")


def register(app: typer.Typer) -> None:
    app.add_typer(dialogue_app, name="dialogue")
