"""``hazatlas audit verify``: check the hash-chained audit log of notifications."""

from __future__ import annotations

import typer

from hazatlas.cli.common import DbOption, handle_errors, open_db, print_json

audit_app = typer.Typer(help="The append-only, hash-chained audit log.", no_args_is_help=True)


@audit_app.command("verify")
@handle_errors
def verify(
    expected_head: str | None = typer.Option(
        None,
        "--expected-head",
        help="a head hash printed earlier and kept elsewhere: it must still be in the log",
    ),
    db: str | None = DbOption,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Verify every entry of the audit log and the head row; exit 1 if anything was changed.

    Checks every column of every entry, the order, and that the log ends where the
    database's head row says it does. Prints the head hash: keep it outside the database and
    pass it back with --expected-head to detect a rewrite of the head row as well.
    """
    from hazatlas.services.notify import verify_audit

    database = open_db(db)
    try:
        result = verify_audit(database, expected_head)
    finally:
        database.dispose()
    if json_out:
        print_json(result)
    elif result["status"] == "empty":
        typer.echo("audit log has no entries (it was never written)")
    elif result["ok"]:
        # plain output: the head hash must not be wrapped (it is copied elsewhere)
        typer.echo(f"audit log OK: {result['entries']} entries; head {result['head']}")
    else:
        where = f" at entry {result['bad_seq']}" if result["bad_seq"] is not None else ""
        typer.echo(
            f"audit log BROKEN{where}: {result['reason']} "
            f"({result['entries']} entries verified up to there)",
            err=True,
        )
    if not result["ok"]:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
