"""Shared CLI plumbing: settings, the database, the acting user, errors and JSON output.

Kept light: every command module imports it while ``hazatlas COMMAND --help`` is built, so the
settings, the database layer (SQLAlchemy) and the access rules are imported only when a command
runs (see ``tests/test_cli_startup.py``)."""

from __future__ import annotations

import datetime as dt
import functools
import getpass
import json
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console

from hazatlas.domain.errors import HazatlasError, ValidationError

if TYPE_CHECKING:
    from hazatlas.domain.access import Principal
    from hazatlas.services.settings import Settings
    from hazatlas.services.store import Database

err = Console(stderr=True)
out = Console()
F = TypeVar("F", bound=Callable[..., Any])

DbOption = typer.Option(None, "--db", help="SQLite file or database URL "
                        "(default: $HAZATLAS_DATABASE_URL or var/hazatlas.sqlite)")
AsOption = typer.Option(None, "--as", help="act as this registered user (default: the local "
                        "administrator)")
# the options of the model commands (spill, plume, runout): see hazatlas.cli.scenarios
EstablishmentOption = typer.Option(
    None, "--establishment",
    help="Establishment id: the run belongs to this site, whose location, inventory and "
    "tailings details fill the inputs left out")
NoStoreOption = typer.Option(False, "--no-store", help="compute only: do not store the run")
# the options of the document commands (plan, exercise, implementation, dialogue, ...)
JsonOption = typer.Option(False, "--json", help="print the result as JSON")
AtOption = typer.Option(None, "--at", help="the time to use instead of now (ISO 8601 with offset)")


def parse_time(value: str, name: str = "--at", *, offset: bool = False) -> dt.datetime:
    """``value`` (ISO 8601) as a time, or a :class:`ValidationError` naming the option ``name``;
    with ``offset`` a time without its UTC offset is refused too."""
    from hazatlas.domain.errors import Problem

    try:
        t: dt.datetime | None = dt.datetime.fromisoformat(value)
    except ValueError:
        t = None
    if t is None or (offset and t.tzinfo is None):
        need = "time with its offset" if offset else "time"
        raise ValidationError([Problem("parameter", None, name, f"{value!r} is not an ISO 8601 "
                                       f"{need} (e.g. 2026-03-02T09:00:00+02:00)")])
    return t


def at_time(value: str | None) -> dt.datetime | None:
    """The ``--at`` option's time, or None when it was not given."""
    return None if value is None else parse_time(value)


def settings(db: str | Path | None = None) -> Settings:
    from hazatlas.services.settings import Settings

    return Settings.from_env(database_url=str(db) if db else None)


def open_db(db: str | Path | None = None, *, migrate: bool = True) -> Database:
    from hazatlas.services.store import open_database

    return open_database(settings(db).database_url, migrate=migrate)


def principal(database: Database, username: str | None) -> Principal:
    if username:
        from hazatlas.services.users import principal_for_user

        return principal_for_user(database, username)
    from hazatlas.domain.access import SYSTEM

    try:
        who = getpass.getuser()
    except Exception:  # no login name in some containers
        who = "unknown"
    return replace(SYSTEM, username=f"cli:{who}")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def handle_errors(func: F) -> F:
    """Turn hazatlas errors into a message on stderr and exit status 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ValidationError as exc:
            typer.echo(f"error: {len(exc.problems)} problem(s); nothing was changed", err=True)
            for p in exc.problems:
                typer.echo(f"  - {p}", err=True)
            raise typer.Exit(2) from None
        except HazatlasError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]
