"""``hazatlas scenarios``: the stored model runs (list, show: ``show ID --json`` prints the very
JSON the run printed, ``--meta`` the stored row with who ran it, when and the inputs); and what ``spill``, ``plume`` and
``runout`` share to run on an establishment and store the run (:func:`run_context`).

The CLI acts as the local administrator unless ``--as USER``; a run is stored in the database
(``--db``, ``$HAZATLAS_DATABASE_URL`` or ``var/hazatlas.sqlite``) unless ``--no-store``. Reading
follows the register's access rules (``hazatlas.services.scenarios``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from hazatlas.cli.common import (
    AsOption,
    DbOption,
    handle_errors,
    open_db,
    out,
    principal,
    print_json,
)

if TYPE_CHECKING:
    from hazatlas.domain.access import Principal
    from hazatlas.services.store import Database

scenarios_app = typer.Typer(help="Stored model runs (river spills, plumes, runouts).",
                            no_args_is_help=True)


def run_context(db: str | None, as_user: str | None, establishment: str | None,
                no_store: bool) -> tuple[Database | None, Principal]:
    """The database (None when the run neither reads a site nor is stored) and the acting user
    (the local administrator unless ``--as``)."""
    if no_store and establishment is None and as_user is None:
        return None, principal(None, None)  # type: ignore[arg-type]  # no lookup without --as
    database = open_db(db)
    return database, principal(database, as_user)


def stored_line(answer: dict[str, Any]) -> str:
    """The sentence a table output ends with: where the run was stored and what the site gave."""
    filled = answer.get("filled_from_establishment") or {}
    parts = []
    if filled:
        parts.append(f"from establishment {answer['establishment_id']}: " + ", ".join(
            f"{k} = {v['value']}" for k, v in filled.items()))
    sid = answer.get("scenario_id")
    parts.append(f"stored as scenario {sid} (hazatlas scenarios show {sid})" if sid
                 else "not stored (--no-store)")
    return "; ".join(parts)


@scenarios_app.command("list")
@handle_errors
def list_(
    establishment: str | None = typer.Option(None, "--establishment", help="runs of this site"),
    kind: str | None = typer.Option(None, "--kind", help="river, plume, runout or tailings-failure"),
    limit: int = typer.Option(100, min=1), offset: int = typer.Option(0, min=0),
    db: str | None = DbOption, as_user: str | None = AsOption,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """List the stored runs the acting user may read, newest first."""
    from hazatlas.services import scenarios

    database = open_db(db)
    rows = scenarios.list_runs(database, principal(database, as_user), establishment_id=establishment,
                               kind=kind, limit=limit, offset=offset)
    if json_out:
        print_json(rows)
        return
    table = Table("id", "kind", "establishment", "run by, at", "countries")
    for r in rows:
        table.add_row(r["id"], r["kind"], r["establishment_id"] or "-",
                      f"{r['created_by']}, {r['created_at'][:16].replace('T', ' ')}",
                      " ".join(r["countries"]) or "-")
    out.print(table)


@scenarios_app.command("show")
@handle_errors
def show(
    scenario_id: str = typer.Argument(..., help="scenario id (hazatlas scenarios list)"),
    db: str | None = DbOption, as_user: str | None = AsOption,
    json_out: bool = typer.Option(False, "--json",
                                  help="the JSON the run printed (its stored result), as it was"),
    meta: bool = typer.Option(False, "--meta",
                              help="the stored row as JSON instead (id, kind, "
                                   "establishment_id, created_by, created_at, parameters and the "
                                   "result under result), as GET /api/scenarios/{id} gives it"),
) -> None:
    """One stored run: who ran it and when, its inputs and its countries; ``--json`` prints
    exactly the JSON the run printed, ``--meta`` the stored row around it."""
    from hazatlas.services import scenarios

    database = open_db(db)
    doc = scenarios.get(database, principal(database, as_user), scenario_id)
    if json_out or meta:
        print_json(doc if meta else doc["result"])
        return
    out.print(f"[bold]{doc['kind']}[/bold] scenario {doc['id']}, run by {doc['created_by']} at "
              f"{doc['created_at'][:16]}" + (f" on establishment {doc['establishment_id']}"
                                             if doc["establishment_id"] else ""))
    for key, value in doc["parameters"].items():
        if value not in (None, [], {}):
            out.print(f"  {key}: {value}")
    countries = doc["result"].get("countries") or []
    names = [c["country"] if isinstance(c, dict) else c for c in countries]
    out.print(f"countries: {', '.join(names) or '-'}")
    out.print("the whole result: hazatlas scenarios show " + doc["id"] + " --json")


def register(app: typer.Typer) -> None:
    app.add_typer(scenarios_app, name="scenarios")
