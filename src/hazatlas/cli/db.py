"""``hazatlas db``: create or upgrade the schema, load the bundled geodata."""

from __future__ import annotations

import typer

from hazatlas.cli.common import DbOption, handle_errors, open_db, out, print_json

db_app = typer.Typer(help="Database schema and bundled geodata.", no_args_is_help=True)


@db_app.command("migrate")
@handle_errors
def migrate(db: str | None = DbOption) -> None:
    """Create the schema or bring it to the newest revision."""
    database = open_db(db)
    out.print(f"schema at revision {database.current_revision()} ({database.dialect})")


@db_app.command("load-geodata")
@handle_errors
def load_geodata(db: str | None = DbOption, json_out: bool = typer.Option(False, "--json")) -> None:
    """Load the bundled Natural Earth countries and river network into the database."""
    from hazatlas.services import geodata

    counts = geodata.load_geodata(open_db(db))
    if json_out:
        print_json(counts)
    else:
        out.print(f"loaded {counts['countries']} countries and {counts['reaches']} river reaches")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
