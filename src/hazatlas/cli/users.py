"""``hazatlas users``: accounts, roles and API tokens."""

from __future__ import annotations

import os

import typer
from rich.table import Table

from hazatlas.cli.common import DbOption, handle_errors, open_db, out, print_json, settings

users_app = typer.Typer(help="User accounts, roles and API tokens.", no_args_is_help=True)


@users_app.command("add")
@handle_errors
def add(
    username: str,
    role: str = typer.Option(..., help="administrator, national, basin, operator, stakeholder "
                             "or public"),
    country: str | None = typer.Option(None, help="ISO3 country of a national authority or a "
                                       "stakeholder"),
    establishment: str | None = typer.Option(None, help="establishment id of an operator"),
    password_env: str | None = typer.Option(None, help="name of an environment variable that "
                                            "holds the password (never on the command line)"),
    db: str | None = DbOption,
) -> None:
    """Create a user."""
    from hazatlas.services import users as svc

    database = open_db(db)
    password = os.environ.get(password_env) if password_env else None
    svc.create_user(database, username, role, password=password, country=country,
                    establishment_id=establishment)
    out.print(f"user {username} ({role}) created")


@users_app.command("password")
@handle_errors
def password(username: str, db: str | None = DbOption) -> None:
    """Set a user's password (for signing in to the web pages and POST /api/tokens).

    Asked twice at a prompt; from a pipe, the first line of standard input is read
    (``printf '%s\\n' "$PW" | hazatlas users password NAME``). Never on the command line."""
    import getpass
    import sys

    from hazatlas.services import users as svc

    if sys.stdin.isatty():
        value = getpass.getpass("New password: ")
        if getpass.getpass("Repeat it: ") != value:
            from hazatlas.domain.errors import Problem, ValidationError

            raise ValidationError([Problem("parameter", None, "password", "the two entries differ")])
    else:
        value = sys.stdin.readline().rstrip("\r\n")
    svc.set_password(open_db(db), username, value, actor=f"cli:{getpass.getuser()}")
    out.print(f"password of {username} set; its browser sessions have ended")


@users_app.command("token")
@handle_errors
def token(
    username: str,
    label: str | None = typer.Option(None, help="what the token is for"),
    days: int | None = typer.Option(None, help="days until the token expires, 1 to 3650 "
                                     "(default: $HAZATLAS_TOKEN_DAYS or 90)"),
    db: str | None = DbOption,
) -> None:
    """Issue an API token for a user (printed once; store it safely). It expires after --days."""
    from hazatlas.services import users as svc

    lifetime = days if days is not None else settings(db).token_days
    print(svc.issue_token(open_db(db), username, label=label, days=lifetime))


@users_app.command("revoke")
@handle_errors
def revoke(username: str, db: str | None = DbOption) -> None:
    """Revoke every API token of a user (they get 401 at once)."""
    from hazatlas.services import users as svc

    n = svc.revoke_tokens(open_db(db), username)
    out.print(f"{n} token{'s' if n != 1 else ''} of {username} revoked")


@users_app.command("list")
@handle_errors
def list_(db: str | None = DbOption, json_out: bool = typer.Option(False, "--json")) -> None:
    """List users."""
    from hazatlas.services import users as svc

    rows = svc.list_users(open_db(db))
    if json_out:
        print_json(rows)
        return
    t = Table("user", "role", "country", "establishment", "active")
    for r in rows:
        t.add_row(str(r["username"]), str(r["role"]), str(r["country"] or ""),
                  str(r["establishment_id"] or ""), str(r["active"]))
    out.print(t)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
