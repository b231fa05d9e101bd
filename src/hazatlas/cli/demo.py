"""``hazatlas demo``: create the SQLite database with the bundled geodata and demo register,
then serve it."""

from __future__ import annotations

from pathlib import Path

import typer

from hazatlas.cli.common import handle_errors, open_db, out, principal
from hazatlas.cli.serve import serve_database

#: the database layer's ``DEFAULT_SQLITE_PATH``, repeated so that ``hazatlas demo --help`` need not
#: import the database layer (a test checks that both are the same).
DEFAULT_SQLITE_PATH = Path("var") / "hazatlas.sqlite"


def prepare_demo(db: Path) -> dict[str, int]:
    from hazatlas.domain.reference import data_path
    from hazatlas.services import geodata
    from hazatlas.services.register import RegisterService

    database = open_db(db)
    counts = geodata.load_geodata(database)
    report = RegisterService(database, principal(database, None)).import_file(
        data_path("demo", "register.csv"))
    counts["establishments"] = report.establishments
    counts["created"] = len(report.summary.created)
    return counts


@handle_errors
def demo(db: Path = typer.Option(DEFAULT_SQLITE_PATH, "--db", help="SQLite file to create or refresh"),
         no_serve: bool = typer.Option(False, "--no-serve", help="only prepare the database"),
         host: str = typer.Option("127.0.0.1"), port: int = typer.Option(8000)) -> None:
    """Load the bundled geodata and the demo register into SQLite and serve it."""
    counts = prepare_demo(db)
    out.print(f"demo database {db}: {counts['countries']} countries, {counts['reaches']} river "
              f"reaches, {counts['establishments']} establishments ({counts['created']} new)")
    if not no_serve:
        serve_database(db, host, port)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
